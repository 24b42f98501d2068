"""Inspection pages: rounds, findings with evidence, deductions, appeals and rulings,
rectifications with their progress timeline, and the 谁丢分谁负责 accountability table.

Views parse input, check the role, call one selector or service and render. A page outside
the user's roles and an object outside their data scope answer 404. A refused action is
shown as a message on the same page with the user's input kept (stale versions: 409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.inspections import forms, selectors, services
from kaoping.inspections.models import (
    Appeal,
    DeductionRule,
    Finding,
    InspectionRound,
    Rectification,
)
from kaoping.org.models import Person, Unit
from kaoping.org.permissions import (
    APPEAL_ROLES,
    DEDUCTION_ACCOUNTABILITY_ROLES,
    INSPECTION_OFFICE_ROLES,
    INSPECTION_ROLES,
    INSPECTION_WRITE_ROLES,
    RECTIFICATION_WORK_ROLES,
    roles_required,
)
from kaoping.plans import selectors as plan_selectors
from kaoping.plans.models import Indicator, Plan
from kaoping.plans.selectors import plans_for_user
from kaoping.tracking.evidence import evidence_response

PER_PAGE = 50
ROUND_STATUS_COLOURS = {"draft": "secondary", "open": "success", "closed": "dark"}
DEDUCTION_STATUS_COLOURS = {
    "proposed": "secondary",
    "confirmed": "danger",
    "appealed": "warning",
    "withdrawn": "success",
    "reduced": "info",
}
APPEAL_STATUS_COLOURS = {
    "pending": "warning",
    "upheld": "success",
    "partly_upheld": "info",
    "rejected": "danger",
}
RECTIFICATION_STATUS_COLOURS = {
    "open": "secondary",
    "in_progress": "primary",
    "submitted": "info",
    "returned": "danger",
    "verified": "success",
    "closed": "dark",
}
LEVEL_COLOURS = {"blue": "primary", "yellow": "warning", "red": "danger"}
COLOURS = {
    "round_colours": ROUND_STATUS_COLOURS,
    "deduction_colours": DEDUCTION_STATUS_COLOURS,
    "appeal_colours": APPEAL_STATUS_COLOURS,
    "rectification_colours": RECTIFICATION_STATUS_COLOURS,
    "level_colours": LEVEL_COLOURS,
}


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _choice(value: str | None, allowed: list[str]) -> str:
    return value if value in allowed else ""


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _refused(form: Any, exc: ApplicationError) -> int:
    """Show a refusal on the form; the HTTP status to answer with (409 on a conflict)."""
    form.add_error(None, str(exc.message))
    return exc.status_code if exc.status_code in (400, 409) else 400


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"inspections/{template}", {**COLOURS, **context}, status=status)


# --- choices in scope ---------------------------------------------------------------------------
def _county_units(plan: Plan) -> QuerySet[Unit]:
    return plan_selectors.plan_units(plan=plan)


def _county_people(plan: Plan) -> QuerySet[Person]:
    return plan_selectors.plan_persons(plan=plan)


def _inspected_units(user: Any, inspection_round: InspectionRound) -> QuerySet[Unit]:
    plan = inspection_round.plan
    if inspection_round.level == InspectionRound.Level.PROVINCIAL:
        return Unit.objects.filter(pk=plan.owner_id)
    return _county_units(plan).exclude(pk=plan.owner_id).filter(pk__in=Unit.objects.for_user(user))


def _indicators(plan: Plan) -> QuerySet[Indicator]:
    return Indicator.objects.filter(plan=plan).order_by("order", "code")


# --- rounds ---------------------------------------------------------------------------------
@require_safe
@roles_required(INSPECTION_ROLES)
def round_list(request: HttpRequest) -> HttpResponse:
    """Inspection rounds of the plans in scope, with what each found."""
    user = request.user
    status = _choice(request.GET.get("status"), list(InspectionRound.Status.values))
    fmt = table_exports.requested_format(request)
    if fmt:
        return _rounds_export(
            request, list(selectors.rounds_for_user(user=user, status=status)), fmt
        )
    page = _page(request, selectors.rounds_for_user(user=user, status=status))
    rounds = list(page.object_list)
    counts = selectors.round_counts(user=user, rounds=rounds) if rounds else {}
    return _render(
        request,
        "round_list.html",
        {
            "page": page,
            "rows": [(r, counts[r.pk]) for r in rounds],
            "status": status,
            "statuses": InspectionRound.Status.choices,
            "can_create": user.has_role(*INSPECTION_WRITE_ROLES),  # type: ignore[union-attr]
        },
    )


def _rounds_export(request: HttpRequest, rounds: list[InspectionRound], fmt: str) -> HttpResponse:
    """The round list as shown (same selector, same filter), every round, as a file."""
    counts = selectors.round_counts(user=request.user, rounds=rounds) if rounds else {}
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=_("Inspection rounds"),
        headers=[
            _("Round"),
            _("Code"),
            _("Level"),
            _("Plan"),
            _("Period start"),
            _("Period end"),
            _("Findings"),
            _("Points deducted"),
            _("Open rectifications"),
            _("Status"),
        ],
        rows=[
            [
                r.name,
                r.code,
                r.get_level_display(),
                r.plan.name,
                r.period_start,
                r.period_end,
                counts[r.pk]["findings"],
                counts[r.pk]["points"],
                counts[r.pk]["open"],
                r.get_status_display(),
            ]
            for r in rounds
        ],
        what="inspections.rounds",
    )


@require_http_methods(["GET", "POST"])
@roles_required(INSPECTION_WRITE_ROLES)
def round_create(request: HttpRequest) -> HttpResponse:
    """A new draft round of a plan the user inspects."""
    user = request.user
    inspected = [
        p.pk for p in plans_for_user(user=user) if selectors.is_inspecting_for(user, p.owner_id)
    ]
    plans = plans_for_user(user=user).filter(pk__in=inspected)
    form = forms.RoundForm(request.POST or None, plans=plans)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.round_create(
                actor=user,
                plan=data["plan"],
                code=data["code"],
                name=data["name"],
                level=data["level"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                appeal_days=data["appeal_days"],
                description=data["description"],
            )
        except ApplicationError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("The round was created as a draft."))
            return redirect("inspections:round_detail", pk=created.pk)
    elif request.method == "POST":
        status = 400
    return _render(request, "round_form.html", {"form": form}, status)


def _person(person: Person | None) -> str:
    return person.name if person else ""


def _findings_export(
    request: HttpRequest,
    inspection_round: InspectionRound,
    findings: Any,
    points: dict[int, Any],
    fmt: str,
) -> HttpResponse:
    """A round's findings as shown (same selector), with their counted deduction points."""
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{_('Findings')}-{inspection_round.code}",
        headers=[
            _("Found on"),
            _("Unit"),
            _("Title"),
            _("Severity"),
            _("Indicator"),
            _("Responsible unit"),
            _("Responsible leader"),
            _("Description"),
            _("Deduction points"),
            _("Rectification"),
        ],
        rows=[
            [
                f.found_on,
                f.unit.name,
                f.title,
                f.get_severity_display(),
                f.indicator.name if f.indicator_id else "",
                f.responsible_unit.name if f.responsible_unit_id else "",
                _person(f.responsible_leader),
                f.description,
                points.get(f.pk),
                _rectification_status(f),
            ]
            for f in findings
        ],
        what=f"inspections.findings:{inspection_round.pk}",
    )


