"""Role-aware navigation: which menu entries each role sees, and each role's home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.org.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[str]

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_BUSINESS = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.REPORTER, Role.UNIT_HEAD})

MENU: tuple[NavItem, ...] = (
    NavItem(_("Indicator catalogue"), "plans:catalogue", "list-check", _BUSINESS),
    NavItem(_("Units"), "org:unit_list", "building", frozenset({Role.OFFICE, Role.LEADER,
                                                               Role.INSPECTOR})),
    NavItem(_("My unit"), "org:my_unit", "house", frozenset({Role.REPORTER, Role.UNIT_HEAD})),
    NavItem(_("My portfolio"), "org:portfolio", "briefcase", frozenset({Role.LEADER})),
    NavItem(_("Plans"), "plans:plan_list", "diagram-3", frozenset({Role.OFFICE})),
    NavItem(_("Accounts"), "org:account_list", "people",
            frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})),
    NavItem(_("Audit trail"), "audit:event_list", "shield-check", frozenset({Role.AUDITOR})),
)

# The first role in this order decides where "home" goes.
_HOME_ORDER: tuple[tuple[str, str], ...] = (
    (Role.OFFICE, "plans:catalogue"),
    (Role.LEADER, "org:portfolio"),
    (Role.UNIT_HEAD, "org:my_unit"),
    (Role.REPORTER, "org:my_unit"),
    (Role.INSPECTOR, "plans:catalogue"),
    (Role.AUDITOR, "audit:event_list"),
    (Role.SYSTEM_ADMIN, "org:account_list"),
    (Role.SECURITY_ADMIN, "org:account_list"),
    (Role.INTERVIEWER, "org:no_work"),
)


def menu_for(user: Any) -> list[NavItem]:
    """The entries the user's roles allow, in menu order."""
    roles = user.roles
    return [item for item in MENU if item.roles & roles]


def home_url_name(user: Any) -> str:
    """Where a user lands after signing in."""
    for role, url_name in _HOME_ORDER:
        if role in user.roles:
            return url_name
    return "org:no_work"
