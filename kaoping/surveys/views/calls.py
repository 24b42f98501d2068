"""Telephone interviewing pages (CATI).

The office: a project's staff and case assignment (`staff`). An interviewer: their cases
(`my_cases`), one case's call screen (`call`: masked number, Dial, the outcome form) and its
answer screen (`interview`) — always their own case, fetched by assignment, so any other is
404. The office or a project's supervisors: live progress (`supervise`, refreshed by htmx from
`supervise_live`) and corrections of completed interviews (`interview_correct`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.org.models import User
from kaoping.org.permissions import SURVEY_CALL_ROLES, SURVEY_OFFICE_ROLES, roles_required
from kaoping.surveys import call_selectors, flow
from kaoping.surveys.models import (
    Case,
    Interview,
    Outcome,
    ProjectStaff,
    Question,
    stratum_label,
)
from kaoping.surveys.services import calls as services

SUPERVISE_ROLES = SURVEY_OFFICE_ROLES | SURVEY_CALL_ROLES
DIAL_SESSION_KEY = "survey_dialled"


# --- staff ----------------------------------------------------------------------------------
@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def staff(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's interviewers and supervisors; add, remove, assign the open cases."""
    project = call_selectors.project_for_office(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                user = _posted_user(request)
                role = request.POST.get("role", "")
                services.staff_add(project=project, actor=request.user, user=user, role=role)
                messages.success(request, _("%(user)s added.") % {"user": user})
            elif action == "remove":
                user = _posted_user(request)
                returned = services.staff_remove(project=project, actor=request.user, user=user)
                messages.success(
                    request,
                    _("%(user)s removed; %(n)d cases returned for reassignment.")
                    % {"user": user, "n": returned},
                )
            elif action == "assign":
                n = services.cases_assign(project=project, actor=request.user)
                messages.success(request, _("%(n)d cases assigned.") % {"n": n})
            else:
                raise ApplicationError(_("Unknown action."))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        return redirect("surveys:staff", pk=project.pk)
    grouped = call_selectors.staff_of(project=project)
    return render(
        request,
        "surveys/staff.html",
        {
            "project": project,
            "interviewers": grouped.get(ProjectStaff.StaffRole.INTERVIEWER, []),
            "supervisors": grouped.get(ProjectStaff.StaffRole.SUPERVISOR, []),
            "interviewer_candidates": call_selectors.staff_candidates(
                project=project, role=ProjectStaff.StaffRole.INTERVIEWER
            ),
            "supervisor_candidates": call_selectors.staff_candidates(
                project=project, role=ProjectStaff.StaffRole.SUPERVISOR
            ),
            "unassigned": call_selectors.unassigned_count(project=project),
            "progress": call_selectors.progress(project=project),
        },
    )


def _posted_user(request: HttpRequest) -> User:
    try:
        return User.objects.get(pk=int(request.POST.get("user", "")))
    except (ValueError, User.DoesNotExist):
        raise ApplicationError(_("Choose an account.")) from None


# --- the interviewer's cases ----------------------------------------------------------------
@require_safe
@roles_required(SURVEY_CALL_ROLES)
def my_cases(request: HttpRequest) -> HttpResponse:
    """The interviewer's assigned cases, those to call now first."""
    now = timezone.now()
    projects = call_selectors.my_cases(user=request.user, now=now)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("My cases"),
            headers=[
                _("Survey"),
                _("Respondent"),
                _("Phone"),
                _("Stratum"),
                _("Attempts"),
                _("Last outcome"),
                _("Callback"),
            ],
            rows=[
                [
                    entry.project.name,
                    row.case.respondent.name_masked,
                    row.case.respondent.phone_masked,
                    str(stratum_label(row.case.stratum)),
                    row.case.attempts,
                    row.case.get_last_outcome_display() if row.case.last_outcome else "",
                    row.case.callback_at,
                ]
                for entry in projects
                for row in entry.rows
            ],
            what="surveys.my_cases",
        )
    return render(
        request,
        "surveys/my_cases.html",
        {
            "projects": projects,
            "supervised": call_selectors.supervised_projects(user=request.user),
            "now": now,
        },
    )