def _rectification_status(finding: Finding) -> str:
    try:
        return str(finding.rectification.get_status_display())
    except Rectification.DoesNotExist:
        return ""


def _deductions_export(
    request: HttpRequest, inspection_round: InspectionRound, deductions: Any, fmt: str
) -> HttpResponse:
    """A round's deductions in the user's scope (the deductions selector)."""
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{_('Deductions')}-{inspection_round.code}",
        headers=[
            _("Finding"),
            _("Unit"),
            _("Indicator"),
            _("Category"),
            _("Points"),
            _("Points after appeal"),
            _("Rule and reason"),
            _("Responsible unit"),
            _("Responsible leader"),
            _("Status"),
            _("Confirmed on"),
        ],
        rows=[
            [
                d.finding.title,
                d.unit.name,
                d.indicator.name if d.indicator_id else "",
                d.get_category_display(),
                d.points,
                d.effective_points,
                d.reason,
                d.responsible_unit.name if d.responsible_unit_id else "",
                _person(d.responsible_leader),
                d.get_status_display(),
                d.confirmed_on,
            ]
            for d in deductions
        ],
        what=f"inspections.deductions:{inspection_round.pk}",
    )


@require_safe
@roles_required(INSPECTION_ROLES)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: its period, state and the findings the user may see."""
    user = request.user
    inspection_round = selectors.access_round(user=user, pk=pk)
    findings = selectors.findings_for_user(user=user, inspection_round=inspection_round)
    points: dict[int, Any] = {}
    for finding_id, value in (
        selectors.deductions_for_user(user=user)
        .filter(finding__round=inspection_round, status__in=selectors.COUNTED_STATUSES)
        .values_list("finding_id", "effective_points")
    ):
        points[finding_id] = points.get(finding_id, 0) + value
    fmt = table_exports.requested_format(request)
    if fmt and table_exports.requested_table(request) == "deductions":
        deductions = selectors.deductions_for_user(user=user).filter(
            finding__round=inspection_round
        )
        return _deductions_export(request, inspection_round, deductions, fmt)
    if fmt:
        return _findings_export(request, inspection_round, findings, points, fmt)
    page = _page(request, findings)
    return _render(
        request,
        "round_detail.html",
        {
            "round": inspection_round,
            "page": page,
            "points": points,
            "can_manage": selectors.can_manage_round(user, inspection_round),
            "can_record": selectors.can_record_finding(user, inspection_round),
        },
    )


@require_POST
@roles_required(INSPECTION_WRITE_ROLES)
def round_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a draft round or close an open one."""
    inspection_round = selectors.access_round(user=request.user, pk=pk)
    action = request.POST.get("action")
    change = {"open": services.round_open, "close": services.round_close}.get(action or "")
    if change is None:
        raise Http404
    try:
        change(
            actor=request.user,
            inspection_round=inspection_round,
            expected_version=_int(request.POST.get("version")),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The round is open.") if action == "open" else _("The round is closed."),
        )
    return redirect("inspections:round_detail", pk=inspection_round.pk)


