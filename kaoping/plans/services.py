"""Writes to plans: cycles, plans, groups, indicators, targets and assignments.

Only the performance office writes plans. A published plan's rules are frozen: changing
them needs a new plan version (import again under a new code).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Person, Role, Unit
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan, UnitGroup

INDICATOR_FIELDS = frozenset(
    {
        "name",
        "category",
        "kind",
        "unit_of_measure",
        "direction",
        "accumulation",
        "target",
        "target_text",
        "baseline",
        "points",
        "source_level",
        "scoring_rule",
        "scoring_params",
        "frequency",
        "evidence_requirement",
        "description",
        "is_public",
        "order",
    }
)
PLAN_FIELDS = frozenset(
    {
        "name",
        "description",
        "weight_indicators",
        "weight_public",
        "weight_leader",
        "missing_component",
        "grade_rules",
        "veto_rules",
        "status_rule",
        "points_total",
    }
)
MAX_DEPTH = 4
# indicator_update's default for `parent`: leave the indicator where it is.
KEEP_PARENT: Any = object()


def require_office(actor: Any) -> None:
    """Plans are written by the performance office (or by the system itself: actor None)."""
    if actor is not None and not (actor.has_role(Role.OFFICE) or actor.is_superuser):
        raise PermissionDeniedError(_("Only the performance office may change plans."))


def _require_in_scope(actor: Any, plan: Plan) -> None:
    if actor is not None and not Plan.objects.for_user(actor).filter(pk=plan.pk).exists():
        raise PermissionDeniedError(_("This plan is outside your scope."))


def _require_editable(plan: Plan) -> None:
    if plan.status != Plan.Status.DRAFT:
        raise ApplicationError(
            _("The plan “%(plan)s” is published; its rules can no longer change.")
            % {"plan": plan.name}
        )


def _check_scoring_params(indicator: Indicator) -> None:
    """The scoring rule's parameters are complete and in range (plans.scoring_params)."""
    from kaoping.plans.scoring_params import validate_params

    problems = validate_params(indicator.scoring_rule, indicator.scoring_params or {})
    if problems:
        raise ApplicationError(" ".join(problems))


def _check_assignment_units(indicator: Indicator, units: list[Unit]) -> None:
    """Lead and supporting units belong to the plan owner's tree."""
    owner = indicator.plan.owner
    for unit in units:
        if not unit.path.startswith(owner.path):
            raise ApplicationError(
                _("%(unit)s is not a unit of %(owner)s.") % {"unit": unit, "owner": owner}
            )


def check_weights(
    *, weight_indicators: Decimal, weight_public: Decimal, weight_leader: Decimal
) -> None:
    """Component weights are each within [0, 1] and add up to 1."""
    weights = (Decimal(weight_indicators), Decimal(weight_public), Decimal(weight_leader))
    if any(w < 0 or w > 1 for w in weights) or sum(weights) != Decimal("1"):
        raise ApplicationError(
            _("The component weights must each lie between 0 and 1 and add up to 1 (now %(sum)s).")
            % {"sum": sum(weights)}
        )


@transaction.atomic
def cycle_get_or_create(*, actor: Any, year: int, name: str = "") -> Cycle:
    """The cycle of a year, created if missing."""
    require_office(actor)
    cycle, created = Cycle.objects.get_or_create(year=year, defaults={"name": name})
    if created:
        audit_event(actor=actor, action="cycle.create", obj=cycle, after=snapshot(cycle))
    return cycle


@transaction.atomic
def plan_create(
    *, actor: Any, cycle: Cycle, owner: Unit, code: str, name: str, kind: str, **fields: Any
) -> Plan:
    """A new draft plan for an owner unit in a cycle."""
    require_office(actor)
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown plan fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if Plan.objects.filter(cycle=cycle, owner=owner, code=code).exists():
        raise ApplicationError(
            _("A plan with code %(code)s exists in this cycle.") % {"code": code}
        )
    plan = Plan(cycle=cycle, owner=owner, code=code, name=name, kind=kind, **fields)
    check_weights(
        weight_indicators=plan.weight_indicators,
        weight_public=plan.weight_public,
        weight_leader=plan.weight_leader,
    )
    plan.save()
    audit_event(actor=actor, action="plan.create", obj=plan, after=snapshot(plan))
    return plan