def _parse_local(value: str) -> datetime | None:
    """A datetime-local field's value, in the county's time zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("Enter the callback as a date and time.")) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _dialled_at(request: HttpRequest, case: Case) -> datetime | None:
    stamp = request.session.get(DIAL_SESSION_KEY, {}).get(str(case.pk))
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def _forget_dial(request: HttpRequest, case: Case) -> None:
    dialled = dict(request.session.get(DIAL_SESSION_KEY, {}))
    if dialled.pop(str(case.pk), None) is not None:
        request.session[DIAL_SESSION_KEY] = dialled


def _call_page(
    request: HttpRequest,
    case: Case,
    *,
    revealed: Any = None,
    error: str = "",
    posted: Any = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    interview = call_selectors.interview_of(case)
    response = render(
        request,
        "surveys/call.html",
        {
            "case": case,
            "project": case.project,
            "attempts": call_selectors.attempts_of(case),
            "interview": interview,
            "revealed": revealed,
            "error": error,
            "posted": posted or {},
            "outcomes": [(o.value, o.label) for o in Outcome if o.value in services.RECORDABLE],
            "next_number": case.attempts + 1,
            "callable_now": services.is_due(case, now)
            and services.within_calling_hours(case.project, now),
            "due": services.is_due(case, now),
            "in_hours": services.within_calling_hours(case.project, now),
            "open": case.status in services.CALLABLE,
            "dialled": _dialled_at(request, case) is not None,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SURVEY_CALL_ROLES)
def call(request: HttpRequest, pk: int) -> HttpResponse:
    """The call screen: dial (the clear number shows in this response only), log the outcome,
    or start the interview."""
    case = call_selectors.case_for_interviewer(user=request.user, pk=pk)
    if request.method != "POST":
        return _call_page(request, case)
    action = request.POST.get("action", "")
    try:
        if action == "dial":
            now = timezone.now()
            revealed = services.call_dial(case=case, interviewer=request.user, now=now)
            dialled = dict(request.session.get(DIAL_SESSION_KEY, {}))
            dialled[str(case.pk)] = now.isoformat()
            request.session[DIAL_SESSION_KEY] = dialled
            return _call_page(request, case, revealed=revealed)
        if action == "record":
            try:
                expected = int(request.POST.get("attempt", ""))
            except ValueError:
                expected = None
            attempt = services.call_attempt_record(
                case=case,
                interviewer=request.user,
                outcome=request.POST.get("outcome", ""),
                callback_at=_parse_local(request.POST.get("callback_at", "")),
                note=request.POST.get("note", ""),
                started_at=_dialled_at(request, case),
                expected_number=expected,
            )
            _forget_dial(request, case)
            messages.success(
                request,
                _("Call %(n)d logged: %(outcome)s.")
                % {"n": attempt.number, "outcome": attempt.get_outcome_display()},
            )
            return redirect("surveys:my_cases")
        if action == "interview":
            services.interview_start(case=case, interviewer=request.user)
            return redirect("surveys:interview", pk=case.pk)
        raise ApplicationError(_("Unknown action."))
    except ApplicationError as exc:
        case.refresh_from_db()
        return _call_page(request, case, error=str(exc.message), posted=request.POST, status=400)


# --- the answer screen ----------------------------------------------------------------------
def parse_answers(post: Any, asked: list[services.AskedQuestion], units: list[int]) -> dict:
    """Answers from the answer screen's fields: `q-N` for one value, `q-N-u-UNIT` per unit."""
    answers: dict[int, Any] = {}
    for item in asked:
        number = item.flow.number
        if item.flow.kind == Question.Kind.UNIT_RATING:
            ratings = {u: post.get(f"q-{number}-u-{u}", "") for u in units}
            ratings = {u: label for u, label in ratings.items() if label}
            if ratings:
                answers[number] = ratings
        else:
            value = post.get(f"q-{number}", "")
            if value:
                answers[number] = value
    return answers


def _screen(
    asked: list[services.AskedQuestion],
    *,
    group: str,
    answers: dict,
    units: list[Any],
    missing: Any = (),
) -> list[dict[str, Any]]:
    """The questions asked of the respondent's group, with the current answers and whether
    skip logic shows them (the page hides the others and updates as answers change)."""
    shown = {
        q.number
        for q in flow.applicable_questions([a.flow for a in asked], group=group, answers=answers)
    }
    screen = []
    for item in asked:
        f = item.flow
        if f.groups and group not in f.groups:
            continue
        value = answers.get(f.number)
        rows = []
        if f.kind == Question.Kind.UNIT_RATING:
            given = value if isinstance(value, dict) else {}
            rows = [{"unit": u, "value": given.get(u.pk, "")} for u in units]
        screen.append(
            {
                "question": item.question,
                "flow": f,
                "options": list(item.scores),
                "value": value if isinstance(value, str) else "",
                "rows": rows,
                "shown": f.number in shown,
                "show_if_answers": list(f.show_if_answers),
                "json_id": f"kp-show-if-{f.number}",
                "missing": f.number in missing,
            }
        )
    return screen


def _answer_context(
    interview: Interview, answers: dict | None = None, missing: Any = ()
) -> dict[str, Any]:
    case = interview.case
    asked = services.asked_questions(interview.questionnaire)
    units = list(case.project.units.order_by("code"))
    if answers is None:
        answers = services.interview_answers(interview)
    return {
        "questions": _screen(
            asked, group=case.respondent.group, answers=answers, units=units, missing=missing
        ),
        "max_options": max((len(a.scores) for a in asked), default=0),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SURVEY_CALL_ROLES)
