"""Writes of the api app: API tokens made, revoked and marked used. Atomic and audited.

The API's own endpoints write nothing themselves: progress reports go through
kaoping.tracking.services.reports like the pages do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.api.models import ApiToken
from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.org.models import User
from kaoping.org.permissions import API_ROLES

TOKEN_PREFIX = "kp_"  # noqa: S105 (a marker, not a secret)
PREFIX_LENGTH = 10  # "kp_" and 7 characters of the random part: enough to tell tokens apart
MAX_DAYS = 3660
NAME_LENGTH = 100
# last_used_at is written at most this often, so a busy integration does not write a row
# on every request.
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    """The SHA-256 (hex) under which a token is stored and looked up."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the stored row and the secret, which is never shown again."""

    token: ApiToken
    key: str


def _snapshot(token: ApiToken) -> dict[str, Any]:
    return {
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@transaction.atomic
def token_create(*, actor: Any, user: User, name: str, days: int | None = None) -> IssuedToken:
    """Make a token for `user` (valid `days` days, or until revoked without a limit)."""
    label = (name or "").strip()
    if not label:
        raise ApplicationError(_("Give the token a name that says what uses it."))
    if len(label) > NAME_LENGTH:
        raise ApplicationError(_("The name has at most %(n)d characters.") % {"n": NAME_LENGTH})
    if not user.is_active:
        raise ApplicationError(_("The account %(user)s is inactive.") % {"user": user})
    if not (user.is_superuser or user.has_role(*API_ROLES)):
        raise ApplicationError(
            _("The account %(user)s holds no role that uses the API.") % {"user": user}
        )
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ApplicationError(_("A token is valid for 1 to %(n)d days.") % {"n": MAX_DAYS})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=label,
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit_event(actor=actor, action="api_token.create", obj=token, after=_snapshot(token))
    return IssuedToken(token=token, key=key)


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token for good; revoking a revoked token is refused."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ApplicationError(_("This token has already been revoked."))
    before = _snapshot(token)
    token.refresh_from_db()
    audit_event(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        reason=reason,
        before=before,
        after=_snapshot(token),
    )
    return token


def token_touch(*, token: ApiToken) -> None:
    """Note that a token was used (at most once a minute; not an audited change)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
