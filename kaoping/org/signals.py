"""Receivers for the sign-in signals: audit events and the session's clock."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kaoping.org import services
from kaoping.org.middleware import LOGIN_AT, SEEN_AT


@receiver(user_logged_in, dispatch_uid="kaoping_login_audit")
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        # The absolute session limit counts from the sign-in itself.
        now = time.time()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
    services.login_succeeded(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="kaoping_logout_audit")
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.logged_out(request=request, user=user)


@receiver(user_login_failed, dispatch_uid="kaoping_login_failed_audit")
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    services.login_failed(request=request, username=str(credentials.get("username", "")))


@receiver(user_locked_out, dispatch_uid="kaoping_locked_out_audit")
def _on_locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    services.account_locked(request=request, username=str(username or ""))
