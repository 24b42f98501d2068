"""Bulletin pages (/bulletins/): list and generate, detail with progress, edit, issue,
download, discard, and the schedules. Thin: parse, check roles, call one service or
selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaoping.bulletins import selectors, services
from kaoping.bulletins.documents import FORMATS, bulletin_document, file_name
from kaoping.bulletins.forms import EditForm, GenerateForm, ScheduleForm
from kaoping.bulletins.models import Bulletin
from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.org.permissions import BULLETIN_OFFICE_ROLES, BULLETIN_READ_ROLES, roles_required


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))


@require_http_methods(["GET", "HEAD"])
@roles_required(BULLETIN_READ_ROLES)
def bulletin_list(request: HttpRequest) -> HttpResponse:
    bulletins = selectors.bulletins_for_user(user=request.user)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Progress bulletins"),
            headers=[
                _("Title"),
                _("Plan"),
                _("Period"),
                _("Document number"),
                _("Status"),
                _("Issued"),
                _("Issued by"),
            ],
            rows=[
                [
                    b.title,
                    b.plan.name,
                    b.period,
                    b.document_number,
                    b.get_status_display(),
                    b.issued_at,
                    str(b.issued_by) if b.issued_by else "",
                ]
                for b in bulletins
            ],
            what="bulletins.list",
        )
    plans = selectors.office_plans(user=request.user)
    office = request.user.has_role(*BULLETIN_OFFICE_ROLES)  # type: ignore[union-attr]
    form = GenerateForm(plans=plans, initial={"plan": plans.first()}) if office else None
    return render(
        request,
        "bulletins/list.html",
        {"bulletins": bulletins[:200], "form": form, "office": office},
    )


@require_POST
@roles_required(BULLETIN_OFFICE_ROLES)
def bulletin_generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST, plans=selectors.office_plans(user=request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a plan and write a period such as 2022Q3."))
        return redirect("bulletins:list")
    try:
        bulletin = services.bulletin_generate(
            plan=form.cleaned_data["plan"], period=form.cleaned_data["period"], actor=request.user
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("bulletins:list")
    messages.success(request, _("The bulletin is being generated."))
    return redirect("bulletins:detail", pk=bulletin.pk)


@require_http_methods(["GET", "HEAD"])
@roles_required(BULLETIN_READ_ROLES)
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.access_bulletin(user=request.user, pk=pk)
    context = {
        "bulletin": bulletin,
        "can_manage": selectors.can_manage(request.user, bulletin),
        "formats": list(FORMATS),
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "progress":
        if bulletin.status != Bulletin.Status.GENERATING:
            # Done: reload the whole page to show the content.
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        return render(request, "bulletins/_progress.html", context)
    return render(request, "bulletins/detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(BULLETIN_OFFICE_ROLES)
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.access_bulletin(user=request.user, pk=pk)
    if not selectors.can_manage(request.user, bulletin) or not bulletin.is_editable:
        raise Http404
    form = EditForm(request.POST or None, bulletin=bulletin)
    if request.method == "POST" and form.is_valid():
        try:
            services.bulletin_update_text(
                bulletin=bulletin,
                actor=request.user,
                sections=form.section_texts(),
                version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                document_number=form.cleaned_data["document_number"],
                issuing_body=form.cleaned_data["issuing_body"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Bulletin saved."))
            return redirect("bulletins:detail", pk=bulletin.pk)
    return render(request, "bulletins/edit.html", {"bulletin": bulletin, "form": form})


@require_POST
@roles_required(BULLETIN_OFFICE_ROLES)
def bulletin_issue(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.access_bulletin(user=request.user, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm issuing the bulletin."))
        return redirect("bulletins:detail", pk=pk)
    version = request.POST.get("version", "")
    try:
        services.bulletin_issue(
            bulletin=bulletin,
            actor=request.user,
            version=int(version) if version.isdigit() else None,
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Bulletin issued and archived."))
    return redirect("bulletins:detail", pk=pk)


@require_POST
@roles_required(BULLETIN_OFFICE_ROLES)
def bulletin_discard(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.access_bulletin(user=request.user, pk=pk)
    try:
        services.bulletin_discard(bulletin=bulletin, actor=request.user)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("bulletins:detail", pk=pk)
    messages.success(request, _("Bulletin deleted."))
    return redirect("bulletins:list")


@require_http_methods(["GET", "HEAD"])
@roles_required(BULLETIN_READ_ROLES)
def bulletin_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """An issued bulletin's archived file; a draft's rendered now (the office only)."""
    bulletin = selectors.access_bulletin(user=request.user, pk=pk)
    if fmt not in FORMATS or bulletin.status not in (Bulletin.Status.DRAFT, Bulletin.Status.ISSUED):
        raise Http404
    if bulletin.is_issued:
        data = services.archived_file(bulletin, fmt)
    else:
        data = FORMATS[fmt].render(bulletin_document(bulletin, timezone.localdate()))
    response = HttpResponse(data, content_type=FORMATS[fmt].content_type)
    name = file_name(bulletin.title, bulletin.period, fmt)
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(BULLETIN_OFFICE_ROLES)
def schedule_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.office_plans(user=request.user)
    form = ScheduleForm(request.POST or None, plans=plans)
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_save(
                actor=request.user,
                plan=form.cleaned_data["plan"],
                day_of_month=form.cleaned_data["day_of_month"],
                period_kind=form.cleaned_data["period_kind"],
                active=form.cleaned_data["active"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Schedule saved."))
            return redirect("bulletins:schedules")
    return render(
        request,
        "bulletins/schedules.html",
        {"schedules": selectors.schedules_for_user(user=request.user), "form": form},
    )


@require_POST
@roles_required(BULLETIN_OFFICE_ROLES)
def schedule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.access_schedule(user=request.user, pk=pk)
    try:
        services.schedule_save(
            actor=request.user,
            plan=schedule.plan,
            day_of_month=schedule.day_of_month,
            period_kind=schedule.period_kind,
            active=not schedule.active,
            schedule=schedule,
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("bulletins:schedules")


@require_POST
@roles_required(BULLETIN_OFFICE_ROLES)
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.access_schedule(user=request.user, pk=pk)
    try:
        services.schedule_delete(actor=request.user, schedule=schedule)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Schedule deleted."))
    return redirect("bulletins:schedules")
