"""Sign-in, sign-out and failed sign-ins leave audit events with request id and address."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kaoping.org.models import Role
from tests.conftest import World
from tests.factories import PASSWORD
from tests.security.conftest import events, sign_in


def test_a_sign_in_is_audited_with_request_id_and_address(world: World) -> None:
    client = Client()
    response = sign_in(client, "office", PASSWORD, ip="198.51.100.4", request_id="req-login-000001")
    assert response.status_code == 302
    [event] = events("auth.login")
    assert event.actor == world.users[Role.OFFICE]
    assert (event.request_id, event.ip_address) == ("req-login-000001", "198.51.100.4")
    assert response["X-Request-ID"] == "req-login-000001"


def test_a_failed_sign_in_is_audited_with_the_name_tried(world: World) -> None:
    sign_in(
        Client(), "office", "not-the-Password-1", ip="198.51.100.5", request_id="req-failed-00002"
    )
    [event] = events("auth.login_failed")
    assert event.actor is None
    assert event.object_repr == "office"
    assert (event.request_id, event.ip_address) == ("req-failed-00002", "198.51.100.5")
    assert "not-the-Password-1" not in str(event.payload())


def test_a_sign_in_with_an_unknown_name_is_audited_too(world: World) -> None:
    sign_in(Client(), "ghost", "whatever-Pass-1")
    assert [e.object_repr for e in events("auth.login_failed")] == ["ghost"]


def test_a_sign_out_is_audited(world: World) -> None:
    client = Client()
    sign_in(client, "leader", PASSWORD)
    response = client.post(
        reverse("logout"), REMOTE_ADDR="198.51.100.6", headers={"X-Request-ID": "req-logout-0003"}
    )
    assert response.status_code == 302
    [event] = events("auth.logout")
    assert event.actor == world.users[Role.LEADER]
    assert (event.request_id, event.ip_address) == ("req-logout-0003", "198.51.100.6")


def test_a_forged_forwarded_for_header_does_not_change_the_recorded_address(world: World) -> None:
    # With no proxy configured, X-Forwarded-For is the client's own claim.
    client = Client()
    client.post(
        reverse("login"),
        {"username": "office", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        headers={"X-Forwarded-For": "10.9.9.9"},
    )
    assert [e.ip_address for e in events("auth.login")] == ["198.51.100.7"]
