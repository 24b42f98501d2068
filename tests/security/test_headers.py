"""Secure response headers: CSP, Permissions-Policy, no-store for signed-in users, and the
headers Django sets from settings (nosniff, Referrer-Policy, COOP, X-Frame-Options)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory

from kaoping.core.middleware import (
    CONTENT_SECURITY_POLICY,
    PERMISSIONS_POLICY,
    SecurityHeadersMiddleware,
)
from kaoping.org.models import Role

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "kaoping" / "templates"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_a_signed_in_page_carries_every_security_header(world: Any) -> None:
    response = world.client_for(Role.OFFICE).get("/org/units/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    # Scripts only from Kaoping's files: no inline script or handler, no eval
    # (tests/security/test_inline_scripts.py holds every page to it).
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in features
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_sign_in_page_has_the_policy_too() -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["X-Frame-Options"] == "DENY"


def test_anonymous_redirects_are_not_marked_no_store_by_the_middleware() -> None:
    response = Client().get("/org/units/")
    assert response.status_code == 302
    assert "no-store" not in response.get("Cache-Control", "")


def test_json_for_a_signed_in_user_is_no_store_without_a_page_policy(world: Any) -> None:
    response = world.client_for(Role.OFFICE).get("/api/v1/me")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response
    assert "no-store" in response["Cache-Control"]


def _through_middleware(response: HttpResponse, *, signed_in: bool) -> HttpResponse:
    request: HttpRequest = RequestFactory().get("/x/")
    request.user = type("U", (), {"is_authenticated": signed_in})()  # type: ignore[assignment]
    return SecurityHeadersMiddleware(lambda _request: response)(request)


def test_a_view_s_own_headers_win() -> None:
    """A download's sandbox policy and a view's chosen caching are kept as they are."""
    download = HttpResponse(b"%PDF", content_type="text/html")
    download["Content-Security-Policy"] = "default-src 'none'; sandbox"
    download["Cache-Control"] = "no-store"
    answered = _through_middleware(download, signed_in=True)
    assert answered["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert answered["Cache-Control"] == "no-store"
    photo = HttpResponse(b"", content_type="image/jpeg")
    photo["Cache-Control"] = "public, max-age=300"
    assert _through_middleware(photo, signed_in=True)["Cache-Control"] == "public, max-age=300"


def test_non_html_gets_no_page_policy_but_the_permissions_policy() -> None:
    answered = _through_middleware(JsonResponse({}), signed_in=False)
    assert "Content-Security-Policy" not in answered
    assert answered["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "Cache-Control" not in answered


def test_templates_load_scripts_styles_and_fonts_only_from_kaoping() -> None:
    """The policy allows 'self' only: no template may pull anything from another origin."""
    external = re.compile(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", re.I)
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if external.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
