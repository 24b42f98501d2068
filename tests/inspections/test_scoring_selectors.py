"""What the scoring engine reads: confirmed deductions after appeal rulings and caps, and the
rectification counts of a plan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kaoping.inspections import calculations as calc
from kaoping.inspections import selectors, services
from kaoping.inspections.models import Deduction, DeductionRule, Rectification
from kaoping.org.models import Role
from kaoping.plans.models import Indicator
from tests.inspections.conftest import CONFIRMED


def by_id(plan: Any, **kwargs: Any) -> dict[int, selectors.DeductionInput]:
    return {d.deduction_id: d for d in selectors.deductions_for_scoring(plan=plan, **kwargs)}


def test_only_confirmed_deductions_count(insp: Any) -> None:
    proposed = insp.deduction(points="3")
    confirmed = insp.confirmed(points="1.25")
    rows = by_id(insp.world.plan)
    assert proposed.pk not in rows
    row = rows[confirmed.pk]
    assert row == selectors.DeductionInput(
        deduction_id=confirmed.pk,
        unit_id=insp.world.town_a.pk,
        indicator_id=insp.world.indicator_a.pk,
        category=Indicator.Category.ECONOMIC,
        points=Decimal("1.25"),
        responsible_unit_id=insp.world.town_a.pk,
        responsible_leader_id=insp.world.assignment_a.responsible_leader_id,
        appeal_pending=False,
    )
    assert selectors.deductions_for_scoring(plan=insp.provincial_plan) == []


def test_appeal_rulings_change_what_counts(insp: Any) -> None:
    head = insp.world.users[Role.UNIT_HEAD]

    def appeal(points: str) -> Any:
        deduction = insp.confirmed(points=points)
        return services.appeal_file(actor=head, deduction=deduction, reasons="r", today=CONFIRMED)

    pending, upheld, partly, rejected = appeal("1"), appeal("2"), appeal("3"), appeal("4")
    services.appeal_rule(actor=insp.office, appeal=upheld, decision="upheld", reason="r")
    services.appeal_rule(
        actor=insp.office, appeal=partly, decision="partly_upheld", reason="r", points_after="1.5"
    )
    services.appeal_rule(actor=insp.office, appeal=rejected, decision="rejected", reason="r")
    rows = by_id(insp.world.plan)
    assert rows[pending.deduction_id].appeal_pending is True
    assert rows[pending.deduction_id].points == Decimal("1")
    assert rows[upheld.deduction_id].points == 0
    assert rows[partly.deduction_id].points == Decimal("1.5")
    assert rows[rejected.deduction_id].points == Decimal("4")
    without = by_id(insp.world.plan, include_pending_appeals=False)
    assert pending.deduction_id not in without and len(without) == 3


def test_caps_are_applied_defensively(insp: Any) -> None:
    # given deductions recorded before a cap was set (the services refuse beyond a cap)
    first = insp.confirmed(points="2")
    second = insp.confirmed(points="2")
    rule = DeductionRule.objects.create(
        plan=insp.world.plan, indicator=insp.world.indicator_a, cap=Decimal("3")
    )
    Deduction.objects.filter(pk__in=[first.pk, second.pk]).update(rule=rule)
    rows = by_id(insp.world.plan)
    assert rows[first.pk].points == Decimal("2") and rows[second.pk].points == Decimal("1")


def test_a_provincial_deduction_without_indicator_is_the_countys_executive_capacity(
    insp: Any,
) -> None:
    finding = insp.finding(
        inspection_round=insp.provincial_round, unit=insp.world.county, indicator=None
    )
    deduction = services.deduction_confirm(
        actor=insp.office, deduction=insp.deduction(finding=finding, points="0.5"), today=CONFIRMED
    )
    (row,) = selectors.deductions_for_scoring(plan=insp.provincial_plan)
    assert row.deduction_id == deduction.pk and row.unit_id == insp.world.county.pk
    assert row.indicator_id is None and row.category == Indicator.Category.EXECUTIVE


def test_rectification_summary_counts_each_status_and_overdue(insp: Any) -> None:
    head = insp.world.users[Role.UNIT_HEAD]
    today = date(2022, 10, 12)

    def open_one(title: str, deadline: date) -> Rectification:
        return services.rectification_open(
            actor=insp.inspector,
            finding=insp.finding(title=title),
            deadline=deadline,
            plan_text="x",
            today=today,
        )

    open_one("a", date(2022, 10, 20))
    late = open_one("b", date(2022, 10, 15))
    done = open_one("c", date(2022, 12, 1))
    services.rectification_submit(actor=head, rectification=done)
    summary = selectors.rectification_summary(plan=insp.world.plan, today=date(2022, 10, 18))
    assert summary["open"] == 2 and summary["submitted"] == 1
    assert summary["overdue"] == 1 and summary["total"] == 3
    assert set(summary) >= {"in_progress", "returned", "verified", "closed"}
    assert late.deadline < date(2022, 10, 18)
    assert selectors.rectification_summary(plan=insp.provincial_plan)["total"] == 0


@given(
    st.lists(st.decimals(min_value="0.01", max_value="10", places=2), max_size=8),
    st.one_of(st.none(), st.decimals(min_value="0", max_value="20", places=2)),
)
def test_capped_points_never_exceed_the_cap_nor_the_points(
    points: list[Decimal], cap: Decimal | None
) -> None:
    items = [calc.CapItem(i, ("u",), p) for i, p in enumerate(points)]
    out = calc.apply_caps(items, {("u",): cap})
    assert all(0 <= out[i] <= p for i, p in enumerate(points))
    total = sum(out.values(), Decimal(0))
    assert total == (sum(points, Decimal(0)) if cap is None else min(cap, sum(points, Decimal(0))))


def test_the_appeal_window_edges() -> None:
    day = date(2022, 10, 10)
    assert calc.within_appeal_window(day, 7, day)
    assert calc.within_appeal_window(day, 7, day + timedelta(days=7))
    assert not calc.within_appeal_window(day, 7, day + timedelta(days=8))
    assert not calc.within_appeal_window(day, 7, day - timedelta(days=1))
