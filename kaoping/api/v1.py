"""The REST API, version 1: one NinjaAPI with a router per area (docs/api.md).

Adding an area (scores, bulletins) is a router module in kaoping/api/routers and one line
in ROUTERS below.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router
from ninja.renderers import JSONRenderer

from kaoping.api import errors
from kaoping.api.auth import AUTH, THROTTLE
from kaoping.api.docs import NAMESPACE, LocalSwagger
from kaoping.api.routers import (
    bulletins,
    me,
    notifications,
    plans,
    reports,
    scores,
    tracking,
    units,
)

ROUTERS: tuple[Router, ...] = (
    me.router,
    plans.router,
    units.router,
    tracking.router,
    reports.router,
    notifications.router,
    scores.router,
    bulletins.router,
)

DESCRIPTION = """Kaoping's data for other systems and scripts, under the same roles and data
scope as the pages. Authenticate with `Authorization: Bearer <token>` (an API token made with
`kaoping apitoken create`) or the signed-in browser session (send the CSRF token on POST).
Errors answer `{"error": {"code", "message", "details"}}`. See docs/api.md."""


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese as it is, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


def build() -> NinjaAPI:
    """The API object with its routers, authentication, rate limits and error bodies."""
    api = NinjaAPI(
        title=str(_("Kaoping API")),
        version="1",
        description=DESCRIPTION,
        urls_namespace=NAMESPACE,
        docs=LocalSwagger(),
        docs_url="/docs",
        openapi_url="/openapi.json",
        auth=AUTH,
        throttle=THROTTLE,
        renderer=Utf8JSONRenderer(),
    )
    errors.install(api)
    for router in ROUTERS:
        api.add_router("", router)
    return api


api = build()
