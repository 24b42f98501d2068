"""Writes to organisation data and accounts; each one atomic and audited.

Separation of administrator duties (三员分立): the system administrator creates and
deactivates accounts and resets passwords, the security administrator grants and revokes
roles and unlocks accounts, the audit administrator only reads the trail. No account holds
two of these roles, nor an administrator role with any other; the administrator accounts
themselves are created and reset on the server (`kaoping createadmin`). docs/security.md
has the full matrix.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.core.versions import forget_access
from kaoping.org.models import ADMIN_ROLES, Person, Region, Role, RoleGrant, Unit, User

USER_SNAPSHOT_EXCLUDE = ("password", "password_history", "last_login", "groups", "user_permissions")


def _require(actor: Any, *roles: str) -> None:
    if actor is None:  # command line and data loading run as the system itself
        return
    if not actor.has_role(*roles) and not actor.is_superuser:
        raise PermissionDeniedError(_("You are not allowed to do this."))


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as django-axes sees it (honours the configured proxy count)."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


# --- accounts --------------------------------------------------------------------------
# Account work is bound to the separated administrator roles themselves: a superuser or
# staff flag grants nothing here. `actor=None` is the server's command line (createadmin,
# unlockuser), whose operator is accountable outside the application.


def _require_account_role(actor: Any, role: str) -> None:
    if actor is None:
        return
    if not (actor.is_active and actor.has_role(role)):
        raise PermissionDeniedError(_("You are not allowed to do this."))


def _refuse_administrator_target(actor: Any, user: User) -> None:
    """Administrator accounts are managed on the server, so no administrator can take over
    another one's duties (e.g. reset the auditor's password and sign in as the auditor)."""
    if actor is not None and user.has_role(*ADMIN_ROLES):
        raise PermissionDeniedError(
            _("Administrator accounts are managed on the server with the kaoping command.")
        )


def _forget_roles(user: User) -> None:
    user.__dict__.pop("_roles_cache", None)
    user.__dict__.pop("_data_scope_cache", None)
    forget_access(user)


def _validated(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    display_name: str = "",
    person: Person | None = None,
    must_change_password: bool = True,
) -> User:
    """Create an account (system administrator); it must change its password on first login."""
    _require_account_role(actor, Role.SYSTEM_ADMIN)
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("The user name %(name)s is taken.") % {"name": username})
    user = User(
        username=username,
        display_name=display_name,
        person=person,
        must_change_password=must_change_password,
    )
    _validated(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit_event(
        actor=actor,
        action="user.create",
        obj=user,
        after=snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE),
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str, reason: str = "") -> User:
    """Set a password after the policy checks; keeps the history and clears a forced change.

    When an administrator sets someone else's password (a reset), the account must change
    it again at its next sign-in, so the administrator never knows a password in use.
    """
    own = actor is not None and actor.pk == user.pk
    if not own:
        _require_account_role(actor, Role.SYSTEM_ADMIN)
        _refuse_administrator_target(actor, user)
    _validated(password, user)
    keep = max(int(settings.KAOPING_PASSWORD_POLICY["history"]), 1)
    history = list(user.password_history or [])
    if user.password and user.has_usable_password():
        history.append(user.password)
    user.password_history = history[-keep:]
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = not own
    user.save(
        update_fields=[
            "password",
            "password_history",
            "password_changed_at",
            "must_change_password",
        ]
    )
    audit_event(
        actor=actor,
        action="user.password_change" if own else "user.password_reset",
        obj=user,
        reason=reason,
        after={"must_change_password": not own},
    )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool, reason: str) -> User:
    """Deactivate or reactivate an account (system administrator); never one's own."""
    _require_account_role(actor, Role.SYSTEM_ADMIN)
    _refuse_administrator_target(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDeniedError(_("Nobody may deactivate their own account."))
    before = snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE)
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_event(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        obj=user,
        reason=reason,
        before=before,
        after=snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE),
    )
    return user


