"""The public-appraisal component comes from the plan's closed survey (its frozen index per
unit) when there is one, otherwise from the office-entered figures (ComponentScore)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from kaoping.org.models import Role
from kaoping.scoring import selectors, services
from kaoping.scoring.models import ComponentScore, UnitResult
from kaoping.surveys.models import (
    OptionSet,
    Question,
    Questionnaire,
    RespondentGroup,
    SurveyProject,
    SurveyResult,
)
from kaoping.surveys.services.results import project_close
from tests.surveys.conftest import add_respondents
from tests.surveys.test_results import interview

pytestmark = pytest.mark.django_db


def _survey(world: Any) -> SurveyProject:
    """A survey feeding the plan's scoring: town A rated by three residents, town B by none."""
    project = SurveyProject.objects.create(
        plan=world.plan, code="S-ZH", name="综合评议", feeds_scoring=True
    )
    project.units.set([world.town_a, world.town_b])
    questionnaire = Questionnaire.objects.create(project=project, title="问卷")
    five = OptionSet.objects.get(code="five_level")
    for number in (1, 2):
        Question.objects.create(
            questionnaire=questionnaire, number=number, text=f"问题{number}", option_set=five
        )
    people = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 6})
    who = world.users[Role.INTERVIEWER]
    for person, labels in zip(
        people, [("很满意", "满意"), ("满意", "满意"), ("基本满意", "很满意")], strict=False
    ):
        interview(project, person, {world.town_a: labels}, interviewer=who)
    return project


def _run(world: Any) -> Any:
    return services.score_run_start(actor=world.users[Role.OFFICE], plan=world.plan, label="草稿")


def test_closed_survey_feeds_the_public_appraisal_component(scored: Any) -> None:
    ComponentScore.objects.create(
        plan=scored.plan,
        unit=scored.town_b,
        component=ComponentScore.Component.PUBLIC_APPRAISAL,
        score=D("70"),
        source="民调中心",
    )
    project = _survey(scored)
    project_close(project=project, actor=scored.users[Role.OFFICE])
    index = SurveyResult.objects.get(project=project, unit=scored.town_a).index
    # residents 90, 80, 80 → 250 / 3
    assert index == D("83.3333")
    assert selectors.public_appraisal_for_scoring(plan=scored.plan) == {scored.town_a.pk: index}
    assert selectors.public_appraisal_sources(plan=scored.plan) == {
        scored.town_a.pk: "S-ZH 综合评议"
    }

    run = _run(scored)
    town_a = UnitResult.objects.get(run=run, unit=scored.town_a)
    assert town_a.public_appraisal == index
    assert "public" not in town_a.components_missing
    # the survey replaces the entered figures: town B has no index, so no component
    town_b = UnitResult.objects.get(run=run, unit=scored.town_b)
    assert town_b.public_appraisal is None and "public" in town_b.components_missing


def test_without_a_closed_survey_the_entered_figures_count(scored: Any) -> None:
    ComponentScore.objects.create(
        plan=scored.plan,
        unit=scored.town_a,
        component=ComponentScore.Component.PUBLIC_APPRAISAL,
        score=D("88"),
        source="民调中心",
    )
    _survey(scored)  # still in fieldwork: not used
    assert selectors.public_appraisal_for_scoring(plan=scored.plan) == {scored.town_a.pk: D("88")}
    assert selectors.public_appraisal_sources(plan=scored.plan) == {scored.town_a.pk: "民调中心"}
    town_a = UnitResult.objects.get(run=_run(scored), unit=scored.town_a)
    assert town_a.public_appraisal == D("88")


def test_a_survey_not_feeding_scoring_is_ignored(scored: Any) -> None:
    project = _survey(scored)
    SurveyProject.objects.filter(pk=project.pk).update(feeds_scoring=False)
    project.refresh_from_db()
    project_close(project=project, actor=scored.users[Role.OFFICE])
    assert selectors.public_appraisal_for_scoring(plan=scored.plan) == {}
    town_a = UnitResult.objects.get(run=_run(scored), unit=scored.town_a)
    assert town_a.public_appraisal is None
