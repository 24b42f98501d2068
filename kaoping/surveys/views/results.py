"""Survey pages: results (live and provisional in fieldwork, frozen once closed), closing a
project, and the results workbook."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from openpyxl import Workbook

from kaoping.appraisal.survey_calculations import STRATIFIED_METHOD
from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.org.permissions import SURVEY_OFFICE_ROLES, roles_required
from kaoping.plans.planxlsx import XLSX_CONTENT_TYPE, escape_text
from kaoping.surveys import selectors
from kaoping.surveys.models import SurveyProject
from kaoping.surveys.services import results as service

BAR_COLOUR, INTERVAL_COLOUR = "#1d5fa8", "#c62828"


def _group_labels() -> dict[str, str]:
    return {
        "deputies_and_members": _("Deputies and members"),
        "residents": _("Residents"),
        "cadres_and_business_owners": _("Cadres and business owners"),
    }


def _chart(rows: list[service.UnitSurveyResult]) -> dict[str, Any] | None:
    """ECharts options: the indices as horizontal bars, best first, each with its interval
    drawn as a line from the low to the high end (plain JSON, see static kaoping/charts.js)."""
    scored = [r for r in rows if r.index is not None]
    if not scored:
        return None
    names = [r.unit_name for r in scored]
    intervals = [
        [
            {"coord": [round(r.index_ci_low, 2), r.unit_name]},
            {"coord": [round(r.index_ci_high, 2), r.unit_name]},
        ]
        for r in scored
        if r.index_ci_low is not None and r.index_ci_high is not None
    ]
    return {
        "kpHeight": max(160, 30 * len(scored) + 60),
        "animation": False,
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {"type": "category", "inverse": True, "data": names},
        "series": [
            {
                "type": "bar",
                "name": _("Satisfaction index"),
                "barMaxWidth": 18,
                "itemStyle": {"color": BAR_COLOUR},
                "label": {"show": True, "position": "insideLeft", "color": "#fff"},
                "data": [round(r.index, 2) for r in scored if r.index is not None],
                "markLine": {
                    "silent": True,
                    "symbol": ["none", "none"],
                    "label": {"show": False},
                    "lineStyle": {"color": INTERVAL_COLOUR, "type": "solid", "width": 2},
                    "data": intervals,
                },
            }
        ],
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _display(row: service.UnitSurveyResult, labels: dict[str, str]) -> dict[str, Any]:
    """A row as the page shows it: percentages for rates, the breakdowns with their labels."""
    groups = (row.detail or {}).get("groups", {})
    return {
        "r": row,
        "satisfied": _pct(row.satisfied_rate),
        "satisfied_low": _pct(row.satisfied_rate_ci_low),
        "satisfied_high": _pct(row.satisfied_rate_ci_high),
        "rr1": _pct(row.rr1),
        "coop1": _pct(row.coop1),
        "ref1": _pct(row.ref1),
        "basis": (row.detail or {}).get("rates_basis", ""),
        "questions": [
            {**q, "satisfied": _pct(q.get("satisfied_rate"))}
            for q in (row.detail or {}).get("questions", [])
        ],
        "groups": [{"label": labels.get(key, key), **value} for key, value in groups.items()],
    }


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Each unit's index and interval, satisfied rate, completes, rates and change; live
    (provisional) during fieldwork, frozen after closing."""
    project = selectors.access_project(user=request.user, pk=pk)
    rows = service.project_results(project=project)
    weights = service.group_weights(project)
    has_completes = any(r.completes for r in rows)
    chart = _chart(rows) if has_completes else None
    return render(
        request,
        "surveys/results.html",
        {
            "project": project,
            "rows": [_display(row, _group_labels()) for row in rows],
            "has_completes": has_completes,
            "provisional": project.status != SurveyProject.Status.CLOSED,
            "chart": chart,
            "weights": [(label, f"{weights[key]:g}") for key, label in _group_labels().items()],
            "method": STRATIFIED_METHOD,
            "confidence_percent": f"{float(project.confidence) * 100:g}",
        },
    )


@require_POST
@roles_required(SURVEY_OFFICE_ROLES)
def project_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close fieldwork and freeze the results (the form asks for a confirmation)."""
    project = selectors.access_project(user=request.user, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the confirmation to close the survey."))
        return redirect("surveys:results", pk=project.pk)
    try:
        stored = service.project_close(project=project, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Survey closed; the results of %(count)d units are frozen.") % {"count": len(stored)},
        )
    return redirect("surveys:results", pk=project.pk)


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def results_workbook(project: SurveyProject, rows: list[service.UnitSurveyResult]) -> bytes:
    """The results table as a workbook; numbers are numbers (rounded as shown)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Results")
    sheet.append([escape_text(f"{project.code} {project.name}")])
    status = (
        _("Closed (frozen)")
        if project.status == SurveyProject.Status.CLOSED
        else _("Provisional (fieldwork)")
    )
    sheet.append([escape_text(status)])
    sheet.append(
        [
            _("Unit code"),
            _("Unit"),
            _("Satisfaction index"),
            _("Index interval low"),
            _("Index interval high"),
            _("Satisfied rate"),
            _("Satisfied rate interval low"),
            _("Satisfied rate interval high"),
            _("Completed interviews"),
            _("Response rate (RR1)"),
            _("Cooperation rate (COOP1)"),
            _("Refusal rate (REF1)"),
            _("Change on last year"),
        ]
    )
    for r in rows:
        sheet.append(
            [
                escape_text(r.unit_code),
                escape_text(r.unit_name),
                _round(r.index, 2),
                _round(r.index_ci_low, 2),
                _round(r.index_ci_high, 2),
                _round(r.satisfied_rate, 4),
                _round(r.satisfied_rate_ci_low, 4),
                _round(r.satisfied_rate_ci_high, 4),
                r.completes,
                _round(r.rr1, 4),
                _round(r.coop1, 4),
                _round(r.ref1, 4),
                _round(r.index_change, 2),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.access_project(user=request.user, pk=pk)
    rows = service.project_results(project=project)
    content = results_workbook(project, rows)
    # Audited like every other export (kaoping.core.exports.export_response).
    audit_event(
        actor=request.user,
        action="export",
        object_type="export",
        object_id=f"surveys.results:{project.pk}",
        object_repr=project.code,
        after={"what": f"surveys.results:{project.pk}", "format": "xlsx", "rows": len(rows)},
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="survey-{project.pk}-results.xlsx"'
    return response


urlpatterns: list[URLPattern] = [
    path("<int:pk>/results/", results, name="results"),
    path("<int:pk>/close/", project_close, name="project_close"),
    path("<int:pk>/results/export/", results_export, name="results_export"),
]
