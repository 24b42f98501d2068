"""Pages of progress reports (进度报送): a unit's reporting page, the report form, a report
with its versions and workflow, the review queue, and evidence downloads.

Views parse input, check the role, call one selector or service and render. A report
outside the user's scope, or an action the user's role may never take on its unit, answers
404; a step the report is not at (a second submission, an approval already given) comes
back from the service as a message on the report's page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError, ConflictError
from kaoping.core.periods import Period, PeriodError
from kaoping.org.models import Role, Unit
from kaoping.org.permissions import REPORT_REVIEW_ROLES, REPORT_ROLES, roles_required
from kaoping.plans.selectors import access_indicator
from kaoping.tracking import evidence as evidence_files
from kaoping.tracking import report_selectors as selectors
from kaoping.tracking.forms import (
    ProgressReportForm,
    ReportActionForm,
    ReportCorrectionForm,
    ReportReturnForm,
)
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as services

READ_WRITE = require_http_methods(["GET", "POST"])
PER_PAGE = 50
WRITE_ROLES = frozenset({Role.REPORTER})
Status = ProgressReport.Status


def _today() -> date:
    return timezone.localdate()


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _optional_url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _back(request: HttpRequest, report: ProgressReport) -> HttpResponse:
    """Back where the action came from (the review queue), else to the report."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("tracking:report_detail", pk=report.pk)


def _report_or_404(request: HttpRequest, pk: int) -> ProgressReport:
    return selectors.access_report(user=request.user, pk=pk)


def _unit_or_404(request: HttpRequest, pk: int | None) -> Unit:
    if pk is None:
        raise Http404
    try:
        return Unit.objects.for_user(request.user).get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404 from None


# --- a unit's reporting page -----------------------------------------------------------------
@require_safe
@roles_required(REPORT_ROLES)
def report_unit(request: HttpRequest) -> HttpResponse:
    """What a unit owes for a period (each indicator at its own reporting period), with the
    state of each report and its deadline."""
    user: Any = request.user
    today = _today()
    units = selectors.reporting_units(user=user)
    unit_id = _int_or_none(request.GET.get("unit"))
    unit = next((u for u in units if u.pk == unit_id), units[0] if units else None)
    context: dict[str, Any] = {"units": units, "unit": unit, "today": today}
    if unit is None:
        return render(request, "tracking/report_unit.html", context)
    choices = selectors.reporting_period_choices(unit=unit, today=today)
    try:
        period: Period | None = Period.parse(request.GET.get("period", ""))
    except PeriodError:
        period = None
    if period not in choices:
        period = selectors.default_reporting_period(choices, today)
    reporting = (
        selectors.unit_obligations(user=user, unit=unit, period=period, today=today)
        if period
        else None
    )
    may_import = user.has_role(Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD)
    context.update(
        {
            "periods": choices,
            "period": period,
            "reporting": reporting,
            "can_create": selectors.can_create_report(user, unit),
            "import_url": _optional_url("tracking:import_upload", unit.code, str(period))
            if period and may_import
            else "",
        }
    )
    return render(request, "tracking/report_unit.html", context)


# --- the report form -------------------------------------------------------------------------
def _form_error(form: ProgressReportForm, exc: ApplicationError) -> None:
    if isinstance(exc, ConflictError):
        form.add_error(
            None, _("%(message)s Your input is still in the form below.") % {"message": exc.message}
        )
    else:
        form.add_error(None, str(exc.message))


