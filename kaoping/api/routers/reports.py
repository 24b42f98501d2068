"""Progress reports (进度报送): read in scope; a unit's reporters start, change and submit
them through kaoping.tracking.services.reports, exactly as the pages do (same checks, same
audit events, same optimistic locking on `row_version`)."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from kaoping.api import selectors
from kaoping.api.errors import READ_ERRORS, WRITE_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import MAX_ID, ReportFilter, ReportIn, ReportOut, SubmitIn
from kaoping.org.permissions import API_REPORT_ROLES, API_REPORT_WRITE_ROLES
from kaoping.org.selectors import access_unit
from kaoping.plans.selectors import access_indicator
from kaoping.tracking import report_selectors
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as report_services

router = Router(tags=["reports"])


@router.get(
    "/reports", response={200: list[ReportOut], **READ_ERRORS}, summary="Progress reports in scope"
)
@paginate(Pages)
def report_list(request: HttpRequest, filters: Query[ReportFilter]) -> QuerySet[ProgressReport]:
    user = caller(request, API_REPORT_ROLES)
    return selectors.reports(
        user=user,
        unit_id=filters.unit,
        indicator_id=filters.indicator,
        plan_id=filters.plan,
        period=filters.period or "",
        status=filters.status or "",
        all_versions=filters.all_versions,
    )


@router.get(
    "/reports/{report_id}", response={200: ReportOut, **READ_ERRORS}, summary="One progress report"
)
def report_detail(
    request: HttpRequest, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> ProgressReport:
    user = caller(request, API_REPORT_ROLES)
    return report_selectors.access_report(user=user, pk=report_id)


@router.post(
    "/reports",
    response={200: ReportOut, 201: ReportOut, **WRITE_ERRORS},
    summary="Start a draft report, or change the current draft (with row_version)",
)
def report_save(request: HttpRequest, payload: ReportIn) -> Any:
    """Without `row_version`: start the unit's report for the period (201); one exists
    already → 409 with its id. With `row_version`: change the current draft or returned
    report from that version (200); a stale version → 409, no current report → 404."""
    user = caller(request, API_REPORT_WRITE_ROLES)
    unit = access_unit(user=user, pk=payload.unit)
    indicator = access_indicator(user=user, pk=payload.indicator)
    existing = None
    if payload.row_version is not None:
        existing = selectors.current_report(indicator=indicator, unit=unit, period=payload.period)
        if existing is None:
            raise Http404  # nothing to change at that version
    report = report_services.report_save(
        actor=user,
        report=existing,
        indicator=indicator,
        unit=unit,
        period=payload.period,
        expected_version=payload.row_version,
        value=payload.value,
        last_year_value=payload.last_year_value,
        narrative=payload.narrative,
        source="api",
    )
    status = 201 if existing is None else 200
    return Status(status, report_selectors.access_report(user=user, pk=report.pk))


@router.post(
    "/reports/{report_id}/submit",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Submit a report to the unit head",
)
def report_submit(
    request: HttpRequest, payload: SubmitIn, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """From the version read (`row_version`); someone else's change since → 409, a report
    already submitted → 400."""
    user = caller(request, API_REPORT_WRITE_ROLES)
    report = report_selectors.access_report(user=user, pk=report_id)
    report_services.report_submit(actor=user, report=report, expected_version=payload.row_version)
    return Status(200, report_selectors.access_report(user=user, pk=report.pk))
