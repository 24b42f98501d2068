"""Which writes bump the dashboards' data versions (kaoping.tracking.cache), wired in one place.

Three hooks between them see every write that changes what a cached dashboard shows:

1. `post_save` / `pre_delete` of the models the dashboards read or that decide what they
   read (figures, reports, tasks, milestones, explanations, supervision notices, plans,
   indicators, assignments, units): admin edits, factories, `save()` in services;
2. `post_save` of the audit trail's `AuditEvent`: every service writes one inside its
   transaction, also the ones that write with `QuerySet.update()` (report approval and
   return, task and notice edits, plan updates), which send no model signal;
3. the tracking engine's `store()` (bulk upsert of TrackingResult, no signal) calls
   `bump_plans` itself (kaoping/tracking/services/results.py).

The `access` version (who may see what: kaoping.org.scopes caches each user's data scope and
role grants under it, the dashboards the plans a user may open) is bumped by the same hooks
for role grants, leaders' portfolios, units, plans and cycles, and by the audited actions on
roles, persons, units, plans and cycles (`bump_global` bumps it too: the tree decides scopes).

Deletes use `pre_delete`, while the row (and the path to its plan) still exists.
TrackingResult has no delete receiver on purpose: it would turn the bulk deletes of a plan's
or an indicator's figures into row-by-row ones; those deletes come with the recompute's
`store()` or with the plan's, indicator's or unit's own delete, which bump.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_save, pre_delete

from kaoping.audit.models import AuditEvent
from kaoping.core.versions import bump_access
from kaoping.org.models import Person, RoleGrant, Unit
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan
from kaoping.tracking.cache import bump_global, bump_plans
from kaoping.tracking.models import (
    Explanation,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    Task,
    TrackingResult,
)

# Each model whose rows the dashboards show (or that decides what they show): the path from
# a row to its plan.
PLAN_PATHS: dict[type[models.Model], str] = {
    Plan: "pk",
    Indicator: "plan",
    Assignment: "indicator__plan",
    TrackingResult: "indicator__plan",
    ProgressReport: "indicator__plan",
    Explanation: "indicator__plan",
    SupervisionNotice: "indicator__plan",
    Task: "assignment__indicator__plan",
    Milestone: "task__assignment__indicator__plan",
}
# Audited actions that change every plan's dashboards, and audited reads that change none.
GLOBAL_ACTIONS = frozenset({"unit.create", "unit.update", "system.restore"})
GLOBAL_ACTION_PREFIXES = ("demo.",)
# Audited actions that change who may see what (besides the global ones).
ACCESS_ACTION_PREFIXES = ("role.", "person.", "plan.", "cycle.")
# Models whose rows decide who may see what (Unit bumps it through bump_global).
ACCESS_MODELS: tuple[type[models.Model], ...] = (RoleGrant, Plan, Cycle)
READ_ONLY_MARKS = ("export", "download")


def plan_of(instance: models.Model, path: str) -> int | None:
    """The plan pk at the end of `path` from `instance`: from related objects already loaded
    when they are, else in one query from the first one that is not."""
    head, _sep, rest = path.partition("__")
    if head == "pk":
        return instance.pk
    field = instance._meta.get_field(head)
    assert isinstance(field, models.ForeignKey)
    if not rest:
        return getattr(instance, field.attname)
    if field.is_cached(instance):
        related = getattr(instance, head)
        return None if related is None else plan_of(related, rest)
    related_id = getattr(instance, field.attname)
    if related_id is None:
        return None
    manager = field.related_model._default_manager
    found: int | None = manager.filter(pk=related_id).values_list(rest, flat=True).first()
    return found


def _row_changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: related rows may not be there yet
        bump_global()
        return
    bump_plans([plan_of(instance, PLAN_PATHS[sender])])


def _unit_changed(sender: type[Unit], instance: Unit, **kwargs: Any) -> None:
    bump_global()


def _access_changed(sender: type[models.Model], **kwargs: Any) -> None:
    bump_access()


def _portfolio_changed(sender: type[models.Model], action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        bump_access()


def read_only(action: str) -> bool:
    """An audited read (an export, a download): it changes nothing a cache holds."""
    return any(mark in action for mark in READ_ONLY_MARKS)


def plans_of_event(event: AuditEvent) -> list[int | None] | None:
    """The plans an audited action changed ([] none, None every plan)."""
    action = event.action
    if read_only(action):
        return []
    if action in GLOBAL_ACTIONS or action.startswith(GLOBAL_ACTION_PREFIXES):
        return None
    model = next((m for m in PLAN_PATHS if m._meta.label_lower == event.object_type), None)
    if model is None or not event.object_id.isdigit():
        return []
    path = PLAN_PATHS[model]
    if path == "pk":
        return [int(event.object_id)]
    return list(model._default_manager.filter(pk=int(event.object_id)).values_list(path, flat=True))


def _audited(sender: type[AuditEvent], instance: AuditEvent, **kwargs: Any) -> None:
    if kwargs.get("raw") or not kwargs.get("created"):
        return
    if instance.action.startswith(ACCESS_ACTION_PREFIXES) and not read_only(instance.action):
        bump_access()
    plans = plans_of_event(instance)
    if plans is None:
        bump_global()
    else:
        bump_plans(plans)


def connect() -> None:
    """Called once from TrackingConfig.ready()."""
    for model in PLAN_PATHS:
        uid = f"dataversion:{model._meta.label_lower}"
        post_save.connect(_row_changed, sender=model, dispatch_uid=uid)
        if model is not TrackingResult:
            pre_delete.connect(_row_changed, sender=model, dispatch_uid=uid)
    post_save.connect(_unit_changed, sender=Unit, dispatch_uid="dataversion:org.unit")
    pre_delete.connect(_unit_changed, sender=Unit, dispatch_uid="dataversion:org.unit")
    for model in ACCESS_MODELS:
        uid = f"accessversion:{model._meta.label_lower}"
        post_save.connect(_access_changed, sender=model, dispatch_uid=uid)
        pre_delete.connect(_access_changed, sender=model, dispatch_uid=uid)
    m2m_changed.connect(
        _portfolio_changed, sender=Person.portfolio.through, dispatch_uid="accessversion:portfolio"
    )
    post_save.connect(_audited, sender=AuditEvent, dispatch_uid="dataversion:audit")
