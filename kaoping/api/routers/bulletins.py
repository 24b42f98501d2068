"""Progress bulletins (进度通报): the issued ones in scope, as on the pages (drafts are the
office's work in progress and stay off the API)."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from kaoping.api.errors import READ_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import MAX_ID, Id, PeriodText
from kaoping.bulletins import selectors
from kaoping.bulletins.models import Bulletin
from kaoping.org.permissions import API_BULLETIN_ROLES

router = Router(tags=["bulletins"])


class BulletinFilter(Schema):
    plan: Id | None = None
    period: PeriodText | None = None


class BulletinOut(Schema):
    """An issued bulletin's front matter."""

    id: int
    plan_id: int
    plan_code: str = Field(..., alias="plan.code")
    period: str
    title: str
    document_number: str
    issuing_body: str
    status: str
    issued_at: datetime | None
    file_hashes: dict[str, str]


class BulletinTable(Schema):
    title: str
    columns: list[str]
    rows: list[list[Any]]


class BulletinSection(Schema):
    key: str
    heading: str
    text: str
    tables: list[BulletinTable]


class BulletinDetailOut(BulletinOut):
    """An issued bulletin with its sections (text and tables)."""

    sections: list[BulletinSection]


def _issued(user: Any, filters: BulletinFilter | None = None) -> QuerySet[Bulletin]:
    return selectors.bulletins_for_user(
        user=user,
        plan=None,
        period=(filters.period or "") if filters else "",
        issued_only=True,
    ).filter(**({"plan_id": filters.plan} if filters and filters.plan else {}))


@router.get(
    "/bulletins",
    response={200: list[BulletinOut], **READ_ERRORS},
    summary="Issued progress bulletins in scope",
)
@paginate(Pages)
def bulletin_list(request: HttpRequest, filters: Query[BulletinFilter]) -> QuerySet[Bulletin]:
    user = caller(request, API_BULLETIN_ROLES)
    return _issued(user, filters)


@router.get(
    "/bulletins/{bulletin_id}",
    response={200: BulletinDetailOut, **READ_ERRORS},
    summary="One issued progress bulletin with its sections",
)
def bulletin_detail(
    request: HttpRequest, bulletin_id: int = Path(..., ge=1, le=MAX_ID)
) -> Bulletin:
    user = caller(request, API_BULLETIN_ROLES)
    try:
        return _issued(user).get(pk=bulletin_id)
    except Bulletin.DoesNotExist:
        raise Http404 from None
