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
    ACCOUNTABILITY_ROLES,
    APPEAL_ROLES,
    AUDIT_ROLES,
    BULLETIN_READ_ROLES,
    CALENDAR_ROLES,
    CATALOGUE_ROLES,
    DEDUCTION_ACCOUNTABILITY_ROLES,
    EXPLANATION_ROLES,
    INSPECTION_OFFICE_ROLES,
    INSPECTION_ROLES,
    LEADER_RATING_OFFICE_ROLES,
    LEADER_RATING_ROLES,
    MY_UNIT_ROLES,
    NOTIFICATION_ROLES,
    PLAN_EDITOR_ROLES,
    PORTFOLIO_ROLES,
    REPORT_MENU_ROLES,
    REPORT_REVIEW_ROLES,
    SCORING_OFFICE_ROLES,
    SCORING_ROLES,
    SUPERVISION_ROLES,
    SURVEY_CALL_ROLES,
    SURVEY_OFFICE_ROLES,
    TASK_ROLES,
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
    # Entries sharing a group are shown together in one drop-down menu.
    group: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def is_active(self, view_name: str | None) -> bool:
        """True when the page being shown belongs to this entry."""
        return bool(view_name) and (view_name == self.url_name or view_name in self.sections)


MENU: tuple[NavItem, ...] = (
    NavItem(
        _("Dashboard"),
        "tracking:dashboard",
        "speedometer2",
        CATALOGUE_ROLES,
        (
            "tracking:dashboard_county",
            "tracking:dashboard_items",
            "tracking:dashboard_indicator",
            "tracking:dashboard_unit",
            "tracking:dashboard_portfolio",
        ),
    ),
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
        _("Progress reports"),
        "tracking:report_unit",
        "journal-check",
        REPORT_MENU_ROLES,
        ("tracking:report_create", "tracking:report_edit", "tracking:report_detail"),
        group="tracking",
    ),
    NavItem(
        _("Review queue"), "tracking:review_queue", "inboxes", REPORT_REVIEW_ROLES, group="tracking"
    ),
    NavItem(
        _("Tasks"),
        "tracking:task_list",
        "kanban",
        TASK_ROLES,
        (
            "tracking:task_create",
            "tracking:task_detail",
            "tracking:task_edit",
            "tracking:task_plan",
            "tracking:milestone_create",
            "tracking:milestone_edit",
            "tracking:milestone_complete",
            "tracking:milestone_reopen",
        ),
        group="tracking",
    ),
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
        _("Working calendar"),
        "tracking:holiday_list",
        "calendar3",
        CALENDAR_ROLES,
        group="tracking",
    ),
    # Supervision (tracking.views.supervision).
    NavItem(
        _("Alerts"),
        "tracking:alert_list",
        "exclamation-triangle",
        SUPERVISION_ROLES,
        group="supervision",
    ),
    NavItem(
        _("Supervision notices"),
        "tracking:notice_list",
        "flag",
        SUPERVISION_ROLES,
        ("tracking:notice_detail", "tracking:review_list", "tracking:review_create"),
        group="supervision",
    ),
    NavItem(
        _("Explanations"),
        "tracking:explanation_list",
        "chat-square-text",
        EXPLANATION_ROLES,
        ("tracking:explanation_detail",),
        group="supervision",
    ),
    # Inspections (察访核验), deductions, appeals and rectifications (kaoping.inspections).
    NavItem(
        _("Inspection rounds"),
        "inspections:round_list",
        "search",
        INSPECTION_ROLES,
        (
            "inspections:round_create",
            "inspections:round_detail",
            "inspections:finding_create",
            "inspections:finding_detail",
            "inspections:finding_edit",
            "inspections:deduction_create",
            "inspections:rectification_open",
            "inspections:rule_list",
        ),
        group="inspections",
    ),
    NavItem(
        _("Rectifications"),
        "inspections:rectification_list",
        "tools",
        INSPECTION_ROLES,
        ("inspections:rectification_detail",),
        group="inspections",
    ),
    NavItem(
        _("Appeals"),
        "inspections:appeal_list",
        "chat-left-quote",
        APPEAL_ROLES | INSPECTION_OFFICE_ROLES,
        ("inspections:appeal_detail", "inspections:appeal_create"),
        group="inspections",
    ),
    NavItem(
        _("Deductions by responsible unit"),
        "inspections:accountability",
        "person-exclamation",
        DEDUCTION_ACCOUNTABILITY_ROLES,
        group="inspections",
    ),
    # Scoring results (kaoping.scoring) and leader evaluation (领导评价, kaoping.appraisal).
    NavItem(
        _("Score results"),
        "scoring:runs",
        "trophy",
        SCORING_ROLES,
        (
            "scoring:run_start",
            "scoring:what_if",
            "scoring:compare",
            "scoring:run_detail",
            "scoring:run_publish",
            "scoring:run_delete",
            "scoring:unit_scorecard",
            "scoring:indicator_scorecard",
        ),
        group="evaluation",
    ),
    NavItem(
        _("Vetoes and adjustments"),
        "scoring:vetoes",
        "slash-circle",
        SCORING_OFFICE_ROLES,
        (
            "scoring:veto_approve",
            "scoring:veto_withdraw",
            "scoring:adjustments",
            "scoring:adjustment_approve",
            "scoring:adjustment_withdraw",
            "scoring:component_scores",
        ),
        group="evaluation",
    ),
    NavItem(
        _("Points lost for the county"),
        "scoring:accountability",
        "person-exclamation",
        ACCOUNTABILITY_ROLES,
        group="evaluation",
    ),
    NavItem(
        _("My ballots"),
        "appraisal:my_sheets",
        "ui-checks-grid",
        LEADER_RATING_ROLES,
        ("appraisal:sheet",),
        group="evaluation",
    ),
    NavItem(
        _("Leader evaluation"),
        "appraisal:round_list",
        "person-check",
        LEADER_RATING_OFFICE_ROLES,
        (
            "appraisal:round_create",
            "appraisal:round_detail",
            "appraisal:round_edit",
            "appraisal:rater_detail",
        ),
        group="evaluation",
    ),
    NavItem(
        _("Public appraisal surveys"),
        "surveys:project_list",
        "telephone",
        SURVEY_OFFICE_ROLES,
        (
            "surveys:project_create",
            "surveys:project_detail",
            "surveys:project_edit",
            "surveys:questionnaire",
            "surveys:question_add",
            "surveys:question_edit",
            "surveys:option_sets",
            "surveys:option_set_create",
            "surveys:frames",
            "surveys:frame_detail",
            "surveys:respondents",
            "surveys:respondent_reveal",
            "surveys:draw",
            "surveys:sample",
            "surveys:staff",
            "surveys:supervise",
            "surveys:interview_correct",
            "surveys:results",
        ),
        group="evaluation",
    ),
    NavItem(
        _("Progress bulletins"),
        "bulletins:list",
        "file-earmark-text",
        BULLETIN_READ_ROLES,
        (
            "bulletins:generate",
            "bulletins:schedules",
            "bulletins:detail",
            "bulletins:edit",
            "bulletins:issue",
        ),
        group="evaluation",
    ),
    NavItem(_("Notifications"), "tracking:notification_list", "bell", NOTIFICATION_ROLES),
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
    NavItem(
        _("My calls"),
        "surveys:my_cases",
        "telephone",
        SURVEY_CALL_ROLES,
        (
            "surveys:call",
            "surveys:interview",
            "surveys:supervise",
            "surveys:supervise_live",
            "surveys:interview_correct",
        ),
    ),
)

