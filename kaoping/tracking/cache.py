"""Dashboards' computed data in Django's cache, invalidated by writes (issue 7).

Every plan has a **data version** (kaoping.core.versions: a row `plan:<pk>` plus the `global`
row): a random token that every write changing what the dashboards show replaces once its
transaction commits (kaoping/tracking/signals.py wires the writes). A dashboard reads the
plan's token and the global one in one query and looks its computed payload up under a key
made of the page, the plan, the period, the user's data scope (the unit ids it selects,
hashed), the language, the day and those tokens. A write changes the token, so the next read
misses and recomputes; stale entries are never read again and expire. A plan without a row
(nothing written since the table existed) is not cached at all.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.translation import get_language

from kaoping.core import versions
from kaoping.core.versions import ACCESS, GLOBAL, bump, enabled
from kaoping.org.scopes import data_scope

T = TypeVar("T")

# Bump when a cached payload's shape changes: a shared (Redis) cache then ignores old ones.
PAYLOAD_FORMAT = 1
# How long an entry may stay unread (a bumped token leaves the old ones behind).
DEFAULT_TIMEOUT = 3600


def plan_key(plan_id: int) -> str:
    return f"plan:{plan_id}"


def bump_plans(plan_ids: Iterable[int | None]) -> None:
    """A write changed what the dashboards of these plans show."""
    bump(plan_key(pk) for pk in set(plan_ids) if pk is not None)


def bump_global() -> None:
    """A write changed what every plan's dashboards show (a unit's name, the unit tree), and
    with the tree who may see what."""
    bump([GLOBAL, ACCESS])


# --- reads -----------------------------------------------------------------------------------
def plan_version(plan_id: int, user: Any = None) -> str | None:
    """The plan's version (its token and the global one), or None when the plan has none
    yet (then nothing is cached). One query at most; none when `user`'s request has read
    them already (kaoping.core.versions.expect)."""
    keys = [GLOBAL, plan_key(plan_id)]
    found = versions.tokens(keys) if user is None else versions.read(user, keys)
    own = found.get(plan_key(plan_id))
    if own is None:
        return None
    return f"{found.get(GLOBAL) or '-'}.{own}"


def expect_plan(request: HttpRequest) -> None:
    """The request names a plan (`?plan=`): read its version with the request's first read
    of versions (the permission check's), not in a query of its own."""
    requested = request.GET.get("plan", "")
    if requested.isdigit() and request.user.is_authenticated:
        versions.expect(request.user, [GLOBAL, plan_key(int(requested))])


def scope_fingerprint(user: Any) -> str:
    """What the user's data scope selects, hashed: `all`, or the sorted ids of the units whose
    data the user reads. Two users share an entry only when their scopes select the same."""
    scope = data_scope(user)
    if scope.everything:
        return "all"
    ids = ",".join(str(pk) for pk in sorted(scope.unit_ids))
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def dashboard_key(page: str, *, version: str, user: Any, parts: Iterable[Any] = ()) -> str:
    """The cache key of a page's payload: page, version, scope, language and `parts` (plan,
    period, the day…), hashed to a fixed length."""
    raw = "|".join(
        [
            str(PAYLOAD_FORMAT),
            page,
            version,
            scope_fingerprint(user),
            get_language() or "",
            *(str(part) for part in parts),
        ]
    )
    return "kp:dash:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(key: str | None, compute: Callable[[], T]) -> T:
    """The payload cached under `key`, else `compute()` stored there (no key: not cached)."""
    if key is None or not enabled():
        return compute()
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    timeout = getattr(settings, "KAOPING_DASHBOARD_CACHE_SECONDS", DEFAULT_TIMEOUT)
    cache.set(key, value, timeout)
    return value


# --- whole pages -----------------------------------------------------------------------------
# A page cached whole for one user carries this instead of a CSRF token; each response gets
# the request's own token in its place.
CSRF_PLACEHOLDER = "kp-csrf-placeholder-5f0c8e1b9a7d"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()


def page_key(request: HttpRequest, page: str, *, version: str | None) -> str | None:
    """The key of a whole page rendered for this user, or None when it is not cached.

    Everything a dashboard page shows besides the plan's data (covered by `version`) is the
    user's: their name, roles, grants and scope (the account row's fields and the `access`
    version), the language, the address (the language switch posts it back), the day. A
    request with messages to show is never served from (nor stored in) the cache.
    """
    user: Any = request.user
    if version is None or not enabled() or not user.is_authenticated:
        return None
    access = versions.access_token(user)
    if access is None or versions.pending(ACCESS) or len(get_messages(request)):
        return None
    raw = "|".join(
        [
            str(PAYLOAD_FORMAT),
            page,
            str(user.pk),
            str(user),
            str(user.is_superuser),
            str(user.person_id),
            access,
            version,
            get_language() or "",
            get_script_prefix(),
            timezone.localdate().isoformat(),
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
        ]
    )
    return "kp:page:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_page(
    request: HttpRequest, key: str | None, render: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    """The page under `key`, else `render(overrides)` stored there; `render` gets the context
    entries to add (the CSRF placeholder when the page is stored). Without a key, rendered."""
    if key is None:
        return HttpResponse(render({}))
    found = cache.get(key)
    if found is None:
        page = render({"csrf_token": CSRF_PLACEHOLDER}).encode()
        timeout = getattr(settings, "KAOPING_DASHBOARD_CACHE_SECONDS", DEFAULT_TIMEOUT)
        cache.set(key, zlib.compress(page, 1), timeout)  # about a sixth of the size
    else:
        page = zlib.decompress(found)
    return HttpResponse(page.replace(_PLACEHOLDER_BYTES, get_token(request).encode()))
