"""Helpers for the security tests: signing in through the real form, reading audit events."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent


def sign_in(
    client: Client,
    username: str,
    password: str,
    *,
    ip: str = "127.0.0.1",
    request_id: str | None = None,
    follow: bool = False,
) -> Any:
    """POST the sign-in form as a browser at `ip` would."""
    headers = {"X-Request-ID": request_id} if request_id else {}
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        headers=headers,
        follow=follow,
    )


def events(action: str, **filters: Any) -> list[AuditEvent]:
    """The audit events of one action, oldest first."""
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))
