"""Resolve a user's data scope from their role grants (roles combine by OR).

A user's scope and grants are computed once per request (memoised on the user object) and
kept across requests under the `access` data version (kaoping.core.versions): every write that
could change a scope — role grants, units, portfolios — replaces that version after it
commits, so a scope is never served from before such a write. A signed-in page thus reads its
roles, grants and scope in one small query (the version) instead of four.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kaoping.core.scope import DataScope
from kaoping.core.versions import access_cached
from kaoping.org.models import Role, RoleGrant, Unit

# Roles that see their anchor unit and everything below it.
_SUBTREE_ROLES = frozenset({Role.OFFICE, Role.INSPECTOR})
# Roles that see exactly their anchor unit.
_OWN_UNIT_ROLES = frozenset({Role.REPORTER, Role.UNIT_HEAD})

EMPTY_SCOPE = DataScope()


def data_scope(user: Any) -> DataScope:
    """The user's DataScope, computed once per user object (i.e. per request)."""
    if user is None or not user.is_authenticated:
        return EMPTY_SCOPE
    cached = getattr(user, "_data_scope_cache", None)
    if cached is not None:
        return cached
    scope, grants = access_cached(user, "scope", lambda: _compute_scope(user))
    user._role_grants_cache = grants
    user._data_scope_cache = scope
    return scope


def role_grants(user: Any) -> list[RoleGrant]:
    """The user's role grants with their units, by role (the account menu lists them): read
    with the data scope, so no query of their own."""
    if user is None or not user.is_authenticated:
        return []
    data_scope(user)
    grants: list[RoleGrant] = user._role_grants_cache
    return sorted(grants, key=lambda grant: (grant.role, grant.pk))


def _compute_scope(user: Any) -> tuple[DataScope, list[RoleGrant]]:
    """The user's scope, and the grants it was worked out from."""
    grants = list(RoleGrant.objects.filter(user=user).select_related("unit"))
    return _scope_of(user, grants), grants


def _scope_of(user: Any, grants: list[RoleGrant]) -> DataScope:
    roles = frozenset(grant.role for grant in grants)
    if user.is_superuser:
        return DataScope(everything=True, roles=roles)
    subtree_paths: set[str] = set()
    own_ids: set[int] = set()
    for grant in grants:
        if grant.unit is None:
            continue
        if grant.role in _SUBTREE_ROLES:
            subtree_paths.add(grant.unit.path)
        elif grant.role in _OWN_UNIT_ROLES:
            own_ids.add(grant.unit.pk)
    if Role.LEADER in roles and user.person_id:
        subtree_paths.update(user.person.portfolio.values_list("path", flat=True))
    unit_ids = set(own_ids)
    if subtree_paths:
        subtree = Q()
        for path in subtree_paths:
            subtree |= Q(path__startswith=path)
        unit_ids.update(Unit.objects.filter(subtree).values_list("pk", flat=True))
    anchor_paths = subtree_paths | set(
        Unit.objects.filter(pk__in=own_ids).values_list("path", flat=True)
    )
    ancestor_paths = {
        path[:end] for path in anchor_paths for end in range(Unit.steplen, len(path), Unit.steplen)
    }
    context_ids = set(Unit.objects.filter(path__in=ancestor_paths).values_list("pk", flat=True))
    return DataScope(
        unit_ids=frozenset(unit_ids), context_unit_ids=frozenset(context_ids), roles=roles
    )
