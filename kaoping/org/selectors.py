"""Reads of organisation data, already narrowed to the user's data scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from kaoping.core.errors import PermissionDeniedError
from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from kaoping.org.scopes import data_scope


def _count_subquery(queryset: QuerySet[Any], field: str) -> Coalesce:
    """COUNT(*) of `queryset` per outer unit as a correlated subquery (no join blow-up)."""
    counted = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def units_for_user(*, user: Any, kind: str | None = None, query: str = "") -> QuerySet[Unit]:
    """The units the user may see, optionally of one kind or matching a name/code."""
    qs = Unit.objects.for_user(user).filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(short_name__icontains=query)
        )
    return qs.select_related("region").order_by("path")


def unit_directory(*, user: Any, kind: str | None = None, query: str = "") -> QuerySet[Unit]:
    """The unit list page: units in scope with their head, people and assignment counts.

    Every figure is a correlated subquery, so a page costs one query however many units.
    """
    from kaoping.plans.models import Assignment, Plan

    live = ~Q(indicator__plan__status=Plan.Status.ARCHIVED)
    head = Person.objects.filter(
        unit=OuterRef("pk"), is_active=True, position=Person.Position.HEAD
    ).order_by("name")
    return units_for_user(user=user, kind=kind, query=query).annotate(
        head_name=Subquery(head.values("name")[:1]),
        people_count=_count_subquery(
            Person.objects.filter(unit=OuterRef("pk"), is_active=True), "unit"
        ),
        lead_count=_count_subquery(
            Assignment.objects.filter(live, lead_unit=OuterRef("pk")), "lead_unit"
        ),
        support_count=_count_subquery(
            Assignment.supporting_units.through.objects.filter(
                unit=OuterRef("pk"), assignment__in=Assignment.objects.filter(live)
            ),
            "unit",
        ),
    )


def access_unit(*, user: Any, pk: int) -> Unit:
    """Fetch a unit the user may see, or 404 (never 403, so existence does not leak)."""
    try:
        return Unit.objects.for_user(user).select_related("region").get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404 from None


def unit_of_user(*, user: Any) -> Unit | None:
    """The unit a reporter or unit head works for (their first own-unit grant)."""
    grant = (
        RoleGrant.objects.filter(user=user, role__in=[Role.UNIT_HEAD, Role.REPORTER])
        .select_related("unit")
        .order_by("role")
        .first()
    )
    return grant.unit if grant else None


def unit_people(*, user: Any, unit: Unit) -> QuerySet[Person]:
    """The persons of a unit in scope, with the units they are in charge of."""
    return (
        Person.objects.for_user(user)
        .filter(unit=unit, is_active=True)
        .prefetch_related("portfolio")
        .order_by("position", "name")
    )


def unit_assignments(*, user: Any, unit: Unit) -> QuerySet[Any]:
    """What a unit leads or supports, plan by plan (newest cycle first), in readable plans."""
    from kaoping.plans.models import Assignment
    from kaoping.plans.selectors import plans_for_user

    return (
        Assignment.objects.filter(indicator__plan__in=plans_for_user(user=user))
        .filter(Q(lead_unit=unit) | Q(supporting_units=unit))
        .distinct()
        .select_related(
            "indicator",
            "indicator__plan",
            "indicator__plan__cycle",
            "lead_unit",
            "responsible_leader",
            "responsible_person",
        )
        .order_by(
            "-indicator__plan__cycle__year",
            "indicator__plan__code",
            "indicator__order",
            "indicator__code",
        )
    )


def parent_unit(*, user: Any, unit: Unit) -> Unit | None:
    """The unit's parent when the user may see it (for the breadcrumb)."""
    if unit.depth <= 1:
        return None
    return Unit.objects.for_user(user).filter(path=unit.path[: -Unit.steplen]).first()


def portfolio_units(*, user: Any) -> QuerySet[Unit]:
    """The units a leader is in charge of (分管), with their head and counts."""
    if not user.has_role(Role.LEADER) or user.person_id is None:
        return Unit.objects.none()
    ids = user.person.portfolio.values("pk")
    return unit_directory(user=user).filter(pk__in=ids)


def portfolio_assignments(*, user: Any) -> QuerySet[Any]:
    """Assignments led by the units of a leader's portfolio (and the units below them)."""
    from kaoping.plans.models import Assignment

    if not user.has_role(Role.LEADER):
        return Assignment.objects.none()
    scope = data_scope(user)
    return (
        Assignment.objects.filter(scope.units_q("lead_unit"))
        .select_related(
            "indicator",
            "indicator__plan",
            "indicator__plan__cycle",
            "lead_unit",
            "responsible_leader",
            "responsible_person",
        )
        .order_by(
            "lead_unit__path",
            "-indicator__plan__cycle__year",
            "indicator__order",
            "indicator__code",
        )
    )


# --- accounts (system and security administrators) ----------------------------------------
def _require_account_admin(user: Any) -> None:
    if not user.is_authenticated or not user.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        raise PermissionDeniedError("accounts are for administrators")


def accounts_for_admin(*, user: Any, query: str = "", role: str = "") -> QuerySet[User]:
    """Accounts with their roles, for the system and security administrators only."""
    _require_account_admin(user)
    qs = User.objects.all()
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(display_name__icontains=query)
            | Q(person__name__icontains=query)
        )
    if role:
        qs = qs.filter(role_grants__role=role).distinct()
    return (
        qs.prefetch_related(
            Prefetch(
                "role_grants", queryset=RoleGrant.objects.select_related("unit").order_by("role")
            )
        )
        .select_related("person__unit")
        .order_by("username")
    )


def access_account(*, user: Any, pk: int) -> User:
    """One account for an administrator, or 404."""
    if not user.is_authenticated or not user.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        raise Http404
    try:
        return accounts_for_admin(user=user).get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None


def access_role_grant(*, user: Any, account: User, pk: int) -> RoleGrant:
    """One role grant of an account, for the security administrator, or 404."""
    if not user.is_authenticated or not user.has_role(Role.SECURITY_ADMIN):
        raise Http404
    try:
        return RoleGrant.objects.select_related("user", "unit").get(pk=pk, user=account)
    except RoleGrant.DoesNotExist:
        raise Http404 from None


def locked_usernames(*, usernames: list[str]) -> set[str]:
    """Which of these accounts django-axes holds locked right now."""
    from axes.models import AccessAttempt

    if not usernames:
        return set()
    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            attempt_time__gte=since,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        ).values_list("username", flat=True)
    )


def persons_for_accounts(*, user: Any) -> QuerySet[Person]:
    """Persons an administrator may link a new account to (those without one)."""
    _require_account_admin(user)
    return (
        Person.objects.filter(is_active=True, user__isnull=True)
        .select_related("unit")
        .order_by("unit__path", "name")
    )


def units_for_admin(*, user: Any) -> QuerySet[Unit]:
    """Every active unit, for anchoring a role grant (security administrator)."""
    _require_account_admin(user)
    return Unit.objects.filter(is_active=True).order_by("path")


def scope_summary(*, user: Any) -> dict[str, Any]:
    """How many units the user's scope covers, for the header."""
    scope = data_scope(user)
    return {"everything": scope.everything, "unit_count": len(scope.unit_ids)}
