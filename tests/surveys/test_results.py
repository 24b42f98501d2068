"""Survey results: the unit index and its stratified interval against hand-computed cases,
excluded options, the satisfied rate with its Wilson interval, census groups, AAPOR rates
from case dispositions, year on year, and closing (freezing) a project.

The data are built directly (draw, cases, complete interviews, answers): the services that
create them belong to other areas.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError
from kaoping.org.models import Unit
from kaoping.surveys.models import (
    Answer,
    Case,
    Interview,
    Outcome,
    Question,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
    SurveyResult,
)
from kaoping.surveys.services.results import (
    compute_results,
    project_close,
    project_results,
)
from tests.factories import PlanFactory
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db

Z95 = 1.959963984540054  # NormalDist().inv_cdf(0.975)
SCORES = {"很满意": 100, "满意": 80, "基本满意": 60, "不太满意": 30, "不满意": 0}


# --- building survey data (helpers also used by the CLI, view and scoring-feed tests) -----------
def fieldwork(project: SurveyProject) -> SampleDraw:
    """Put the project in fieldwork with a current draw (created once)."""
    SurveyProject.objects.filter(pk=project.pk).update(
        status=SurveyProject.Status.FIELDWORK, fieldwork_started_at=timezone.now()
    )
    project.refresh_from_db()
    draw = SampleDraw.objects.filter(project=project, superseded_at__isnull=True).first()
    return draw or SampleDraw.objects.create(project=project, seed=7, frame_digest="x" * 64)


def make_case(
    project: SurveyProject,
    respondent: Respondent,
    *,
    status: str = Case.Status.COMPLETED,
    attempts: int = 1,
    last_outcome: str = Outcome.COMPLETE,
    is_reserve: bool = False,
) -> Case:
    draw = fieldwork(project) if project.status != SurveyProject.Status.FIELDWORK else None
    draw = draw or SampleDraw.objects.get(project=project, superseded_at__isnull=True)
    stratum = f"{respondent.group}:{respondent.stratum}"
    return Case.objects.create(
        draw=draw,
        project=project,
        respondent=respondent,
        stratum=stratum,
        position=Case.objects.filter(draw=draw, stratum=stratum).count() + 1,
        is_reserve=is_reserve,
        status=status,
        attempts=attempts,
        last_outcome=last_outcome,
    )


def interview(
    project: SurveyProject,
    respondent: Respondent,
    ratings: dict[Unit, tuple[str, ...]],
    *,
    interviewer: Any,
    status: str = Interview.Status.COMPLETE,
) -> Interview:
    """A completed case with its interview: `ratings[unit]` = the labels answered to
    questions 1, 2, … ("" = no answer)."""
    case = make_case(project, respondent)
    questions = list(Question.objects.filter(questionnaire__project=project).order_by("number"))
    now = timezone.now()
    done = Interview.objects.create(
        case=case,
        questionnaire=questions[0].questionnaire,
        interviewer=interviewer,
        status=status,
        started_at=now,
        completed_at=now if status == Interview.Status.COMPLETE else None,
    )
    for unit, labels in ratings.items():
        for question, label in zip(questions, labels, strict=False):
            score = SCORES.get(label)
            Answer.objects.create(
                interview=done,
                question=question,
                unit=unit,
                label=label,
                score=None if score is None else Decimal(score),
            )
    return done


def result_for(results: list[Any], unit: Unit) -> Any:
    return next(r for r in results if r.unit_id == unit.pk)


def variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def rate_town_a(world: Any, project: SurveyProject) -> SurveyProject:
    """Town A rated by two of three deputies and four of ten residents (one knows nothing);
    question 2 weighs 3."""
    Question.objects.filter(questionnaire__project=project, number=2).update(weight=3)
    deputies = add_respondents(project, RespondentGroup.DEPUTY, {"县人大": 3})
    residents = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 10}, start=100)
    who = world.users["interviewer"]
    a = world.town_a
    interview(project, deputies[0], {a: ("很满意", "满意")}, interviewer=who)
    interview(project, deputies[1], {a: ("满意", "满意")}, interviewer=who)
    interview(project, residents[0], {a: ("基本满意", "不了解")}, interviewer=who)
    interview(project, residents[1], {a: ("很满意", "很满意")}, interviewer=who)
    interview(project, residents[2], {a: ("不太满意", "不满意")}, interviewer=who)
    interview(project, residents[3], {a: ("不了解", "不了解")}, interviewer=who)
    return project


@pytest.fixture
def rated(world: Any, project: SurveyProject) -> SurveyProject:
    return rate_town_a(world, project)


# --- the index and its interval ---------------------------------------------------------------
def test_unit_index_and_interval_by_hand(rated: SurveyProject, world: Any) -> None:
    result = result_for(compute_results(project=rated), world.town_a)
    # respondent scores, weighted 1 : 3 over their valid answers
    d = [(100 * 1 + 80 * 3) / 4, (80 * 1 + 80 * 3) / 4]  # 85, 80
    r = [60.0, (100 * 1 + 100 * 3) / 4, (30 * 1 + 0 * 3) / 4]  # 60 (Q2 不了解), 100, 7.5
    mean_d, mean_r = sum(d) / 2, sum(r) / 3
    # cadres have no answers: 0.3 and 0.5 renormalised to 0.375 and 0.625
    w_d, w_r = 0.3 / 0.8, 0.5 / 0.8
    index = w_d * mean_d + w_r * mean_r
    var = w_d**2 * (1 - 2 / 3) * variance(d) / 2 + w_r**2 * (1 - 3 / 10) * variance(r) / 3
    half = Z95 * math.sqrt(var)
    assert result.index == pytest.approx(index, abs=1e-9)
    assert result.index_ci_low == pytest.approx(index - half, abs=1e-9)
    assert result.index_ci_high == pytest.approx(index + half, abs=1e-9)
    groups = result.detail["groups"]
    assert groups["deputies_and_members"]["respondents"] == 2
    assert groups["deputies_and_members"]["population"] == 3
    assert groups["residents"]["index"] == pytest.approx(mean_r)
    assert groups["cadres_and_business_owners"]["respondents"] == 0
    # the resident who knew nothing is no complete for the unit
    assert result.completes == 5


def test_excluded_options_are_not_in_the_denominator(rated: SurveyProject, world: Any) -> None:
    result = result_for(compute_results(project=rated), world.town_a)
    questions = {q["number"]: q for q in result.detail["questions"]}
    # Q2: 满意, 满意, (不了解), 很满意, 不满意, (不了解) → 4 valid answers
    assert questions[2]["valid"] == 4
    assert questions[2]["index"] == pytest.approx((80 + 80 + 100 + 0) / 4)
    assert questions[1]["valid"] == 5
    assert questions[1]["index"] == pytest.approx((100 + 80 + 60 + 100 + 30) / 5)


def test_satisfied_rate_with_wilson_interval(rated: SurveyProject, world: Any) -> None:
    result = result_for(compute_results(project=rated), world.town_a)
    # valid answers: 100 80 | 80 80 | 60 | 100 100 | 30 0 → 9, of which 6 很满意/满意
    n, k = 9, 6
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    assert result.satisfied_rate == pytest.approx(6 / 9)
    assert result.satisfied_rate_ci_low == pytest.approx(centre - half)
    assert result.satisfied_rate_ci_high == pytest.approx(centre + half)


def test_census_group_adds_no_variance(world: Any, project: SurveyProject) -> None:
    deputies = add_respondents(project, RespondentGroup.DEPUTY, {"县人大": 3})
    who = world.users["interviewer"]
    for person, label in zip(deputies, ["很满意", "基本满意", "不满意"], strict=True):
        interview(project, person, {world.dept_a: (label, label)}, interviewer=who)
    result = result_for(compute_results(project=project), world.dept_a)
    assert result.index == pytest.approx((100 + 60 + 0) / 3)
    # everyone in the census group answered: n_h = N_h, the interval is the index itself
    assert result.index_ci_low == pytest.approx(result.index)
    assert result.index_ci_high == pytest.approx(result.index)


def test_project_weights_and_unrated_units(world: Any, project: SurveyProject) -> None:
    project.group_weights = {"deputies_and_members": 1, "residents": 3}
    project.save(update_fields=["group_weights"])
    deputy = add_respondents(project, RespondentGroup.DEPUTY, {"县人大": 2})
    residents = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 5}, start=50)
    who = world.users["interviewer"]
    interview(project, deputy[0], {world.dept_b: ("很满意", "很满意")}, interviewer=who)
    interview(project, deputy[1], {world.dept_b: ("满意", "满意")}, interviewer=who)
    interview(project, residents[0], {world.dept_b: ("基本满意", "基本满意")}, interviewer=who)
    interview(project, residents[1], {world.dept_b: ("不满意", "不满意")}, interviewer=who)
    results = compute_results(project=project)
    dept_b = result_for(results, world.dept_b)
    assert dept_b.index == pytest.approx(0.25 * 90 + 0.75 * 30)
    assert dept_b.detail["weights"]["cadres_and_business_owners"] == 0
    town_b = result_for(results, world.town_b)
    assert town_b.index is None and town_b.index_ci is None and town_b.completes == 0
    assert town_b.satisfied_rate is None
    assert results[0].unit_id == world.dept_b.pk and results[-1].index is None


def test_partial_interviews_do_not_count(world: Any, project: SurveyProject) -> None:
    residents = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 3})
    who = world.users["interviewer"]
    interview(project, residents[0], {world.town_a: ("很满意", "很满意")}, interviewer=who)
    interview(project, residents[1], {world.town_a: ("满意", "满意")}, interviewer=who)
    interview(
        project,
        residents[2],
        {world.town_a: ("不满意", "不满意")},
        interviewer=who,
        status=Interview.Status.PARTIAL,
    )
    result = result_for(compute_results(project=project), world.town_a)
    assert result.index == pytest.approx(90) and result.completes == 2


# --- AAPOR rates --------------------------------------------------------------------------------
def test_aapor_rates_from_case_dispositions(world: Any, project: SurveyProject) -> None:
    people = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 12})
    who = world.users["interviewer"]
    for person in people[:3]:
        interview(project, person, {world.dept_a: ("满意", "满意")}, interviewer=who)
    nonresponse = Case.Status.FINAL_NONRESPONSE
    make_case(project, people[3], status=nonresponse, last_outcome=Outcome.REFUSAL)
    make_case(project, people[4], status=Case.Status.REPLACED, last_outcome=Outcome.NO_ANSWER)
    make_case(project, people[5], status=Case.Status.OPEN, attempts=2, last_outcome=Outcome.BUSY)
    make_case(project, people[6], status=Case.Status.OPEN, attempts=0, last_outcome="")
    make_case(project, people[7], status=Case.Status.RESERVE, attempts=0, last_outcome="")
    make_case(project, people[8], status=nonresponse, last_outcome=Outcome.INELIGIBLE)
    make_case(project, people[9], status=nonresponse, last_outcome=Outcome.LANGUAGE)
    make_case(project, people[10], status=nonresponse, last_outcome=Outcome.WRONG_NUMBER)
    make_case(
        project, people[11], status=Case.Status.CALLBACK, attempts=1, last_outcome=Outcome.CALLBACK
    )
    result = result_for(compute_results(project=project), world.dept_a)
    # I 3, R 1, NC 3 (replaced no answer, open busy, callback), O 1, UO 1; never-called open,
    # reserve and ineligible cases are out: 9 cases in the denominators
    assert result.rr1 == pytest.approx(3 / 9)
    assert result.coop1 == pytest.approx(3 / (3 + 1 + 1))
    assert result.ref1 == pytest.approx(1 / 9)
    assert result.detail["rates_basis"] == "project"
    assert result.detail["dispositions"] == {"I": 3, "R": 1, "NC": 3, "O": 1, "UO": 1}


def test_a_towns_rates_are_over_its_residents(world: Any, project: SurveyProject) -> None:
    people = add_respondents(project, RespondentGroup.RESIDENT, {"T01": 2, "T02": 2})
    Respondent.objects.filter(stratum="T01").update(unit=world.town_a)
    Respondent.objects.filter(stratum="T02").update(unit=world.town_b)
    who = world.users["interviewer"]
    interview(project, people[0], {world.town_a: ("满意", "满意")}, interviewer=who)
    make_case(
        project, people[1], status=Case.Status.FINAL_NONRESPONSE, last_outcome=Outcome.REFUSAL
    )
    for person in people[2:]:
        interview(project, person, {world.town_b: ("满意", "满意")}, interviewer=who)
    results = compute_results(project=project)
    town_a, town_b = result_for(results, world.town_a), result_for(results, world.town_b)
    assert (town_a.rr1, town_a.ref1, town_a.detail["rates_basis"]) == (0.5, 0.5, "unit")
    assert (town_b.rr1, town_b.ref1) == (1.0, 0.0)
    dept = result_for(results, world.dept_a)
    assert dept.rr1 == pytest.approx(3 / 4) and dept.detail["rates_basis"] == "project"


# --- year on year -------------------------------------------------------------------------------
def test_change_against_last_years_closed_survey(rated: SurveyProject, world: Any) -> None:
    last_plan = PlanFactory(owner=world.county, code="county-2021", cycle__year=2021)
    last = SurveyProject.objects.create(
        plan=last_plan, code="T-ZH-2021", name="2021", status=SurveyProject.Status.CLOSED
    )
    SurveyResult.objects.create(project=last, unit=world.town_a, index=Decimal("50.5"))
    other_kind = SurveyProject.objects.create(
        plan=last_plan,
        code="T-FG-2021",
        name="2021 special",
        kind=SurveyProject.Kind.SPECIAL,
        status=SurveyProject.Status.CLOSED,
    )
    SurveyResult.objects.create(project=other_kind, unit=world.town_a, index=Decimal("10"))
    results = compute_results(project=rated)
    town_a = result_for(results, world.town_a)
    assert town_a.index_change == pytest.approx(town_a.index - 50.5)
    assert town_a.detail["previous"] == {"survey": "T-ZH-2021", "index": 50.5}
    assert result_for(results, world.dept_a).index_change is None


def test_no_previous_survey_gives_no_change(rated: SurveyProject, world: Any) -> None:
    town_a = result_for(compute_results(project=rated), world.town_a)
    assert town_a.index_change is None and town_a.detail["previous"] is None


# --- closing --------------------------------------------------------------------------------------
def test_close_freezes_the_results(rated: SurveyProject, world: Any) -> None:
    people = list(Respondent.objects.filter(project=rated, group="resident").order_by("pk"))
    open_case = make_case(
        rated, people[6], status=Case.Status.OPEN, attempts=2, last_outcome=Outcome.NO_ANSWER
    )
    fresh = make_case(rated, people[7], status=Case.Status.OPEN, attempts=0, last_outcome="")
    reserve = make_case(
        rated, people[8], status=Case.Status.RESERVE, attempts=0, last_outcome="", is_reserve=True
    )
    live = result_for(compute_results(project=rated), world.town_a)

    stored = project_close(project=rated, actor=world.users["office"])

    rated.refresh_from_db()
    assert rated.status == SurveyProject.Status.CLOSED and rated.closed_at is not None
    assert len(stored) == 4
    row = SurveyResult.objects.get(project=rated, unit=world.town_a)
    assert row.index == Decimal(str(round(live.index, 4)))
    assert row.index_ci_low == Decimal(str(round(live.index_ci_low, 4)))
    assert row.satisfied_rate == Decimal("0.666667")
    assert row.completes == 5 and row.detail["rates_basis"] == "project"
    open_case.refresh_from_db()
    fresh.refresh_from_db()
    reserve.refresh_from_db()
    assert open_case.status == Case.Status.FINAL_NONRESPONSE and open_case.closed_at
    assert fresh.status == Case.Status.OPEN and fresh.closed_at
    assert reserve.status == Case.Status.RESERVE and reserve.closed_at is None

    # a later change of an answer does not move the frozen results
    Answer.objects.filter(interview__case__project=rated, label="不满意").update(
        label="很满意", score=100
    )
    frozen = result_for(project_results(project=rated), world.town_a)
    assert frozen.index == float(row.index)
    assert frozen.completes == 5
    assert result_for(compute_results(project=rated), world.town_a).index != frozen.index

    event = AuditEvent.objects.get(action="survey.project_close")
    assert event.actor == world.users["office"]
    assert event.after["cases_nonresponse"] == 1 and event.after["units"] == 4


def test_double_close_is_refused(rated: SurveyProject, world: Any) -> None:
    project_close(project=rated, actor=world.users["office"])
    with pytest.raises(ApplicationError, match="already closed"):
        project_close(project=rated, actor=world.users["office"])
    assert SurveyResult.objects.filter(project=rated).count() == 4


def test_only_fieldwork_closes(world: Any, project: SurveyProject) -> None:
    with pytest.raises(ApplicationError, match="Only a survey in fieldwork"):
        project_close(project=project, actor=world.users["office"])
    assert not SurveyResult.objects.filter(project=project).exists()