def _save_versioned(instance: Any, *, expected_version: int, fields: dict[str, Any]) -> None:
    """UPDATE … WHERE row_version = expected: a concurrent edit raises ConflictError."""
    model = type(instance)
    updated = model.objects.filter(pk=instance.pk, row_version=expected_version).update(
        row_version=expected_version + 1, updated_at=timezone.now(), **fields
    )
    if not updated:
        raise ConflictError(
            _(
                "Someone else saved “%(obj)s” while you were editing. Reload to see their "
                "changes, then apply yours again."
            )
            % {"obj": instance}
        )
    instance.refresh_from_db()


@transaction.atomic
def plan_update(*, actor: Any, plan: Plan, expected_version: int, **changes: Any) -> Plan:
    """Change a draft plan's settings (optimistic locking on `expected_version`)."""
    require_office(actor)
    _require_in_scope(actor, plan)
    _require_editable(plan)
    unknown = set(changes) - PLAN_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown plan fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    merged = {
        k: changes.get(k, getattr(plan, k))
        for k in ("weight_indicators", "weight_public", "weight_leader")
    }
    check_weights(**merged)
    before = snapshot(plan)
    _save_versioned(plan, expected_version=expected_version, fields=changes)
    audit_event(actor=actor, action="plan.update", obj=plan, before=before, after=snapshot(plan))
    return plan


@transaction.atomic
def plan_publish(*, actor: Any, plan: Plan, expected_version: int) -> Plan:
    """Freeze a draft plan's rules so tracking and scoring can rely on them."""
    require_office(actor)
    _require_in_scope(actor, plan)
    _require_editable(plan)
    if not plan.indicators.exists():
        raise ApplicationError(_("A plan without indicators cannot be published."))
    before = snapshot(plan)
    _save_versioned(
        plan, expected_version=expected_version, fields={"status": Plan.Status.PUBLISHED}
    )
    audit_event(actor=actor, action="plan.publish", obj=plan, before=before, after=snapshot(plan))
    return plan


@transaction.atomic
def group_upsert(
    *, actor: Any, plan: Plan, code: str, name: str, units: list[Unit], order: int = 0
) -> UnitGroup:
    """Create or replace a unit group of a plan."""
    require_office(actor)
    _require_editable(plan)
    group, created = UnitGroup.objects.update_or_create(
        plan=plan, code=code, defaults={"name": name, "order": order}
    )
    group.units.set(units)
    audit_event(
        actor=actor,
        action="group.create" if created else "group.update",
        obj=group,
        after={**snapshot(group), "units": [u.code for u in units]},
    )
    return group


