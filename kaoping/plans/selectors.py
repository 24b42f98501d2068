"""Reads of plans, indicators and assignments, narrowed to the user's data scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from kaoping.org.models import Role, Unit
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan


def plans_for_user(*, user: Any, cycle: Cycle | None = None) -> QuerySet[Plan]:
    """Plans owned by a unit in scope or by an ancestor of one; drafts only for the office."""
    qs = Plan.objects.for_user(user).select_related("cycle", "owner")
    if not user.has_role(Role.OFFICE):
        qs = qs.exclude(status=Plan.Status.DRAFT)
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


_ASSIGNMENT_RELATED = (
    "indicator",
    "indicator__plan",
    "lead_unit",
    "responsible_leader",
    "responsible_person",
)


def indicators_for_catalogue(
    *,
    user: Any,
    plan: Plan,
    category: str = "",
    query: str = "",
    source_level: str = "",
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
    return (
        qs.select_related("parent")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related(
                    "lead_unit", "responsible_leader", "responsible_person"
                ),
            )
        )
        .order_by("order", "code")
    )


def access_indicator(*, user: Any, pk: int) -> Indicator:
    """Fetch an indicator the user may read, or 404."""
    try:
        return (
            Indicator.objects.for_user(user)
            .select_related("plan", "plan__cycle", "parent")
            .get(pk=pk)
        )
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


# --- the office's plan editor ------------------------------------------------------------
def _office_scope_q(user: Any) -> Q:
    """Plans the office may edit: owned by a unit in its own scope (not an ancestor's)."""
    from kaoping.org.scopes import data_scope

    return data_scope(user).units_q("owner")


def office_plans(*, user: Any) -> QuerySet[Plan]:
    """The plans an office user manages, newest cycle first, with their indicator counts."""
    from django.db.models import Count

    from kaoping.org.models import Role

    if not user.is_authenticated or not user.has_role(Role.OFFICE):
        return Plan.objects.none()
    return (
        Plan.objects.filter(_office_scope_q(user))
        .select_related("cycle", "owner")
        .annotate(indicator_count=Count("indicators"))
        .order_by("-cycle__year", "kind", "code")
    )


def access_office_plan(*, user: Any, pk: int) -> Plan:
    """A plan the office user manages, or 404 (other roles and other counties alike)."""
    try:
        return office_plans(user=user).get(pk=pk)
    except Plan.DoesNotExist:
        raise Http404 from None


def access_office_indicator(*, user: Any, pk: int) -> Indicator:
    """An indicator of a plan the office user manages, or 404."""
    try:
        return (
            Indicator.objects.filter(plan__in=office_plans(user=user))
            .select_related("plan", "plan__cycle", "plan__owner", "parent")
            .get(pk=pk)
        )
    except Indicator.DoesNotExist:
        raise Http404 from None


def access_office_assignment(*, user: Any, pk: int) -> Assignment:
    """An assignment in a plan the office user manages, or 404."""
    try:
        return (
            Assignment.objects.filter(indicator__plan__in=office_plans(user=user))
            .select_related(
                "indicator",
                "indicator__plan",
                "indicator__plan__owner",
                "lead_unit",
                "responsible_leader",
                "responsible_person",
            )
            .get(pk=pk)
        )
    except Assignment.DoesNotExist:
        raise Http404 from None


def plan_indicators(*, plan: Plan) -> QuerySet[Indicator]:
    """Every indicator of a plan with its assignments (for the editor's tree)."""
    return plan.indicators.prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related(
                "lead_unit", "responsible_leader", "responsible_person"
            ).order_by("lead_unit__path"),
        )
    ).order_by("order", "code")


def plan_units(*, plan: Plan) -> QuerySet[Unit]:
    """The plan owner's active units (the owner and everything below it)."""
    return Unit.objects.filter(path__startswith=plan.owner.path, is_active=True).order_by("path")


def plan_persons(*, plan: Plan) -> QuerySet[Any]:
    """Active persons of the plan owner's units: who may be a responsible leader or person."""
    from kaoping.org.models import Person

    return (
        Person.objects.filter(
            unit__path__startswith=plan.owner.path, is_active=True, unit__is_active=True
        )
        .select_related("unit")
        .order_by("unit__path", "position", "name")
    )


def indicator_unit_targets(*, user: Any, indicator: Indicator) -> QuerySet[Any]:
    """Per-unit targets of an indicator, only for units in the user's own scope."""
    from kaoping.plans.models import IndicatorTarget

    return (
        IndicatorTarget.objects.for_user(user)
        .filter(indicator=indicator)
        .select_related("unit")
        .order_by("unit__path")
    )


def indicator_ancestors(*, indicator: Indicator) -> list[Indicator]:
    """The chain of parents from the top of the tree down to the indicator's parent."""
    chain: list[Indicator] = []
    parent_id = indicator.parent_id
    seen: set[int] = set()
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        parent = (
            Indicator.objects.only("pk", "code", "name", "parent_id").filter(pk=parent_id).first()
        )
        if parent is None:
            break
        chain.append(parent)
        parent_id = parent.parent_id
    return list(reversed(chain))


def indicator_descendant_count(*, indicator: Indicator) -> int:
    """How many sub-indicators (at any depth) a delete of `indicator` would take with it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in indicator.plan.indicators.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    pending, count = list(children.get(indicator.pk, [])), 0
    while pending:
        pk = pending.pop()
        count += 1
        pending.extend(children.get(pk, []))
    return count
