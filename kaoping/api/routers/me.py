"""GET /me: the caller, their roles and the units in their scope."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kaoping.api import selectors
from kaoping.api.errors import READ_ERRORS
from kaoping.api.routers.common import caller
from kaoping.api.schemas import MeOut
from kaoping.org.permissions import API_ROLES

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **READ_ERRORS}, summary="The caller")
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request, API_ROLES)
    token = getattr(request, "api_token", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": str(user),
        "roles": sorted(user.roles),
        "units": list(selectors.units(user=user)),
        "token": token.prefix if token is not None else None,
    }
