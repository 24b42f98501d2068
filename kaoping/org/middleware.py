"""Session expiry (idle and absolute) and the forced password change."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "kaoping_login_at"
SEEN_AT = "kaoping_seen_at"
# Touch the session at most this often, so pages do not write it on every request.
_TOUCH_EVERY = 60


class SessionExpiryMiddleware:
    """Sign out a session idle too long or older than the absolute limit.

    Both clocks live in the session (set at sign-in by kaoping.org.signals), so they hold
    across processes and machines; a session without them starts its clocks now.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = float(request.session.get(LOGIN_AT, now))
            seen_at = float(request.session.get(SEEN_AT, now))
            idle_limit = settings.KAOPING_SESSION_IDLE_MINUTES * 60
            absolute_limit = settings.KAOPING_SESSION_ABSOLUTE_HOURS * 3600
            idle = now - seen_at > idle_limit
            if idle or now - login_at > absolute_limit:
                from kaoping.org.services import session_expired

                session_expired(request=request, user=user, idle=idle)
                logout(request)
                message = _("Your session has expired. Please sign in again.")
                if _is_api(request):
                    return _api_unauthorized(message)
                messages.info(request, message)
                return _redirect(
                    request, redirect_to_login(request.get_full_path(), reverse("login"))
                )
            if LOGIN_AT not in request.session:
                request.session[LOGIN_AT] = now
            if now - seen_at >= _TOUCH_EVERY or SEEN_AT not in request.session:
                request.session[SEEN_AT] = now
        return self.get_response(request)


_EXEMPT_NAMES = ("password_change", "logout", "set_language", "login")


class PasswordChangeRequiredMiddleware:
    """Send an account that must change its password (first login, expiry) to do so first.

    Every page but the password change itself, sign-in, sign-out and the language switch
    redirects there, Django admin included. `request.password_change_due` tells the page
    why: "forced" (a new or reset account) or "expired" (older than max_age_days).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        due = password_change_reason(user) if user is not None and user.is_authenticated else ""
        request.password_change_due = due  # type: ignore[attr-defined]
        if due:
            exempt = {reverse(name) for name in _EXEMPT_NAMES}
            if request.path not in exempt and not request.path.startswith(settings.STATIC_URL):
                if _is_api(request):
                    return _api_unauthorized(
                        _("Change your password on the sign-in page before using the API.")
                    )
                return _redirect(request, redirect("password_change"))
        return self.get_response(request)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _api_unauthorized(message: str) -> HttpResponse:
    """The API's error body (docs/api.md) instead of a redirect to an HTML page."""
    return JsonResponse(
        {"error": {"code": "unauthorized", "message": message, "details": []}}, status=401
    )


def _redirect(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The redirect, or for an htmx request a whole-page redirect htmx follows itself."""
    if request.headers.get("HX-Request") == "true":
        htmx_response = HttpResponse(status=204)
        htmx_response["HX-Redirect"] = response["Location"]
        return htmx_response
    return response


def password_change_reason(user: object) -> str:
    """ "forced", "expired" or "" (nothing due) for an account."""
    if getattr(user, "must_change_password", False):
        return "forced"
    max_age = settings.KAOPING_PASSWORD_POLICY["max_age_days"]
    changed = getattr(user, "password_changed_at", None)
    if max_age and changed and timezone.now() - changed > timedelta(days=max_age):
        return "expired"
    return ""


def password_change_due(user: object) -> bool:
    """True when the account must change its password before doing anything else."""
    return bool(password_change_reason(user))
