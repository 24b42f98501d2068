"""Writing audit events: every service calls `audit_event` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from kaoping.audit.models import AuditEvent, ChainHead, canonical_json
from kaoping.core.middleware import current_request_id


def snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-able picture of a model instance's own fields, for before/after records."""
    data = model_to_dict(instance, exclude=list(exclude))
    return {key: (list(v) if isinstance(v, (set, tuple)) else _plain(v)) for key, v in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or None
    return value


@transaction.atomic
def audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Append one event to the chain; the chain head row is locked so appends serialise.

    Every value is put in the form it reads back from the database in (JSON round trip,
    IPv6 in canonical notation) before the hash is taken, so `verify_chain` recomputes the
    same hash from the stored row.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    ip_field = AuditEvent._meta.get_field("ip_address")
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if authenticated else None,
        actor_name=(actor.get_username() if authenticated else str(actor or "system"))[:150],
        request_id=(request_id or current_request_id() or "")[:64],
        ip_address=ip_field.get_prep_value(ip_address) if ip_address else None,
        action=action[:60],
        object_type=object_type[:60],
        object_id=object_id[:64],
        object_repr=object_repr[:300],
        reason=reason,
        before=canonical_json(before) if before is not None else None,
        after=canonical_json(after) if after is not None else None,
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    ChainHead.objects.filter(id=1).update(last_hash=event.hash, count=models.F("count") + 1)
    return event