# --- findings ---------------------------------------------------------------------------------
def _finding_form(
    request: HttpRequest, inspection_round: InspectionRound, **kwargs: Any
) -> forms.FindingForm:
    plan = inspection_round.plan
    return forms.FindingForm(
        request.POST or None,
        request.FILES or None,
        units=_inspected_units(request.user, inspection_round),
        indicators=_indicators(plan),
        responsible_units=_county_units(plan),
        leaders=_county_people(plan),
        **kwargs,
    )


@require_http_methods(["GET", "POST"])
@roles_required(INSPECTION_WRITE_ROLES)
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a finding in an open round, with evidence files."""
    user = request.user
    inspection_round = selectors.access_round(user=user, pk=pk)
    if not selectors.can_manage_round(user, inspection_round):
        raise Http404
    initial = {}
    if inspection_round.level == InspectionRound.Level.PROVINCIAL:
        initial["unit"] = inspection_round.plan.owner_id
    form = _finding_form(request, inspection_round, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = _record_finding(user, inspection_round, data)
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The finding was recorded."))
                return redirect("inspections:finding_detail", pk=finding.pk)
    return _render(request, "finding_form.html", {"form": form, "round": inspection_round}, status)


def _record_finding(user: Any, inspection_round: InspectionRound, data: dict[str, Any]) -> Finding:
    """The finding and its files in one transaction (a refused file records nothing)."""
    with transaction.atomic():
        finding = services.finding_record(
            actor=user,
            inspection_round=inspection_round,
            unit=data["unit"],
            title=data["title"],
            found_on=data["found_on"],
            description=data["description"],
            severity=data["severity"],
            indicator=data["indicator"],
            responsible_unit=data["responsible_unit"],
            responsible_leader=data["responsible_leader"],
        )
        for upload in data["files"]:
            services.finding_evidence_attach(actor=user, finding=finding, upload=upload)
    return finding


def _finding_page(
    request: HttpRequest,
    finding: Finding,
    *,
    evidence_form: forms.EvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    deductions = list(
        selectors.deductions_for_user(user=user).filter(finding=finding).prefetch_related("appeal")
    )
    today = timezone.localdate()
    rectification = selectors.rectifications_for_user(user=user).filter(finding=finding).first()
    return _render(
        request,
        "finding_detail.html",
        {
            "finding": finding,
            "evidence": selectors.evidence_for_user(user=user).filter(finding=finding),
            "deductions": [
                {
                    "deduction": d,
                    "appeal": getattr(d, "appeal", None),
                    "can_confirm": selectors.can_confirm_deduction(user, d),
                    "can_appeal": selectors.can_appeal(user, d, today),
                }
                for d in deductions
            ],
            "rectification": rectification,
            "can_edit": selectors.can_edit_finding(user, finding),
            "can_add_evidence": selectors.can_add_evidence(user, finding),
            "can_deduct": selectors.can_record_deduction(user, finding),
            "can_open_rectification": rectification is None
            and selectors.can_open_rectification(user, finding),
            "evidence_form": evidence_form or forms.EvidenceForm(),
        },
        status,
    )


@require_safe
@roles_required(INSPECTION_ROLES)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A finding, its evidence, deductions (with appeals) and rectification."""
    return _finding_page(request, selectors.access_finding(user=request.user, pk=pk))


