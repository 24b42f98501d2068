"""Revealing a respondent's clear name and phone: each view is one audit event."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.surveys.models import RespondentGroup, SurveyProject
from kaoping.surveys.services.privacy import reveal_respondent
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db


def test_each_reveal_is_audited_with_its_purpose(project: SurveyProject, world: Any) -> None:
    respondent = add_respondents(project, RespondentGroup.DEPUTY, {"全县": 1})[0]
    office = world.users["office"]
    first = reveal_respondent(user=office, respondent=respondent, purpose="核对名单")
    second = reveal_respondent(user=office, respondent=respondent, purpose="回访复核")
    assert first.phone == second.phone == "13900000000"
    assert first.name == "测试0"
    events = list(AuditEvent.objects.filter(action="survey.personal_data_viewed").order_by("pk"))
    assert [e.reason for e in events] == ["核对名单", "回访复核"]
    assert all(e.actor == office and e.object_id == str(respondent.pk) for e in events)
    assert all("13900000000" not in f"{e.after} {e.object_repr}" for e in events)
