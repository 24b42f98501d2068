"""Request id for logs and audit, and the mapping of ApplicationError to HTTP answers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control

from kaoping.core.errors import ApplicationError

_request_id: ContextVar[str | None] = ContextVar("kaoping_request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str | None:
    """The id of the request being served (also auditlog's correlation id)."""
    return _request_id.get()


def new_request_id() -> str:
    """A fresh id for work that has no request (commands, jobs)."""
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Take a well-formed X-Request-ID from the proxy or make one; echo it in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ApplicationErrorMiddleware:
    """Turn an ApplicationError escaping a view into a clear answer, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ApplicationError):
            return None
        if request.path.startswith("/api/") or request.headers.get("Accept") == "application/json":
            return JsonResponse({"detail": str(exc.message), **exc.extra}, status=exc.status_code)
        if getattr(request, "htmx", False):
            messages.error(request, str(exc.message))
        return render(
            request,
            "core/error.html",
            {"message": exc.message, "extra": exc.extra},
            status=exc.status_code,
        )


class LanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise with the language menu (its cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC
    with an English browser would show English; the language of a government system is
    the user's explicit choice instead.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# The Content-Security-Policy of every HTML page. Scripts, styles, fonts and data requests come
# from Kaoping itself only; no plugins, no <base> rewriting, no framing, forms post only here.
# script-src is 'self' alone: no inline <script>, no on*="" handler, no eval. Page behaviours
# are static files (static/kaoping/*.js) driven by data attributes; data for scripts travels in
# json_script elements (type application/json, never executed). tests/security/
# test_inline_scripts.py renders every page and holds templates to that. style-src keeps
# 'unsafe-inline' for the style="" attributes and <style> blocks of the templates (and the
# indicator style htmx inserts); styles set from scripts (ECharts, Bootstrap) need nothing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Browser features Kaoping never uses, switched off for every page and any frame.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: CSP on HTML, Permissions-Policy, and
    `Cache-Control: no-store` on everything answered to a signed-in user.

    (X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy and HSTS come from
    SecurityMiddleware, X-Frame-Options from XFrameOptionsMiddleware, via settings.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        cache_control = response.get("Cache-Control", "")
        explicit = "no-store" in cache_control or "public" in cache_control
        if user is not None and user.is_authenticated and not explicit:
            # Pages and files of a signed-in user stay out of shared and browser caches (the
            # back button after sign-out shows nothing); a view that chose public caching
            # (public photos, API docs assets) or already says no-store keeps its header.
            patch_cache_control(response, no_store=True, private=True)
        return response
