"""The engine wired to data: inputs built from approved reports, stored figures, recomputes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaoping.core.periods import Period
from kaoping.org.models import Unit
from kaoping.plans.models import Indicator, IndicatorTarget, Plan, UnitGroup
from kaoping.tracking.calculations import Status, StatusRule, Trend
from kaoping.tracking.models import Milestone, ProgressReport, Task, TrackingResult
from kaoping.tracking.services import results
from tests.factories import (
    AssignmentFactory,
    CycleFactory,
    IndicatorFactory,
    PlanFactory,
    make_unit,
)

APPROVED = ProgressReport.Status.APPROVED
AFTER_Q3 = date(2022, 10, 15)


def report(
    indicator: Indicator,
    unit: Unit,
    period: str,
    value: Any,
    *,
    last_year: Any = None,
    status: str = APPROVED,
    version: int = 1,
    current: bool = True,
) -> ProgressReport:
    return ProgressReport.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        version=version,
        is_current=current,
        status=status,
        value=None if value is None else D(str(value)),
        last_year_value=None if last_year is None else D(str(last_year)),
    )


def stored(indicator: Indicator, unit: Unit, period: str) -> TrackingResult:
    return TrackingResult.objects.get(indicator=indicator, unit=unit, period=period)


def previous_plan(world: Any, year: int = 2021, code: str = "county-2021") -> Plan:
    """The same county's plan a year earlier, with the same indicator codes."""
    plan = PlanFactory(
        owner=world.county, code=code, cycle=CycleFactory(year=year), status=Plan.Status.PUBLISHED
    )
    cat = IndicatorFactory(plan=plan, code="A", name="经济建设", target=None)
    a = IndicatorFactory(plan=plan, parent=cat, code="A01", name="税收收入")
    AssignmentFactory(indicator=a, lead_unit=world.town_a)
    return plan


def test_linear_figures_from_an_approved_report_are_stored(world) -> None:
    # given an approved Q3 figure of 70 against a target of 100 and no history
    report(world.indicator_a, world.town_a, "2022Q3", 70)
    # when the plan is recomputed after Q3
    count = results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    # then Q1–Q3 of both obligations are stored (Q4 has not ended), Q3 as the engine says
    assert count == 6
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.actual == D("70") and row.target == D("100")
    assert row.completion == D("0.7") and row.expected_progress == D("0.75")
    assert row.expected_method == "linear" and row.gap == D("-5")
    assert row.status == Status.YELLOW
    assert row.projection == D("93.3333") and row.projection_method == "linear"
    assert row.will_meet_target is False and row.report is not None
    assert stored(world.indicator_a, world.town_a, "2022Q2").status == Status.NOT_COMPARABLE
    assert not TrackingResult.objects.filter(period="2022Q4").exists()


def test_only_approved_figures_count(world) -> None:
    report(world.indicator_a, world.town_a, "2022Q3", 90, status=ProgressReport.Status.SUBMITTED)
    report(
        world.indicator_a, world.town_a, "2022Q2", 40, status=ProgressReport.Status.UNIT_APPROVED
    )
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    for period in ("2022Q2", "2022Q3"):
        row = stored(world.indicator_a, world.town_a, period)
        assert row.actual is None and row.status == Status.NOT_COMPARABLE


def test_a_correction_counts_once_approved_and_replaces_the_old_figure(world) -> None:
    # given v1 approved (50), superseded by an approved correction v2 (80)
    report(world.indicator_a, world.town_a, "2022Q3", 50, current=False)
    v2 = report(world.indicator_a, world.town_a, "2022Q3", 80, version=2)
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    assert stored(world.indicator_a, world.town_a, "2022Q3").actual == D("80")
    # when a further correction v3 is only a draft
    ProgressReport.objects.filter(pk=v2.pk).update(is_current=False)
    report(
        world.indicator_a, world.town_a, "2022Q3", 10, version=3, status=ProgressReport.Status.DRAFT
    )
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    # then the approved v2 stays in force
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.actual == D("80") and row.report_id == v2.pk


