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
    """Every (indicator, unit) pair of a plan that owes reports, leaves of the tree only.

    With `units`, only their assignments and group memberships are loaded.
    """
    leaves = _reporting_leaves(plan)
    wanted = {u.pk for u in units} if units is not None else None
    result: dict[tuple[int, int], Obligation] = {}
    assignments = Assignment.objects.filter(indicator__in=leaves)
    if wanted is not None:
        assignments = assignments.filter(lead_unit__in=wanted)
    for assignment in assignments.select_related("indicator", "lead_unit"):
        result[(assignment.indicator_id, assignment.lead_unit_id)] = Obligation(
            assignment.indicator, assignment.lead_unit, assignment
        )
    if wanted is None:
        for indicator in leaves.prefetch_related("groups__units"):
            for group in indicator.groups.all():
                for unit in group.units.all():
                    key = (indicator.pk, unit.pk)
                    if key not in result:
                        result[key] = Obligation(indicator, unit, None)
    elif wanted:
        # (indicator, member) pairs in one query: the filter's join is the one values use.
        pairs = set(
            leaves.filter(groups__units__in=wanted).values_list("pk", "groups__units")
        ).difference(result)
        indicators = Indicator.objects.in_bulk({i for i, _u in pairs})
        members = Unit.objects.in_bulk({u for _i, u in pairs})
        for indicator_id, unit_id in pairs:
            result[(indicator_id, unit_id)] = Obligation(
                indicators[indicator_id], members[unit_id], None
            )
    return sorted(result.values(), key=lambda o: (o.indicator.order, o.indicator.code, o.unit.path))


def owed_indicator_ids(plan: Plan, unit: Unit) -> set[int]:
    """The ids of the indicators in `obligations(plan, units=[unit])`, without loading them:
    the leaves the unit leads or reports on as a member of a group they apply to."""
    leaves = _reporting_leaves(plan)
    led = Assignment.objects.filter(indicator__in=leaves, lead_unit=unit)
    return {
        *led.values_list("indicator_id", flat=True),
        *leaves.filter(groups__units=unit).values_list("pk", flat=True),
    }


def _reporting_leaves(plan: Plan) -> QuerySet[Indicator]:
    return plan.indicators.filter(children__isnull=True, kind__in=REPORTING_KINDS)
