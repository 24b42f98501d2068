"""Account services: each one audited; the separation of administrator duties (三员分立)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org import services
from kaoping.org.models import ADMIN_ROLES, Role, RoleGrant, User
from tests.conftest import World
from tests.factories import UserFactory, user_with_role

NEW_PASSWORD = "Fresh-Start-2024!"
BUSINESS_ROLES = [r for r in Role.values if r not in ADMIN_ROLES]


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


# --- every account service writes an audit row ---------------------------------------
def test_user_create_is_audited(world: World) -> None:
    sysadmin = world.users[Role.SYSTEM_ADMIN]
    user = services.user_create(
        actor=sysadmin, username="clerk", password=NEW_PASSWORD, display_name="新同事"
    )
    event = last_event()
    assert (event.action, event.actor, event.object_id) == ("user.create", sysadmin, str(user.pk))
    assert event.after["username"] == "clerk"
    assert "password" not in event.after and "password_history" not in event.after


def test_password_reset_and_own_change_are_audited(world: World) -> None:
    reporter = world.users[Role.REPORTER]
    services.user_set_password(
        actor=world.users[Role.SYSTEM_ADMIN], user=reporter, password=NEW_PASSWORD, reason="forgot"
    )
    assert (last_event().action, last_event().reason) == ("user.password_reset", "forgot")
    services.user_set_password(actor=reporter, user=reporter, password="Mine-Only-2024!")
    assert (last_event().action, last_event().actor) == ("user.password_change", reporter)


def test_deactivation_is_audited_with_before_and_after(world: World) -> None:
    services.user_set_active(
        actor=world.users[Role.SYSTEM_ADMIN],
        user=world.users[Role.REPORTER],
        active=False,
        reason="left",
    )
    event = last_event()
    assert event.action == "user.deactivate"
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)
    assert event.reason == "left"


def test_role_grant_and_revoke_are_audited(world: World) -> None:
    secadmin = world.users[Role.SECURITY_ADMIN]
    user = UserFactory(username="newinspector")
    grant = services.role_grant(actor=secadmin, user=user, role=Role.INSPECTOR, unit=world.county)
    assert (last_event().action, last_event().after) == (
        "role.grant",
        {"role": "inspector", "unit": "C01"},
    )
    services.role_revoke(actor=secadmin, grant=grant, reason="moved")
    assert (last_event().action, last_event().before, last_event().reason) == (
        "role.revoke",
        {"role": "inspector", "unit": "C01"},
        "moved",
    )
    assert not user.has_role(Role.INSPECTOR)


def test_unlock_is_audited(world: World) -> None:
    services.user_unlock(actor=world.users[Role.SECURITY_ADMIN], user=world.users[Role.REPORTER])
    assert last_event().action == "user.unlock"


# --- 三员分立 ---------------------------------------------------------------------------
def test_a_system_administrator_cannot_grant_roles(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        services.role_grant(
            actor=world.users[Role.SYSTEM_ADMIN],
            user=world.users[Role.REPORTER],
            role=Role.OFFICE,
            unit=world.county,
        )


def test_a_security_administrator_cannot_create_accounts(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        services.user_create(
            actor=world.users[Role.SECURITY_ADMIN], username="x1", password=NEW_PASSWORD
        )
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDITOR, Role.OFFICE])
def test_only_the_system_administrator_resets_passwords(world: World, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.user_set_password(
            actor=world.users[role], user=world.users[Role.REPORTER], password=NEW_PASSWORD
        )


def test_the_auditor_changes_nothing(world: World) -> None:
    auditor = world.users[Role.AUDITOR]
    with pytest.raises(PermissionDeniedError):
        services.user_create(actor=auditor, username="x2", password=NEW_PASSWORD)
    with pytest.raises(PermissionDeniedError):
        services.role_grant(
            actor=auditor, user=world.users[Role.REPORTER], role=Role.LEADER, unit=world.county
        )
    with pytest.raises(PermissionDeniedError):
        services.user_set_active(
            actor=auditor, user=world.users[Role.REPORTER], active=False, reason=""
        )


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.OFFICE])
def test_nobody_can_grant_themselves_a_role(world: World, role: str) -> None:
    me = world.users[role]
    held = set(me.role_grants.values_list("role", "unit"))
    with pytest.raises(PermissionDeniedError):
        services.role_grant(actor=me, user=me, role=Role.INSPECTOR, unit=world.county)
    assert set(me.role_grants.values_list("role", "unit")) == held


def test_a_security_administrator_cannot_revoke_its_own_role(world: World) -> None:
    secadmin = world.users[Role.SECURITY_ADMIN]
    with pytest.raises(PermissionDeniedError):
        services.role_revoke(actor=secadmin, grant=secadmin.role_grants.get())


@pytest.mark.parametrize("admin_role", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("other_role", BUSINESS_ROLES)
def test_an_administrator_role_cannot_be_combined_with_a_business_role(
    world: World, admin_role: str, other_role: str
) -> None:
    unit = world.county
    # an administrator cannot be given a business role ...
    admin = user_with_role(admin_role, None)
    with pytest.raises(ApplicationError):
        services.role_grant(
            actor=world.users[Role.SECURITY_ADMIN], user=admin, role=other_role, unit=unit
        )
    # ... and an account with a business role cannot become an administrator
    worker = user_with_role(other_role, unit)
    with pytest.raises(ApplicationError):
        services.role_grant(actor=None, user=worker, role=admin_role)
    assert set(worker.role_grants.values_list("role", flat=True)) == {other_role}


@pytest.mark.parametrize("first", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("second", sorted(ADMIN_ROLES))
def test_two_administrator_roles_cannot_be_combined(world: World, first: str, second: str) -> None:
    admin = user_with_role(first, None)
    if first == second:
        services.role_grant(actor=None, user=admin, role=second)  # already held: no change
        assert admin.role_grants.count() == 1
        return
    with pytest.raises(ApplicationError):
        services.role_grant(actor=None, user=admin, role=second)


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_administrator_roles_are_not_granted_in_the_application(world: World, role: str) -> None:
    user = UserFactory(username="hopeful")
    with pytest.raises(PermissionDeniedError):
        services.role_grant(actor=world.users[Role.SECURITY_ADMIN], user=user, role=role)
    assert not RoleGrant.objects.filter(user=user).exists()


@pytest.mark.parametrize("target", [Role.AUDITOR, Role.SECURITY_ADMIN])
def test_the_system_administrator_cannot_take_over_another_administrator(
    world: World, target: str
) -> None:
    sysadmin, victim = world.users[Role.SYSTEM_ADMIN], world.users[target]
    with pytest.raises(PermissionDeniedError):
        services.user_set_password(actor=sysadmin, user=victim, password=NEW_PASSWORD)
    with pytest.raises(PermissionDeniedError):
        services.user_set_active(actor=sysadmin, user=victim, active=False, reason="")
    victim.refresh_from_db()
    assert victim.is_active and victim.check_password("Test-Passw0rd!x")


def test_a_superuser_flag_grants_no_account_powers(world: World) -> None:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDeniedError):
        services.user_create(actor=root, username="x3", password=NEW_PASSWORD)
    with pytest.raises(PermissionDeniedError):
        services.role_grant(
            actor=root, user=world.users[Role.REPORTER], role=Role.LEADER, unit=world.county
        )


# --- createadmin ------------------------------------------------------------------------
@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_createadmin_makes_a_separated_administrator_with_a_one_time_password(
    db: None, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("createadmin", "admin_" + role, role=role)
    password = capsys.readouterr().out.strip().splitlines()[-1]
    user = User.objects.get(username="admin_" + role)
    assert user.roles == {role}
    assert user.check_password(password)
    assert user.must_change_password
    assert not (user.is_superuser or user.is_staff)
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["user.create", "role.grant"]


def test_createadmin_reset_gives_an_administrator_a_new_one_time_password(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("createadmin", "auditor", reset=True)
    password = capsys.readouterr().out.strip().splitlines()[-1]
    auditor = User.objects.get(username="auditor")
    assert auditor.check_password(password) and auditor.must_change_password


def test_createadmin_refuses_a_taken_name_and_a_missing_role(world: World) -> None:
    with translation.override("en"):
        with pytest.raises(CommandError, match="taken"):
            call_command("createadmin", "office", role=Role.AUDITOR)
        with pytest.raises(CommandError, match="--role"):
            call_command("createadmin", "someone")
        with pytest.raises(CommandError, match="not an administrator"):
            call_command("createadmin", "office", reset=True)


def test_createadmin_deactivate_closes_an_administrator_account(world: World) -> None:
    call_command("createadmin", "auditor", deactivate=True)
    assert not User.objects.get(username="auditor").is_active
    assert AuditEvent.objects.filter(action="user.deactivate", actor_name="system").exists()
