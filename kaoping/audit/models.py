"""Domain and security events (login, import, approve, export…), append-only, hash-chained.

Row-level changes of evaluation data are recorded by django-auditlog's LogEntry; this table
holds what a service or the login machinery says happened, with the actor and the reason.
Both tables refuse UPDATE and DELETE at the database (migration 0003); the model refuses
them too, so the application fails early with a clear message.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaoping.core.errors import ApplicationError


def canonical_json(value: Any) -> Any:
    """`value` as it reads back from a JSON column: dates as strings, keys as strings."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class AuditEvent(models.Model):
    """One thing that happened: who, when, from which request, to what, before and after."""

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert only: an event, once written, is never changed."""
        if not self._state.adding:
            raise ApplicationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Never: the audit trail is append-only."""
        raise ApplicationError(_("Audit events cannot be deleted."))

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a canonical form."""
        return {
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "request_id": self.request_id,
            "ip": self.ip_address,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "reason": self.reason,
            "before": self.before,
            "after": self.after,
        }

    def compute_hash(self) -> str:
        """SHA-256 over the previous event's hash and this event's canonical payload."""
        body = json.dumps(
            canonical_json(self.payload()),
            sort_keys=True,
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
        )
        return hashlib.sha256(f"{self.prev_hash}|{body}".encode()).hexdigest()


class ChainHead(models.Model):
    """The single row that serialises appends to the hash chain (locked while appending)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.count} · {self.last_hash[:12]}"
