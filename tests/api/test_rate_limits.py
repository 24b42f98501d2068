"""Rate limits: per token (or session user) and per network address, answered with 429, the
error body and Retry-After."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from kaoping.api import auth
from kaoping.org.models import Role
from tests.api.conftest import ApiClient, assert_error


def test_a_token_over_its_limit_gets_429_with_retry_after(api: Any, settings: Any) -> None:
    settings.KAOPING_API_RATE_USER = "3/min"
    client = api.client(Role.OFFICE)
    for _ in range(3):
        assert client.get("/me").status_code == 200
    response = client.get("/me")
    error = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    with translation.override("zh-hans"):  # the site's language, whatever the test's
        expected = translation.gettext("Too many requests: wait a moment and try again.")
    assert error["message"] == expected
    # Another token is counted apart.
    assert api.client(Role.REPORTER).get("/me").status_code == 200


def test_a_session_user_is_limited_too(api: Any, settings: Any) -> None:
    settings.KAOPING_API_RATE_USER = "2/min"
    client = api.session(Role.OFFICE)
    assert client.get("/me").status_code == 200
    assert client.get("/me").status_code == 200
    assert_error(client.get("/me"), 429, "rate_limited")


def test_an_address_is_limited_also_when_sign_in_fails(api: Any, settings: Any) -> None:
    settings.KAOPING_API_RATE_IP = "3/min"
    guesser = ApiClient("kp_guess")
    for _ in range(3):
        assert_error(guesser.get("/me"), 401, "unauthorized")
    response = guesser.get("/me")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    # The same address with a good token is limited as well (counted per address).
    assert_error(api.client(Role.OFFICE).get("/me"), 429, "rate_limited")
    # Another address is not.
    other = api.client(Role.OFFICE).client.get(
        "/api/v1/me",
        REMOTE_ADDR="10.0.0.9",
        headers={"Authorization": f"Bearer {api.tokens[Role.OFFICE]}"},
    )
    assert other.status_code == 200


def test_x_forwarded_for_does_not_escape_the_address_limit(api: Any, settings: Any) -> None:
    """Without a trusted proxy (KAOPING_PROXY_COUNT), a client-written X-Forwarded-For is
    ignored, so forging one does not buy a fresh allowance."""
    settings.KAOPING_API_RATE_IP = "2/min"
    client = ApiClient("kp_guess")
    for n in range(2):
        client.get("/me", **{"X-Forwarded-For": f"203.0.113.{n}"})
    assert_error(client.get("/me", **{"X-Forwarded-For": "203.0.113.99"}), 429, "rate_limited")


def test_the_defaults_need_no_settings() -> None:
    assert auth.parse_rate(auth.DEFAULT_RATE_USER) == (120, 60)
    assert auth.parse_rate(auth.DEFAULT_RATE_IP) == (600, 60)
    assert auth.parse_rate("10/hour") == (10, 3600)