@transaction.atomic
def indicator_create(
    *, actor: Any, plan: Plan, code: str, name: str, parent: Indicator | None = None, **fields: Any
) -> Indicator:
    """Add an indicator to a draft plan, under a parent or at the top (a category)."""
    require_office(actor)
    _require_in_scope(actor, plan)
    _require_editable(plan)
    unknown = set(fields) - INDICATOR_FIELDS
    if unknown:
        raise ApplicationError(
            _("Unknown indicator fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    if plan.indicators.filter(code=code).exists():
        raise ApplicationError(
            _("The code %(code)s is already used in this plan.") % {"code": code}
        )
    if parent is not None and parent.plan_id != plan.pk:
        raise ApplicationError(_("The parent belongs to another plan."))
    level = parent.level + 1 if parent else 1
    if level > MAX_DEPTH:
        raise ApplicationError(
            _("Indicator trees go at most %(n)d levels deep.") % {"n": MAX_DEPTH}
        )
    if parent is not None:
        fields.setdefault("category", parent.category)
    if "order" not in fields:
        fields["order"] = plan.indicators.count() + 1
    indicator = Indicator(plan=plan, parent=parent, code=code, name=name, level=level, **fields)
    indicator.full_clean(exclude=["plan", "parent"])
    _check_scoring_params(indicator)
    indicator.save()
    audit_event(actor=actor, action="indicator.create", obj=indicator, after=snapshot(indicator))
    return indicator


@transaction.atomic
def indicator_update(
    *,
    actor: Any,
    indicator: Indicator,
    expected_version: int,
    parent: Any = KEEP_PARENT,
    **changes: Any,
) -> Indicator:
    """Change an indicator of a draft plan (optimistic locking); `parent` moves its subtree."""
    require_office(actor)
    _require_in_scope(actor, indicator.plan)
    _require_editable(indicator.plan)
    unknown = set(changes) - INDICATOR_FIELDS
    if unknown:
        raise ApplicationError(
            _("Unknown indicator fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = snapshot(indicator)
    candidate = Indicator(
        **{
            **{f.attname: getattr(indicator, f.attname) for f in Indicator._meta.concrete_fields},
            **changes,
        }
    )
    _check_scoring_params(candidate)
    candidate.full_clean(
        exclude=["plan", "parent"], validate_unique=False, validate_constraints=False
    )
    moved_levels: dict[int, int] = {}
    if parent is not KEEP_PARENT and getattr(parent, "pk", None) != indicator.parent_id:
        moved_levels = _move_levels(indicator, parent)
        changes = {**changes, "parent": parent, "level": moved_levels.pop(indicator.pk)}
    _save_versioned(indicator, expected_version=expected_version, fields=changes)
    for pk, level in moved_levels.items():
        Indicator.objects.filter(pk=pk).update(level=level)
    audit_event(
        actor=actor,
        action="indicator.update",
        obj=indicator,
        before=before,
        after=snapshot(indicator),
    )
    return indicator


def _move_levels(indicator: Indicator, parent: Indicator | None) -> dict[int, int]:
    """The new level of the indicator and each descendant when it moves under `parent`."""
    if parent is not None and parent.plan_id != indicator.plan_id:
        raise ApplicationError(_("The parent belongs to another plan."))
    children: dict[int | None, list[int]] = {}
    levels = dict(Indicator.objects.filter(plan_id=indicator.plan_id).values_list("pk", "level"))
    for pk, parent_id in Indicator.objects.filter(plan_id=indicator.plan_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    subtree = [indicator.pk]
    for pk in subtree:
        subtree.extend(children.get(pk, []))
    if parent is not None and parent.pk in subtree:
        raise ApplicationError(
            _("An indicator cannot be moved under itself or its own sub-indicators.")
        )
    shift = (parent.level + 1 if parent is not None else 1) - indicator.level
    new_levels = {pk: levels[pk] + shift for pk in subtree}
    if max(new_levels.values()) > MAX_DEPTH:
        raise ApplicationError(
            _("Indicator trees go at most %(n)d levels deep.") % {"n": MAX_DEPTH}
        )
    return new_levels


@transaction.atomic
def indicator_delete(*, actor: Any, indicator: Indicator, reason: str = "") -> None:
    """Remove an indicator (and its subtree) from a draft plan."""
    require_office(actor)
    _require_in_scope(actor, indicator.plan)
    _require_editable(indicator.plan)
    before = snapshot(indicator)
    label = str(indicator)
    indicator.delete()
    audit_event(
        actor=actor,
        action="indicator.delete",
        object_type="plans.indicator",
        object_id=str(before["id"]),
        object_repr=label,
        before=before,
        reason=reason,
    )


@transaction.atomic
def assignment_upsert(
    *,
    actor: Any,
    indicator: Indicator,
    lead_unit: Unit,
    supporting_units: list[Unit] | None = None,
    responsible_leader: Person | None = None,
    responsible_person: Person | None = None,
    is_key_project: bool = False,
    work_team: str = "",
    share: Decimal = Decimal("1"),
    note: str = "",
) -> Assignment:
    """Assign an indicator to a lead unit with its leader and person (任务分解, 四个一)."""
    require_office(actor)
    _require_in_scope(actor, indicator.plan)
    for person, label in (
        (responsible_leader, _("responsible leader")),
        (responsible_person, _("responsible person")),
    ):
        if person is not None and not person.is_active:
            raise ApplicationError(
                _("The %(role)s %(name)s is no longer active.")
                % {"role": label, "name": person.name}
            )
    _check_assignment_units(indicator, [lead_unit, *(supporting_units or [])])
    existing = Assignment.objects.filter(indicator=indicator, lead_unit=lead_unit).first()
    before = snapshot(existing) if existing else None
    assignment, created = Assignment.objects.update_or_create(
        indicator=indicator,
        lead_unit=lead_unit,
        defaults={
            "responsible_leader": responsible_leader,
            "responsible_person": responsible_person,
            "is_key_project": is_key_project,
            "work_team": work_team,
            "share": share,
            "note": note,
        },
    )
    assignment.supporting_units.set(supporting_units or [])
    after = snapshot(assignment)
    if before != after:
        audit_event(
            actor=actor,
            action="assignment.create" if created else "assignment.update",
            obj=assignment,
            before=before,
            after=after,
        )
    return assignment


ASSIGNMENT_FIELDS = frozenset(
    {
        "lead_unit",
        "supporting_units",
        "responsible_leader",
        "responsible_person",
        "is_key_project",
        "work_team",
        "share",
        "note",
    }
)


def _check_assignment_people(*people: Person | None) -> None:
    for person in people:
        if person is not None and not person.is_active:
            raise ApplicationError(_("%(name)s is no longer active.") % {"name": person.name})


@transaction.atomic
def assignment_update(
    *, actor: Any, assignment: Assignment, expected_version: int, **changes: Any
) -> Assignment:
    """Change an assignment (lead unit, supporting units, leader, person…), optimistic locking."""
    require_office(actor)
    _require_in_scope(actor, assignment.indicator.plan)
    unknown = set(changes) - ASSIGNMENT_FIELDS
    if unknown:
        raise ApplicationError(
            _("Unknown assignment fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    _check_assignment_people(changes.get("responsible_leader"), changes.get("responsible_person"))
    lead_unit = changes.get("lead_unit")
    if (
        lead_unit is not None
        and lead_unit.pk != assignment.lead_unit_id
        and (
            Assignment.objects.filter(
                indicator_id=assignment.indicator_id, lead_unit=lead_unit
            ).exists()
        )
    ):
        raise ApplicationError(_("%(unit)s already leads this indicator.") % {"unit": lead_unit})
    before = snapshot(assignment)
    supporting = changes.pop("supporting_units", None)
    _check_assignment_units(
        assignment.indicator, [u for u in [lead_unit, *(supporting or [])] if u is not None]
    )
    _save_versioned(assignment, expected_version=expected_version, fields=changes)
    if supporting is not None:
        assignment.supporting_units.set(supporting)
    audit_event(
        actor=actor,
        action="assignment.update",
        obj=assignment,
        before=before,
        after=snapshot(assignment),
    )
    return assignment


@transaction.atomic
def assignment_delete(*, actor: Any, assignment: Assignment, reason: str = "") -> None:
    """Remove an assignment (the indicator stays, with no owner for that lead unit)."""
    require_office(actor)
    _require_in_scope(actor, assignment.indicator.plan)
    before = snapshot(assignment)
    label = str(assignment)
    pk = assignment.pk
    assignment.delete()
    audit_event(
        actor=actor,
        action="assignment.delete",
        object_type="plans.assignment",
        object_id=str(pk),
        object_repr=label,
        before=before,
        reason=reason,
    )


@transaction.atomic
def plan_draft_create(
    *, actor: Any, year: int, owner: Unit, code: str, name: str, kind: str, description: str = ""
) -> Plan:
    """A new draft plan in the cycle of `year` (the cycle is created if missing)."""
    require_office(actor)
    if actor is not None and not Unit.objects.for_user(actor).filter(pk=owner.pk).exists():
        raise PermissionDeniedError(_("This unit is outside your scope."))
    cycle = cycle_get_or_create(actor=actor, year=year)
    return plan_create(
        actor=actor,
        cycle=cycle,
        owner=owner,
        code=code,
        name=name,
        kind=kind,
        description=description,
    )
