"""`kaoping apitoken create / list / revoke` and the token services: printed once, stored as a
hash, refused for accounts without API business, every write audited."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaoping.api import services
from kaoping.api.models import ApiToken
from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError
from kaoping.org.models import Role
from tests.api.conftest import ApiClient, assert_error


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apitoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_and_audits(world: Any) -> None:
    out, err = run("create", "--user", "office", "--name", "OA 同步", "--days", "90")
    key = out.strip()
    assert key.startswith("kp_") and len(key) > 40
    token = ApiToken.objects.get()
    assert token.key_hash == services.hash_key(key)
    assert token.name == "OA 同步" and token.expires_at is not None
    assert token.prefix in err and key not in err
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.object_id == str(token.pk)
    assert key not in str(event.after) and services.hash_key(key) not in str(event.after)
    assert ApiClient(key).get("/me").status_code == 200


def test_list_shows_prefixes_never_keys(world: Any) -> None:
    key, _err = run("create", "--user", "office", "--name", "OA")
    listed, _err = run("list")
    assert "office" in listed and key.strip()[:10] in listed and key.strip() not in listed
    assert "active" in listed
    only, _err = run("list", "--user", "reporter_a")
    assert only == ""


def test_revoke_by_prefix_or_id_and_audit(world: Any) -> None:
    key = run("create", "--user", "office", "--name", "OA")[0].strip()
    token = ApiToken.objects.get()
    out, _err = run("revoke", key[:10], "--reason", "离职")
    assert "revoked" in out
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.reason == "离职"
    assert_error(ApiClient(key).get("/me"), 401, "unauthorized")
    with pytest.raises(CommandError):
        run("revoke", str(token.pk))  # already revoked
    listed = run("list")[0]
    assert "revoked" in listed


def test_create_refuses_unknown_inactive_and_no_api_accounts(world: Any) -> None:
    with pytest.raises(CommandError):
        run("create", "--user", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        run("create", "--user", "auditor", "--name", "x")
    world.users[Role.REPORTER].is_active = False
    world.users[Role.REPORTER].save()
    with pytest.raises(CommandError):
        run("create", "--user", "reporter_a", "--name", "x")
    with pytest.raises(CommandError):
        run("create", "--user", "office", "--name", "x", "--days", "0")
    with pytest.raises(CommandError):
        run("revoke", "kp_nothing")
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="api_token").exists()


def test_a_token_needs_a_name(world: Any) -> None:
    with pytest.raises(ApplicationError):
        services.token_create(actor=None, user=world.users[Role.OFFICE], name="  ")


def test_last_used_is_written_at_most_once_a_minute(api: Any) -> None:
    client = api.client(Role.OFFICE)
    client.get("/me")
    token = ApiToken.objects.get(key_hash=services.hash_key(api.tokens[Role.OFFICE]))
    first = token.last_used_at
    client.get("/me")
    token.refresh_from_db()
    assert token.last_used_at == first
