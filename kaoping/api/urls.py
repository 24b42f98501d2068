"""The REST API, version 1, at /api/v1/ (kaoping.urls): the ninja API's URLs, the local
Swagger UI files, and a JSON 404 for any other path below /api/v1/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path

from kaoping.api import docs
from kaoping.api.errors import NOT_FOUND, not_found_message
from kaoping.api.v1 import api


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path of the API that names no endpoint: the API's 404 body, not the HTML page."""
    return JsonResponse(
        {"error": {"code": NOT_FOUND, "message": not_found_message(), "details": []}},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


app_name = docs.NAMESPACE
urlpatterns: list[URLPattern | URLResolver] = [
    path("docs/assets/<str:name>", docs.asset, name="docs-asset"),
    *api.urls[0],
    re_path(r"^(?P<rest>.*)$", unknown),
]
