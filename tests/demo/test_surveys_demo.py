"""The demo county's public appraisal (2022-ZH, 2022-FG): closed projects with results, a
reproducible draw, realistic fieldwork, protected phone numbers, and the 2022 county score run
taking its public-appraisal component from the comprehensive survey."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum

from kaoping.appraisal import survey_calculations as calc
from kaoping.demo import data
from kaoping.demo.loader import DemoSummary
from kaoping.demo.surveys import FG, INTERVIEWERS, ZH, load_surveys
from kaoping.org.models import Role, User
from kaoping.plans.models import Plan
from kaoping.scoring.inputs import current_official_run
from kaoping.scoring.models import ComponentScore, UnitResult
from kaoping.surveys import crypto
from kaoping.surveys.models import (
    Answer,
    CallAttempt,
    Case,
    Frame,
    Interview,
    ProjectStaff,
    Questionnaire,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
    SurveyResult,
)
from kaoping.surveys.services import sampling

pytestmark = pytest.mark.usefixtures("demo", "db")
BEIJING = ZoneInfo("Asia/Shanghai")


def project(code: str) -> SurveyProject:
    return SurveyProject.objects.get(code=code)


def test_the_surveys_part_ran_before_scoring(demo: DemoSummary) -> None:
    assert list(demo.parts) == ["inspections", "leader_ratings", "surveys", "scoring", "bulletins"]
    assert demo.parts["surveys"]["projects"] == 2
    assert demo.parts["surveys"]["results"] == SurveyResult.objects.count() > 0


@pytest.mark.parametrize("code", [ZH, FG])
def test_both_projects_are_closed_with_a_result_for_every_appraised_unit(code: str) -> None:
    survey = project(code)
    assert survey.status == SurveyProject.Status.CLOSED and survey.closed_at is not None
    assert survey.plan.code == "county-2022"
    units = set(survey.units.values_list("pk", flat=True))
    results = SurveyResult.objects.filter(project=survey)
    assert set(results.values_list("unit_id", flat=True)) == units
    assert all(r.index is not None and r.completes >= 10 for r in results)
    questionnaire = Questionnaire.objects.get(project=survey)
    assert questionnaire.version == 1 and questionnaire.locked_at is not None


def test_the_comprehensive_survey_feeds_scoring_and_covers_the_plan() -> None:
    zh, fg = project(ZH), project(FG)
    assert zh.kind == SurveyProject.Kind.COMPREHENSIVE and zh.feeds_scoring
    assert fg.kind == SurveyProject.Kind.SPECIAL and not fg.feeds_scoring
    kinds = Counter(zh.units.values_list("kind", flat=True))
    assert kinds["town"] == 20 and kinds["department"] >= 38
    assert set(fg.units.values_list("short_name", flat=True)) >= {"发改局", "市场监管局", "税务局"}
    assert set(fg.units.all()) <= set(zh.units.all())
    questions = zh.questionnaires.get().questions.order_by("number")
    assert [q.option_set.code for q in questions if q.option_set] == ["five_level"] * 4 + [
        "twelve340"
    ]


def test_frames_have_the_listed_groups_and_sizes() -> None:
    sizes = dict(
        Respondent.objects.filter(project=project(ZH)).values_list("group").annotate(n=Count("pk"))
    )
    assert 70 <= sizes[RespondentGroup.DEPUTY] <= 90 and 60 <= sizes[RespondentGroup.MEMBER] <= 80
    assert 2800 <= sizes[RespondentGroup.RESIDENT] <= 3300
    assert 180 <= sizes[RespondentGroup.CADRE] <= 220
    residents = Respondent.objects.filter(project=project(ZH), group=RespondentGroup.RESIDENT)
    assert all(r.unit is not None and r.stratum == r.unit.name for r in residents[:200])
    # a town's residents stand for its population
    weights = dict(residents.values_list("stratum").annotate(w=Sum("weight")))
    for town in data.TOWNS:
        assert weights[town.name] == pytest.approx(town.population, rel=0.01)
    assert Frame.objects.filter(project=project(ZH), census=True).count() == 2


def test_census_strata_are_taken_whole() -> None:
    for code in (ZH,):
        survey = project(code)
        census_groups = set(
            Frame.objects.filter(project=survey, census=True).values_list("group", flat=True)
        )
        assert census_groups == {RespondentGroup.DEPUTY, RespondentGroup.MEMBER}
        for group in census_groups:
            people = Respondent.objects.filter(project=survey, group=group)
            cases = Case.objects.filter(project=survey, respondent__group=group)
            assert cases.filter(is_reserve=False).count() == people.count()
            assert not cases.filter(is_reserve=True).exists()


@pytest.mark.parametrize("code", [ZH, FG])
def test_the_recorded_draw_is_reproducible_from_its_seed(code: str) -> None:
    survey = project(code)
    draw = SampleDraw.objects.get(project=survey, superseded_at__isnull=True)
    frame = sampling.frame_entries(survey)
    assert frame.digest == draw.frame_digest
    again = calc.draw_sample(
        frame.entries,
        seed=draw.seed,
        allocation={h: k for h, k in draw.allocation.items() if h not in frame.census},
        census=frame.census,
        reserve_ratio=draw.parameters["reserve_ratio"],
    )
    selected: dict[str, list[str]] = defaultdict(list)
    reserves: dict[str, list[str]] = defaultdict(list)
    for case in Case.objects.filter(draw=draw).order_by("stratum", "position"):
        (reserves if case.is_reserve else selected)[case.stratum].append(str(case.respondent_id))
    assert {h: list(ids) for h, ids in again.selected.items() if ids} == dict(selected)
    assert {h: list(ids) for h, ids in again.reserves.items() if ids} == dict(reserves)
    # residents: about 600, proportional, at least 10 a town
    if code == ZH:
        towns = {h: k for h, k in draw.allocation.items() if h.startswith("resident:")}
        assert len(towns) == 20 and min(towns.values()) >= 10
        assert 590 <= sum(towns.values()) <= 640
        assert towns["resident:城关镇"] == max(towns.values())


def test_failed_cases_are_replaced_from_the_reserve_in_order() -> None:
    survey = project(ZH)
    released = Case.objects.filter(project=survey, is_reserve=True, released_at__isnull=False)
    assert released.count() > 50
    for case in released.select_related("replaces"):
        failed = case.replaces
        assert failed is not None and failed.stratum == case.stratum
        assert failed.status == Case.Status.REPLACED
        assert failed.last_outcome != "complete"
        assert case.released_at == failed.closed_at
    # the reserves of a stratum are released in drawn order
    by_stratum: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for stratum, position, when in Case.objects.filter(project=survey, is_reserve=True).values_list(
        "stratum", "position", "released_at"
    ):
        by_stratum[stratum].append((position, when is not None))
    for rows in by_stratum.values():
        flags = [released for _position, released in sorted(rows)]
        assert flags == sorted(flags, reverse=True)
    assert not Case.objects.filter(project=survey, status=Case.Status.REPLACED, replaced_by=None)


def test_fieldwork_looks_like_real_calling() -> None:
    survey = project(ZH)
    attempts = CallAttempt.objects.filter(case__project=survey)
    per_case = Counter(attempts.values_list("case_id", flat=True))
    assert set(per_case.values()) <= {1, 2, 3, 4, 5} and len(set(per_case.values())) >= 4
    interviewers = set(attempts.values_list("interviewer__username", flat=True))
    assert interviewers == {name for name, _display in INTERVIEWERS}
    for started in attempts.values_list("started_at", flat=True):
        local = started.astimezone(BEIJING)
        assert (local.year, local.month) == (2022, 11)
        assert time(9) <= local.time() <= time(21)
    outcomes = Counter(
        Case.objects.filter(project=survey, attempts__gt=0).values_list("last_outcome", flat=True)
    )
    total = sum(outcomes.values())
    assert 0.40 <= outcomes["complete"] / total <= 0.60
    assert 0.08 <= outcomes["refusal"] / total <= 0.22
    assert outcomes["wrong_number"] + outcomes["not_in_service"] > 0
    completed = Case.objects.filter(project=survey, status=Case.Status.COMPLETED)
    assert (
        Interview.objects.filter(case__project=survey, status=Interview.Status.COMPLETE).count()
        == completed.count()
    )
    assert not Interview.objects.filter(case__project=survey).exclude(
        case__status=Case.Status.COMPLETED
    )


def test_answers_rate_known_units_with_some_dont_knows() -> None:
    answers = Answer.objects.filter(interview__case__project=project(ZH), unit__isnull=False)
    labels = Counter(answers.values_list("label", flat=True))
    total = sum(labels.values())
    assert 0.06 <= labels["不了解"] / total <= 0.14
    assert set(labels) == {"很满意", "满意", "基本满意", "不太满意", "不满意", "不了解"}
    resident = (
        Interview.objects.filter(
            case__project=project(ZH), case__respondent__group=RespondentGroup.RESIDENT
        )
        .select_related("case__respondent")
        .first()
    )
    assert resident is not None
    rated = set(resident.answers.exclude(unit=None).values_list("unit_id", flat=True))
    assert resident.case.respondent.unit_id in rated and 3 <= len(rated) <= 5


def test_response_rates_are_realistic_and_indices_spread() -> None:
    for code in (ZH, FG):
        results = list(SurveyResult.objects.filter(project=project(code)))
        rr1 = [float(r.rr1) for r in results if r.rr1 is not None]
        assert 0.25 <= statistics.median(rr1) <= 0.6
        project_wide = [float(r.rr1) for r in results if r.detail.get("rates_basis") == "project"]
        assert project_wide and all(0.25 <= v <= 0.6 for v in project_wide)
        indices = [float(r.index) for r in results if r.index is not None]
        assert min(indices) >= 65 and max(indices) <= 95
        assert max(indices) - min(indices) >= 8


def test_no_clear_phone_number_is_stored_outside_the_encrypted_columns() -> None:
    rows = list(Respondent.objects.filter(project__code__in=[ZH, FG]).values())
    assert len(rows) > 3000
    encrypted = {"name_encrypted", "phone_encrypted"}
    for row in rows:
        phone = crypto.decrypt(row["phone_encrypted"])
        assert crypto.MOBILE.match(phone)
        for column, value in row.items():
            if column not in encrypted:
                assert phone not in str(value), column
        assert row["phone_masked"] == crypto.mask_phone(phone)
        assert row["phone_hash"] == crypto.phone_fingerprint(phone)
    zh = [r for r in rows if r["project_id"] == project(ZH).pk]
    assert len({crypto.decrypt(r["phone_encrypted"]) for r in zh}) == len(zh)


def test_interviewers_and_the_supervisor() -> None:
    for username, _display in INTERVIEWERS:
        user = User.objects.get(username=username)
        assert user.has_role(Role.INTERVIEWER) and user.has_usable_password()
    for code in (ZH, FG):
        staff = dict(
            ProjectStaff.objects.filter(project__code=code).values_list("user__username", "role")
        )
        assert staff["office"] == ProjectStaff.StaffRole.SUPERVISOR
        assert {staff[name] for name, _display in INTERVIEWERS} == {
            ProjectStaff.StaffRole.INTERVIEWER
        }


def test_the_2022_county_score_run_takes_public_appraisal_from_the_survey() -> None:
    """Issue 5's Done-when: the scoring engine's composite uses the survey results."""
    plan = Plan.objects.get(code="county-2022")
    assert not ComponentScore.objects.filter(plan=plan).exists()
    assert ComponentScore.objects.filter(plan__code="county-2021").count() > 40
    run = current_official_run(plan)
    assert run is not None
    survey = project(ZH)
    checked = 0
    for result in SurveyResult.objects.filter(project=survey, unit__kind="town"):
        row = UnitResult.objects.get(run=run, unit=result.unit)
        assert row.public_appraisal is not None
        assert row.public_appraisal.quantize(Decimal("0.0001")) == result.index
        checked += 1
    assert checked == 20


def test_loading_the_surveys_again_adds_nothing() -> None:
    rows = (SurveyProject.objects.count(), Case.objects.count(), Answer.objects.count())
    assert set(load_surveys().values()) == {0}
    assert (SurveyProject.objects.count(), Case.objects.count(), Answer.objects.count()) == rows