@transaction.atomic
def user_unlock(*, actor: Any, user: User, reason: str = "") -> int:
    """Clear an account's lockout (security administrator); returns attempts removed."""
    _require_account_role(actor, Role.SECURITY_ADMIN)
    removed = axes_reset(username=user.get_username())
    audit_event(
        actor=actor,
        action="user.unlock",
        obj=user,
        reason=reason,
        after={"attempts_removed": removed},
    )
    return removed


@transaction.atomic
def address_unlock(*, actor: Any, ip_address: str, reason: str = "") -> int:
    """Clear the failed sign-ins from one address (security administrator)."""
    _require_account_role(actor, Role.SECURITY_ADMIN)
    removed = axes_reset(ip=ip_address)
    audit_event(
        actor=actor,
        action="address.unlock",
        object_type="network.address",
        object_id=ip_address,
        object_repr=ip_address,
        reason=reason,
        after={"attempts_removed": removed},
    )
    return removed


@transaction.atomic
def role_grant(*, actor: Any, user: User, role: str, unit: Unit | None = None) -> RoleGrant:
    """Give a user a role anchored at a unit (security administrator).

    Separation of duties (三员分立): nobody grants themselves a role; an administrator role
    is held alone; administrator roles are granted only on the server (`kaoping
    createadmin`), never by another administrator in the application.
    """
    _require_account_role(actor, Role.SECURITY_ADMIN)
    if role not in Role.values:
        raise ApplicationError(_("Unknown role: %(role)s") % {"role": role})
    if actor is not None and actor.pk == user.pk:
        raise PermissionDeniedError(_("Nobody may grant roles to themselves."))
    if actor is not None and role in ADMIN_ROLES:
        raise PermissionDeniedError(
            _("Administrator roles are granted on the server with the kaoping command.")
        )
    held = set(user.role_grants.values_list("role", flat=True))
    if role in ADMIN_ROLES and held - {role}:
        raise ApplicationError(
            _("Administrator roles are separated: this account already holds other roles.")
        )
    if held & ADMIN_ROLES and role not in held:
        raise ApplicationError(
            _("Administrator roles are separated: an administrator holds no other role.")
        )
    needs_unit = role in {Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.INSPECTOR, Role.LEADER}
    if needs_unit and unit is None:
        raise ApplicationError(_("This role needs a unit."))
    if role in ADMIN_ROLES:
        unit = None  # administrators work on the system, not on a unit's data
    grant, created = RoleGrant.objects.get_or_create(
        user=user,
        role=role,
        unit=unit,
        defaults={"granted_by": actor if getattr(actor, "pk", None) else None},
    )
    if created:
        audit_event(
            actor=actor,
            action="role.grant",
            obj=user,
            after={"role": role, "unit": unit.code if unit else None},
        )
    _forget_roles(user)
    return grant


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleGrant, reason: str = "") -> None:
    """Take a business role away (security administrator); never one's own."""
    _require_account_role(actor, Role.SECURITY_ADMIN)
    user = grant.user
    if actor is not None and actor.pk == user.pk:
        raise PermissionDeniedError(_("Nobody may change their own roles."))
    if actor is not None and grant.role in ADMIN_ROLES:
        raise PermissionDeniedError(
            _("Administrator roles are revoked on the server with the kaoping command.")
        )
    before = {"role": grant.role, "unit": grant.unit.code if grant.unit else None}
    grant.delete()
    audit_event(actor=actor, action="role.revoke", obj=user, reason=reason, before=before)
    _forget_roles(user)


# --- sign-in events (called from kaoping.org.signals and the login form) ------------------
def login_succeeded(*, request: HttpRequest | None, user: User) -> None:
    audit_event(actor=user, action="auth.login", obj=user, ip_address=client_ip(request))


def login_failed(*, request: HttpRequest | None, username: str) -> None:
    audit_event(
        actor=None,
        action="auth.login_failed",
        object_type="org.user",
        object_repr=username[:150],
        ip_address=client_ip(request),
    )


