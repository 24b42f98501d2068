"""Reading the audit trail (auditors only) and verifying its hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kaoping.audit.models import AuditEvent, ChainHead
from kaoping.core.errors import PermissionDeniedError
from kaoping.org.models import Role


def _require_auditor(user: Any) -> None:
    if not (user.is_authenticated and user.has_role(Role.AUDITOR)):
        raise PermissionDeniedError(_("The audit trail is for the audit administrator."))


def audit_events(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered by action, actor, object type, request and dates."""
    _require_auditor(user)
    qs = AuditEvent.objects.all()
    return _apply_filters(
        qs,
        filters or {},
        actor_field="actor_name",
        action_field="action",
        type_field="object_type",
        cid_field="request_id",
        time_field="at",
    )


def change_entries(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[LogEntry]:
    """Row-level changes recorded by django-auditlog, newest first."""
    _require_auditor(user)
    qs = LogEntry.objects.select_related("actor", "content_type")
    return _apply_filters(
        qs,
        filters or {},
        actor_field="actor__username",
        action_field=None,
        type_field="content_type__model",
        cid_field="cid",
        time_field="timestamp",
    )


def _apply_filters(
    qs: QuerySet,
    filters: dict[str, Any],
    *,
    actor_field: str,
    action_field: str | None,
    type_field: str,
    cid_field: str,
    time_field: str,
) -> QuerySet:
    if filters.get("actor"):
        qs = qs.filter(**{f"{actor_field}__icontains": filters["actor"]})
    if action_field and filters.get("action"):
        qs = qs.filter(**{f"{action_field}__startswith": filters["action"]})
    if filters.get("object_type"):
        qs = qs.filter(**{f"{type_field}__icontains": filters["object_type"]})
    if filters.get("request_id"):
        qs = qs.filter(**{cid_field: filters["request_id"]})
    if filters.get("date_from"):
        qs = qs.filter(**{f"{time_field}__date__gte": filters["date_from"]})
    if filters.get("date_to"):
        qs = qs.filter(**{f"{time_field}__date__lte": filters["date_to"]})
    return qs.order_by(f"-{time_field}", "-id")


@dataclass(frozen=True)
class ChainCheck:
    """The result of re-computing the hash chain.

    `first_broken_id` is the first event whose hash or link does not match; `head_matches`
    says whether the chain head (last hash and count) agrees with the rows, which catches
    rows appended or removed behind the application's back after an intact prefix.
    """

    checked: int
    first_broken_id: int | None
    head_matches: bool = True
    last_hash: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None and self.head_matches


def verify_chain() -> ChainCheck:
    """Re-compute every event's hash in order; report the first row that does not match."""
    previous = ""
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous or event.compute_hash() != event.hash:
            return ChainCheck(checked=checked, first_broken_id=event.pk)
        previous = event.hash
        checked += 1
    head = ChainHead.objects.filter(id=1).first()
    head_hash, head_count = (head.last_hash, head.count) if head else ("", 0)
    return ChainCheck(
        checked=checked,
        first_broken_id=None,
        head_matches=head_hash == previous and head_count == checked,
        last_hash=previous,
    )
