"""The office's own inputs to scoring: vetoes, adjustments, tie decisions, component scores.

Kept apart from the run services (kaoping.scoring.services re-exports them) so each file
stays readable; every function is a service in the Styleguide's sense: keyword-only,
`actor` required, atomic, audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan
from kaoping.scoring.models import ComponentScore, ScoreAdjustment, TieDecision, Veto

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def require_office(actor: Any, plan: Plan | None = None) -> None:
    """Scoring is the performance office's (or the system's: actor None), within its scope."""
    if actor is None:
        return
    if not (actor.is_superuser or actor.has_role(Role.OFFICE)):
        raise PermissionDeniedError(_("Only the performance office may do this."))
    if plan is not None and not Plan.objects.for_user(actor).filter(pk=plan.pk).exists():
        raise PermissionDeniedError(_("This plan is outside your scope."))


def plan_units(plan: Plan) -> dict[int, Unit]:
    """The units a plan evaluates: its groups' members; for a plan without groups, the
    county itself (a provincial plan evaluates its owner)."""
    units = {
        u.pk: u for u in Unit.objects.filter(unit_groups__plan=plan).distinct().order_by("path")
    }
    if not units:
        units = {plan.owner_id: plan.owner}
    return units


def _require_evaluated(plan: Plan, unit: Unit) -> None:
    if unit.pk not in plan_units(plan):
        raise ApplicationError(
            _("%(unit)s is not evaluated under %(plan)s.") % {"unit": unit, "plan": plan}
        )


def _require_reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Give the %(what)s.") % {"what": what})
    return text


# --- vetoes ---------------------------------------------------------------------------------
def veto_conditions(plan: Plan) -> dict[str, dict[str, Any]]:
    """The plan's veto rules by code."""
    found: dict[str, dict[str, Any]] = {}
    for n, rule in enumerate(plan.veto_rules or []):
        if isinstance(rule, dict):
            code = str(rule.get("code") or f"rule-{n + 1}")
            found[code] = rule
    return found


