"""GET /tracking/results: the tracking figures of `kaoping status --json`, in scope."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from kaoping.api import selectors
from kaoping.api.errors import READ_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import TrackingFilter, TrackingResultOut
from kaoping.org.permissions import API_TRACKING_ROLES

router = Router(tags=["tracking"])


@router.get(
    "/tracking/results",
    response={200: list[TrackingResultOut], **READ_ERRORS},
    summary="Tracking figures at a period, computed from the approved reports",
)
@paginate(Pages)
def result_list(request: HttpRequest, filters: Query[TrackingFilter]) -> list[dict[str, Any]]:
    user = caller(request, API_TRACKING_ROLES)
    return selectors.tracking_results(
        user=user,
        filters=selectors.ResultFilter(
            cycle=filters.cycle,
            period=filters.period,
            plan_id=filters.plan,
            unit_id=filters.unit,
            indicator_id=filters.indicator,
            status=filters.status or "",
        ),
    )