@require_http_methods(["GET", "POST"])
@roles_required(INSPECTION_WRITE_ROLES)
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a finding of a round not yet closed."""
    user = request.user
    finding = selectors.access_finding(user=user, pk=pk)
    if not selectors.is_inspecting_for(user, finding.unit_id):
        raise Http404
    initial = {
        "indicator": finding.indicator_id,
        "title": finding.title,
        "description": finding.description,
        "severity": finding.severity,
        "found_on": finding.found_on,
        "responsible_unit": finding.responsible_unit_id,
        "responsible_leader": finding.responsible_leader_id,
        "version": finding.row_version,
    }
    form = _finding_form(request, finding.round, initial=initial, editing=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.finding_update(
                    actor=user,
                    finding=finding,
                    title=data["title"],
                    found_on=data["found_on"],
                    description=data["description"],
                    severity=data["severity"],
                    indicator=data["indicator"],
                    responsible_unit=data["responsible_unit"],
                    responsible_leader=data["responsible_leader"],
                    expected_version=data["version"],
                )
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The finding was saved."))
                return redirect("inspections:finding_detail", pk=finding.pk)
    return _render(
        request,
        "finding_form.html",
        {"form": form, "round": finding.round, "finding": finding},
        status,
    )


@require_POST
@roles_required(INSPECTION_WRITE_ROLES)
def finding_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an evidence file to a finding."""
    finding = selectors.access_finding(user=request.user, pk=pk)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.finding_evidence_attach(
                actor=request.user,
                finding=finding,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as exc:
            return _finding_page(request, finding, evidence_form=form, status=_refused(form, exc))
        messages.success(request, _("The file was added."))
        return redirect("inspections:finding_detail", pk=finding.pk)
    return _finding_page(request, finding, evidence_form=form, status=400)


@require_safe
@roles_required(INSPECTION_ROLES)
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file as an attachment (never rendered by the browser)."""
    return evidence_response(selectors.access_evidence(user=request.user, pk=pk))  # type: ignore[arg-type]


# --- deductions ---------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@roles_required(INSPECTION_WRITE_ROLES)
def deduction_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a deduction for a finding."""
    user = request.user
    finding = selectors.access_finding(user=user, pk=pk)
    if not selectors.is_inspecting_for(user, finding.unit_id):
        raise Http404
    form = forms.DeductionForm(
        request.POST or None,
        indicators=_indicators(finding.round.plan),
        initial={"indicator": finding.indicator_id},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.deduction_record(
                    actor=user,
                    finding=finding,
                    reason=data["reason"],
                    points=data["points"],
                    indicator=data["indicator"],
                )
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The deduction was proposed; the office confirms it."))
                return redirect("inspections:finding_detail", pk=finding.pk)
    return _render(request, "deduction_form.html", {"form": form, "finding": finding}, status)


@require_safe
@roles_required(INSPECTION_ROLES)
def deduction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A deduction is shown on its finding's page (the link other apps use, e.g. scoring)."""
    deduction = selectors.access_deduction(user=request.user, pk=pk)
    url = reverse("inspections:finding_detail", args=[deduction.finding_id])
    return redirect(f"{url}#deduction-{deduction.pk}")


@require_POST
@roles_required(INSPECTION_OFFICE_ROLES)
def deduction_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The office confirms a proposed deduction."""
    deduction = selectors.access_deduction(user=request.user, pk=pk)
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
    else:
        try:
            services.deduction_confirm(
                actor=request.user,
                deduction=deduction,
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The deduction was confirmed."))
    return redirect("inspections:finding_detail", pk=deduction.finding_id)


# --- appeals ------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@roles_required(APPEAL_ROLES)
def appeal_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit appeals a confirmed deduction within the window."""
    user = request.user
    deduction = selectors.access_deduction(user=user, pk=pk)
    if not selectors.is_unit_staff_for(user, *selectors.appeal_units(deduction)):
        raise Http404
    form = forms.AppealForm(
        request.POST or None, request.FILES or None, initial={"version": deduction.row_version}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appeal = services.appeal_file(
                    actor=user,
                    deduction=deduction,
                    reasons=form.cleaned_data["reasons"],
                    files=form.cleaned_data["files"],
                    expected_version=form.cleaned_data["version"],
                )
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The appeal was filed with the office."))
                return redirect("inspections:appeal_detail", pk=appeal.pk)
    return _render(
        request,
        "appeal_form.html",
        {"form": form, "deduction": deduction, "deadline": deduction.appeal_deadline},
        status,
    )


@require_safe
@roles_required(INSPECTION_ROLES)
def appeal_list(request: HttpRequest) -> HttpResponse:
    """Appeals in scope, pending first."""
    status = _choice(request.GET.get("status"), list(Appeal.Status.values))
    appeals = selectors.appeals_for_user(user=request.user, status=status)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Appeals"),
            headers=[
                _("Finding"),
                _("Round"),
                _("Unit"),
                _("Points"),
                _("Points after ruling"),
                _("Filed on"),
                _("Status"),
            ],
            rows=[
                [
                    a.deduction.finding.title,
                    a.deduction.finding.round.name,
                    a.deduction.responsible_unit.short_name
                    if a.deduction.responsible_unit and a.deduction.responsible_unit.short_name
                    else a.deduction.unit.name,
                    a.deduction.points,
                    a.points_after,
                    a.filed_on,
                    a.get_status_display(),
                ]
                for a in appeals
            ],
            what="inspections.appeals",
        )
    return _render(
        request,
        "appeal_list.html",
        {
            "page": _page(request, appeals),
            "status": status,
            "statuses": Appeal.Status.choices,
        },
    )


def _appeal_page(
    request: HttpRequest, appeal: Appeal, *, form: forms.RulingForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    return _render(
        request,
        "appeal_detail.html",
        {
            "appeal": appeal,
            "deduction": appeal.deduction,
            "evidence": selectors.evidence_for_user(user=user).filter(appeal=appeal),
            "can_rule": selectors.can_rule_appeal(user, appeal),
            "form": form or forms.RulingForm(initial={"version": appeal.row_version}),
        },
        status,
    )


@require_safe
@roles_required(INSPECTION_ROLES)
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An appeal, its deduction and evidence; the office's ruling form."""
    return _appeal_page(request, selectors.access_appeal(user=request.user, pk=pk))


@require_POST
@roles_required(INSPECTION_OFFICE_ROLES)
def appeal_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """The office rules on an appeal."""
    appeal = selectors.access_appeal(user=request.user, pk=pk)
    form = forms.RulingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.appeal_rule(
                actor=request.user,
                appeal=appeal,
                decision=data["decision"],
                reason=data["reason"],
                points_after=data["points_after"],
                expected_version=data["version"],
            )
        except ApplicationError as exc:
            return _appeal_page(request, appeal, form=form, status=_refused(form, exc))
        messages.success(request, _("The ruling was recorded."))
        return redirect("inspections:appeal_detail", pk=appeal.pk)
    return _appeal_page(request, appeal, form=form, status=400)


# --- rectifications -------------------------------------------------------------------
@require_safe
@roles_required(INSPECTION_ROLES)
def rectification_list(request: HttpRequest) -> HttpResponse:
    """Rectifications in scope, filtered by status, overdue and unit."""
    user = request.user
    status = _choice(request.GET.get("status"), list(Rectification.Status.values))
    overdue = request.GET.get("overdue") == "1"
    units = selectors.rectification_units(user=user)
    unit_id = _int(request.GET.get("unit"))
    unit = Unit.objects.for_user(user).filter(pk=unit_id).first() if unit_id else None
    today = timezone.localdate()
    items = selectors.rectifications_for_user(
        user=user, status=status, overdue=overdue, unit=unit, today=today
    )
    if unit_id and unit is None:  # a unit outside the user's scope: nothing to show
        items = items.none()
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Rectifications"),
            headers=[
                _("Finding"),
                _("Unit"),
                _("Rectification plan"),
                _("Responsible person"),
                _("Deadline"),
                _("Status"),
                _("Percent done"),
                _("Overdue"),
                _("Escalation"),
            ],
            rows=[
                [
                    r.finding.title,
                    r.unit.name,
                    r.plan_text,
                    _person(r.responsible_person),
                    r.deadline,
                    r.get_status_display(),
                    r.percent,
                    r.is_overdue(today),
                    r.get_escalation_level_display() if r.escalation_level else "",
                ]
                for r in items
            ],
            what="inspections.rectifications",
        )
    page = _page(request, items)
    return _render(
        request,
        "rectification_list.html",
        {
            "page": page,
            "overdue_ids": {r.pk for r in page if r.is_overdue(today)},
            "status": status,
            "statuses": Rectification.Status.choices,
            "overdue": overdue,
            "units": units,
            "unit": unit,
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@roles_required(INSPECTION_WRITE_ROLES)
def rectification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the rectification of a finding: what, by whom, by when."""
    user = request.user
    finding = selectors.access_finding(user=user, pk=pk)
    if not selectors.can_open_rectification(user, finding):
        raise Http404
    unit = finding.responsible_unit or finding.unit
    form = forms.RectificationOpenForm(
        request.POST or None,
        persons=Person.objects.filter(unit=unit, is_active=True).order_by("position", "name"),
        initial={"plan_text": finding.description or finding.title},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                rectification = services.rectification_open(
                    actor=user,
                    finding=finding,
                    deadline=data["deadline"],
                    plan_text=data["plan_text"],
                    responsible_person=data["responsible_person"],
                )
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The rectification was opened; the unit is told."))
                return redirect("inspections:rectification_detail", pk=rectification.pk)
    return _render(request, "rectification_form.html", {"form": form, "finding": finding}, status)


def _rectification_page(
    request: HttpRequest,
    rectification: Rectification,
    *,
    forms_given: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    version = {"version": rectification.row_version}
    given = forms_given or {}
    timeline: list[dict[str, Any]] = [
        {"on": p.on, "kind": "progress", "item": p}
        for p in rectification.progress.select_related("reported_by")
    ] + [
        {"on": c.checked_on, "kind": "check", "item": c}
        for c in rectification.checks.select_related("checked_by")
    ]
    timeline.sort(key=lambda e: (e["on"], e["item"].created_at))
    return _render(
        request,
        "rectification_detail.html",
        {
            "rectification": rectification,
            "finding": rectification.finding,
            "timeline": timeline,
            "evidence": selectors.evidence_for_user(user=user).filter(rectification=rectification),
            "overdue": rectification.is_overdue(timezone.localdate()),
            "can_progress": selectors.can_report_progress(user, rectification),
            "can_submit": selectors.can_submit_rectification(user, rectification),
            "can_verify": selectors.can_verify_rectification(user, rectification),
            "can_close": selectors.can_close_rectification(user, rectification),
            "progress_form": given.get("progress")
            or forms.ProgressForm(initial={**version, "percent": rectification.percent}),
            "submit_form": given.get("submit") or forms.SubmitForm(initial=version),
            "verify_form": given.get("verify") or forms.VerifyForm(initial=version),
            "close_form": given.get("close") or forms.CloseForm(initial=version),
        },
        status,
    )


@require_safe
@roles_required(INSPECTION_ROLES)
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A rectification, its progress timeline and re-checks, and the actions due."""
    return _rectification_page(request, selectors.access_rectification(user=request.user, pk=pk))


def _rectification_action(
    request: HttpRequest, pk: int, name: str, form_class: type[Any], act: Any, done: str
) -> HttpResponse:
    rectification = selectors.access_rectification(user=request.user, pk=pk)
    form = form_class(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            act(rectification, form.cleaned_data)
        except ApplicationError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, done)
            return redirect("inspections:rectification_detail", pk=rectification.pk)
    else:
        status = 400
    return _rectification_page(request, rectification, forms_given={name: form}, status=status)


@require_POST
@roles_required(RECTIFICATION_WORK_ROLES)
def rectification_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit reports progress (with evidence files)."""

    def act(r: Rectification, data: dict[str, Any]) -> None:
        services.rectification_update_progress(
            actor=request.user,
            rectification=r,
            on=data["on"],
            text=data["text"],
            percent=data["percent"],
            files=data["files"],
            expected_version=data["version"],
        )

    return _rectification_action(
        request, pk, "progress", forms.ProgressForm, act, _("The progress was recorded.")
    )


@require_POST
@roles_required(RECTIFICATION_WORK_ROLES)
def rectification_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit head submits the rectification for verification."""

    def act(r: Rectification, data: dict[str, Any]) -> None:
        services.rectification_submit(
            actor=request.user, rectification=r, note=data["note"], expected_version=data["version"]
        )

    return _rectification_action(
        request, pk, "submit", forms.SubmitForm, act, _("Submitted for verification.")
    )


@require_POST
@roles_required(INSPECTION_WRITE_ROLES)
def rectification_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspector or the office verifies or returns a submitted rectification."""

    def act(r: Rectification, data: dict[str, Any]) -> None:
        check = (
            services.rectification_verify
            if data["decision"] == "verify"
            else services.rectification_return
        )
        check(
            actor=request.user, rectification=r, note=data["note"], expected_version=data["version"]
        )

    return _rectification_action(
        request, pk, "verify", forms.VerifyForm, act, _("The re-check was recorded.")
    )


@require_POST
@roles_required(INSPECTION_OFFICE_ROLES)
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The office closes (销号) a verified rectification."""

    def act(r: Rectification, data: dict[str, Any]) -> None:
        services.rectification_close(
            actor=request.user, rectification=r, note=data["note"], expected_version=data["version"]
        )

    return _rectification_action(
        request, pk, "close", forms.CloseForm, act, _("The rectification was closed (销号).")
    )


# --- deduction rules ----------------------------------------------------------------------
def _rules_url(plan: Plan) -> str:
    return f"{reverse('inspections:rule_list')}?plan={plan.pk}"


def _rule_initial(rule: DeductionRule | None) -> dict[str, Any]:
    """The form's fields of a rule being changed (none for a new rule)."""
    if rule is None:
        return {}
    fields = ("category", "name", "points_per_item", "cap")
    return {"indicator": rule.indicator_id, **{name: getattr(rule, name) for name in fields}}


@require_http_methods(["GET", "POST"])
@roles_required(INSPECTION_ROLES)
def rule_list(request: HttpRequest) -> HttpResponse:
    """A plan's deduction rules (points per item, caps): read in scope; the office of the
    plan's owner sets, changes and removes them here."""
    user: Any = request.user
    plans = list(plans_for_user(user=user).select_related("cycle", "owner"))
    plan_id = _int(request.POST.get("plan") or request.GET.get("plan"))
    plan = next((p for p in plans if p.pk == plan_id), None)
    if plan_id is not None and plan is None:
        raise Http404
    plan = plan or (plans[0] if plans else None)
    can_edit = plan is not None and selectors.is_office_for(user, plan.owner_id)
    if request.method == "POST" and not can_edit:
        raise Http404
    rules = list(
        DeductionRule.objects.filter(plan=plan)
        .select_related("indicator")
        .order_by("indicator__order", "indicator__code", "category")
    )
    editing = next((r for r in rules if str(r.pk) == request.GET.get("edit")), None)
    form = (
        forms.DeductionRuleForm(
            request.POST or None, indicators=_indicators(plan), initial=_rule_initial(editing)
        )
        if plan is not None and can_edit
        else None
    )
    status = 200
    if form is not None and request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.deduction_rule_set(actor=user, plan=plan, **form.cleaned_data)
            except ApplicationError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The deduction rule was saved."))
                return redirect(_rules_url(plan))
    context = {"plans": plans, "plan": plan, "rules": rules, "form": form, "editing": editing}
    return _render(request, "rules.html", {**context, "can_edit": can_edit}, status)


@require_POST
@roles_required(INSPECTION_OFFICE_ROLES)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a deduction rule (the office of the plan's owner)."""
    rule = (
        DeductionRule.objects.for_user(request.user)
        .select_related("plan", "indicator")
        .filter(pk=pk)
        .first()
    )
    if rule is None:
        raise Http404
    try:
        services.deduction_rule_delete(actor=request.user, rule=rule)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The deduction rule was removed."))
    return redirect(_rules_url(rule.plan))


# --- 谁丢分谁负责 ------------------------------------------------------------------------
@require_safe
@roles_required(DEDUCTION_ACCOUNTABILITY_ROLES)
def accountability(request: HttpRequest) -> HttpResponse:
    """Confirmed deduction points by responsible unit and leader, with totals."""
    user = request.user
    plans = plans_for_user(user=user).filter(inspection_rounds__isnull=False).distinct()
    plan_id = _int(request.GET.get("plan"))
    plan = plans.filter(pk=plan_id).first() if plan_id else None
    rows = selectors.accountability(user=user, plan=plan)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Points lost and who answers"),
            headers=[
                _("Responsible unit"),
                _("Responsible leader"),
                _("Deductions"),
                _("Under appeal"),
                _("Points lost"),
                _("Items"),
            ],
            rows=[
                [
                    r.unit.name if r.unit else "",
                    r.leader.name if r.leader else "",
                    r.count,
                    r.pending_appeals,
                    r.points,
                    "; ".join(f"{d.finding.title} (-{d.effective_points})" for d in r.deductions),
                ]
                for r in rows
            ],
            what="inspections.accountability",
        )
    return _render(
        request,
        "accountability.html",
        {
            "rows": rows,
            "plans": plans,
            "plan": plan,
            "total": sum((r.points for r in rows), 0),
            "count": sum(r.count for r in rows),
        },
    )


urlpatterns = [
    path("", round_list, name="round_list"),
    path("rounds/new/", round_create, name="round_create"),
    path("rounds/<int:pk>/", round_detail, name="round_detail"),
    path("rounds/<int:pk>/status/", round_status, name="round_status"),
    path("rounds/<int:pk>/findings/new/", finding_create, name="finding_create"),
    path("findings/<int:pk>/", finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", finding_edit, name="finding_edit"),
    path("findings/<int:pk>/evidence/", finding_evidence, name="finding_evidence"),
    path("findings/<int:pk>/deductions/new/", deduction_create, name="deduction_create"),
    path("findings/<int:pk>/rectification/new/", rectification_open, name="rectification_open"),
    path("evidence/<int:pk>/", evidence_download, name="evidence_download"),
    path("deductions/<int:pk>/", deduction_detail, name="deduction_detail"),
    path("deductions/<int:pk>/confirm/", deduction_confirm, name="deduction_confirm"),
    path("deductions/<int:pk>/appeal/", appeal_create, name="appeal_create"),
    path("appeals/", appeal_list, name="appeal_list"),
    path("appeals/<int:pk>/", appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/rule/", appeal_rule, name="appeal_rule"),
    path("rectifications/", rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<int:pk>/progress/", rectification_progress, name="rectification_progress"
    ),
    path("rectifications/<int:pk>/submit/", rectification_submit, name="rectification_submit"),
    path("rectifications/<int:pk>/verify/", rectification_verify, name="rectification_verify"),
    path("rectifications/<int:pk>/close/", rectification_close, name="rectification_close"),
    path("rules/", rule_list, name="rule_list"),
    path("rules/<int:pk>/delete/", rule_delete, name="rule_delete"),
    path("accountability/", accountability, name="accountability"),
]
