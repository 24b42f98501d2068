"""Idle and absolute session expiry; the clocks start at sign-in."""

from __future__ import annotations

import time

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from kaoping.org.middleware import LOGIN_AT, SEEN_AT
from kaoping.org.models import Role
from tests.conftest import World
from tests.factories import PASSWORD
from tests.security.conftest import events, sign_in

PAGE = "/home/"


@pytest.fixture
def signed_in(world: World) -> Client:
    client = Client()
    assert sign_in(client, "office", PASSWORD).status_code == 302
    return client


def set_clock(client: Client, **seconds_ago: float) -> None:
    """Move the session's clocks back: login_at / seen_at seconds ago."""
    session = client.session
    now = time.time()
    if "login_at" in seconds_ago:
        session[LOGIN_AT] = now - seconds_ago["login_at"]
    if "seen_at" in seconds_ago:
        session[SEEN_AT] = now - seconds_ago["seen_at"]
    session.save()


def test_signing_in_starts_both_clocks(signed_in: Client) -> None:
    session = signed_in.session
    assert abs(session[LOGIN_AT] - time.time()) < 60
    assert abs(session[SEEN_AT] - time.time()) < 60


def test_an_active_session_within_both_limits_goes_on(signed_in: Client) -> None:
    set_clock(signed_in, login_at=7 * 3600, seen_at=29 * 60)
    response = signed_in.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("tracking:dashboard")


def test_a_session_idle_longer_than_the_limit_is_signed_out(signed_in: Client) -> None:
    # given a session last seen 31 minutes ago (the idle limit is 30)
    set_clock(signed_in, seen_at=31 * 60)
    # when it asks for a page
    signed_in.cookies["django_language"] = "en"  # English texts below
    response = signed_in.get(PAGE)
    # then it is signed out and sent to sign in again, told why
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert "_auth_user_id" not in signed_in.session
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your session has expired. Please sign in again."
    ]
    assert [e.reason for e in events("auth.session_expired")] == ["idle"]


def test_a_session_older_than_the_absolute_limit_is_signed_out_though_active(
    signed_in: Client,
) -> None:
    # given a session signed in 8 hours and a minute ago, active a moment ago
    set_clock(signed_in, login_at=8 * 3600 + 60, seen_at=5)
    response = signed_in.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in signed_in.session
    assert [e.reason for e in events("auth.session_expired")] == ["absolute"]


def test_activity_moves_the_idle_clock(signed_in: Client) -> None:
    set_clock(signed_in, seen_at=20 * 60)
    signed_in.get(PAGE)
    assert time.time() - signed_in.session[SEEN_AT] < 60


def test_an_expired_htmx_request_gets_a_whole_page_redirect(world: World) -> None:
    client = world.client_for(Role.OFFICE)
    client.get(PAGE)  # starts the clocks of a force-logged-in session
    set_clock(client, seen_at=31 * 60)
    response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_an_expired_session_calling_the_api_gets_a_json_401_not_a_redirect(
    signed_in: Client,
) -> None:
    set_clock(signed_in, seen_at=31 * 60)
    response = signed_in.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "_auth_user_id" not in signed_in.session
