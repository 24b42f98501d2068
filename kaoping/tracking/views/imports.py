"""Pages of bulk progress entry: choose unit and period, download the template, upload it.

Only reporters and unit heads (their own unit) and the office (units in its subtree) get
here; any other unit answers 404, like a unit that does not exist.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from kaoping.core.errors import ApplicationError
from kaoping.core.forms import BootstrapFormMixin
from kaoping.core.periods import Period, PeriodError
from kaoping.core.spreadsheets import XLSX_CONTENT_TYPE
from kaoping.org.models import Unit
from kaoping.org.permissions import roles_required
from kaoping.tracking.services.imports import (
    IMPORT_ROLES,
    ProgressImportError,
    access_import_unit,
    import_units,
    max_workbook_bytes,
    progress_import,
    progress_template_export,
    reporting_plans,
)

READ_WRITE = require_http_methods(["GET", "POST"])
MAX_PROBLEMS_SHOWN = 500


def _period_or_404(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError:
        raise Http404 from None


class ImportTargetForm(BootstrapFormMixin, forms.Form):
    """Which unit and period to enter progress for."""

    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=Unit.objects.none(), to_field_name="code"
    )
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=8,
        help_text=gettext_lazy("A quarter such as 2022Q3, a month such as 2022-09, or a year."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("unit").queryset = units

    def clean_period(self) -> str:
        try:
            return str(Period.parse(self.cleaned_data["period"]))
        except PeriodError as exc:
            raise forms.ValidationError(str(exc.message)) from exc


class WorkbookUploadForm(BootstrapFormMixin, forms.Form):
    """The filled workbook."""

    file = forms.FileField(
        label=gettext_lazy("Filled workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )


@require_safe
@roles_required(IMPORT_ROLES)
def import_start(request: HttpRequest) -> HttpResponse:
    """Choose the unit and period, then go to its upload page."""
    units = import_units(user=request.user).order_by("path")
    initial = {"period": str(Period.containing(timezone.localdate(), "quarter"))}
    if units.count() == 1:
        initial["unit"] = units.first().code  # type: ignore[union-attr]
    form = ImportTargetForm(request.GET or None, units=units, initial=initial)
    if request.GET and form.is_valid():
        return redirect(
            "tracking:import_upload",
            unit=form.cleaned_data["unit"].code,
            period=form.cleaned_data["period"],
        )
    return render(request, "tracking/import_start.html", {"form": form})


@READ_WRITE
@roles_required(IMPORT_ROLES)
def import_upload(request: HttpRequest, unit: str, period: str) -> HttpResponse:
    """The unit's templates for the period, and the upload: every problem listed on failure
    (nothing changes), a summary on success."""
    target = access_import_unit(user=request.user, code=unit)
    when = _period_or_404(period)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {
        "unit": target,
        "period": when,
        "plans": reporting_plans(unit=target, period=when),
        "form": form,
        "max_bytes": max_workbook_bytes(),
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > max_workbook_bytes():
            form.add_error(
                "file",
                _("The file is too large: %(size)d bytes, the limit is %(max)d.")
                % {"size": upload.size, "max": max_workbook_bytes()},
            )
        else:
            try:
                context["result"] = progress_import(
                    actor=request.user,
                    unit=target,
                    period=when,
                    data=upload.read(),
                    filename=upload.name or "",
                )
            except ProgressImportError as exc:
                context["failure"] = exc.message
                context["problems"] = exc.problems[:MAX_PROBLEMS_SHOWN]
                context["problems_hidden"] = max(0, len(exc.problems) - MAX_PROBLEMS_SHOWN)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
    return render(request, "tracking/import_upload.html", context)


@require_safe
@roles_required(IMPORT_ROLES)
def import_template(request: HttpRequest, unit: str, period: str) -> HttpResponse:
    """The entry workbook of the unit and period (of the plan asked for, if any)."""
    target = access_import_unit(user=request.user, code=unit)
    when = _period_or_404(period)
    plan = None
    if code := request.GET.get("plan", ""):
        plan = next((p for p in reporting_plans(unit=target, period=when) if p.code == code), None)
        if plan is None:
            raise Http404
    template = progress_template_export(actor=request.user, unit=target, period=when, plan=plan)
    response = HttpResponse(template.data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, template.filename)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("imports/", import_start, name="import_start"),
    path("imports/<str:unit>/<str:period>/", import_upload, name="import_upload"),
    path("imports/<str:unit>/<str:period>/template/", import_template, name="import_template"),
]
