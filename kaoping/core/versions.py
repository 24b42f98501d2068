"""Data versions: random tokens in the database that writes replace, so that what was computed
from the data can be cached under the token it was computed at (issue 7).

One row per key: `plan:<pk>` (what a plan's dashboards show, kaoping.tracking.cache), `global`
(what every plan's dashboards show: unit names, the tree) and `access` (who may see what:
role grants, units, leaders' portfolios, plans and cycles — the inputs of a user's data scope
and of the plans they may open). Writes replace tokens after their transaction commits
(kaoping.tracking.signals wires them); a reader reads the tokens it depends on (one query) and
looks its payload up under a key holding them. A write changes the token, so the next read
misses and recomputes; stale entries are never read again and expire.

The tokens live in the database, never only in the cache: without Redis each process has its
own local-memory cache, and a token replaced by one process must be seen by all. Tokens are
random, not counters, so a row created again (a restored database, a rolled-back test) never
meets a payload cached under an old value; a key without a row (nothing written since the
table existed) is not cached at all.

Read-then-compute order matters: the token is read *before* the payload is computed, so a
payload is always at least as new as the token it is stored under.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")

GLOBAL = "global"  # unit names and the tree: every plan's dashboards show them
ACCESS = "access"  # role grants, units, portfolios, plans, cycles: who may see what
# How long a user's access snapshot may be served without a new token. A bump runs after the
# commit; a process dying in between would leave a revoked role in force until the next
# access write or this long, so it is short.
ACCESS_TIMEOUT = 300


class DataVersion(models.Model):
    """The current data version of a key (`plan:<pk>`, `global`, `access`)."""

    key = models.CharField(_("key"), max_length=40, primary_key=True)
    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        app_label = "tracking"  # created by tracking's migration 0003, before it moved here
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return f"{self.key} {self.token[:8]}"


def enabled() -> bool:
    """Settings may turn the caches keyed by data versions off (KAOPING_DASHBOARD_CACHE =
    False); on by default."""
    return bool(getattr(settings, "KAOPING_DASHBOARD_CACHE", True))


# --- writes ----------------------------------------------------------------------------------
class _Bump:
    """The keys a transaction bumps, written once it commits (one upsert per transaction)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.written = False

    def __call__(self) -> None:
        _write(self.keys)
        self.written = True


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


def bump_access() -> None:
    """A write changed who may see what (a role grant, a portfolio, a plan, a cycle)."""
    bump([ACCESS])


def pending(key: str) -> bool:
    """Whether the current transaction has written `key`'s data and not yet committed (its
    token still the old one: what is read now must not be cached under it)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    return any(
        isinstance(callback, _Bump) and not callback.written and key in callback.keys
        for _savepoints, callback, _robust in connection.run_on_commit
    )


# --- reads -----------------------------------------------------------------------------------
def tokens(keys: Iterable[str]) -> dict[str, str]:
    """The current tokens of these keys (a key without a row is left out). One query, in SQL:
    every signed-in page reads one, and the ORM would spend more building it than running it."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    quote = connection.ops.quote_name
    sql = "SELECT {key}, {token} FROM {table} WHERE {key} IN ({marks})".format(  # noqa: S608
        key=quote("key"),
        token=quote("token"),
        table=quote(DataVersion._meta.db_table),
        marks=", ".join(["%s"] * len(wanted)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, wanted)
        return dict(cursor.fetchall())


def expect(user: Any, keys: Iterable[str]) -> None:
    """Read these keys too with this request's first read (a view knowing early which plan
    it shows saves the query of that plan's version)."""
    wanted: set[str] = getattr(user, "_versions_wanted", set())
    user._versions_wanted = wanted | set(keys)


def read(user: Any, keys: Iterable[str]) -> dict[str, str | None]:
    """The tokens of these keys as this request first read them (None: no row), memoised on
    the user object with any keys `expect`ed; one query for those not read yet, if any."""
    known: dict[str, str | None] = getattr(user, "_versions", {})
    asked = set(keys)
    missing = asked - known.keys()
    if missing:
        missing |= getattr(user, "_versions_wanted", set()) - known.keys()
        found = tokens(missing)
        known = {**known, **{key: found.get(key) for key in missing}}
        user._versions = known
    return {key: known[key] for key in asked}


def access_token(user: Any) -> str | None:
    """The `access` token, read once per user object (i.e. per request); None without a row."""
    return read(user, [ACCESS])[ACCESS]


def access_cached(user: Any, name: str, compute: Callable[[], T]) -> T:
    """`compute()` for this user, cached until the next access write (or ACCESS_TIMEOUT).

    The key holds the account's id and the fields of its row that decide its scope (superuser,
    the person it is), so a changed account row never meets its old entry; everything else a
    scope depends on is an access write. Not cached without an `access` row or when turned off.
    """
    if not enabled() or pending(ACCESS):
        return compute()
    token = access_token(user)
    if token is None:
        return compute()
    key = f"kp:access:{name}:{user.pk}:{int(user.is_superuser)}:{user.person_id}:{token}"
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, ACCESS_TIMEOUT)
    return value


def forget_access(user: Any) -> None:
    """Drop the tokens this user object read this request (after a change of its roles)."""
    with contextlib.suppress(AttributeError):
        del user._versions
