"""Which roles may open which pages: named role sets, and the view decorator that applies them.

A page outside the user's roles answers 404, like an object outside their data scope, so
neither reveals what exists. The navigation menu (kaoping.org.navigation) uses the same sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from kaoping.org.models import Role

# Roles doing evaluation work: they read the catalogue of the plans in their scope.
CATALOGUE_ROLES = frozenset(
    {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.REPORTER, Role.UNIT_HEAD}
)
UNIT_LIST_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR})
UNIT_PAGE_ROLES = CATALOGUE_ROLES
MY_UNIT_ROLES = frozenset({Role.REPORTER, Role.UNIT_HEAD})
PORTFOLIO_ROLES = frozenset({Role.LEADER})
PLAN_EDITOR_ROLES = frozenset({Role.OFFICE})
ACCOUNT_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})
ACCOUNT_WRITE_ROLES = frozenset({Role.SYSTEM_ADMIN})
ROLE_ADMIN_ROLES = frozenset({Role.SECURITY_ADMIN})
AUDIT_ROLES = frozenset({Role.AUDITOR})
# Tasks and milestones (tracking.views.tasks): who reads them, who plans them, who marks
# milestones started or done; the working calendar is the office's.
TASK_ROLES = frozenset({Role.OFFICE, Role.UNIT_HEAD, Role.REPORTER, Role.LEADER})
TASK_EDITOR_ROLES = frozenset({Role.OFFICE, Role.UNIT_HEAD})
MILESTONE_WORK_ROLES = frozenset({Role.OFFICE, Role.UNIT_HEAD, Role.REPORTER})
CALENDAR_ROLES = frozenset({Role.OFFICE})
# Progress reports (tracking.views.reports): who reads them, whose menu lists the unit's
# reporting page, who reviews them (the unit head, then the office).
REPORT_ROLES = frozenset({Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR})
REPORT_MENU_ROLES = frozenset({Role.REPORTER, Role.UNIT_HEAD})
REPORT_REVIEW_ROLES = frozenset({Role.OFFICE, Role.UNIT_HEAD})
# Supervision (tracking.views.supervision): everyone doing evaluation work reads their own
# notifications; alerts, supervision notices and 回头看 re-checks are read by the office,
# leaders, inspectors and unit heads (in scope); a unit's reporters also write its
# explanations; the office and inspectors record re-checks.
NOTIFICATION_ROLES = frozenset(
    {Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR, Role.INTERVIEWER}
)
SUPERVISION_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD})
EXPLANATION_ROLES = SUPERVISION_ROLES | {Role.REPORTER}
REVIEW_ROLES = frozenset({Role.OFFICE, Role.INSPECTOR})

View = Callable[..., HttpResponse]


def roles_required(roles: Iterable[str]) -> Callable[[View], View]:
    """Sign-in required, then one of `roles`; anyone else gets 404."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_role(*allowed):  # type: ignore[union-attr]
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