@transaction.atomic
def veto_propose(
    *, actor: Any, plan: Plan, unit: Unit, condition: str, reason: str, evidence: str = ""
) -> Veto:
    """Propose a veto of a unit under one of the plan's veto conditions."""
    require_office(actor, plan)
    _require_evaluated(plan, unit)
    if condition not in veto_conditions(plan):
        raise ApplicationError(
            _("“%(code)s” is not one of this plan's veto conditions.") % {"code": condition}
        )
    veto = Veto.objects.create(
        plan=plan,
        unit=unit,
        condition=condition,
        reason=_require_reason(reason, _("reason for the veto")),
        evidence=(evidence or "").strip(),
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_event(actor=actor, action="veto.propose", obj=veto, after=snapshot(veto))
    return veto


@transaction.atomic
def veto_approve(*, actor: Any, veto: Veto) -> Veto:
    """Approve a proposed veto: by another office user than the proposer (四眼原则)."""
    veto = Veto.objects.select_for_update().get(pk=veto.pk)
    require_office(actor, veto.plan)
    if veto.status != Veto.Status.PROPOSED:
        raise ApplicationError(_("Only a proposed veto can be approved."))
    if actor is not None and veto.proposed_by_id == actor.pk:
        raise PermissionDeniedError(
            _("A veto is approved by another office user than the one who proposed it.")
        )
    before = snapshot(veto)
    veto.status = Veto.Status.APPROVED
    veto.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    veto.approved_at = timezone.now()
    veto.row_version += 1
    veto.save(update_fields=["status", "approved_by", "approved_at", "row_version", "updated_at"])
    audit_event(actor=actor, action="veto.approve", obj=veto, before=before, after=snapshot(veto))
    return veto


@transaction.atomic
def veto_withdraw(*, actor: Any, veto: Veto, reason: str) -> Veto:
    """Withdraw a veto (proposed or approved) with a reason; runs already published keep it."""
    veto = Veto.objects.select_for_update().get(pk=veto.pk)
    require_office(actor, veto.plan)
    if veto.status == Veto.Status.WITHDRAWN:
        raise ApplicationError(_("This veto is already withdrawn."))
    before = snapshot(veto)
    veto.status = Veto.Status.WITHDRAWN
    veto.withdrawn_reason = _require_reason(reason, _("reason for the withdrawal"))
    veto.row_version += 1
    veto.save(update_fields=["status", "withdrawn_reason", "row_version", "updated_at"])
    audit_event(
        actor=actor,
        action="veto.withdraw",
        obj=veto,
        reason=veto.withdrawn_reason,
        before=before,
        after=snapshot(veto),
    )
    return veto


# --- adjustments ----------------------------------------------------------------------------
@transaction.atomic
def adjustment_record(
    *,
    actor: Any,
    plan: Plan,
    unit: Unit,
    kind: str,
    points: Decimal,
    reason: str,
    reference: str = "",
) -> ScoreAdjustment:
    """Record a composite bonus or penalty item (counted once approved)."""
    require_office(actor, plan)
    _require_evaluated(plan, unit)
    if kind not in ScoreAdjustment.Kind.values:
        raise ApplicationError(_("An adjustment is a bonus or a penalty."))
    if not isinstance(points, Decimal) or not points.is_finite() or not 0 < points <= 100:
        raise ApplicationError(_("The points must be above 0 and at most 100."))
    item = ScoreAdjustment.objects.create(
        plan=plan,
        unit=unit,
        kind=kind,
        points=points,
        reason=_require_reason(reason, _("reason for the adjustment")),
        reference=(reference or "").strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_event(actor=actor, action="adjustment.record", obj=item, after=snapshot(item))
    return item


@transaction.atomic
def adjustment_approve(*, actor: Any, adjustment: ScoreAdjustment) -> ScoreAdjustment:
    """Approve a recorded adjustment: by another office user than the one who recorded it."""
    item = ScoreAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    require_office(actor, item.plan)
    if item.status != ScoreAdjustment.Status.PROPOSED:
        raise ApplicationError(_("Only a recorded adjustment awaiting approval can be approved."))
    if actor is not None and item.recorded_by_id == actor.pk:
        raise PermissionDeniedError(
            _("An adjustment is approved by another office user than the one who recorded it.")
        )
    before = snapshot(item)
    item.status = ScoreAdjustment.Status.APPROVED
    item.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    item.approved_at = timezone.now()
    item.row_version += 1
    item.save(update_fields=["status", "approved_by", "approved_at", "row_version", "updated_at"])
    audit_event(
        actor=actor, action="adjustment.approve", obj=item, before=before, after=snapshot(item)
    )
    return item


@transaction.atomic
def adjustment_withdraw(*, actor: Any, adjustment: ScoreAdjustment, reason: str) -> ScoreAdjustment:
    """Withdraw an adjustment with a reason."""
    item = ScoreAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    require_office(actor, item.plan)
    if item.status == ScoreAdjustment.Status.WITHDRAWN:
        raise ApplicationError(_("This adjustment is already withdrawn."))
    before = snapshot(item)
    item.status = ScoreAdjustment.Status.WITHDRAWN
    item.row_version += 1
    item.save(update_fields=["status", "row_version", "updated_at"])
    audit_event(
        actor=actor,
        action="adjustment.withdraw",
        obj=item,
        reason=_require_reason(reason, _("reason for the withdrawal")),
        before=before,
        after=snapshot(item),
    )
    return item


# --- tie decisions --------------------------------------------------------------------------
@transaction.atomic
def tie_decision_record(
    *, actor: Any, plan: Plan, unit: Unit, order: int, reason: str
) -> TieDecision:
    """Record (or change) the office's decision on a tie: lower order ranks first."""
    require_office(actor, plan)
    _require_evaluated(plan, unit)
    if order < 1:
        raise ApplicationError(_("The order starts at 1."))
    reason = _require_reason(reason, _("reason for the decision"))
    found = TieDecision.objects.filter(plan=plan, unit=unit).first()
    before = snapshot(found) if found else None
    if found is None:
        found = TieDecision(plan=plan, unit=unit)
    else:
        found.row_version += 1
    found.order = order
    found.reason = reason
    found.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    found.save()
    audit_event(
        actor=actor, action="tie_decision.record", obj=found, before=before, after=snapshot(found)
    )
    return found


# --- component scores -------------------------------------------------------------------------
def _score(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("“%(value)s” is not a number.") % {"value": value}) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise ApplicationError(_("A score is between 0 and 100."))
    return number


@transaction.atomic
def component_score_record(
    *,
    actor: Any,
    plan: Plan,
    unit: Unit,
    score: Decimal | str,
    source: str,
    component: str = ComponentScore.Component.PUBLIC_APPRAISAL,
) -> ComponentScore:
    """Enter (or correct) a unit's score on a component, e.g. the survey centre's result."""
    require_office(actor, plan)
    _require_evaluated(plan, unit)
    if component not in ComponentScore.Component.values:
        raise ApplicationError(_("Unknown component “%(c)s”.") % {"c": component})
    value = _score(score)
    source = _require_reason(source, _("source of the score"))
    found = ComponentScore.objects.filter(plan=plan, unit=unit, component=component).first()
    before = snapshot(found) if found else None
    if found is None:
        found = ComponentScore(plan=plan, unit=unit, component=component)
    elif found.score == value and found.source == source:
        return found
    else:
        found.row_version += 1
    found.score = value
    found.source = source
    found.entered_by = actor if getattr(actor, "is_authenticated", False) else None
    found.save()
    audit_event(
        actor=actor,
        action="component_score.record",
        obj=found,
        before=before,
        after=snapshot(found),
    )
    return found


@dataclass
class ImportOutcome:
    """What an import did, or the row errors that stopped it (nothing is written then)."""

    written: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    sha256: str = ""


def _rows_of(data: bytes, filename: str) -> list[list[Any]]:
    """The rows of an uploaded .xlsx (opened safely) or .csv file."""
    if filename.lower().endswith(".xlsx"):
        from kaoping.core.spreadsheets import open_workbook, xlsx_container_problems

        problems = xlsx_container_problems(data)
        if problems:
            raise ApplicationError(" ".join(problems))
        book = open_workbook(data)
        try:
            sheet = book.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ApplicationError(_("The file is neither UTF-8 nor GB18030 text.")) from None
    return [list(row) for row in csv.reader(io.StringIO(text))]


@transaction.atomic
def component_score_import(
    *,
    actor: Any,
    plan: Plan,
    data: bytes,
    filename: str,
    source: str,
    component: str = ComponentScore.Component.PUBLIC_APPRAISAL,
) -> ImportOutcome:
    """Import unit code + score rows (.xlsx or .csv, a header row allowed): all or nothing.

    Every row is checked first; if any is wrong, nothing is written and the row errors are
    returned. Re-importing the same file changes nothing.
    """
    require_office(actor, plan)
    if len(data) > MAX_IMPORT_BYTES:
        raise ApplicationError(_("The file is larger than 5 MB."))
    source = _require_reason(source, _("source of the scores"))
    outcome = ImportOutcome(sha256=hashlib.sha256(data).hexdigest())
    units = plan_units(plan)
    by_code = {u.code: u for u in units.values()}
    wanted: dict[int, Decimal] = {}
    for number, row in enumerate(_rows_of(data, filename), start=1):
        cells = [("" if c is None else str(c).strip()) for c in row]
        if not any(cells):
            continue
        code = cells[0] if cells else ""
        raw = cells[1] if len(cells) > 1 else ""
        if number == 1 and code not in by_code:
            try:
                Decimal(raw)
            except InvalidOperation:
                continue  # a header row
        unit = by_code.get(code)
        if unit is None:
            outcome.errors.append(
                _("Row %(n)d: no unit with the code “%(code)s” is evaluated under this plan.")
                % {"n": number, "code": code}
            )
            continue
        try:
            value = _score(raw)
        except ApplicationError as exc:
            outcome.errors.append(_("Row %(n)d: %(msg)s") % {"n": number, "msg": exc.message})
            continue
        if unit.pk in wanted:
            outcome.errors.append(
                _("Row %(n)d: %(code)s appears twice.") % {"n": number, "code": code}
            )
            continue
        wanted[unit.pk] = value
    if not wanted and not outcome.errors:
        outcome.errors.append(_("The file has no rows of unit code and score."))
    if outcome.errors:
        return outcome
    for unit_id, value in wanted.items():
        existing = ComponentScore.objects.filter(
            plan=plan, unit_id=unit_id, component=component
        ).first()
        if existing is not None and existing.score == value and existing.source == source:
            outcome.unchanged += 1
            continue
        component_score_record(
            actor=actor,
            plan=plan,
            unit=units[unit_id],
            score=value,
            source=source,
            component=component,
        )
        outcome.written += 1
    audit_event(
        actor=actor,
        action="component_score.import",
        obj=plan,
        after={
            "file": filename[:200],
            "sha256": outcome.sha256,
            "written": outcome.written,
            "unchanged": outcome.unchanged,
            "component": component,
        },
    )
    return outcome
