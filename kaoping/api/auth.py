"""Who is calling: API tokens (`Authorization: Bearer …`) or the browser's session, and
rate limits per token or user and per network address.

Either way the caller is a `User`, with that user's roles and data scope; a token never
carries more. A request with an Authorization header is judged by it alone (a bad token
is refused even beside a valid session cookie). Session requests that change something
must carry the CSRF token, as forms do.

Rate limits count in Django's cache with an atomic fixed-window counter (`add` + `incr`),
so they hold across processes when the cache is Redis; with the embedded local-memory
cache they are per process. ninja's own SimpleRateThrottle is not used: it keeps per-request
state on a shared instance (unsafe across threads), rewrites a list per request (not atomic
across processes), and trusts X-Forwarded-For from any client.
"""

from __future__ import annotations

import logging
import math
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from kaoping.api.models import ApiToken
from kaoping.api.services import hash_key, token_touch

logger = logging.getLogger(__name__)

# Settings-free defaults; KAOPING_API_RATE_USER / KAOPING_API_RATE_IP override them.
DEFAULT_RATE_USER = "120/min"
# Higher per address: a county office's PCs often share one NAT address.
DEFAULT_RATE_IP = "600/min"
_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_CHECKED_IP = "_kaoping_api_ip_checked"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_retry_after: ContextVar[float | None] = ContextVar("kaoping_api_retry_after", default=None)


class CsrfFailed(HttpError):
    """A session request that changes something came without a valid CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class BadCredentials(AuthenticationError):
    """An Authorization header that names no usable token."""


def parse_rate(rate: str) -> tuple[int, int]:
    """`"120/min"` → (120, 60)."""
    count, _slash, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()]


def client_address(request: HttpRequest) -> str:
    """The client's address as the lockout and the audit trail see it (KAOPING_PROXY_COUNT)."""
    from axes.helpers import get_client_ip_address

    return str(get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or "unknown")


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: float


def hit(scope: str, ident: str, rate: str) -> RateDecision:
    """Count one request of `ident` in the current window; over the limit → not allowed."""
    limit, window = parse_rate(rate)
    now = time.time()
    index = int(now // window)
    key = f"kaoping:api:rate:{scope}:{ident}:{window}:{index}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.add(key, 1, timeout=window + 1)
        count = 1
    return RateDecision(allowed=count <= limit, retry_after=(index + 1) * window - now)


def check_address_rate(request: HttpRequest) -> None:
    """Count the request against its network address (once), before anything else: also
    requests that fail to sign in."""
    if getattr(request, _CHECKED_IP, False):
        return
    setattr(request, _CHECKED_IP, True)
    rate = getattr(settings, "KAOPING_API_RATE_IP", DEFAULT_RATE_IP)
    decision = hit("ip", client_address(request), rate)
    if not decision.allowed:
        raise Throttled(wait=math.ceil(decision.retry_after))


class ClientThrottle(BaseThrottle):
    """The per-token (or per-user, for sessions) limit, applied after authentication."""

    def allow_request(self, request: HttpRequest) -> bool:
        token: ApiToken | None = getattr(request, "api_token", None)
        user = getattr(request, "auth", None)
        if token is not None:
            ident = f"token-{token.pk}"
        elif user is not None:
            ident = f"user-{user.pk}"
        else:
            ident = f"ip-{client_address(request)}"
        rate = getattr(settings, "KAOPING_API_RATE_USER", DEFAULT_RATE_USER)
        decision = hit("client", ident, rate)
        _retry_after.set(None if decision.allowed else decision.retry_after)
        return decision.allowed

    def wait(self) -> float | None:
        return _retry_after.get()


def _act_as(request: HttpRequest, user: Any) -> None:
    """Make the token's user the request's user, also for django-auditlog's change records
    (its middleware read the anonymous request user before the API authenticated)."""
    request.user = user
    try:
        from auditlog.context import auditlog_value

        context = auditlog_value.get()
    except LookupError:
        return
    if isinstance(context, dict) and context.get("actor") is None:
        context["actor"] = user


def token_user(key: str) -> tuple[ApiToken, Any] | None:
    """The usable token and its active user for a presented key, or None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key.strip())).first()
    if token is None or not token.is_usable(timezone.now()) or not token.user.is_active:
        return None
    return token, token.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kp_…`, an API token made with `kaoping apitoken create`."""

    def __call__(self, request: HttpRequest) -> Any:
        check_address_rate(request)
        header = request.headers.get(self.header)
        if not header:
            return None  # try the session
        scheme, _space, key = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not key.strip():
            raise BadCredentials()
        return self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_user(token)
        if found is None:
            logger.warning(
                "API token refused (%s…) from %s", token.strip()[:10], client_address(request)
            )
            raise BadCredentials()
        api_token, user = found
        token_touch(token=api_token)
        request.api_token = api_token  # type: ignore[attr-defined]
        _act_as(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session (the pages' own sign-in), CSRF-checked on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key and request.method not in SAFE_METHODS and check_csrf(request):
            raise CsrfFailed()
        return key

    def __call__(self, request: HttpRequest) -> Any:
        check_address_rate(request)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [TokenAuth(), SessionAuth()]
THROTTLE: list[BaseThrottle] = [ClientThrottle()]
