"""Audit receivers for Django's login signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kaoping.org import services


@receiver(user_logged_in, dispatch_uid="kaoping_login_audit")
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.login_succeeded(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="kaoping_logout_audit")
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.logged_out(request=request, user=user)


@receiver(user_login_failed, dispatch_uid="kaoping_login_failed_audit")
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                     **kwargs: Any) -> None:
    services.login_failed(request=request, username=str(credentials.get("username", "")))
