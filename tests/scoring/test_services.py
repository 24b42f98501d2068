"""Score runs and the office's inputs: start, publish, immutability, what-if isolation,
compare, vetoes, adjustments, ties, component scores and their audit trail."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.plans.models import Indicator, Plan
from kaoping.scoring import selectors, services
from kaoping.scoring.models import (
    PublishedRunError,
    ScoreLine,
    ScoreRun,
    UnitResult,
)
from kaoping.scoring.models import (
    Veto as VetoModel,
)
from tests.factories import PlanFactory, user_with_role

pytestmark = pytest.mark.django_db

VETO_RULES = [
    {"code": "major-safety-incident", "name": "重大安全生产责任事故", "cap_grade": "较差"}
]


@pytest.fixture
def office2(scored: Any) -> Any:
    return user_with_role("office", scored.county, username="office2")


def _run(world: Any) -> ScoreRun:
    return services.score_run_start(actor=world.users["office"], plan=world.plan, label="草稿")


def _result(run: ScoreRun, unit: Any) -> UnitResult:
    return UnitResult.objects.get(run=run, unit=unit)


def _lines(run: ScoreRun) -> list[tuple[Any, ...]]:
    return list(
        ScoreLine.objects.filter(run=run)
        .order_by("unit_id", "indicator_id")
        .values_list("unit_id", "indicator_id", "score", "status")
    )


# --- runs -----------------------------------------------------------------------------------------
def test_start_computes_and_explains(scored: Any) -> None:
    run = _run(scored)
    assert run.status == ScoreRun.Status.DONE and run.kind == ScoreRun.Kind.OFFICIAL
    a = _result(run, scored.town_a)
    # A01 100/100 → 20, A02 90/100 → 18: 38 of 40 → I = 95; A and L missing → renormalised
    assert a.indicators == D("95.000000") and a.composite == D("95.000000")
    assert a.components_missing == ["public", "leader"]
    assert a.rank == 1 and _result(run, scored.town_b).rank == 2
    line = ScoreLine.objects.get(run=run, unit=scored.town_a, indicator=scored.indicator_b)
    assert line.score == D("18.000000")
    assert "90" in line.explanation["arithmetic"]
    assert line.explanation["sources"]["reports"]
    assert not ScoreLine.objects.filter(run=run, unit=scored.dept_a, indicator=scored.indicator_a)
    assert run.plan_snapshot["hash"] == run.plan_hash and run.inputs_hash


def test_only_the_office_starts_runs(scored: Any) -> None:
    for role in ("leader", "unit_head", "inspector", "reporter"):
        with pytest.raises(PermissionDeniedError):
            services.score_run_start(actor=scored.users[role], plan=scored.plan)


def test_draft_plan_is_not_scored(scored: Any) -> None:
    Plan.objects.filter(pk=scored.plan.pk).update(status=Plan.Status.DRAFT)
    scored.plan.refresh_from_db()
    with pytest.raises(ApplicationError):
        _run(scored)


def test_publish_then_immutable(scored: Any) -> None:
    run = services.score_run_publish(actor=scored.users["office"], run=_run(scored))
    assert run.status == ScoreRun.Status.PUBLISHED and run.published_by == scored.users["office"]
    # the services refuse
    with pytest.raises(ApplicationError):
        services.score_run_publish(actor=scored.users["office"], run=run)
    with pytest.raises(ApplicationError):
        services.score_run_delete(actor=scored.users["office"], run=run)
    # and so do the models, row by row and in bulk
    run.label = "changed"
    with pytest.raises(PublishedRunError):
        run.save()
    with pytest.raises(PublishedRunError):
        run.delete()
    with pytest.raises(PublishedRunError):
        ScoreRun.objects.filter(pk=run.pk).update(label="x")
    with pytest.raises(PublishedRunError):
        ScoreRun.objects.filter(pk=run.pk).delete()
    result = _result(run, scored.town_a)
    result.composite = D(1)
    with pytest.raises(PublishedRunError):
        result.save()
    with pytest.raises(PublishedRunError):
        result.delete()
    with pytest.raises(PublishedRunError):
        ScoreLine.objects.filter(run=run).update(score=D(0))
    with pytest.raises(PublishedRunError):
        ScoreLine.objects.filter(run=run).delete()
    run.refresh_from_db()
    assert run.label == "草稿"


def test_a_newer_official_run_supersedes_with_a_reason(scored: Any) -> None:
    office = scored.users["office"]
    first = services.score_run_publish(actor=office, run=_run(scored))
    second = _run(scored)
    with pytest.raises(ApplicationError):
        services.score_run_publish(actor=office, run=second)
    services.score_run_publish(actor=office, run=second, reason="更正一处统计口径")
    first.refresh_from_db()
    assert first.superseded_by == second and first.supersede_reason == "更正一处统计口径"
    assert first.status == ScoreRun.Status.PUBLISHED  # kept, readable
    assert selectors.runs_for_user(user=scored.users["unit_head"]).count() == 2
    from kaoping.scoring.inputs import current_official_run

    assert current_official_run(scored.plan) == second


def test_plan_changed_after_the_run_refuses_publication(scored: Any) -> None:
    run = _run(scored)
    Indicator.objects.filter(pk=scored.indicator_a.pk).update(points=D(30))
    with pytest.raises(ApplicationError, match="plan changed"):
        services.score_run_publish(actor=scored.users["office"], run=run)


def test_draft_run_can_be_deleted(scored: Any) -> None:
    run = _run(scored)
    services.score_run_delete(actor=scored.users["office"], run=run)
    assert not ScoreRun.objects.filter(pk=run.pk).exists()


def test_background_run_is_computed_by_the_job(scored: Any) -> None:
    office = scored.users["office"]
    snapshot_run = services.score_run_start(actor=office, plan=scored.plan, background=True)
    # on_commit does not fire inside the test transaction: the job's function runs by hand
    assert snapshot_run.status in (ScoreRun.Status.COMPUTING, ScoreRun.Status.DONE)
    run = services.score_run_compute(run_id=snapshot_run.pk)
    assert run.status == ScoreRun.Status.DONE and run.results.count() == 4


# --- what-if ------------------------------------------------------------------------------------
def test_what_if_leaves_the_official_run_untouched(scored: Any) -> None:
    office = scored.users["office"]
    official = services.score_run_publish(actor=office, run=_run(scored))
    before = _lines(official)
    results_before = list(official.results.values_list("unit_id", "composite", "grade", "rank"))
    what_if = services.what_if_run(
        actor=office,
        plan=scored.plan,
        based_on=official,
        overrides={
            "label": "民调权重提高",
            "weights": {"indicators": "0.5", "public": "0.4", "leader": "0.1"},
            "component_scores": {"public_appraisal": {"T02": 99}},
        },
    )
    assert what_if.kind == ScoreRun.Kind.WHAT_IF and what_if.based_on == official
    assert what_if.label == "民调权重提高"
    assert what_if.plan_snapshot["weights"]["public"] == "0.4"
    b = _result(what_if, scored.town_b)
    assert b.public_appraisal == D("99.000000") and "public" not in b.components_missing
    assert _lines(official) == before
    assert (
        list(official.results.values_list("unit_id", "composite", "grade", "rank"))
        == results_before
    )
    with pytest.raises(ApplicationError):
        services.score_run_publish(actor=office, run=what_if)


def test_what_if_drops_and_changes_deductions(scored: Any) -> None:
    office = scored.users["office"]
    run = _run(scored)
    inputs = dict(run.inputs)
    inputs["deductions"] = [
        {
            "id": 11,
            "unit_id": scored.town_a.pk,
            "indicator_id": scored.indicator_a.pk,
            "category": "economic",
            "points": "4",
            "responsible_unit_id": None,
            "responsible_leader_id": None,
            "appeal_pending": True,
        },
    ]
    ScoreRun.objects.filter(pk=run.pk).update(inputs=inputs)
    run.refresh_from_db()
    dropped = services.what_if_run(
        actor=office, plan=scored.plan, based_on=run, overrides={"deductions": {"drop": [11]}}
    )
    halved = services.what_if_run(
        actor=office,
        plan=scored.plan,
        based_on=run,
        overrides={"deductions": {"change": {"11": "2"}}},
    )
    assert _result(dropped, scored.town_a).deductions == 0
    assert _result(halved, scored.town_a).deductions == D("2.000000")
    with pytest.raises(ApplicationError, match="id"):
        services.what_if_run(
            actor=office, plan=scored.plan, overrides={"deductions": {"drop": [99]}}
        )


def test_what_if_rejects_bad_settings(scored: Any) -> None:
    office = scored.users["office"]
    for overrides in (
        {"weights": {"indicators": "0.9", "public": "0.3"}},
        {"colour": "red"},
        {"component_scores": {"public_appraisal": {"NOPE": 80}}},
        {"component_scores": {"public_appraisal": {"T01": 120}}},
    ):
        with pytest.raises(ApplicationError):
            services.what_if_run(actor=office, plan=scored.plan, overrides=overrides)


def test_load_overrides_reads_yaml_and_json() -> None:
    assert services.load_overrides("weights: {public: 0.4}") == {"weights": {"public": 0.4}}
    assert services.load_overrides('{"label": "x"}') == {"label": "x"}
    with pytest.raises(ApplicationError):
        services.load_overrides("- a list")


def test_compare_two_runs(scored: Any) -> None:
    office = scored.users["office"]
    a = _run(scored)
    b = services.what_if_run(
        actor=office,
        plan=scored.plan,
        based_on=a,
        overrides={"component_scores": {"public_appraisal": {"T02": 100, "T01": 50}}},
    )
    rows = {r.unit.code: r for r in selectors.runs_compare(user=office, a=a, b=b)}
    assert rows["T02"].score_diff is not None and rows["T02"].score_diff > 0
    assert rows["T01"].score_diff is not None and rows["T01"].score_diff < 0
    assert rows["T02"].rank_diff == 1  # moved up from 2nd to 1st


# --- vetoes, adjustments, ties ----------------------------------------------------------------
def test_veto_needs_a_second_office_user_and_caps_the_grade(scored: Any, office2: Any) -> None:
    office = scored.users["office"]
    Plan.objects.filter(pk=scored.plan.pk).update(veto_rules=VETO_RULES)
    scored.plan.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.veto_propose(
            actor=office, plan=scored.plan, unit=scored.town_a, condition="nope", reason="x"
        )
    veto = services.veto_propose(
        actor=office,
        plan=scored.plan,
        unit=scored.town_a,
        condition="major-safety-incident",
        reason="发生重大安全生产责任事故",
        evidence="事故调查报告",
    )
    run = _run(scored)
    assert not _result(run, scored.town_a).vetoed  # a proposal does not count
    with pytest.raises(PermissionDeniedError):
        services.veto_approve(actor=office, veto=veto)
    with pytest.raises(PermissionDeniedError):
        services.veto_approve(actor=scored.users["leader"], veto=veto)
    services.veto_approve(actor=office2, veto=veto)
    run = _run(scored)
    a = _result(run, scored.town_a)
    assert a.vetoed and a.grade == "较差"
    assert "重大安全生产责任事故" in a.veto_reason
    assert a.composite is not None and a.rank == 1  # score and rank still shown
    services.veto_withdraw(actor=office, veto=veto, reason="复核后撤销")
    assert not _result(_run(scored), scored.town_a).vetoed
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"veto.propose", "veto.approve", "veto.withdraw"} <= actions


def test_adjustments_count_once_approved_by_another_user(scored: Any, office2: Any) -> None:
    office = scored.users["office"]
    bonus = services.adjustment_record(
        actor=office,
        plan=scored.plan,
        unit=scored.town_b,
        kind="bonus",
        points=D("2.5"),
        reason="省级表彰",
    )
    penalty = services.adjustment_record(
        actor=office,
        plan=scored.plan,
        unit=scored.town_b,
        kind="penalty",
        points=D(1),
        reason="通报批评",
    )
    base = _result(_run(scored), scored.town_b).composite
    with pytest.raises(PermissionDeniedError):
        services.adjustment_approve(actor=office, adjustment=bonus)
    services.adjustment_approve(actor=office2, adjustment=bonus)
    services.adjustment_approve(actor=office2, adjustment=penalty)
    row = _result(_run(scored), scored.town_b)
    assert row.bonus == D("2.5") and row.penalty == D(1)
    assert base is not None and row.composite == base + D("1.5")
    with pytest.raises(ApplicationError):
        services.adjustment_record(
            actor=office,
            plan=scored.plan,
            unit=scored.town_b,
            kind="bonus",
            points=D(0),
            reason="x",
        )


def test_tie_decision_orders_a_tie(scored: Any) -> None:
    office = scored.users["office"]
    from kaoping.tracking.models import ProgressReport

    ProgressReport.objects.filter(unit=scored.town_b).delete()
    from tests.scoring.conftest import approved

    approved(scored.indicator_a, scored.town_b, "2022Q4", "100")
    approved(scored.indicator_b, scored.town_b, "2022Q4", "90")
    run = _run(scored)
    assert _result(run, scored.town_a).rank == _result(run, scored.town_b).rank == 1
    services.tie_decision_record(
        actor=office, plan=scored.plan, unit=scored.town_b, order=1, reason="会议研究"
    )
    services.tie_decision_record(
        actor=office, plan=scored.plan, unit=scored.town_a, order=2, reason="会议研究"
    )
    run = _run(scored)
    assert _result(run, scored.town_b).rank == 1 and _result(run, scored.town_a).rank == 2


def test_component_score_record_and_import_all_or_nothing(scored: Any) -> None:
    office = scored.users["office"]
    services.component_score_record(
        actor=office, plan=scored.plan, unit=scored.town_a, score="88", source="民调中心"
    )
    with pytest.raises(ApplicationError):
        services.component_score_record(
            actor=office, plan=scored.plan, unit=scored.town_a, score="101", source="x"
        )
    bad = "单位代码,得分\nT01,90\nT02,abc\nZZ,80\n".encode()
    outcome = services.component_score_import(
        actor=office, plan=scored.plan, data=bad, filename="a.csv", source="民调中心"
    )
    assert len(outcome.errors) == 2 and outcome.written == 0
    assert selectors.public_appraisal_for_scoring(plan=scored.plan) == {scored.town_a.pk: D("88")}
    good = "单位代码,得分\nT01,90\nT02,85.5\nD01,80\nD02,79\n".encode()
    outcome = services.component_score_import(
        actor=office, plan=scored.plan, data=good, filename="a.csv", source="民调中心"
    )
    assert outcome.errors == [] and outcome.written == 4
    again = services.component_score_import(
        actor=office, plan=scored.plan, data=good, filename="a.csv", source="民调中心"
    )
    assert again.written == 0 and again.unchanged == 4
    row = _result(_run(scored), scored.town_b)
    assert row.public_appraisal == D("85.5") and "public" not in row.components_missing


def test_component_import_reads_xlsx(scored: Any) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位代码", "得分"])
    sheet.append(["T01", 91.25])
    out = io.BytesIO()
    book.save(out)
    outcome = services.component_score_import(
        actor=scored.users["office"],
        plan=scored.plan,
        data=out.getvalue(),
        filename="s.xlsx",
        source="民调中心",
    )
    assert outcome.written == 1
    assert selectors.public_appraisal_for_scoring(plan=scored.plan)[scored.town_a.pk] == D("91.25")


def test_runs_are_audited(scored: Any) -> None:
    office = scored.users["office"]
    run = services.score_run_publish(actor=office, run=_run(scored))
    services.what_if_run(actor=office, plan=scored.plan, based_on=run, overrides={})
    events = AuditEvent.objects.filter(object_type="scoring.scorerun")
    assert {"score_run.start", "score_run.publish", "score_run.what_if"} <= set(
        events.values_list("action", flat=True)
    )
    start = events.get(action="score_run.start")
    assert start.actor == office and start.after["plan_hash"] == run.plan_hash


def test_last_years_published_run_gives_the_changes(scored: Any) -> None:
    office = scored.users["office"]
    last_plan = PlanFactory(
        owner=scored.county, code="county-2021", cycle__year=2021, status=Plan.Status.PUBLISHED
    )
    last_run = ScoreRun.objects.create(
        plan=last_plan, status=ScoreRun.Status.DONE, as_of_period="2021"
    )
    UnitResult.objects.create(run=last_run, unit=scored.town_a, composite=D(90), rank=2)
    UnitResult.objects.create(run=last_run, unit=scored.town_b, composite=D(80), rank=1)
    ScoreRun.objects.filter(pk=last_run.pk).update(status=ScoreRun.Status.PUBLISHED)
    run = _run(scored)
    a, b = _result(run, scored.town_a), _result(run, scored.town_b)
    assert a.score_change == D(5) and a.rank_change == 1
    assert b.score_change == D(-5) and b.rank_change == -1
    assert run.inputs["last_year"]["run_id"] == last_run.pk
    del office


def test_veto_model_is_office_scoped(scored: Any) -> None:
    VetoModel.objects.create(plan=scored.plan, unit=scored.town_a, condition="c", reason="r")
    assert VetoModel.objects.for_user(scored.users["office"]).count() == 1
    for role in ("leader", "unit_head", "inspector", "reporter", "auditor"):
        assert VetoModel.objects.for_user(scored.users[role]).count() == 0


# --- the provincial plan and accountability -------------------------------------------------------
@pytest.fixture
def provincial(scored: Any) -> Any:
    """The county's provincial plan: A01 led by dept A (leader 李副县长), A02 split 60/40
    between dept A and dept B; the lead units report the county's figures."""
    from kaoping.plans.models import Assignment
    from tests.factories import IndicatorFactory
    from tests.scoring.conftest import approved

    w = scored
    plan = PlanFactory(
        owner=w.county,
        code="provincial-2022",
        kind=Plan.Kind.PROVINCIAL,
        cycle=w.plan.cycle,
        status=Plan.Status.PUBLISHED,
    )
    top = IndicatorFactory(
        plan=plan,
        code="P",
        name="经济建设",
        points=D(20),
        target=None,
        scoring_rule=Indicator.ScoringRule.SUM_CHILDREN,
    )
    p1 = IndicatorFactory(
        plan=plan, parent=top, code="P1", name="税收", points=D(10), target=D(100)
    )
    p2 = IndicatorFactory(
        plan=plan, parent=top, code="P2", name="外贸", points=D(10), target=D(100)
    )
    Assignment.objects.create(indicator=p1, lead_unit=w.dept_a, responsible_leader=w.leader_person)
    Assignment.objects.create(
        indicator=p2, lead_unit=w.dept_a, share=D("0.6"), responsible_leader=w.leader_person
    )
    Assignment.objects.create(indicator=p2, lead_unit=w.dept_b, share=D("0.4"))
    approved(p1, w.dept_a, "2022Q4", "100")
    approved(p2, w.dept_a, "2022Q4", "80")
    w.provincial, w.p1, w.p2 = plan, p1, p2
    return w


