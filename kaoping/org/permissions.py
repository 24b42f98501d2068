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


# Inspections (kaoping.inspections): 察访核验 rounds, findings, deductions, appeals and
# rectifications. Everyone doing evaluation work reads them in scope (leaders read only);
# the office and inspectors record rounds, findings and deductions and verify
# rectifications; a unit's head and reporters appeal and report rectification progress;
# the office confirms deductions, rules on appeals and closes rectifications (销号).
INSPECTION_ROLES = frozenset(
    {Role.OFFICE, Role.INSPECTOR, Role.UNIT_HEAD, Role.REPORTER, Role.LEADER}
)
INSPECTION_WRITE_ROLES = frozenset({Role.OFFICE, Role.INSPECTOR})
APPEAL_ROLES = frozenset({Role.UNIT_HEAD, Role.REPORTER})
INSPECTION_OFFICE_ROLES = frozenset({Role.OFFICE})
RECTIFICATION_WORK_ROLES = frozenset({Role.UNIT_HEAD, Role.REPORTER})
# The inspections' 谁丢分谁负责 page (deductions by responsible unit and leader).
DEDUCTION_ACCOUNTABILITY_ROLES = frozenset(
    {Role.OFFICE, Role.INSPECTOR, Role.LEADER, Role.UNIT_HEAD}
)

# Progress bulletins (kaoping.bulletins, 进度通报): the office generates, edits, issues and
# schedules them; issued bulletins are read by leaders, inspectors and unit heads too (the
# plans in their scope), on the pages and through the API.
BULLETIN_OFFICE_ROLES = frozenset({Role.OFFICE})
BULLETIN_READ_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD})
API_BULLETIN_ROLES = BULLETIN_READ_ROLES

# Leader evaluation (kaoping.appraisal, 领导评价): a county leader fills in their own ballot
# sheet (never anyone else's); the office sets up rounds, assigns raters, follows completion,
# reminds, opens and closes rounds and reads the frozen results.
LEADER_RATING_ROLES = frozenset({Role.LEADER})
LEADER_RATING_OFFICE_ROLES = frozenset({Role.OFFICE})

# Public appraisal surveys (kaoping.surveys, 公众评议): the office runs projects, builds
# questionnaires, imports respondent lists, draws samples, staffs and supervises the calls and
# reads results; interviewers work only their assigned cases (found by assignment, never by
# scope); a project's supervisors (ProjectStaff) watch its calls and correct interviews.
SURVEY_OFFICE_ROLES = frozenset({Role.OFFICE})
SURVEY_CALL_ROLES = frozenset({Role.INTERVIEWER})

# Scoring (kaoping.scoring.views): published official results are read by everyone doing
# evaluation work, each in their data scope (unit heads and reporters their own unit only);
# runs, what-ifs, vetoes, adjustments, tie decisions and component scores are the office's.
SCORING_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD, Role.REPORTER})
SCORING_OFFICE_ROLES = frozenset({Role.OFFICE})
ACCOUNTABILITY_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD})

# REST API v1 (kaoping.api): everyone doing evaluation work uses it, each in their data scope;
# the auditor, the system and security administrators and interviewers have no business
# there and get 404 from every endpoint (as from a page outside their roles). Progress
# reports are read as on the pages (REPORT_ROLES) and written by a unit's reporters only;
# tracking figures as on the dashboards; one's own notifications.
API_ROLES = CATALOGUE_ROLES
API_UNIT_ROLES = CATALOGUE_ROLES
API_TRACKING_ROLES = CATALOGUE_ROLES
API_REPORT_ROLES = REPORT_ROLES & API_ROLES
API_REPORT_WRITE_ROLES = frozenset({Role.REPORTER})
API_NOTIFICATION_ROLES = NOTIFICATION_ROLES & API_ROLES

# Scores in the API: the scoring pages' readers, in the same scope (drafts and what-ifs only
# for the office, by ScoreRun.scope_filter).
API_SCORE_ROLES = SCORING_ROLES & API_ROLES

# Exports (kaoping.core.exports) need no roles of their own: every export button sits on a
# page and answers with that page's roles and selector. The office marks tasks and their
# photos public for the public progress page (/public/, no login).
PUBLIC_MARKING_ROLES = frozenset({Role.OFFICE})
