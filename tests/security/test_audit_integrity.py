"""The audit trail is append-only at the database and its hash chain exposes tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.audit.selectors import verify_chain
from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.org import services
from kaoping.org.models import Role
from tests.conftest import World


@pytest.fixture
def trail(world: World) -> World:
    """A few events of each kind: domain events and auditlog row changes."""
    office = world.users[Role.OFFICE]
    services.unit_update(actor=office, unit=world.town_a, name="东城街道")
    services.user_unlock(actor=world.users[Role.SECURITY_ADMIN], user=world.users[Role.REPORTER])
    audit_event(
        actor=office,
        action="test.event",
        reason="with data",
        after={"when": timezone.now(), "n": {2: "two", 10: "ten"}},
        ip_address="2001:DB8:0:0:0:0:0:1",
    )
    assert AuditEvent.objects.count() >= 3 and LogEntry.objects.exists()
    return world


def raw(sql: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


# --- append-only at the database ----------------------------------------------------------
@pytest.mark.parametrize("table", ["audit_auditevent", "auditlog_logentry"])
def test_raw_update_of_an_audit_row_raises_at_the_database(trail: World, table: str) -> None:
    column = "reason" if table == "audit_auditevent" else "changes_text"
    with pytest.raises(DatabaseError):
        raw(f"UPDATE {table} SET {column} = 'rewritten'")  # noqa: S608 (fixed names)


@pytest.mark.parametrize("table", ["audit_auditevent", "auditlog_logentry"])
def test_raw_delete_of_an_audit_row_raises_at_the_database(trail: World, table: str) -> None:
    before = _count(table)
    with pytest.raises(DatabaseError):
        raw(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
    assert _count(table) == before


def test_orm_bulk_update_and_delete_raise_at_the_database(trail: World) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.update(changes_text="rewritten")
    assert not AuditEvent.objects.filter(reason="rewritten").exists()
    assert not LogEntry.objects.filter(changes_text="rewritten").exists()


def test_a_log_entry_instance_cannot_be_deleted(trail: World) -> None:
    entry = LogEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_model_refuses_changes_and_deletes_before_the_database_does(trail: World) -> None:
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(ApplicationError):
        event.save()
    with pytest.raises(ApplicationError):
        event.delete()


def test_deleting_a_user_with_audit_history_is_refused(trail: World) -> None:
    # Accounts are deactivated, never deleted: their audit rows keep pointing at them.
    with pytest.raises(DatabaseError), transaction.atomic():
        trail.users[Role.OFFICE].delete()


# --- hash chain -------------------------------------------------------------------------
def test_the_chain_verifies(trail: World) -> None:
    check = verify_chain()
    assert check.intact
    assert check.checked == AuditEvent.objects.count()
    call_command("verifyaudit")  # exits 0
    assert check.last_hash == AuditEvent.objects.order_by("-id").first().hash


def test_a_forged_row_with_a_wrong_hash_is_detected(trail: World) -> None:
    # given a row inserted behind the application's back, with a made-up hash
    last = AuditEvent.objects.order_by("-id").first()
    _insert_raw(prev_hash=last.hash, hash_="0" * 64, at=last.at + timedelta(seconds=1))
    forged = AuditEvent.objects.order_by("-id").first()
    # then verification stops at it, and the command fails
    check = verify_chain()
    assert not check.intact
    assert check.first_broken_id == forged.pk
    with pytest.raises(CommandError, match=f"broken at event id {forged.pk}"):
        call_command("verifyaudit")


def test_a_forged_row_with_a_recomputed_hash_is_caught_by_the_chain_head(trail: World) -> None:
    # given a forger who knows the algorithm and links the row correctly
    last = AuditEvent.objects.order_by("-id").first()
    fake = AuditEvent(
        at=last.at + timedelta(seconds=1),
        actor_name="nobody",
        action="auth.login",
        prev_hash=last.hash,
    )
    _insert_raw(
        prev_hash=last.hash,
        hash_=fake.compute_hash(),
        at=fake.at,
        actor_name="nobody",
        action="auth.login",
    )
    # then every link checks, but the chain head knows nothing of it
    check = verify_chain()
    assert check.first_broken_id is None
    assert not check.head_matches and not check.intact
    with pytest.raises(CommandError, match="head does not match"):
        call_command("verifyaudit")


def test_values_that_change_form_in_the_database_still_verify(trail: World) -> None:
    # The event above has a datetime, integer keys and an uncompressed IPv6 address.
    event = AuditEvent.objects.get(action="test.event")
    assert event.ip_address == "2001:db8::1"
    assert event.compute_hash() == event.hash


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed names)
        return int(cursor.fetchone()[0])


def _insert_raw(
    *,
    prev_hash: str,
    hash_: str,
    at: object,
    actor_name: str = "forger",
    action: str = "user.create",
) -> None:
    raw(
        "INSERT INTO audit_auditevent (at, actor_id, actor_name, request_id, ip_address, "
        "action, object_type, object_id, object_repr, reason, before, after, prev_hash, hash) "
        "VALUES (%s, NULL, %s, '', NULL, %s, '', '', '', '', NULL, NULL, %s, %s)",
        [connection.ops.adapt_datetimefield_value(at), actor_name, action, prev_hash, hash_],
    )
