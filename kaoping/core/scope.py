"""Data scope, enforced once: every user-facing read goes through `for_user`.

A model opts in by defining `scope_filter(cls, scope) -> Q`; a model that does not raises
ImproperlyConfigured instead of returning everything (deny by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class DataScope:
    """What a user may read: all units, or the ids of the units in scope.

    `unit_ids` are the units whose own data the user sees (reports, scores, unit pages);
    `context_unit_ids` add their ancestors, whose shared data (plans, catalogues) the user may
    read but not the ancestors' own unit data.
    """

    everything: bool = False
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    context_unit_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

    def units_q(self, lookup: str) -> Q:
        """A filter keeping rows whose `lookup` (a unit FK path) is in scope."""
        if self.everything:
            return Q()
        return Q(**{f"{lookup}__in": self.unit_ids})

    def context_q(self, lookup: str) -> Q:
        """A filter keeping rows owned by a unit in scope or by one of its ancestors."""
        if self.everything:
            return Q()
        return Q(**{f"{lookup}__in": self.context_unit_ids | self.unit_ids})

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.unit_ids and not self.context_unit_ids


class ScopeFiltered(Protocol):
    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q: ...


class ScopedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to a user's data scope."""

    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        from kaoping.org.scopes import data_scope

        return self.in_scope(data_scope(user))

    def in_scope(self, scope: DataScope) -> Self:
        scope_filter: Any = getattr(self.model, "scope_filter", None)
        if scope_filter is None:
            raise ImproperlyConfigured(
                f"{self.model.__name__} has no scope_filter: it cannot be read for a user."
            )
        if scope.everything:
            return self
        if scope.is_empty:
            return self.none()
        return self.filter(scope_filter(scope))
