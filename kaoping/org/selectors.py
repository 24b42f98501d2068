"""Reads of organisation data, already narrowed to the user's data scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from kaoping.core.errors import PermissionDeniedError
from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from kaoping.org.scopes import data_scope


def units_for_user(*, user: Any, kind: str | None = None, query: str = "") -> QuerySet[Unit]:
    """The units the user may see, optionally of one kind or matching a name/code."""
    qs = Unit.objects.for_user(user).filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(name__icontains=query) | qs.filter(code__icontains=query)
    return qs.select_related("region").order_by("path")


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
    return Person.objects.for_user(user).filter(unit=unit, is_active=True).prefetch_related(
        "portfolio")


def portfolio_units(*, user: Any) -> QuerySet[Unit]:
    """The units a leader is in charge of (分管), each with how many units sit below it."""
    if not user.has_role(Role.LEADER) or user.person_id is None:
        return Unit.objects.none()
    return user.person.portfolio.all().order_by("path")


def accounts_for_admin(*, user: Any, query: str = "") -> QuerySet[User]:
    """Accounts, for the system and security administrators only."""
    if not user.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        raise PermissionDeniedError("accounts are for administrators")
    qs = User.objects.all()
    if query:
        qs = qs.filter(username__icontains=query) | qs.filter(display_name__icontains=query)
    return qs.prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.select_related("unit"))
    ).select_related("person__unit").annotate(grant_count=Count("role_grants")).order_by(
        "username")


def scope_summary(*, user: Any) -> dict[str, Any]:
    """How many units the user's scope covers, for the header."""
    scope = data_scope(user)
    return {"everything": scope.everything, "unit_count": len(scope.unit_ids)}
