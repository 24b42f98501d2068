"""The one application error type, mapped to HTTP answers in one place (core.middleware)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule said no; `message` is for the user (translated), `extra` for details."""

    status_code = 400

    def __init__(self, message: Any, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """Someone else changed the object since it was read (optimistic locking)."""

    status_code = 409


class PermissionDeniedError(ApplicationError):
    """The actor may not do this."""

    status_code = 403
