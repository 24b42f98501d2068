"""django-auditlog's middleware, taking the client address the way the lockout does."""

from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest


class AuditlogMiddleware(_AuditlogMiddleware):
    """Records actor, request id and client address on every LogEntry of the request.

    django-auditlog trusts the first X-Forwarded-For entry, which any client can write; this
    uses django-axes' resolution instead, which honours KAOPING_PROXY_COUNT, so the address
    in the change log is the one the login audit and the lockout see.
    """

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> Any:
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        from axes.helpers import get_client_ip_address

        return get_client_ip_address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None  # X-Forwarded-Port is whatever the client says