def test_provincial_plan_scores_the_county_and_attributes_lost_points(provincial: Any) -> None:
    w = provincial
    office = w.users["office"]
    run = services.score_run_start(actor=office, plan=w.provincial)
    (county,) = run.results.all()
    assert county.unit == w.county and county.indicators_points == D(18)
    lost = {
        (p.indicator.code, p.lead_unit.code): p
        for p in run.points_lost.select_related("indicator", "lead_unit")
    }
    assert set(lost) == {("P2", "D01"), ("P2", "D02")}  # P1 met in full: nothing lost
    assert lost[("P2", "D01")].points == D("1.2") and lost[("P2", "D01")].leader == w.leader_person
    assert lost[("P2", "D02")].points == D("0.8")
    assert county.points_lost == D(2)
    # the county plan reads the published provincial run's points lost per unit
    before = _result(_run(w), w.dept_a)
    assert before.points_lost == 0
    services.score_run_publish(actor=office, run=run)
    after = _run(w)
    assert _result(after, w.dept_a).points_lost == D("1.2")
    assert _result(after, w.dept_b).points_lost == D("0.8")
    assert after.inputs["points_lost"]["run_id"] == run.pk
    by_unit, by_leader = selectors.accountability(
        list(selectors.points_lost_for_user(user=office, run=run))
    )
    assert [(r.name, r.points) for r in by_unit] == [
        (w.dept_a.name, D("1.2")),
        (w.dept_b.name, D("0.8")),
    ]
    assert by_leader[0].name == w.leader_person.name