# The first role in this order decides where "home" goes.
_HOME_ORDER: tuple[tuple[str, str], ...] = (
    (Role.OFFICE, "tracking:dashboard"),
    (Role.LEADER, "tracking:dashboard"),
    (Role.UNIT_HEAD, "org:my_unit"),
    (Role.REPORTER, "org:my_unit"),
    (Role.INSPECTOR, "tracking:dashboard"),
    (Role.AUDITOR, "audit:event_list"),
    (Role.SYSTEM_ADMIN, "org:account_list"),
    (Role.SECURITY_ADMIN, "org:account_list"),
    (Role.INTERVIEWER, "surveys:my_cases"),
)


def menu_for(user: Any) -> list[NavItem]:
    """The entries the user's roles allow, in menu order."""
    roles = user.roles
    return [item for item in MENU if item.roles & roles]


GROUPS: dict[str, tuple[str | Promise, str]] = {
    "tracking": (_("Progress tracking"), "graph-up-arrow"),
    "supervision": (_("Supervision"), "flag"),
    "inspections": (_("Inspections"), "search"),
    "evaluation": (_("Evaluation results"), "trophy"),
}


@dataclass(frozen=True)
class NavGroup:
    """A drop-down of the menu bar."""

    label: str | Promise
    icon: str
    items: list[NavItem]

    def is_active(self, view_name: str | None) -> bool:
        return any(item.is_active(view_name) for item in self.items)


def menu_tree_for(user: Any) -> list[NavItem | NavGroup]:
    """The user's menu with grouped entries folded into drop-downs (a group of one stays
    a plain entry)."""
    tree: list[NavItem | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in menu_for(user):
        if not item.group:
            tree.append(item)
            continue
        if item.group not in groups:
            label, icon = GROUPS[item.group]
            groups[item.group] = NavGroup(label, icon, [])
            tree.append(groups[item.group])
        groups[item.group].items.append(item)
    return [
        entry.items[0] if isinstance(entry, NavGroup) and len(entry.items) == 1 else entry
        for entry in tree
    ]


def home_url_name(user: Any) -> str:
    """Where a user lands after signing in."""
    for role, url_name in _HOME_ORDER:
        if role in user.roles:
            return url_name
    return "org:no_work"