def login_refused(*, request: HttpRequest | None, username: str, reason: str) -> None:
    """A sign-in not even tried, e.g. from an address locked for too many failures."""
    audit_event(
        actor=None,
        action="auth.login_refused",
        object_type="org.user",
        object_repr=username[:150],
        reason=reason,
        ip_address=client_ip(request),
    )


def account_locked(*, request: HttpRequest | None, username: str) -> None:
    """django-axes locked an account (or refused a locked one again)."""
    audit_event(
        actor=None,
        action="auth.locked_out",
        object_type="org.user",
        object_repr=username[:150],
        ip_address=client_ip(request),
    )


def logged_out(*, request: HttpRequest | None, user: User | None) -> None:
    if user is not None:
        audit_event(actor=user, action="auth.logout", obj=user, ip_address=client_ip(request))


def session_expired(*, request: HttpRequest, user: User, idle: bool) -> None:
    audit_event(
        actor=user,
        action="auth.session_expired",
        obj=user,
        reason="idle" if idle else "absolute",
        ip_address=client_ip(request),
    )


# --- organisation data -------------------------------------------------------------------
@transaction.atomic
def region_upsert(
    *,
    actor: Any,
    code: str,
    name: str,
    level: str,
    parent: Region | None = None,
    population: int | None = None,
) -> Region:
    """Create or update a region by its code."""
    _require(actor, Role.OFFICE, Role.SYSTEM_ADMIN)
    region, created = Region.objects.update_or_create(
        code=code,
        defaults={"name": name, "level": level, "parent": parent, "population": population},
    )
    if created:
        audit_event(actor=actor, action="region.create", obj=region, after=snapshot(region))
    return region


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    short_name: str = "",
    region: Region | None = None,
) -> Unit:
    """Add a unit under a parent (or as a root)."""
    _require(actor, Role.OFFICE, Role.SYSTEM_ADMIN)
    if Unit.objects.filter(code=code).exists():
        raise ApplicationError(_("A unit with code %(code)s exists.") % {"code": code})
    fields = {"code": code, "name": name, "kind": kind, "short_name": short_name, "region": region}
    if parent is not None:
        unit = Unit.objects.add_child(parent, create_kwargs=fields)
    else:
        unit = Unit.objects.add_root(create_kwargs=fields)
    audit_event(actor=actor, action="unit.create", obj=unit, after=snapshot(unit))
    return unit


@transaction.atomic
def unit_update(
    *, actor: Any, unit: Unit, expected_version: int | None = None, **changes: Any
) -> Unit:
    """Change a unit's name, short name, kind, region or active flag (optimistic locking)."""
    _require(actor, Role.OFFICE, Role.SYSTEM_ADMIN)
    allowed = {"name", "short_name", "kind", "region", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = snapshot(unit)
    version = unit.row_version if expected_version is None else expected_version
    updated = Unit.objects.filter(pk=unit.pk, row_version=version).update(
        row_version=version + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        from kaoping.core.errors import ConflictError

        raise ConflictError(_("Someone else changed this unit meanwhile. Reload and try again."))
    unit.refresh_from_db()
    audit_event(actor=actor, action="unit.update", obj=unit, before=before, after=snapshot(unit))
    return unit


@transaction.atomic
def person_upsert(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    position: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    portfolio: list[Unit] | None = None,
) -> Person:
    """Create or update a person of a unit (by unit, name and title)."""
    _require(actor, Role.OFFICE, Role.SYSTEM_ADMIN)
    existing = Person.objects.filter(unit=unit, name=name, title=title).first()
    before = snapshot(existing) if existing else None
    person, _created = Person.objects.update_or_create(
        unit=unit,
        name=name,
        title=title,
        defaults={"position": position, "phone": phone, "email": email},
    )
    if portfolio is not None:
        person.portfolio.set(portfolio)
    after = snapshot(person)
    if before != after:
        audit_event(
            actor=actor,
            action="person.update" if existing else "person.create",
            obj=person,
            before=before,
            after=after,
        )
    return person
