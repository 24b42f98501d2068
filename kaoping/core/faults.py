"""When the database does not answer: a clear 503 that keeps what the user submitted.

A database that is down, restarting, unreachable or locked past SQLite's busy timeout shows
itself as Django's OperationalError or InterfaceError (psycopg's and sqlite3's errors,
wrapped by Django), raised by a view or by a middleware that reads the session or the user.
`DatabaseUnavailableMiddleware` turns any of them into a 503 with `Retry-After`:

- pages get a standalone page (core/unavailable.html: no navigation, no context processor,
  nothing that needs the database) saying that nothing was saved and, for a POST, showing
  what was entered and a form that posts it again to the same address (hidden fields, a
  fresh CSRF token, "Submit again"); passwords and other secrets are left out and said to
  be, uploaded files cannot be kept and are named;
- the API (/api/, or a request accepting only JSON) gets the API's error body,
  `{"error": {"code": "service_unavailable", …}}`.

It catches the fault three ways, because Django turns an exception into a 500 response at
every middleware layer before an outer one could see it:
1. `process_exception`: a view raised it (the usual case);
2. a receiver of `got_request_exception` marks the request when a middleware inside this one
   (session, authentication, session expiry) raised it, and the 500 answer is replaced;
3. a fault escaping the chain is caught around `get_response` (the 500 handler itself
   failing, as it does when the database is down and it renders with the user's menu).

The fault is logged (method, path, request id, the error; never the submitted values). It
cannot be written to the audit trail: the trail lives in the database that is down.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Django wraps the drivers' errors in its own classes; the drivers' are listed for code that
# reaches the driver directly (backups, raw connections).
DATABASE_FAULTS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"
SERVICE_UNAVAILABLE = "service_unavailable"
_FAULT_ATTRIBUTE = "_kaoping_database_fault"
# Fields never echoed back: passwords, one-time codes, tokens, secrets.
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|otp|captcha", re.IGNORECASE)
# SQLite reports a schema mistake as OperationalError too; that is a bug, not an outage.
_SQLITE_SCHEMA_ERROR = re.compile(r"^(no such (table|column)|table \S+ has no column)")


def is_database_fault(exc: BaseException | None) -> bool:
    """Whether `exc` says the database is unavailable (not a mistake in a query)."""
    if not isinstance(exc, DATABASE_FAULTS):
        return False
    return not _SQLITE_SCHEMA_ERROR.match(str(exc))


@dataclass(frozen=True)
class KeptField:
    """A submitted field, kept to be posted again."""

    name: str
    values: list[str]


@dataclass(frozen=True)
class Submission:
    """What a POST carried, split into what can be posted again and what cannot."""

    kept: list[KeptField]
    secrets: list[str]  # names of fields left out (their values are never shown)
    files: list[tuple[str, list[str]]]  # (field name, the uploaded files' names)


def kept_submission(request: HttpRequest) -> Submission:
    """The POST's fields, less the CSRF token (a fresh one is given) and secrets."""
    kept: list[KeptField] = []
    secrets: list[str] = []
    try:
        data, files = request.POST, request.FILES
    except Exception:  # an unreadable body (too large, broken multipart): nothing to keep
        logger.warning("The body of %s %s could not be read again", request.method, request.path)
        return Submission(kept=[], secrets=[], files=[])
    for name in data:
        if name == "csrfmiddlewaretoken":
            continue
        if _SECRET_NAME.search(name):
            secrets.append(name)
            continue
        kept.append(KeptField(name=name, values=data.getlist(name)))
    uploaded = [(name, [str(f.name) for f in files.getlist(name)]) for name in files]
    return Submission(kept=kept, secrets=secrets, files=uploaded)


def _language(request: HttpRequest) -> str:
    """The user's chosen language, as kaoping.core.middleware.LanguageMiddleware picks it."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


def _log(request: HttpRequest, exc: BaseException) -> None:
    # Logged only: the audit trail is in the database that just failed.
    logger.error(
        "Database unavailable: %s %s (request %s): %s: %s",
        request.method,
        request.path,
        getattr(request, "request_id", "-"),
        type(exc).__name__,
        str(exc).strip(),
    )


def unavailable_message() -> str:
    return _(
        "The database is temporarily unavailable, so nothing was saved. Please try again in a "
        "minute."
    )


def api_unavailable_response() -> JsonResponse:
    """The API's error body (see kaoping.api.errors) for a database outage, 503."""
    body = {"error": {"code": SERVICE_UNAVAILABLE, "message": unavailable_message(), "details": []}}
    response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 answer to `request`, whose handling failed with `exc` (logged here)."""
    _log(request, exc)
    # The user cannot be read now; outer middleware (security headers) must not try again.
    request.user = AnonymousUser()
    accept = request.headers.get("Accept", "")
    with translation.override(_language(request)):
        if request.path.startswith(API_PREFIX) or accept == "application/json":
            return api_unavailable_response()
        is_post = request.method == "POST"
        submission = kept_submission(request) if is_post else None
        html = render_to_string(
            "core/unavailable.html",
            {
                "is_post": is_post,
                "submission": submission,
                # Always a path of this site (a path starting "//" would leave it).
                "action": "/" + request.get_full_path().lstrip("/"),
                # A fresh token from the CSRF cookie: no database involved.
                "csrf_token": get_token(request) if is_post else "",
                "request_id": getattr(request, "request_id", ""),
                "retry_after": RETRY_AFTER_SECONDS,
            },
        )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The page may hold what the user typed: never cached anywhere.
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    return response


def _note_database_fault(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Mark a request whose handling raised a database fault inside a middleware: Django is
    about to answer it with its 500 page, which the middleware below replaces."""
    exc = sys.exc_info()[1]
    if request is not None and is_database_fault(exc):
        setattr(request, _FAULT_ATTRIBUTE, exc)
        # The 500 page renders with the user's menu: it must not ask the database for the
        # user again (at every middleware layer, each waiting for a connection that fails).
        request.user = AnonymousUser()


class DatabaseUnavailableMiddleware:
    """Answer 503 (and keep the user's submission) when the database does not answer.

    Place it before (outside) the session and authentication middleware, and inside the
    request-id and security-header middleware: kaoping/settings.py does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(
            _note_database_fault, dispatch_uid="kaoping.core.faults.note_database_fault"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_FAULTS as exc:
            if not is_database_fault(exc):
                raise
            return unavailable_response(request, exc)
        fault = getattr(request, _FAULT_ATTRIBUTE, None)
        if fault is not None and response.status_code == 500:
            return unavailable_response(request, fault)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if is_database_fault(exc):
            return unavailable_response(request, exc)
        return None
