"""Dashboards' computed data in Django's cache, invalidated by writes (issue 7).

Every plan has a small **data version** in the database (`DataVersion`, one row per plan plus
one `global` row): a random token that every write changing what the dashboards show
replaces once its transaction commits (kaoping/tracking/signals.py wires the writes). A
dashboard reads the plan's token and the global one in one query and looks its computed
payload up under a key made of the page, the plan, the period, the user's data scope (the
unit ids it selects, hashed), the language, the day and those tokens. A write changes the
token, so the next read misses and recomputes; stale entries are never read again and expire.

The version lives in the database, never only in the cache: without Redis each process has
its own local-memory cache, and a token bumped by one process must be seen by all (with
Redis the payloads are shared too). Tokens are random, not counters, so a row created again
(a restored database, a rolled-back test) never meets a payload cached under an old value;
a plan without a row (nothing written since this table existed) is not cached at all.

Read-then-compute order matters: the token is read *before* the payload is computed, so a
payload is always at least as new as the token it is stored under.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kaoping.org.scopes import data_scope

T = TypeVar("T")

GLOBAL = "global"  # unit names and the tree: every plan's dashboards show them
# Bump when a cached payload's shape changes: a shared (Redis) cache then ignores old ones.
PAYLOAD_FORMAT = 1
# How long an entry may stay unread (a bumped token leaves the old ones behind).
DEFAULT_TIMEOUT = 3600


class DataVersion(models.Model):
    """The current data version of a plan (`plan:<pk>`) or of everything (`global`)."""

    key = models.CharField(_("key"), max_length=40, primary_key=True)
    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        app_label = "tracking"
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return f"{self.key} {self.token[:8]}"


def plan_key(plan_id: int) -> str:
    return f"plan:{plan_id}"


# --- writes ----------------------------------------------------------------------------------
class _Bump:
    """The keys a transaction bumps, written once it commits (one upsert per transaction)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def __call__(self) -> None:
        _write(self.keys)


def _write(keys: Iterable[str]) -> None:
    """Give each key a new token (one upsert statement)."""
    now = timezone.now()
    rows = [
        DataVersion(key=key, token=secrets.token_hex(16), changed_at=now) for key in sorted(keys)
    ]
    if rows:
        DataVersion.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["token", "changed_at"],
        )


def bump(keys: Iterable[str]) -> None:
    """Give each key a new token once the current transaction commits (at once outside one).

    After the commit, not inside the transaction: the token row would otherwise stay locked
    until the commit, and a transaction locking it before the audit chain's head while another
    locks them the other way round would deadlock (PostgreSQL). A reader between the commit and
    the bump stores the new data under the old token, which the bump then retires; a process
    dying in between leaves the old token until the next write or the entry's expiry.
    """
    wanted = set(keys)
    if not wanted:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _write(wanted)
        return
    # Many writes in one atomic block (a loop of saves) bump once: join the bump already
    # registered in this very block (Django drops the callbacks of a savepoint rolled back,
    # and with them its keys; a nested block registers its own).
    open_savepoints = set(connection.savepoint_ids)
    for savepoints, callback, _robust in reversed(connection.run_on_commit):
        if isinstance(callback, _Bump) and savepoints == open_savepoints:
            callback.keys |= wanted
            return
    pending = _Bump()
    pending.keys |= wanted
    transaction.on_commit(pending)


def bump_plans(plan_ids: Iterable[int | None]) -> None:
    """A write changed what the dashboards of these plans show."""
    bump(plan_key(pk) for pk in set(plan_ids) if pk is not None)


def bump_global() -> None:
    """A write changed what every plan's dashboards show (a unit's name, the unit tree)."""
    bump([GLOBAL])


# --- reads -----------------------------------------------------------------------------------
def plan_version(plan_id: int) -> str | None:
    """The plan's version (its token and the global one), or None when the plan has none
    yet (then nothing is cached). One query."""
    tokens = dict(
        DataVersion.objects.filter(key__in=[GLOBAL, plan_key(plan_id)]).values_list("key", "token")
    )
    own = tokens.get(plan_key(plan_id))
    if own is None:
        return None
    return f"{tokens.get(GLOBAL, '-')}.{own}"


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


def enabled() -> bool:
    """Settings may turn the cache off (KAOPING_DASHBOARD_CACHE = False); on by default."""
    return bool(getattr(settings, "KAOPING_DASHBOARD_CACHE", True))


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
