"""GET /units: the units in the caller's scope."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from kaoping.api import selectors
from kaoping.api.errors import READ_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import UnitKind, UnitOut
from kaoping.org.models import Unit
from kaoping.org.permissions import API_UNIT_ROLES

router = Router(tags=["units"])


class UnitFilter(Schema):
    kind: UnitKind | None = None


@router.get("/units", response={200: list[UnitOut], **READ_ERRORS}, summary="Units in scope")
@paginate(Pages)
def unit_list(request: HttpRequest, filters: Query[UnitFilter]) -> QuerySet[Unit]:
    user = caller(request, API_UNIT_ROLES)
    return selectors.units(user=user, kind=filters.kind)