def test_seasonal_progress_and_growth_from_the_previous_cycle(world) -> None:
    # given last year's plan with Q3 = 60 and a year total of 100; 2020Q3 reported as 50
    last = previous_plan(world)
    a21 = last.indicators.get(code="A01")
    report(a21, world.town_a, "2021Q3", 60, last_year=50)
    report(a21, world.town_a, "2021Q4", 100)
    report(world.indicator_a, world.town_a, "2022Q3", 70, last_year=999)  # 2021 report wins
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    # then expected progress is last year's shape, 60 / 100
    assert row.expected_progress == D("0.6") and row.expected_method == "seasonal"
    assert row.completion == D("0.7") and row.gap == D("10") and row.status == Status.GREEN
    # growth 70/60 − 1 = 16.67 % against 60/50 − 1 = 20 % a year before → declined
    assert row.yoy_growth == D("16.6667") and row.yoy_growth_last_year == D("20")
    assert row.yoy_trend == Trend.DECLINED
    # projection 70 × 100 / 60
    assert row.projection == D("116.6667") and row.projection_method == "seasonal"
    assert row.will_meet_target is True


def test_same_period_last_year_from_the_report_when_no_earlier_plan(world) -> None:
    report(world.indicator_a, world.town_a, "2022Q3", 66, last_year=60)
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.yoy_growth == D("10") and row.yoy_growth_last_year is None
    assert row.yoy_trend == Trend.NOT_COMPARABLE
    assert row.expected_method == "linear"  # no full-year figure of last year


def test_baseline_serves_as_last_years_total(world) -> None:
    IndicatorTarget.objects.create(
        indicator=world.indicator_a, unit=world.town_a, target=D(200), baseline=D(150)
    )
    report(world.indicator_a, world.town_a, "2022Q3", 120, last_year=90)
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.target == D("200")  # the unit's own target before the indicator's
    assert row.expected_progress == D("0.6") and row.expected_method == "seasonal"
    assert row.projection == D("200") and row.will_meet_target is True


@pytest.mark.parametrize("target", [None, D(0)])
def test_missing_targets_are_not_comparable(world, target) -> None:
    Indicator.objects.filter(pk=world.indicator_a.pk).update(target=target)
    report(world.indicator_a, world.town_a, "2022Q3", 70, last_year=0)
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.status == Status.NOT_COMPARABLE and row.completion is None and row.gap is None
    assert row.yoy_growth is None  # last year's zero is no base for growth
    if target is None:
        assert row.will_meet_target is None


def test_growth_indicator_under_the_peer_rule(world) -> None:
    # given a growth indicator (target +8 %) for both towns under the Tianjin rule
    Plan.objects.filter(pk=world.plan.pk).update(status_rule={"preset": "growth_peer"})
    world.plan.refresh_from_db()
    growth = IndicatorFactory(
        plan=world.plan, parent=world.category, code="A03", kind=Indicator.Kind.GROWTH, target=D(8)
    )
    AssignmentFactory(indicator=growth, lead_unit=world.town_a)
    AssignmentFactory(indicator=growth, lead_unit=world.town_b)
    report(growth, world.town_a, "2022Q3", 110, last_year=100)  # +10 %
    report(growth, world.town_b, "2022Q3", 130, last_year=100)  # +30 %, peers average 20 %
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    a = stored(growth, world.town_a, "2022Q3")
    b = stored(growth, world.town_b, "2022Q3")
    assert a.gap == D("2") and a.status == Status.YELLOW  # above plan, below the peers
    assert b.status == Status.GREEN


def test_plan_file_rules_reach_the_engine() -> None:
    rule = results.status_rule_of(
        Plan(
            status_rule={
                "preset": "yinchuan",
                "green_within_pp": 10,
                "yellow_within_pp": 30,
                "yellow_within_share": None,
                "expected_progress": "seasonal",
                "escalation_periods": [1, 2, 4],
                "explanation_days": 7,
            }
        )
    )
    assert rule == StatusRule(preset="yinchuan", yellow_pp=D(10), red_pp=D(30))
    assert results.status_rule_of(
        Plan(
            status_rule={
                "preset": "sanya",
                "green_within_pp": 0,
                "yellow_within_pp": None,
                "yellow_within_share": "0.4",
            }
        )
    ).share == D("0.4")
    assert results.status_rule_of(
        Plan(status_rule={"preset": "custom", "green_within_pp": 0, "yellow_within_pp": 5})
    ).yellow_pp == D(5)
    assert results.status_rule_of(Plan(status_rule={})) == StatusRule()
    assert results.status_rule_of(Plan(status_rule={"preset": "growth_peer"})).preset == "tianjin"
    assert results.status_rule_of(Plan(status_rule={"yellow_within_pp": "x"})) == StatusRule()
    plan = Plan(status_rule={"escalation_periods": [1, 2, 4], "explanation_days": 7})
    assert results.escalation_thresholds(plan) == (1, 2, 4)
    assert results.explanation_days(plan) == 7
    assert results.escalation_thresholds(Plan(status_rule={"escalation_periods": [3, 1]})) == (
        1,
        2,
        3,
    )


