"""One error body for every failure of the API, translated (Chinese by default):

    {"error": {"code": "not_found", "message": "…", "details": [...]}}

codes: not_found (404: missing, outside the caller's data scope, or outside their roles,
alike), forbidden (403), validation_error (400: a business rule of a service; 422: the
request does not fit the schema), conflict (409), rate_limited (429, with Retry-After),
unauthorized (401), service_unavailable (503 with Retry-After: the database does not answer;
kaoping.core.faults) and server_error (500, never with a stack trace).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from kaoping.api.auth import CsrfFailed
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.core.faults import DATABASE_FAULTS, is_database_fault, unavailable_response

logger = logging.getLogger(__name__)

NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
VALIDATION_ERROR = "validation_error"
CONFLICT = "conflict"
RATE_LIMITED = "rate_limited"
UNAUTHORIZED = "unauthorized"
SERVER_ERROR = "server_error"


class ErrorDetail(Schema):
    """What went wrong and where."""

    code: str
    message: str
    details: list[dict[str, Any]] = []


class ErrorBody(Schema):
    """The body of every error answer."""

    error: ErrorDetail


# The error answers each operation documents (OpenAPI `responses`).
READ_ERRORS: dict[int, type[Schema]] = {
    401: ErrorBody,
    404: ErrorBody,
    422: ErrorBody,
    429: ErrorBody,
    500: ErrorBody,
}
WRITE_ERRORS: dict[int, type[Schema]] = {
    **READ_ERRORS,
    400: ErrorBody,
    403: ErrorBody,
    409: ErrorBody,
}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: Any,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": str(message), "details": details or []}}
    return api.create_response(request, body, status=status)


def not_found_message() -> str:
    return _("The page does not exist or is outside your data scope.")


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's errors as {"location", "field", "message", "type"}, without echoing input."""
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if len(loc) > 2 and loc[0] == "body":
            del loc[1]  # the endpoint's parameter name ("payload"), not the client's business
        details.append(
            {
                "location": loc[0] if loc else "",
                "field": ".".join(loc[1:]),
                "message": str(error.get("msg", "")).removeprefix("Value error, "),
                "type": str(error.get("type", "")),
            }
        )
    return details


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (they replace ninja's defaults)."""

    def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        if isinstance(exc, ConflictError):
            code = CONFLICT
        elif isinstance(exc, PermissionDeniedError):
            code = FORBIDDEN
        else:
            code = VALIDATION_ERROR
        details = [exc.extra] if exc.extra else []
        return error_response(
            api, request, status=exc.status_code, code=code, message=exc.message, details=details
        )

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, status=404, code=NOT_FOUND, message=not_found_message())

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=422,
            code=VALIDATION_ERROR,
            message=_("The request is not valid: see the details."),
            details=_validation_details(exc.errors),
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, Throttled):
            response = error_response(
                api,
                request,
                status=429,
                code=RATE_LIMITED,
                message=_("Too many requests: wait a moment and try again."),
            )
            if exc.wait is not None:
                response["Retry-After"] = str(max(1, int(exc.wait)))
            return response
        if isinstance(exc, AuthenticationError):
            response = error_response(
                api,
                request,
                status=401,
                code=UNAUTHORIZED,
                message=_("Sign in first, or send a valid API token in the Authorization header."),
            )
            response["WWW-Authenticate"] = 'Bearer realm="kaoping"'
            return response
        if isinstance(exc, CsrfFailed):
            return error_response(
                api,
                request,
                status=403,
                code=FORBIDDEN,
                message=_("The CSRF token is missing or wrong: reload the page and try again."),
            )
        if exc.status_code == 404:
            return on_not_found(request, Http404())
        if exc.status_code == 403:
            return error_response(
                api,
                request,
                status=403,
                code=FORBIDDEN,
                message=_("You are not allowed to do this."),
            )
        code = VALIDATION_ERROR if 400 <= exc.status_code < 500 else SERVER_ERROR
        return error_response(
            api,
            request,
            status=exc.status_code,
            code=code,
            message=_("The request is not valid: see the details."),
        )

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception(
            "API error %s %s (request %s)",
            request.method,
            request.path,
            getattr(request, "request_id", "-"),
        )
        return error_response(
            api,
            request,
            status=500,
            code=SERVER_ERROR,
            message=_(
                "Something went wrong on the server. It has been logged; quote the request id "
                "%(request_id)s if you report it."
            )
            % {"request_id": getattr(request, "request_id", "-")},
        )

    def on_database_fault(request: HttpRequest, exc: Exception) -> HttpResponse:
        if not is_database_fault(exc):
            return on_unexpected(request, exc)
        return unavailable_response(request, exc)

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (Exception, on_unexpected),
        *((fault, on_database_fault) for fault in DATABASE_FAULTS),
        (Http404, on_not_found),
        (HttpError, on_http_error),
        (ValidationError, on_validation_error),
        (ApplicationError, on_application_error),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)
