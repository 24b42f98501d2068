"""GET /notifications: the caller's own notifications, newest first."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from kaoping.api.errors import READ_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import NotificationFilter, NotificationOut
from kaoping.org.permissions import API_NOTIFICATION_ROLES
from kaoping.tracking.models import Notification
from kaoping.tracking.selectors import notifications_for_user

router = Router(tags=["notifications"])


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **READ_ERRORS},
    summary="My notifications",
)
@paginate(Pages)
def notification_list(
    request: HttpRequest, filters: Query[NotificationFilter]
) -> QuerySet[Notification]:
    user = caller(request, API_NOTIFICATION_ROLES)
    return notifications_for_user(user=user, unread_only=filters.unread)
