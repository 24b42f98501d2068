"""Role-aware navigation: which menu entries each role sees, and each role's home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.org.models import Role
from kaoping.org.permissions import (
    ACCOUNT_ROLES,
    AUDIT_ROLES,
    CATALOGUE_ROLES,
    MY_UNIT_ROLES,
    PLAN_EDITOR_ROLES,
    PORTFOLIO_ROLES,
    UNIT_LIST_ROLES,
)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[str]
    # View names (namespace:name) that highlight this entry, besides url_name itself.
    sections: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def is_active(self, view_name: str | None) -> bool:
        """True when the page being shown belongs to this entry."""
        return bool(view_name) and (view_name == self.url_name or view_name in self.sections)


MENU: tuple[NavItem, ...] = (
    NavItem(
        _("Indicator catalogue"),
        "plans:catalogue",
        "list-check",
        CATALOGUE_ROLES,
        ("plans:indicator_detail",),
    ),
    NavItem(_("Units"), "org:unit_list", "building", UNIT_LIST_ROLES, ("org:unit_detail",)),
    NavItem(_("My unit"), "org:my_unit", "house", MY_UNIT_ROLES),
    NavItem(_("My portfolio"), "org:portfolio", "briefcase", PORTFOLIO_ROLES),
    NavItem(
        _("Plans"),
        "plans:plan_list",
        "diagram-3",
        PLAN_EDITOR_ROLES,
        (
            "plans:plan_create",
            "plans:plan_detail",
            "plans:plan_edit",
            "plans:plan_publish",
            "plans:indicator_create",
            "plans:indicator_edit",
            "plans:indicator_delete",
            "plans:assignment_create",
            "plans:assignment_edit",
            "plans:assignment_delete",
        ),
    ),
    NavItem(
        _("Accounts"),
        "org:account_list",
        "people",
        ACCOUNT_ROLES,
        ("org:account_create", "org:account_detail"),
    ),
    NavItem(
        _("Audit trail"), "audit:event_list", "shield-check", AUDIT_ROLES, ("audit:change_list",)
    ),
    NavItem(_("My work"), "org:no_work", "telephone", frozenset({Role.INTERVIEWER})),
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
