"""Who reports what, when: the (indicator, unit) pairs that owe progress reports, and which
reporting period of an indicator answers a question about a period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from kaoping.core.periods import Kind, Period
from kaoping.org.models import Unit
from kaoping.plans.models import Assignment, Indicator, Plan

REPORTING_KINDS = frozenset(
    {
        Indicator.Kind.QUANTITATIVE,
        Indicator.Kind.GROWTH,
        Indicator.Kind.SHARE,
        Indicator.Kind.QUALITATIVE,
        Indicator.Kind.MILESTONE,
    }
)


def reporting_period(indicator: Indicator, period: Period) -> Period | None:
    """The indicator's own period that ends with `period` (monthly → the month, quarterly →
    the quarter, half-yearly → Q2/Q4, yearly → the year); None if `period` ends between two
    of the indicator's reporting dates."""
    month = period.last_month
    freq = indicator.frequency
    if freq == Indicator.Frequency.MONTHLY:
        return Period(period.year, "month", month)
    if freq == Indicator.Frequency.QUARTERLY:
        return Period(period.year, "quarter", (month - 1) // 3 + 1) if month % 3 == 0 else None
    if freq == Indicator.Frequency.HALF_YEARLY:
        return Period(period.year, "quarter", month // 3) if month in (6, 12) else None
    return Period(period.year, "year") if month == 12 else None


def reporting_periods_until(indicator: Indicator, day: date) -> list[Period]:
    """The indicator's reporting periods of `day`'s year that have ended by `day`."""
    kind: Kind = "quarter"
    if indicator.frequency == Indicator.Frequency.MONTHLY:
        kind = "month"
    elif indicator.frequency == Indicator.Frequency.YEARLY:
        kind = "year"
    periods = Period.all_in_year(day.year, kind)
    if indicator.frequency == Indicator.Frequency.HALF_YEARLY:
        periods = [p for p in periods if p.index in (2, 4)]
    return [p for p in periods if p.end < day]


@dataclass(frozen=True)
class Obligation:
    """A unit owes reports on an indicator (as lead unit, or as a member of a group the
    indicator applies to)."""

    indicator: Indicator
    unit: Unit
    assignment: Assignment | None


def obligations(plan: Plan, *, units: Iterable[Unit] | None = None) -> list[Obligation]:
    """Every (indicator, unit) pair of a plan that owes reports, leaves of the tree only."""
    leaves = _reporting_leaves(plan)
    wanted = {u.pk for u in units} if units is not None else None
    result: dict[tuple[int, int], Obligation] = {}
    for assignment in Assignment.objects.filter(indicator__in=leaves).select_related(
        "indicator", "lead_unit"
    ):
        if wanted is None or assignment.lead_unit_id in wanted:
            result[(assignment.indicator_id, assignment.lead_unit_id)] = Obligation(
                assignment.indicator, assignment.lead_unit, assignment
            )
    for indicator in leaves.prefetch_related("groups__units"):
        for group in indicator.groups.all():
            for unit in group.units.all():
                key = (indicator.pk, unit.pk)
                if key not in result and (wanted is None or unit.pk in wanted):
                    result[key] = Obligation(indicator, unit, None)
    return sorted(result.values(), key=lambda o: (o.indicator.order, o.indicator.code, o.unit.path))


def _reporting_leaves(plan: Plan) -> QuerySet[Indicator]:
    return plan.indicators.filter(children__isnull=True, kind__in=REPORTING_KINDS)
