"""Reads of plans, indicators and assignments, narrowed to the user's data scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from kaoping.org.models import Unit
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan


def plans_for_user(*, user: Any, cycle: Cycle | None = None) -> QuerySet[Plan]:
    """Plans owned by a unit in scope or by an ancestor of one."""
    qs = Plan.objects.for_user(user).select_related("cycle", "owner")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    return qs.order_by("-cycle__year", "code")


def access_plan(*, user: Any, pk: int) -> Plan:
    """Fetch a plan the user may read, or 404."""
    try:
        return plans_for_user(user=user).get(pk=pk)
    except Plan.DoesNotExist:
        raise Http404 from None


def default_plan(*, user: Any) -> Plan | None:
    """The plan to show first: the newest cycle's, county evaluation before provincial."""
    return plans_for_user(user=user).order_by("-cycle__year", "kind", "code").first()


_ASSIGNMENT_RELATED = ("indicator", "indicator__plan", "lead_unit", "responsible_leader",
                       "responsible_person")


def indicators_for_catalogue(
    *, user: Any, plan: Plan, category: str = "", query: str = "", source_level: str = "",
    unit: Unit | None = None,
) -> QuerySet[Indicator]:
    """A plan's indicators with their owners, filtered as the catalogue's form asks."""
    qs = Indicator.objects.for_user(user).filter(plan=plan)
    if category:
        qs = qs.filter(category=category)
    if source_level:
        qs = qs.filter(source_level=source_level)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    if unit is not None:
        qs = qs.filter(Q(assignments__lead_unit=unit) | Q(assignments__supporting_units=unit))
        qs = qs.distinct()
    return qs.select_related("parent").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related(
            "lead_unit", "responsible_leader", "responsible_person"))
    ).order_by("order", "code")


def access_indicator(*, user: Any, pk: int) -> Indicator:
    """Fetch an indicator the user may read, or 404."""
    try:
        return Indicator.objects.for_user(user).select_related("plan", "plan__cycle",
                                                               "parent").get(pk=pk)
    except Indicator.DoesNotExist:
        raise Http404 from None


def indicator_assignments(*, user: Any, indicator: Indicator) -> QuerySet[Assignment]:
    """The indicator's assignments (all of them: who answers for it is not confidential)."""
    return (
        indicator.assignments.select_related(*_ASSIGNMENT_RELATED[2:])
        .prefetch_related("supporting_units")
        .order_by("lead_unit__code")
    )


def assignments_for_unit(*, user: Any, unit: Unit) -> QuerySet[Assignment]:
    """What a unit leads or supports, in the plans the user may read."""
    return (
        Assignment.objects.filter(indicator__plan__in=plans_for_user(user=user))
        .filter(Q(lead_unit=unit) | Q(supporting_units=unit))
        .distinct()
        .select_related(*_ASSIGNMENT_RELATED)
        .order_by("-indicator__plan__cycle__year", "indicator__order")
    )


def assignments_in_scope(*, user: Any) -> QuerySet[Assignment]:
    """Assignments whose lead or supporting unit is in the user's scope."""
    return (
        Assignment.objects.for_user(user)
        .select_related(*_ASSIGNMENT_RELATED)
        .order_by("-indicator__plan__cycle__year", "indicator__order")
    )


def cycles() -> QuerySet[Cycle]:
    """All cycles, newest first (cycles are not scoped: a year is public knowledge)."""
    return Cycle.objects.order_by("-year")