def interview(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer screen of the interviewer's case (case pk): save as the interview goes,
    then complete it."""
    case = call_selectors.case_for_interviewer(user=request.user, pk=pk)
    current = call_selectors.interview_of(case)
    if current is None or current.interviewer_id != request.user.pk:
        raise Http404
    current.case = case
    posted_answers = None
    error = ""
    missing: list[int] = []
    status = 200
    if request.method == "POST":
        asked = services.asked_questions(current.questionnaire)
        units = services.project_unit_ids(case.project)
        posted_answers = parse_answers(request.POST, asked, units)
        action = request.POST.get("action", "")
        try:
            if action == "complete":
                services.interview_complete(
                    interview=current,
                    interviewer=request.user,
                    answers=posted_answers,
                    started_at=_dialled_at(request, case),
                )
                _forget_dial(request, case)
                messages.success(request, _("Interview complete. Thank the respondent."))
                return redirect("surveys:my_cases")
            services.interview_save(
                interview=current, interviewer=request.user, answers=posted_answers
            )
            messages.success(request, _("Answers saved."))
            return redirect("surveys:interview", pk=case.pk)
        except ApplicationError as exc:
            error = str(exc.message)
            missing = list(exc.extra.get("missing", []))
            status = 400
            current.refresh_from_db()
            if current.status == Interview.Status.COMPLETE:
                posted_answers = None
    context = {
        "case": case,
        "project": case.project,
        "interview": current,
        "editable": current.status != Interview.Status.COMPLETE
        and case.status in services.CALLABLE,
        "error": error,
        **_answer_context(current, posted_answers, missing),
    }
    return render(request, "surveys/interview.html", context, status=status)


# --- supervision ----------------------------------------------------------------------------
@require_safe
@roles_required(SUPERVISE_ROLES)
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    """Live progress of a project's calls (the office or the project's supervisors)."""
    project = call_selectors.access_supervised_project(user=request.user, pk=pk)
    progress = call_selectors.progress(project=project)
    fmt = table_exports.requested_format(request)
    if fmt:
        return _supervise_export(request, project.pk, project.code, progress, fmt)
    return render(
        request,
        "surveys/supervise.html",
        {
            "project": project,
            "progress": progress,
            "completed": call_selectors.completed_interviews(project=project),
            "perms_office": request.user.has_role(*SURVEY_OFFICE_ROLES),  # type: ignore[union-attr]
            "now": timezone.now(),
        },
    )


def _supervise_export(
    request: HttpRequest, project_id: int, code: str, progress: Any, fmt: str
) -> HttpResponse:
    """One of the supervise page's tables (`table=strata|interviewers`) as a file."""
    if table_exports.requested_table(request) == "interviewers":
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=f"{code} {_('Interviewers')}",
            headers=[
                _("Interviewer"),
                _("Cases"),
                _("Being called"),
                _("Attempts"),
                _("Completes"),
                _("Refusals"),
            ],
            rows=[
                [
                    p.user.get_full_name() or p.user.username,
                    p.cases,
                    p.open,
                    p.attempts,
                    p.completes,
                    p.refusals,
                ]
                for p in progress.interviewers
            ],
            what=f"surveys.supervise.interviewers:{project_id}",
        )
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{code} {_('Quotas by stratum')}",
        headers=[
            _("Stratum"),
            _("Allocated"),
            _("Completed"),
            _("Being called"),
            _("Callbacks"),
            _("Non-response"),
            _("Replaced"),
            _("Reserves left"),
        ],
        rows=[
            [
                str(stratum_label(s.stratum)),
                s.allocated,
                s.completed,
                s.in_progress,
                s.callbacks,
                s.nonresponse,
                s.replaced,
                s.reserves_left,
            ]
            for s in progress.strata
        ],
        what=f"surveys.supervise.strata:{project_id}",
    )


@require_safe
@roles_required(SUPERVISE_ROLES)
def supervise_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures of the supervise page, fetched every 15 seconds by htmx."""
    project = call_selectors.access_supervised_project(user=request.user, pk=pk)
    return render(
        request,
        "surveys/supervise_live.html",
        {
            "project": project,
            "progress": call_selectors.progress(project=project),
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SUPERVISE_ROLES)
def interview_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor corrects a completed interview, with a reason (audited)."""
    current = call_selectors.access_interview_for_correction(user=request.user, pk=pk)
    posted_answers = None
    error = ""
    missing: list[int] = []
    status = 200
    if request.method == "POST":
        asked = services.asked_questions(current.questionnaire)
        units = services.project_unit_ids(current.case.project)
        posted_answers = parse_answers(request.POST, asked, units)
        try:
            services.interview_correct(
                interview=current,
                actor=request.user,
                answers=posted_answers,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The interview is corrected."))
            return redirect("surveys:interview_correct", pk=current.pk)
        except ApplicationError as exc:
            error = str(exc.message)
            missing = list(exc.extra.get("missing", []))
            status = 400
    context = {
        "case": current.case,
        "project": current.case.project,
        "interview": current,
        "editable": current.status == Interview.Status.COMPLETE,
        "error": error,
        "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        **_answer_context(current, posted_answers, missing),
    }
    return render(request, "surveys/interview_correct.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/staff/", staff, name="staff"),
    path("my-cases/", my_cases, name="my_cases"),
    path("cases/<int:pk>/call/", call, name="call"),
    path("cases/<int:pk>/interview/", interview, name="interview"),
    path("<int:pk>/supervise/", supervise, name="supervise"),
    path("<int:pk>/supervise/live/", supervise_live, name="supervise_live"),
    path("interviews/<int:pk>/correct/", interview_correct, name="interview_correct"),
]