def test_a_plan_may_ask_for_linear_expected_progress(world) -> None:
    Plan.objects.filter(pk=world.plan.pk).update(status_rule={"expected_progress": "linear"})
    world.plan.refresh_from_db()
    last = previous_plan(world)
    a21 = last.indicators.get(code="A01")
    report(a21, world.town_a, "2021Q3", 60)
    report(a21, world.town_a, "2021Q4", 100)
    report(world.indicator_a, world.town_a, "2022Q3", 70)
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.expected_method == "linear" and row.gap == D("-5")
    assert row.status == Status.YELLOW
    assert row.projection_method == "seasonal"  # the projection still uses last year's shape


def test_monthly_half_yearly_and_group_obligations(world) -> None:
    monthly = IndicatorFactory(
        plan=world.plan, parent=world.category, code="A04", frequency=Indicator.Frequency.MONTHLY
    )
    half = IndicatorFactory(
        plan=world.plan,
        parent=world.category,
        code="A05",
        frequency=Indicator.Frequency.HALF_YEARLY,
    )
    group = UnitGroup.objects.create(plan=world.plan, code="towns", name="乡镇组")
    group.units.set([world.town_a, world.town_b])
    monthly.groups.add(group)
    AssignmentFactory(indicator=half, lead_unit=world.dept_a)
    report(monthly, world.town_b, "2022-09", 75)
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    assert TrackingResult.objects.filter(indicator=monthly).count() == 2 * 9
    assert stored(monthly, world.town_b, "2022-09").status == Status.GREEN
    assert set(TrackingResult.objects.filter(indicator=half).values_list("period", flat=True)) == {
        "2022Q2"
    }
    # one point in the year: each indicator at its latest reporting period by then
    items = results.compute(world.plan, at=Period.parse("2022Q3"), today=AFTER_Q3)
    by_code = {(i.indicator.code, i.unit.code): str(i.period) for i in items}
    assert by_code[("A04", "T02")] == "2022-09" and by_code[("A05", "D01")] == "2022Q2"
    assert by_code[("A01", "T01")] == "2022Q3"


def test_milestone_task_is_red_when_a_milestone_is_overdue(world) -> None:
    project = IndicatorFactory(
        plan=world.plan,
        parent=world.category,
        code="B01",
        kind=Indicator.Kind.MILESTONE,
        target=None,
    )
    assignment = AssignmentFactory(indicator=project, lead_unit=world.dept_a)
    task = Task.objects.create(
        assignment=assignment, unit=world.dept_a, name="项目前期", deadline=date(2022, 12, 31)
    )
    Milestone.objects.create(
        task=task, name="立项", due=date(2022, 5, 31), done_on=date(2022, 5, 20)
    )
    Milestone.objects.create(task=task, name="环评", due=date(2022, 9, 20))
    Milestone.objects.create(task=task, name="开工", due=date(2022, 12, 15))
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    q2 = stored(project, world.dept_a, "2022Q2")
    assert q2.status == Status.GREEN and q2.completion == D("0.333333")
    q3 = stored(project, world.dept_a, "2022Q3")
    assert q3.status == Status.RED and q3.actual == D("1") and q3.target == D("3")
    assert q3.gap == D("-33.3333")
    assert stored(project, world.dept_a, "2022Q4").status == Status.RED  # as of today


def test_recompute_for_report_updates_its_period_and_later_ones(world) -> None:
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    q3 = report(world.indicator_a, world.town_a, "2022Q3", 80)
    stored_count = results.recompute_for_report(report=q3, today=AFTER_Q3)
    assert stored_count == 1  # Q3 only: Q4 has neither ended nor been reported
    assert stored(world.indicator_a, world.town_a, "2022Q3").actual == D("80")
    # and an approved figure of last year reaches this year's figures
    last = previous_plan(world)
    a21 = last.indicators.get(code="A01")
    q3_2021 = report(a21, world.town_a, "2021Q3", 64)
    results.recompute_for_report(report=q3_2021, today=AFTER_Q3)
    assert stored(world.indicator_a, world.town_a, "2022Q3").yoy_growth == D("25")


def test_stale_figures_are_removed_with_their_obligation(world) -> None:
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    world.assignment_b.delete()
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    assert not TrackingResult.objects.filter(indicator=world.indicator_b).exists()


def test_unreasonable_ratios_are_not_stored_as_numbers(world) -> None:
    Indicator.objects.filter(pk=world.indicator_a.pk).update(target=D("0.0001"))
    report(world.indicator_a, world.town_a, "2022Q3", "99999999999", last_year="0.0001")
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    row = stored(world.indicator_a, world.town_a, "2022Q3")
    assert row.completion is None and row.yoy_growth is None
    assert row.actual == D("99999999999")


