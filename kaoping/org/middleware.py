"""Session expiry (idle and absolute) and the forced password change."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "kaoping_login_at"
SEEN_AT = "kaoping_seen_at"
# Touch the session at most this often, so pages do not write it on every request.
_TOUCH_EVERY = 60


class SessionExpiryMiddleware:
    """Sign out a session idle too long or older than the absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = settings.KAOPING_SESSION_IDLE_MINUTES * 60
            absolute = settings.KAOPING_SESSION_ABSOLUTE_HOURS * 3600
            if now - seen_at > idle or now - login_at > absolute:
                from kaoping.org.services import session_expired

                session_expired(request=request, user=user, idle=now - seen_at > idle)
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
                return redirect(f"{reverse('login')}?next={request.path}")
            if LOGIN_AT not in request.session:
                request.session[LOGIN_AT] = now
            if now - seen_at >= _TOUCH_EVERY or SEEN_AT not in request.session:
                request.session[SEEN_AT] = now
        return self.get_response(request)


_EXEMPT_NAMES = ("password_change", "logout", "set_language", "login")


class PasswordChangeRequiredMiddleware:
    """Send an account that must change its password (first login, expiry) to do so first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and password_change_due(user):
            exempt = {reverse(name) for name in _EXEMPT_NAMES}
            if request.path not in exempt and not request.path.startswith(settings.STATIC_URL):
                return redirect("password_change")
        return self.get_response(request)


def password_change_due(user: object) -> bool:
    """True when the account must change its password before doing anything else."""
    if getattr(user, "must_change_password", False):
        return True
    max_age = settings.KAOPING_PASSWORD_POLICY["max_age_days"]
    changed = getattr(user, "password_changed_at", None)
    return bool(max_age and changed and timezone.now() - changed > timedelta(days=max_age))