@READ_WRITE
@roles_required(WRITE_ROLES)
def report_create(request: HttpRequest) -> HttpResponse:
    """Start a report on an indicator, for a unit and one of the indicator's periods."""
    user: Any = request.user
    source = request.POST if request.method == "POST" else request.GET
    unit = _unit_or_404(request, _int_or_none(source.get("unit")))
    if not selectors.can_create_report(user, unit):
        raise Http404
    indicator_id = _int_or_none(source.get("indicator"))
    if indicator_id is None:
        raise Http404
    indicator = access_indicator(user=user, pk=indicator_id)
    try:
        period = Period.parse(source.get("period", ""))
    except PeriodError:
        raise Http404 from None
    existing = selectors.reports_for_user(
        user=user, unit=unit, indicator=indicator, period=str(period)
    ).first()
    if existing is not None:
        return redirect(_edit_or_detail(user, existing))
    form = ProgressReportForm(request.POST or None, request.FILES or None, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_save(
                actor=user,
                indicator=indicator,
                unit=unit,
                period=period,
                value=data["value"],
                last_year_value=data["last_year_value"],
                narrative=data["narrative"],
                files=data["evidence"],
                submit=form.wants_submit,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            return _saved(request, report, submitted=form.wants_submit)
    deadline = selectors.reporting_deadline(indicator.plan, period)
    return render(
        request,
        "tracking/report_form.html",
        {
            "form": form,
            "indicator": indicator,
            "unit": unit,
            "period": period,
            "deadline": deadline,
            "report": None,
            "evidence": [],
            "evidence_required": selectors.evidence_required(indicator.plan),
            "today": _today(),
        },
    )


def _edit_or_detail(user: Any, report: ProgressReport) -> str:
    name = (
        "tracking:report_edit"
        if selectors.can_edit_report(user, report)
        else ("tracking:report_detail")
    )
    return reverse(name, args=[report.pk])


def _saved(request: HttpRequest, report: ProgressReport, *, submitted: bool) -> HttpResponse:
    if submitted:
        messages.success(request, _("The report is submitted to the unit head."))
        return redirect("tracking:report_detail", pk=report.pk)
    messages.success(request, _("The draft is saved."))
    return redirect("tracking:report_edit", pk=report.pk)


@READ_WRITE
@roles_required(WRITE_ROLES)
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft or a returned report, attach evidence, save or submit."""
    user: Any = request.user
    report = _report_or_404(request, pk)
    if not selectors.is_reporter_for(user, report.unit_id):
        raise Http404
    if not selectors.can_edit_report(user, report):
        messages.info(request, _("This report is not a draft: it can no longer be edited here."))
        return redirect("tracking:report_detail", pk=report.pk)
    indicator = report.indicator
    form = ProgressReportForm(
        request.POST or None,
        request.FILES or None,
        indicator=indicator,
        initial=ProgressReportForm.initial_for(report),
    )
    theirs: ProgressReport | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_save(
                actor=user,
                report=report,
                expected_version=data["row_version"],
                value=data["value"],
                last_year_value=data["last_year_value"],
                narrative=data["narrative"],
                files=data["evidence"],
                submit=form.wants_submit,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
            # Nothing was saved: show the report as it is now.
            report = _report_or_404(request, pk)
            if isinstance(exc, ConflictError):
                # Show what the other person saved; saving again now replaces it knowingly.
                theirs = report
                form.data = form.data.copy()
                form.data["row_version"] = str(theirs.row_version)
        else:
            return _saved(request, report, submitted=form.wants_submit)
    return render(
        request,
        "tracking/report_form.html",
        {
            "form": form,
            "indicator": indicator,
            "unit": report.unit,
            "period": Period.parse(report.period),
            "deadline": report.deadline,
            "report": report,
            "theirs": theirs,
            "evidence": selectors.report_evidence(report=report),
            "evidence_required": selectors.evidence_required(indicator.plan),
            "today": _today(),
        },
    )


# --- a report, its versions and the workflow ---------------------------------------------------
EVENT_LABELS = {
    "report.create": _("Started"),
    "report.update": _("Changed"),
    "report.submit": _("Submitted"),
    "report.unit_approve": _("Approved by the unit head"),
    "report.office_approve": _("Approved by the office"),
    "report.return": _("Returned"),
    "report.correct": _("Correction opened"),
    "report.evidence_attach": _("Evidence attached"),
    "report.evidence_remove": _("Evidence removed"),
}


@require_safe
@roles_required(REPORT_ROLES)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report: its figures, evidence, every version and event, and the user's actions."""
    user: Any = request.user
    report = _report_or_404(request, pk)
    versions = selectors.report_versions(user=user, report=report)
    current = next((v for v in versions if v.is_current), None)
    events = selectors.report_events(reports=versions)
    version_of = {str(v.pk): v.version for v in versions}
    history = [
        {
            "event": e,
            "label": EVENT_LABELS.get(e.action, e.action),
            "version": version_of.get(e.object_id),
            "step": (e.after or {}).get("step") if e.action == "report.return" else None,
        }
        for e in events
    ]
    actions = selectors.report_actions(user, report)
    step = services.STEP_UNIT if actions["unit_review"] else services.STEP_OFFICE
    initial = {"row_version": report.row_version}
    return render(
        request,
        "tracking/report_detail.html",
        {
            "report": report,
            "indicator": report.indicator,
            "period": Period.parse(report.period),
            "evidence": next((v.evidence.all() for v in versions if v.pk == report.pk), []),
            "versions": versions,
            "current": current,
            "history": history,
            "actions": actions,
            "action_form": ReportActionForm(initial=initial),
            "return_form": ReportReturnForm(initial={**initial, "step": step}),
            "correct_form": ReportCorrectionForm(initial=initial),
            "today": _today(),
        },
    )


def _run(request: HttpRequest, report: ProgressReport, call: Any, success: str) -> HttpResponse:
    """Call a workflow service; a refusal becomes a message on the page the user came from."""
    try:
        call()
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return _back(request, report)


def _version(request: HttpRequest) -> int | None:
    return _int_or_none(request.POST.get("row_version"))


@require_POST
@roles_required(WRITE_ROLES)
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit a draft or returned report to the unit head."""
    report = _report_or_404(request, pk)
    if not selectors.is_reporter_for(request.user, report.unit_id):
        raise Http404
    return _run(
        request,
        report,
        lambda: services.report_submit(
            actor=request.user, report=report, expected_version=_version(request)
        ),
        _("The report is submitted to the unit head."),
    )


@require_POST
@roles_required({Role.UNIT_HEAD})
def report_unit_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit head approves a submitted report."""
    report = _report_or_404(request, pk)
    if not selectors.is_unit_head_for(request.user, report.unit_id):
        raise Http404
    return _run(
        request,
        report,
        lambda: services.report_unit_approve(
            actor=request.user,
            report=report,
            expected_version=_version(request),
            note=request.POST.get("note", ""),
        ),
        _("Approved: the report goes to the performance office."),
    )


@require_POST
@roles_required({Role.OFFICE})
def report_office_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The office approves a report its unit head approved; its figures are locked."""
    report = _report_or_404(request, pk)
    if not selectors.is_office_for(request.user, report.unit):
        raise Http404
    return _run(
        request,
        report,
        lambda: services.report_office_approve(
            actor=request.user,
            report=report,
            expected_version=_version(request),
            note=request.POST.get("note", ""),
        ),
        _("Approved: the figures are locked and the tracking figures are updated."),
    )


@require_POST
@roles_required(REPORT_REVIEW_ROLES)
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a report to its unit with a reason (unit head's or office's step)."""
    user: Any = request.user
    report = _report_or_404(request, pk)
    form = ReportReturnForm(request.POST)
    step = request.POST.get("step", "")
    allowed = (
        selectors.is_unit_head_for(user, report.unit_id)
        if step == services.STEP_UNIT
        else selectors.is_office_for(user, report.unit)
    )
    if not allowed:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Give a reason for returning the report."))
        return _back(request, report)
    data = form.cleaned_data
    try:
        services.report_return(
            actor=user,
            report=report,
            reason=data["reason"],
            step=data["step"],
            expected_version=data["row_version"],
        )
    except ApplicationError as exc:
        # Refused (typically someone acted first): say why, and give the reviewer back the
        # reason they wrote, which the page no longer holds.
        messages.error(
            request,
            _("%(message)s The reason you wrote was: %(reason)s")
            % {"message": exc.message, "reason": data["reason"]},
        )
    else:
        messages.success(request, _("The report is returned to its unit."))
    return _back(request, report)


@require_POST
@roles_required({Role.OFFICE})
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a correction of an approved report: a new draft version with a reason."""
    user: Any = request.user
    report = _report_or_404(request, pk)
    if not selectors.is_office_for(user, report.unit):
        raise Http404
    form = ReportCorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the correction."))
        return _back(request, report)
    try:
        correction = services.report_correct(
            actor=user,
            report=report,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["row_version"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return _back(request, report)
    messages.success(
        request,
        _("Version %(v)s is opened for the correction; the unit can now edit and submit it.")
        % {"v": correction.version},
    )
    return redirect("tracking:report_detail", pk=correction.pk)


# --- evidence -------------------------------------------------------------------------------
@require_safe
@roles_required(REPORT_ROLES)
def report_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Download an evidence file of a report in scope (always as an attachment)."""
    evidence = selectors.access_report_evidence(user=request.user, pk=pk)
    return evidence_files.evidence_response(evidence)


@require_POST
@roles_required(WRITE_ROLES)
def report_evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an evidence file off a draft or returned report."""
    evidence = selectors.access_report_evidence(user=request.user, pk=pk)
    report = evidence.report
    if report is None or not selectors.is_reporter_for(request.user, report.unit_id):
        raise Http404
    try:
        services.evidence_remove(actor=request.user, evidence=evidence)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("tracking:report_detail", pk=report.pk)
    messages.success(request, _("“%(name)s” is removed.") % {"name": evidence.original_name})
    return redirect("tracking:report_edit", pk=report.pk)


# --- the review queue -------------------------------------------------------------------------
QUEUE_STATUS_LABELS = {
    "": _("Waiting for me"),
    Status.SUBMITTED.value: _("Waiting for the unit head"),
    Status.UNIT_APPROVED.value: _("Waiting for the office"),
    Status.RETURNED.value: _("Returned to the unit"),
}


def _queue_export(request: HttpRequest, queue: Any, fmt: str) -> HttpResponse:
    """The review queue as shown (same selector and filters), every report, as a file."""
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=_("Review queue"),
        headers=[
            _("Unit"),
            _("Indicator code"),
            _("Indicator"),
            _("Period"),
            _("Value"),
            _("Last year's value"),
            _("Status"),
            _("Version"),
            _("Submitted at"),
            _("Deadline"),
            _("Late"),
        ],
        rows=[
            [
                r.unit.name,
                r.indicator.code,
                r.indicator.name,
                r.period,
                r.value,
                r.last_year_value,
                r.get_status_display(),
                r.version,
                r.submitted_at,
                r.deadline,
                r.is_late,
            ]
            for r in queue
        ],
        what="tracking.review_queue",
    )


# A page of the queue links each report three ways; each URL is reversed once per page with
# this number in the place of the report's key, then filled in per row (reversing is slow
# next to the rest of a row).
_PK_PLACEHOLDER = 2147483647


def _pk_url(name: str) -> Callable[[int], str]:
    head, _sep, tail = reverse(name, args=[_PK_PLACEHOLDER]).partition(str(_PK_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


def _queue_rows(user: Any, reports: Iterable[ProgressReport]) -> list[dict[str, Any]]:
    """Each report of a queue page with what its row shows: its links, its status label
    (translated once per page: `get_status_display` translates every choice per call), and
    whether the user approves it here, at the unit head's step or at the office's."""
    detail = _pk_url("tracking:report_detail")
    approve = {
        "unit": _pk_url("tracking:report_unit_approve"),
        "office": _pk_url("tracking:report_office_approve"),
    }
    labels = {value: str(label) for value, label in ProgressReport.Status.choices}
    rows = []
    for report in reports:
        unit_review = selectors.can_unit_review(user, report)
        office_review = selectors.can_office_review(user, report)
        step = "unit" if unit_review else "office" if office_review else ""
        rows.append(
            {
                "report": report,
                "unit_review": unit_review,
                "office_review": office_review,
                "review": bool(step),
                "detail_url": detail(report.pk),
                "approve_url": approve[step](report.pk) if step else "",
                "status_label": labels.get(report.status, report.status),
            }
        )
    return rows


@require_safe
@roles_required(REPORT_REVIEW_ROLES)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Reports waiting for the user's review, oldest submission first, with filters."""
    user: Any = request.user
    units = list(selectors.review_queue_units(user=user))
    unit_id = _int_or_none(request.GET.get("unit"))
    unit = next((u for u in units if u.pk == unit_id), None)
    status = request.GET.get("status", "")
    status = status if status in QUEUE_STATUS_LABELS else ""
    periods = selectors.review_queue_periods(user=user)
    period = request.GET.get("period", "")
    period = period if period in periods else ""
    queue = selectors.review_queue(user=user, period=period, status=status, unit=unit)
    fmt = table_exports.requested_format(request)
    if fmt:
        return _queue_export(request, queue, fmt)
    page = Paginator(queue, PER_PAGE).get_page(request.GET.get("page"))
    rows = _queue_rows(user, page.object_list)
    return render(
        request,
        "tracking/review_queue.html",
        {
            "page": page,
            "rows": rows,
            "units": units,
            "unit": unit,
            "periods": periods,
            "period": period,
            "status": status,
            "statuses": list(QUEUE_STATUS_LABELS.items()),
            "filtered": bool(unit or period or status),
            "can_bulk": any(row["review"] for row in rows),
            "next_path": request.get_full_path(),
            "today": _today(),
        },
    )


@require_POST
@roles_required(REPORT_REVIEW_ROLES)
def review_approve_selected(request: HttpRequest) -> HttpResponse:
    """Approve the ticked reports of the queue, each at the step the user reviews it at; a
    report changed since the queue was shown is left for a second look."""
    user: Any = request.user
    approved, skipped = 0, 0
    for token in request.POST.getlist("report")[:PER_PAGE]:
        pk_text, _sep, version_text = token.partition(":")
        pk, version = _int_or_none(pk_text), _int_or_none(version_text)
        if pk is None or version is None:
            continue
        try:
            report = selectors.access_report(user=user, pk=pk)
            if selectors.can_unit_review(user, report):
                services.report_unit_approve(actor=user, report=report, expected_version=version)
            elif selectors.can_office_review(user, report):
                services.report_office_approve(actor=user, report=report, expected_version=version)
            else:
                skipped += 1
                continue
        except (ApplicationError, Http404):
            skipped += 1
            continue
        approved += 1
    if approved:
        messages.success(request, _("%(n)d report(s) approved.") % {"n": approved})
    if skipped:
        messages.warning(
            request,
            _(
                "%(n)d report(s) were not approved: they changed since the list was shown, or "
                "need another reviewer. Open them to see why."
            )
            % {"n": skipped},
        )
    return _back_to_queue(request)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("tracking:review_queue")


urlpatterns = [
    path("reports/", report_unit, name="report_unit"),
    path("reports/new/", report_create, name="report_create"),
    path("reports/review/", review_queue, name="review_queue"),
    path("reports/review/approve/", review_approve_selected, name="review_approve_selected"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:pk>/unit-approve/", report_unit_approve, name="report_unit_approve"),
    path("reports/<int:pk>/approve/", report_office_approve, name="report_office_approve"),
    path("reports/<int:pk>/return/", report_return, name="report_return"),
    path("reports/<int:pk>/correct/", report_correct, name="report_correct"),
    path("reports/evidence/<int:pk>/", report_evidence, name="report_evidence"),
    path(
        "reports/evidence/<int:pk>/remove/", report_evidence_remove, name="report_evidence_remove"
    ),
]