def _grid(world: Any, indicators: int, units: int) -> Plan:
    plan = PlanFactory(owner=world.county, code=f"grid-{indicators}-{units}")
    cat = IndicatorFactory(plan=plan, code="G", target=None)
    towns = [
        make_unit(f"G{indicators}{units}{n:02d}", f"镇{n}", Unit.Kind.TOWN, world.county)
        for n in range(units)
    ]
    for i in range(indicators):
        ind = IndicatorFactory(plan=plan, parent=cat, code=f"G{i:02d}")
        group = UnitGroup.objects.create(plan=plan, code=f"g{i}", name=f"组{i}")
        group.units.set(towns)
        ind.groups.add(group)
        IndicatorTarget.objects.create(indicator=ind, unit=towns[0], target=D(50))
        for town in towns:
            report(ind, town, "2022Q3", 60, last_year=50)
    return plan


def test_queries_do_not_grow_with_indicators_and_units(world) -> None:
    small, large = _grid(world, 2, 2), _grid(world, 8, 6)
    with CaptureQueriesContext(connection) as few:
        results.recompute_plan(plan=small, today=AFTER_Q3)
    with CaptureQueriesContext(connection) as many:
        assert results.recompute_plan(plan=large, today=AFTER_Q3) == 8 * 6 * 3
    assert len(many) <= len(few) + 2  # bulk-insert batches only
    assert len(many) <= 25


# --- the office's recompute and the selectors ----------------------------------------------
def test_office_recompute_is_audited_and_refused_to_others(world) -> None:
    from kaoping.audit.models import AuditEvent
    from kaoping.core.errors import PermissionDeniedError
    from kaoping.org.models import Role

    report(world.indicator_a, world.town_a, "2022Q1", 10)
    count = results.results_recompute(actor=world.users[Role.OFFICE], plan=world.plan)
    assert count > 0 and AuditEvent.objects.filter(action="tracking.recompute").exists()
    with pytest.raises(PermissionDeniedError):
        results.results_recompute(actor=world.users[Role.UNIT_HEAD], plan=world.plan)


def test_selectors_read_figures_in_scope(world) -> None:
    from kaoping.org.models import Role
    from kaoping.tracking import selectors

    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    report(world.indicator_a, world.town_a, "2022Q3", 30, last_year=40)  # red, shrinking
    report(world.indicator_b, world.town_b, "2022Q3", 80, last_year=50)  # green, growing
    results.recompute_plan(plan=world.plan, today=AFTER_Q3)
    at = Period.parse("2022Q3")
    office = selectors.tracking_results(user=world.users[Role.OFFICE], plan=world.plan, period=at)
    assert [(r.indicator.code, r.period) for r in office] == [("A01", "2022Q3"), ("A02", "2022Q3")]
    assert selectors.status_counts(office) == {
        "green": 1,
        "yellow": 0,
        "red": 1,
        "not_comparable": 0,
    }
    improved, declined = selectors.yoy_movers(
        selectors.tracking_results(user=world.users[Role.OFFICE], plan=world.plan)
    )
    assert improved == [] and declined == []  # no growth a year before: not comparable
    lags = selectors.lagging_units(office)
    assert [(lag.unit.code, lag.red) for lag in lags] == [("T01", 1)]
    mine = selectors.tracking_results(user=world.users["reporter_b"], period=at)
    assert [r.unit.code for r in mine] == ["T02"]
    red = selectors.tracking_results(user=world.users[Role.LEADER], status="red")
    assert {r.unit.code for r in red} == {"T01"}
    assert not selectors.tracking_results(user=world.users[Role.INTERVIEWER]).exists()


def test_yoy_movers_sort_by_size_of_change(world) -> None:
    from kaoping.tracking import selectors

    rows = [
        TrackingResult(yoy_trend="improved", yoy_growth=D(10), yoy_growth_last_year=D(9)),
        TrackingResult(yoy_trend="improved", yoy_growth=D(10), yoy_growth_last_year=D(2)),
        TrackingResult(yoy_trend="declined", yoy_growth=D(-5), yoy_growth_last_year=D(3)),
        TrackingResult(yoy_trend="unchanged", yoy_growth=D(1), yoy_growth_last_year=D(1)),
    ]
    improved, declined = selectors.yoy_movers(rows)
    assert [r.yoy_growth_last_year for r in improved] == [D(2), D(9)]
    assert len(declined) == 1
