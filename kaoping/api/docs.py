"""The interactive API docs (Swagger UI) served entirely from this server: no CDN.

django-ninja ships Swagger UI's files in its package (ninja/static/ninja) but only uses them
when "ninja" is in INSTALLED_APPS, and otherwise loads them from a CDN. Rather than add an
app to the settings, the docs page is our own template and the few files it needs are
served by `asset` below from ninja's package directory, by a fixed list of names.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png", "favicon.svg"}
)
NAMESPACE = "api-v1"


class LocalSwagger(DocsBase):
    """Swagger UI from local files, sending the CSRF token for session requests."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            # Swagger UI would otherwise load a validity badge from validator.swagger.io.
            "validatorUrl": None,
        }
        return render(
            request,
            "api/docs.html",
            {"api": api, "swagger_settings": settings, "asset_prefix": _asset_prefix()},
        )


def _asset_prefix() -> str:
    return reverse(f"{NAMESPACE}:docs-asset", kwargs={"name": "swagger-ui.css"}).removesuffix(
        "swagger-ui.css"
    )


@require_safe
def asset(request: HttpRequest, name: str) -> FileResponse:
    """One of Swagger UI's files, by name from the fixed list (never a path)."""
    if name not in ASSETS:
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
