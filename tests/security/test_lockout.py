"""Lockout after repeated failures, per account (django-axes) and per address (ours)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from kaoping.core.errors import PermissionDeniedError
from kaoping.org import services
from kaoping.org.models import Role
from tests.conftest import World
from tests.factories import PASSWORD
from tests.security.conftest import events, sign_in


def fail_until_locked(client: Client, username: str, *, ip: str = "127.0.0.1") -> list[int]:
    return [
        sign_in(client, username, "wrong-Password-1", ip=ip).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]


def test_an_account_locks_after_the_failure_limit_even_for_the_right_password(world: World) -> None:
    client = Client()
    # given AXES_FAILURE_LIMIT failed sign-ins for one account
    statuses = fail_until_locked(client, "reporter_a")
    # then the failures before the limit show the form again, the last one the locked page
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 403
    # when the right password comes next
    response = sign_in(client, "reporter_a", PASSWORD)
    # then it is refused with the locked page, status 403, and nobody is signed in
    assert response.status_code == 403
    assert "org/locked_out.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session
    # and the lockout is in the audit trail
    assert events("auth.locked_out", object_repr="reporter_a")


def test_another_account_from_the_same_address_is_not_locked(world: World) -> None:
    client = Client()
    fail_until_locked(client, "reporter_a")
    assert sign_in(client, "reporter_b", PASSWORD).status_code == 302


def test_the_security_administrator_unlocks_an_account(world: World) -> None:
    client = Client()
    fail_until_locked(client, "reporter_a")
    # when the security administrator unlocks it
    removed = services.user_unlock(
        actor=world.users[Role.SECURITY_ADMIN], user=world.users[Role.REPORTER], reason="phoned in"
    )
    # then the right password signs in again, and the unlock is audited
    assert removed >= 1
    assert sign_in(client, "reporter_a", PASSWORD).status_code == 302
    unlock = events("user.unlock")
    assert [(e.actor_name, e.reason) for e in unlock] == [("secadmin", "phoned in")]


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.OFFICE, Role.AUDITOR])
def test_only_the_security_administrator_unlocks(world: World, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.user_unlock(actor=world.users[role], user=world.users[Role.REPORTER])


def test_the_unlockuser_command_unlocks_from_the_server(world: World) -> None:
    client = Client()
    fail_until_locked(client, "reporter_a")
    call_command("unlockuser", "reporter_a", reason="ticket 42")
    assert sign_in(client, "reporter_a", PASSWORD).status_code == 302
    assert [(e.actor_name, e.reason) for e in events("user.unlock")] == [("system", "ticket 42")]


@override_settings(KAOPING_LOCKOUT_IP_FAILURES=4)
def test_an_address_locks_after_failures_spread_over_many_accounts(world: World) -> None:
    client = Client()
    attacker = "203.0.113.7"
    # given one failure each for four different user names from one address
    for username in ("office", "leader", "inspector", "nobody-at-all"):
        assert sign_in(client, username, "wrong-Password-1", ip=attacker).status_code == 200
    # when a fifth account signs in from it, with the right password
    response = sign_in(client, "reporter_a", PASSWORD, ip=attacker)
    # then the address is refused with the locked page, and the refusal is audited
    assert response.status_code == 403
    assert response.wsgi_request.kaoping_address_locked
    assert "_auth_user_id" not in client.session
    refused = events("auth.login_refused")
    assert [(e.object_repr, e.ip_address, e.reason) for e in refused] == [
        ("reporter_a", attacker, "address_locked")
    ]
    # while the same account from another address signs in
    assert sign_in(Client(), "reporter_a", PASSWORD, ip="198.51.100.20").status_code == 302


@override_settings(KAOPING_LOCKOUT_IP_FAILURES=4)
def test_failures_below_the_address_limit_do_not_lock_it(world: World) -> None:
    client = Client()
    for username in ("office", "leader", "inspector"):
        sign_in(client, username, "wrong-Password-1", ip="203.0.113.8")
    assert sign_in(client, "reporter_a", PASSWORD, ip="203.0.113.8").status_code == 302


@override_settings(KAOPING_LOCKOUT_IP_FAILURES=2)
def test_the_security_administrator_unlocks_an_address(world: World) -> None:
    client = Client()
    for username in ("office", "leader"):
        sign_in(client, username, "wrong-Password-1", ip="203.0.113.9")
    assert sign_in(client, "reporter_a", PASSWORD, ip="203.0.113.9").status_code == 403
    services.address_unlock(actor=world.users[Role.SECURITY_ADMIN], ip_address="203.0.113.9")
    assert sign_in(client, "reporter_a", PASSWORD, ip="203.0.113.9").status_code == 302
    assert events("address.unlock", object_id="203.0.113.9")
