"""Signing in to the API: tokens (valid, wrong, malformed, revoked, expired, inactive user)
and the browser session (CSRF on writes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaoping.api import services
from kaoping.api.models import ApiToken
from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.tracking.models import ProgressReport
from tests.api.conftest import ApiClient, assert_error, draft


def _token(api: Any, who: str = Role.REPORTER) -> ApiToken:
    return ApiToken.objects.get(key_hash=services.hash_key(api.tokens[who]))


def test_a_valid_token_acts_as_its_user(api: Any) -> None:
    response = api.client(Role.REPORTER).get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "reporter_a"
    assert body["roles"] == [Role.REPORTER]
    assert [u["code"] for u in body["units"]] == ["T01"]
    assert body["token"] == api.tokens[Role.REPORTER][:10]
    assert _token(api).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kp_not-a-token",
        "Bearer ",
        "Token whatever",
        "Basic cmVwb3J0ZXJfYTpwYXNzd29yZA==",
        "Bearer" + " x" * 3,
    ],
)
def test_a_wrong_or_malformed_token_is_refused(api: Any, header: str) -> None:
    response = ApiClient().get("/me", Authorization=header)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused_even_beside_a_session(api: Any) -> None:
    client = api.session(Role.REPORTER)
    assert client.get("/me").status_code == 200
    assert_error(client.get("/me", Authorization="Bearer kp_wrong"), 401, "unauthorized")


def test_a_revoked_token_is_refused(api: Any) -> None:
    services.token_revoke(actor=None, token=_token(api))
    assert_error(api.client(Role.REPORTER).get("/me"), 401, "unauthorized")


def test_an_expired_token_is_refused(api: Any) -> None:
    ApiToken.objects.filter(pk=_token(api).pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_error(api.client(Role.REPORTER).get("/me"), 401, "unauthorized")


def test_a_token_within_its_days_works(api: Any) -> None:
    issued = services.token_create(actor=None, user=api.users[Role.OFFICE], name="OA sync", days=30)
    assert issued.token.expires_at > timezone.now() + timedelta(days=29)
    assert ApiClient(issued.key).get("/me").status_code == 200


def test_an_inactive_users_token_is_refused(api: Any) -> None:
    user = api.users[Role.REPORTER]
    user.is_active = False
    user.save()
    assert_error(api.client(Role.REPORTER).get("/me"), 401, "unauthorized")


def test_only_the_hash_is_stored(api: Any) -> None:
    key = api.tokens[Role.OFFICE]
    token = _token(api, Role.OFFICE)
    assert token.key_hash == services.hash_key(key) and key not in token.key_hash
    assert token.prefix == key[:10]
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_a_token_has_the_roles_and_scope_of_its_user(api: Any) -> None:
    """Town B's reporter's token sees town B only, like their pages."""
    body = api.client("reporter_b").get("/units").json()
    assert [u["code"] for u in body["items"]] == ["T02"]


def test_anonymous_is_unauthorized(api: Any) -> None:
    error = assert_error(ApiClient().get("/plans"), 401, "unauthorized")
    assert error["details"] == []


# --- the session -----------------------------------------------------------------------------
def _body(api: Any) -> dict[str, Any]:
    return {
        "indicator": api.indicator_a.pk,
        "unit": api.town_a.pk,
        "period": "2022Q3",
        "value": "80",
    }


def test_the_session_reads_without_csrf(api: Any) -> None:
    client = api.session(Role.REPORTER, enforce_csrf=True)
    assert client.get("/me").status_code == 200


def test_a_session_post_without_csrf_is_forbidden(api: Any) -> None:
    client = api.session(Role.REPORTER, enforce_csrf=True)
    error = assert_error(client.post("/reports", _body(api)), 403, "forbidden")
    assert "CSRF" in error["message"]
    assert not ProgressReport.objects.exists()


def test_a_session_post_with_csrf_works(api: Any) -> None:
    client = api.session(Role.REPORTER, enforce_csrf=True)
    page = client.client.get("/api/v1/docs")  # sets the CSRF cookie, like any page
    token = page.cookies["csrftoken"].value
    response = client.post("/reports", _body(api), **{"X-CSRFToken": token})
    assert response.status_code == 201, response.content


def test_a_token_post_needs_no_csrf(api: Any) -> None:
    client = ApiClient(api.tokens[Role.REPORTER])
    client.client = type(client.client)(enforce_csrf_checks=True)
    assert client.post("/reports", _body(api)).status_code == 201


def test_writes_by_token_are_audited_as_the_user_with_the_request_id(api: Any) -> None:
    report = draft(api)
    response = api.client(Role.REPORTER).post(
        f"/reports/{report.pk}/submit",
        {"row_version": report.row_version},
        **{"X-Request-ID": "api-test-request-0001"},
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "api-test-request-0001"
    event = AuditEvent.objects.get(action="report.submit", object_id=str(report.pk))
    assert event.actor == api.users[Role.REPORTER]
    assert event.request_id == "api-test-request-0001"


def test_token_creation_by_django_auditlog_actor(api: Any) -> None:
    """django-auditlog's change record of a report created by token names the token's user."""
    from auditlog.models import LogEntry

    response = api.client(Role.REPORTER).post("/reports", _body(api))
    assert response.status_code == 201
    entry = LogEntry.objects.get_for_object(
        ProgressReport.objects.get(pk=response.json()["id"])
    ).first()
    assert entry is not None
    assert entry.actor == api.users[Role.REPORTER]
