"""The survey models' guarantees that hold whatever the services do."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from kaoping.org.models import Role
from kaoping.surveys import crypto
from kaoping.surveys.models import OptionSet, RespondentGroup, SurveyProject
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db


def test_presets_exist_with_their_published_scores() -> None:
    five = OptionSet.objects.get(code="five_level")
    assert five.options[0] == ["很满意", 100.0]
    assert five.options[-1] == ["不了解", None]
    assert OptionSet.objects.get(code="twelve340").options[2] == ["不太满意", 40.0]


def test_one_scoring_project_per_plan(project: SurveyProject) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyProject.objects.create(plan=project.plan, code="T-2", name="x", feeds_scoring=True)
    SurveyProject.objects.create(plan=project.plan, code="T-FG", name="专项", kind="special")


def test_personal_data_is_stored_encrypted(project: SurveyProject) -> None:
    (person,) = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 1})
    assert "13900000000" not in person.phone_encrypted
    assert crypto.decrypt(person.phone_encrypted) == "13900000000"
    assert person.phone_masked == "139****0000"
    assert person.name_masked == "测**"


def test_projects_are_read_by_the_office_only(world: Any, project: SurveyProject) -> None:
    assert list(SurveyProject.objects.for_user(world.users[Role.OFFICE])) == [project]
    for role in (Role.LEADER, Role.REPORTER, Role.INTERVIEWER, Role.AUDITOR):
        assert not SurveyProject.objects.for_user(world.users[role]).exists()
