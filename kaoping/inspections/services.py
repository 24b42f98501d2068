"""Every write of inspections (察访核验): rounds, findings and their evidence, deductions
(扣分) within the plan's caps, appeals (申诉) and rulings, rectifications (整改) to verified
closure (销号), and the daily escalation of overdue rectifications.

Each service is keyword-only, takes the acting user (`actor`; None is the system itself),
runs in one transaction, checks the actor's role and scope, and writes an audit event with
before and after. Edits of existing rows are optimistic (`UPDATE … WHERE row_version = n`):
a concurrent change raises ConflictError and nothing is written.

Caps: a deduction that would take a unit past its rule's cap is refused, with a message
saying the cap, what is deducted already and what remains (the scoring selector clips to
the cap again, defensively).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.inspections import calculations as calc
from kaoping.inspections import selectors
from kaoping.inspections.models import (
    Appeal,
    Deduction,
    DeductionRule,
    Finding,
    FindingEvidence,
    InspectionRound,
    Rectification,
    RectificationCheck,
    RectificationProgress,
    finding_evidence_path,
)
from kaoping.org.models import Person, Unit, User
from kaoping.plans.models import Assignment, Indicator, Plan
from kaoping.tracking import evidence as evidence_files
from kaoping.tracking.models import Alert
from kaoping.tracking.services.supervision import (
    Directory,
    Message,
    clean_text,
    notify,
    office_users,
    page_url,
)

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 200
MAX_EVIDENCE_PER_FINDING = 30
MAX_POINTS = Decimal("999.99")
Category = Indicator.Category


# --- helpers ---------------------------------------------------------------------------------
def _refuse() -> PermissionDeniedError:
    return PermissionDeniedError(_("You are not allowed to do this."))


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _user(actor: Any) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def _points(value: Any, label: str) -> Decimal:
    """A positive number of points with at most two decimals."""
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("The %(field)s must be a number.") % {"field": label}) from None
    if not points.is_finite() or points <= 0 or points > MAX_POINTS:
        raise ApplicationError(
            _("The %(field)s must be more than 0 and at most %(max)s.")
            % {"field": label, "max": MAX_POINTS}
        )
    if points != points.quantize(Decimal("0.01")):
        raise ApplicationError(_("The %(field)s may have at most two decimals.") % {"field": label})
    return points.quantize(Decimal("0.01"))


def _conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this while you were working on it. Nothing of yours was "
            "saved: reload the page, check their change and try again."
        )
    )


def _save(
    instance: Any,
    *,
    expected_version: int | None,
    changes: dict[str, Any],
    from_statuses: Sequence[str] | None = None,
) -> None:
    """UPDATE … WHERE row_version (and status) are still what was read; ConflictError if
    someone got there first (SQLite has no row locks). The instance gets the new values."""
    version = instance.row_version if expected_version is None else expected_version
    qs = type(instance).objects.filter(pk=instance.pk, row_version=version)
    if from_statuses is not None:
        qs = qs.filter(status__in=list(from_statuses))
    now = timezone.now()
    if not qs.update(row_version=version + 1, updated_at=now, **changes):
        raise _conflict()
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.row_version = version + 1
    instance.updated_at = now


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


def _snap(instance: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in names}


def _is_below(unit: Unit, ancestor: Unit) -> bool:
    return unit.path.startswith(ancestor.path) and unit.path != ancestor.path


def _in_county(unit: Unit | None, plan: Plan) -> bool:
    return unit is None or unit.path.startswith(plan.owner.path)


# --- rounds ---------------------------------------------------------------------------------
ROUND_FIELDS = ("code", "name", "level", "period_start", "period_end", "appeal_days", "status")


@transaction.atomic
def round_create(
    *,
    actor: Any,
    plan: Plan,
    code: str,
    name: str,
    level: str,
    period_start: date,
    period_end: date,
    appeal_days: int = 7,
    description: str = "",
) -> InspectionRound:
    """A draft round of a plan (the office or an inspector of the plan's owner)."""
    if not selectors.is_inspecting_for(actor, plan.owner_id):
        raise _refuse()
    if level not in InspectionRound.Level.values:
        raise ApplicationError(_("Choose who inspects whom."))
    plan_kind = {
        InspectionRound.Level.PROVINCIAL: Plan.Kind.PROVINCIAL,
        InspectionRound.Level.COUNTY: Plan.Kind.COUNTY,
    }
    if plan.kind != plan_kind[InspectionRound.Level(level)]:
        raise ApplicationError(
            _("A provincial round belongs to the provincial plan, a county round to the county's.")
        )
    if period_end < period_start:
        raise ApplicationError(_("The inspected period ends before it starts."))
    if not 1 <= appeal_days <= 60:
        raise ApplicationError(_("The appeal window is 1 to 60 days."))
    code = clean_text(code, _("code"), limit=40)
    if InspectionRound.objects.filter(plan=plan, code=code).exists():
        raise ApplicationError(
            _("The plan has a round with the code %(code)s already.") % {"code": code}
        )
    inspection_round = InspectionRound.objects.create(
        plan=plan,
        code=code,
        name=clean_text(name, _("name"), limit=200),
        level=level,
        period_start=period_start,
        period_end=period_end,
        appeal_days=appeal_days,
        description=clean_text(description, _("description"), required=False),
    )
    audit_event(
        actor=actor,
        action="inspection.round_create",
        obj=inspection_round,
        after=_snap(inspection_round, ROUND_FIELDS),
    )
    return inspection_round


def _round_status(
    actor: Any,
    inspection_round: InspectionRound,
    *,
    to: str,
    from_status: str,
    message: str,
    expected_version: int | None,
    stamp: str,
) -> InspectionRound:
    if not selectors.can_manage_round(actor, inspection_round):
        raise _refuse()
    if inspection_round.status != from_status:
        raise ApplicationError(message)
    _save(
        inspection_round,
        expected_version=expected_version,
        changes={"status": to, stamp: timezone.now()},
        from_statuses=[from_status],
    )
    audit_event(
        actor=actor,
        action=f"inspection.round_{'open' if to == InspectionRound.Status.OPEN else 'close'}",
        obj=inspection_round,
        before={"status": from_status},
        after={"status": to},
    )
    return inspection_round


@transaction.atomic
def round_open(
    *, actor: Any, inspection_round: InspectionRound, expected_version: int | None = None
) -> InspectionRound:
    """Open a draft round: findings and deductions can be recorded."""
    return _round_status(
        actor,
        inspection_round,
        to=InspectionRound.Status.OPEN,
        from_status=InspectionRound.Status.DRAFT,
        message=_("Only a draft round can be opened."),
        expected_version=expected_version,
        stamp="opened_at",
    )


@transaction.atomic
def round_close(
    *, actor: Any, inspection_round: InspectionRound, expected_version: int | None = None
) -> InspectionRound:
    """Close an open round: no new findings or deductions (appeals, confirmations and
    rectifications go on)."""
    return _round_status(
        actor,
        inspection_round,
        to=InspectionRound.Status.CLOSED,
        from_status=InspectionRound.Status.OPEN,
        message=_("Only an open round can be closed."),
        expected_version=expected_version,
        stamp="closed_at",
    )


# --- deduction rules ----------------------------------------------------------------------------
@transaction.atomic
def deduction_rule_set(
    *,
    actor: Any,
    plan: Plan,
    indicator: Indicator | None = None,
    category: str = "",
    points_per_item: Decimal | str | None = None,
    cap: Decimal | str | None = None,
    name: str = "",
) -> DeductionRule:
    """Set the plan's deduction rule for an indicator (or, without one, a category): the
    points per item and the cap; an existing rule for the same target is updated."""
    if not selectors.is_office_for(actor, plan.owner_id):
        raise _refuse()
    if indicator is not None:
        if indicator.plan_id != plan.pk:
            raise ApplicationError(_("The indicator must be one of the plan's."))
        category = ""
    elif category not in Category.values:
        raise ApplicationError(_("Choose an indicator or a category."))
    per_item = None if points_per_item in (None, "") else _points(points_per_item, _("points"))
    limit = None if cap in (None, "") else _points(cap, _("cap"))
    rule = DeductionRule.objects.filter(plan=plan, indicator=indicator, category=category).first()
    before = _snap(rule, ("name", "points_per_item", "cap")) if rule else None
    if rule is None:
        rule = DeductionRule(plan=plan, indicator=indicator, category=category)
    rule.name = clean_text(name, _("name"), required=False, limit=200)
    rule.points_per_item, rule.cap = per_item, limit
    if rule.pk:
        rule.row_version += 1
    rule.save()
    audit_event(
        actor=actor,
        action="inspection.deduction_rule_set",
        obj=rule,
        before=before,
        after={
            **_snap(rule, ("name", "points_per_item", "cap", "category")),
            "indicator": indicator.code if indicator else None,
        },
    )
    return rule


@transaction.atomic
def deduction_rule_delete(*, actor: Any, rule: DeductionRule) -> None:
    """Remove a plan's deduction rule (office): its deductions keep their points; new ones
    fall under the category's rule, if any, and need their points given."""
    if not selectors.is_office_for(actor, rule.plan.owner_id):
        raise _refuse()
    audit_event(
        actor=actor,
        action="inspection.deduction_rule_delete",
        obj=rule,
        before={
            **_snap(rule, ("name", "points_per_item", "cap", "category")),
            "indicator": rule.indicator.code if rule.indicator else None,
        },
    )
    rule.delete()


# --- findings ---------------------------------------------------------------------------------
FINDING_FIELDS = (
    "unit",
    "indicator",
    "title",
    "description",
    "severity",
    "found_on",
    "responsible_unit",
    "responsible_leader",
)


def responsible_for(
    *, plan: Plan, unit: Unit, indicator: Indicator | None
) -> tuple[Unit | None, Person | None]:
    """谁主管谁负责: the unit and leader answering for a finding. With an indicator, its
    assignment (the one led by the inspected unit, else the main one: largest share);
    otherwise the inspected unit and its head."""
    if indicator is not None:
        assignments = list(
            Assignment.objects.filter(indicator=indicator)
            .select_related("lead_unit", "responsible_leader")
            .order_by("-share", "lead_unit__code")
        )
        own = next((a for a in assignments if a.lead_unit_id == unit.pk), None)
        chosen = own or (assignments[0] if assignments and unit.pk == plan.owner_id else None)
        if chosen is not None:
            return chosen.lead_unit, chosen.responsible_leader
    head = (
        Person.objects.filter(unit=unit, position=Person.Position.HEAD, is_active=True)
        .order_by("name")
        .first()
    )
    return unit, head


def _check_finding(
    inspection_round: InspectionRound,
    unit: Unit,
    indicator: Indicator | None,
    responsible_unit: Unit | None,
    found_on: date,
) -> None:
    plan = inspection_round.plan
    if inspection_round.level == InspectionRound.Level.PROVINCIAL:
        if unit.pk != plan.owner_id:
            raise ApplicationError(
                _("In a provincial round every finding is on %(county)s itself.")
                % {"county": plan.owner.name}
            )
    elif not _is_below(unit, plan.owner):
        raise ApplicationError(
            _("The inspected unit must be a town or department of %(county)s.")
            % {"county": plan.owner.name}
        )
    if indicator is not None and indicator.plan_id != plan.pk:
        raise ApplicationError(_("The indicator must be one of the round's plan."))
    if not _in_county(responsible_unit, plan):
        raise ApplicationError(
            _("The responsible unit must be in %(county)s.") % {"county": plan.owner.name}
        )
    if found_on > timezone.localdate():
        raise ApplicationError(_("A finding cannot be dated in the future."))


@transaction.atomic
def finding_record(
    *,
    actor: Any,
    inspection_round: InspectionRound,
    unit: Unit,
    title: str,
    found_on: date,
    description: str = "",
    severity: str = Finding.Severity.GENERAL,
    indicator: Indicator | None = None,
    responsible_unit: Unit | None = None,
    responsible_leader: Person | None = None,
) -> Finding:
    """Record a finding in an open round. The responsible unit and leader default from the
    indicator's assignment (谁主管谁负责), else the inspected unit and its head."""
    if not selectors.can_record_finding(actor, inspection_round):
        if inspection_round.status != InspectionRound.Status.OPEN:
            raise ApplicationError(_("Findings are recorded only in an open round."))
        raise _refuse()
    if not selectors.is_inspecting_for(actor, unit.pk):
        raise _refuse()
    if severity not in Finding.Severity.values:
        raise ApplicationError(_("Choose a severity."))
    _check_finding(inspection_round, unit, indicator, responsible_unit, found_on)
    default_unit, default_leader = responsible_for(
        plan=inspection_round.plan, unit=unit, indicator=indicator
    )
    finding = Finding.objects.create(
        round=inspection_round,
        unit=unit,
        indicator=indicator,
        title=clean_text(title, pgettext("inspection finding", "title"), limit=TITLE_LIMIT),
        description=clean_text(description, _("description"), required=False),
        severity=severity,
        found_on=found_on,
        responsible_unit=responsible_unit or default_unit,
        responsible_leader=responsible_leader or default_leader,
        recorded_by=_user(actor),
    )
    audit_event(
        actor=actor,
        action="inspection.finding_record",
        obj=finding,
        after=_snap(finding, FINDING_FIELDS),
    )
    return finding


@transaction.atomic
def finding_update(
    *,
    actor: Any,
    finding: Finding,
    title: str,
    found_on: date,
    description: str = "",
    severity: str = Finding.Severity.GENERAL,
    indicator: Indicator | None = None,
    responsible_unit: Unit | None = None,
    responsible_leader: Person | None = None,
    expected_version: int | None = None,
) -> Finding:
    """Correct a finding of a round not yet closed (the inspected unit stays)."""
    if not selectors.can_edit_finding(actor, finding):
        if finding.round.status == InspectionRound.Status.CLOSED:
            raise ApplicationError(_("The round is closed: its findings no longer change."))
        raise _refuse()
    if severity not in Finding.Severity.values:
        raise ApplicationError(_("Choose a severity."))
    _check_finding(finding.round, finding.unit, indicator, responsible_unit, found_on)
    before = _snap(finding, FINDING_FIELDS)
    if indicator is not None and indicator.pk != finding.indicator_id:
        default_unit, default_leader = responsible_for(
            plan=finding.round.plan, unit=finding.unit, indicator=indicator
        )
        responsible_unit = responsible_unit or default_unit
        responsible_leader = responsible_leader or default_leader
    _save(
        finding,
        expected_version=expected_version,
        changes={
            "title": clean_text(title, pgettext("inspection finding", "title"), limit=TITLE_LIMIT),
            "description": clean_text(description, _("description"), required=False),
            "severity": severity,
            "found_on": found_on,
            "indicator": indicator,
            "responsible_unit": responsible_unit or finding.unit,
            "responsible_leader": responsible_leader,
        },
    )
    audit_event(
        actor=actor,
        action="inspection.finding_update",
        obj=finding,
        before=before,
        after=_snap(finding, FINDING_FIELDS),
    )
    return finding


# --- evidence --------------------------------------------------------------------------------
def _store(upload: File, checked: evidence_files.CheckedFile) -> str:
    """The bytes in the default storage under their hash (once); returns the name."""
    path = finding_evidence_path(FindingEvidence(sha256=checked.sha256), checked.name)
    if default_storage.exists(path):
        return path
    upload.seek(0)
    return default_storage.save(path, upload)


def _attach(
    actor: Any,
    finding: Finding,
    upload: File,
    description: str = "",
    *,
    appeal: Appeal | None = None,
    rectification: Rectification | None = None,
) -> FindingEvidence:
    """Check a file by its content (tracking.evidence) and keep it with the finding."""
    checked = evidence_files.check_upload(upload)
    attached = list(
        FindingEvidence.objects.filter(finding=finding).values_list("sha256", flat=True)
    )
    if len(attached) >= MAX_EVIDENCE_PER_FINDING:
        raise ApplicationError(
            _("A finding has at most %(n)d evidence files.") % {"n": MAX_EVIDENCE_PER_FINDING}
        )
    evidence = FindingEvidence.objects.create(
        finding=finding,
        appeal=appeal,
        rectification=rectification,
        file=_store(upload, checked),
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=clean_text(
            description, _("description"), required=False, limit=DESCRIPTION_LIMIT
        ),
        uploaded_by=_user(actor),
    )
    audit_event(
        actor=actor,
        action="inspection.evidence_attach",
        obj=finding,
        after={
            "evidence": evidence.pk,
            "name": evidence.original_name,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "sha256": evidence.sha256,
            "appeal": appeal.pk if appeal else None,
            "rectification": rectification.pk if rectification else None,
        },
    )
    return evidence


@transaction.atomic
def finding_evidence_attach(
    *, actor: Any, finding: Finding, upload: File, description: str = ""
) -> FindingEvidence:
    """An inspector's evidence for a finding (photos, records, the feedback list)."""
    if not selectors.can_add_evidence(actor, finding):
        raise _refuse()
    return _attach(actor, finding, upload, description)


# --- deductions ---------------------------------------------------------------------------------
DEDUCTION_FIELDS = (
    "unit",
    "indicator",
    "category",
    "rule",
    "points",
    "effective_points",
    "reason",
    "responsible_unit",
    "responsible_leader",
    "status",
)


@transaction.atomic
def deduction_record(
    *,
    actor: Any,
    finding: Finding,
    reason: str,
    points: Decimal | str | None = None,
    indicator: Indicator | None = None,
    category: str = "",
    responsible_unit: Unit | None = None,
    responsible_leader: Person | None = None,
) -> Deduction:
    """Propose a deduction for a finding (open round; the office or an inspector).

    The unit losing the points is the finding's unit (the county itself in a provincial
    round). The indicator defaults to the finding's; without one the points come off the
    executive-capacity category (or the category given). Points default to the rule's
    points per item. Refused, with what remains, when the rule's cap would be exceeded.
    """
    if not selectors.can_record_deduction(actor, finding):
        if finding.round.status != InspectionRound.Status.OPEN:
            raise ApplicationError(_("Deductions are recorded only in an open round."))
        raise _refuse()
    plan = finding.round.plan
    indicator = indicator or finding.indicator
    if indicator is not None:
        if indicator.plan_id != plan.pk:
            raise ApplicationError(_("The indicator must be one of the round's plan."))
        category = indicator.category
    else:
        category = category or Category.EXECUTIVE
        if category not in Category.values:
            raise ApplicationError(_("Choose a category."))
    rule = selectors.deduction_rule_for(plan=plan, indicator=indicator, category=category)
    if points in (None, ""):
        if rule is None or rule.points_per_item is None:
            raise ApplicationError(_("Please give the points to deduct."))
        points = rule.points_per_item
    amount = _points(points, _("points"))
    if rule is not None and rule.cap is not None:
        # Serialise deductions on the unit so two inspectors cannot both pass the cap check
        # (a row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway).
        list(Unit.objects.select_for_update().filter(pk=finding.unit_id).values_list("pk"))
        used = selectors.cap_used(plan=plan, rule=rule, unit_id=finding.unit_id)
        if used + amount > rule.cap:
            raise ApplicationError(
                _(
                    "This would exceed the cap of %(cap)s points for “%(rule)s”: %(used)s "
                    "points are deducted from %(unit)s already, so at most %(left)s points "
                    "remain."
                )
                % {
                    "cap": rule.cap,
                    "rule": rule,
                    "used": used,
                    "unit": finding.unit.name,
                    "left": calc.cap_remaining(rule.cap, used),
                },
                extra={"cap": str(rule.cap), "used": str(used)},
            )
    if not _in_county(responsible_unit, plan):
        raise ApplicationError(
            _("The responsible unit must be in %(county)s.") % {"county": plan.owner.name}
        )
    deduction = Deduction.objects.create(
        finding=finding,
        unit=finding.unit,
        indicator=indicator,
        category=category,
        rule=rule,
        points=amount,
        effective_points=amount,
        reason=clean_text(reason, _("rule and reason")),
        responsible_unit=responsible_unit or finding.responsible_unit,
        responsible_leader=responsible_leader or finding.responsible_leader,
        recorded_by=_user(actor),
    )
    audit_event(
        actor=actor,
        action="inspection.deduction_record",
        obj=deduction,
        after=_snap(deduction, DEDUCTION_FIELDS),
    )
    return deduction


def _deduction_people(deduction: Deduction) -> list[User]:
    units = [u for u in selectors.appeal_units(deduction) if u]
    people = Directory(units, [deduction.responsible_leader_id or 0])
    users = people.persons(deduction.responsible_leader_id)
    for unit_id in units:
        users += people.unit_staff(unit_id)
    return users


@transaction.atomic
def deduction_confirm(
    *,
    actor: Any,
    deduction: Deduction,
    today: date | None = None,
    expected_version: int | None = None,
) -> Deduction:
    """The office confirms a proposed deduction: it counts from now, and the unit has the
    round's appeal window (calendar days) to appeal."""
    if deduction.status != Deduction.Status.PROPOSED:
        raise ApplicationError(_("Only a proposed deduction can be confirmed."))
    if not selectors.can_confirm_deduction(actor, deduction):
        raise _refuse()
    day = _today(today)
    _save(
        deduction,
        expected_version=expected_version,
        changes={
            "status": Deduction.Status.CONFIRMED,
            "confirmed_on": day,
            "confirmed_by": _user(actor),
        },
        from_statuses=[Deduction.Status.PROPOSED],
    )
    audit_event(
        actor=actor,
        action="inspection.deduction_confirm",
        obj=deduction,
        before={"status": Deduction.Status.PROPOSED},
        after={"status": deduction.status, "confirmed_on": day.isoformat()},
    )
    deadline = calc.appeal_deadline(day, deduction.finding.round.appeal_days)
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            Message(
                user,
                _("Deduction confirmed: %(title)s") % {"title": deduction.finding.title},
                _(
                    "%(points)s points are deducted from %(unit)s. An appeal may be filed "
                    "until %(deadline)s."
                )
                % {
                    "points": deduction.points,
                    "unit": deduction.unit.name,
                    "deadline": deadline.isoformat(),
                },
                page_url("inspections:finding_detail", deduction.finding_id),
                f"deduction:{deduction.pk}:confirmed",
            )
            for user in _deduction_people(deduction)
        )
    return deduction


# --- appeals ------------------------------------------------------------------------------
@transaction.atomic
def appeal_file(
    *,
    actor: Any,
    deduction: Deduction,
    reasons: str,
    files: Sequence[File] = (),
    today: date | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """A head or reporter of the unit appeals a confirmed deduction within the window
    (from the day of confirmation to confirmation + the round's appeal days, inclusive)."""
    day = _today(today)
    if deduction.status != Deduction.Status.CONFIRMED or deduction.confirmed_on is None:
        raise ApplicationError(_("Only a confirmed deduction can be appealed."))
    if Appeal.objects.filter(deduction=deduction).exists():
        raise ApplicationError(_("This deduction has been appealed already."))
    if not selectors.is_unit_staff_for(actor, *selectors.appeal_units(deduction)):
        raise _refuse()
    deadline = calc.appeal_deadline(deduction.confirmed_on, deduction.finding.round.appeal_days)
    if not calc.within_appeal_window(
        deduction.confirmed_on, deduction.finding.round.appeal_days, day
    ):
        raise ApplicationError(
            _(
                "The appeal window closed on %(deadline)s (%(days)d days after the deduction "
                "was confirmed on %(confirmed)s); an appeal can no longer be filed."
            )
            % {
                "deadline": deadline.isoformat(),
                "days": deduction.finding.round.appeal_days,
                "confirmed": deduction.confirmed_on.isoformat(),
            }
        )
    text = clean_text(reasons, _("reasons"))
    _save(
        deduction,
        expected_version=expected_version,
        changes={"status": Deduction.Status.APPEALED},
        from_statuses=[Deduction.Status.CONFIRMED],
    )
    appeal = Appeal.objects.create(
        deduction=deduction, reasons=text, filed_by=_user(actor), filed_on=day
    )
    for upload in files:
        _attach(actor, deduction.finding, upload, _("Appeal evidence"), appeal=appeal)
    audit_event(
        actor=actor,
        action="inspection.appeal_file",
        obj=appeal,
        before={"deduction_status": Deduction.Status.CONFIRMED},
        after={
            "deduction": deduction.pk,
            "deduction_status": deduction.status,
            "reasons": text,
            "files": len(files),
            "filed_on": day.isoformat(),
        },
    )
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            Message(
                user,
                _("Appeal filed: %(title)s") % {"title": deduction.finding.title},
                _("%(unit)s appeals the deduction of %(points)s points.")
                % {"unit": deduction.unit.name, "points": deduction.points},
                page_url("inspections:appeal_detail", appeal.pk),
                f"appeal:{appeal.pk}:filed",
            )
            for user in office_users(deduction.unit)
        )
    return appeal


class Ruling:
    """The office's three answers to an appeal."""

    UPHELD = Appeal.Status.UPHELD
    PARTLY_UPHELD = Appeal.Status.PARTLY_UPHELD
    REJECTED = Appeal.Status.REJECTED
    ALL = (UPHELD, PARTLY_UPHELD, REJECTED)


@transaction.atomic
def appeal_rule(
    *,
    actor: Any,
    appeal: Appeal,
    decision: str,
    reason: str,
    points_after: Decimal | str | None = None,
    today: date | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """The office rules on a pending appeal, with a reason: upheld (the deduction is
    withdrawn, 0 points), partly upheld (reduced to `points_after`, less than before but
    more than 0), or rejected (the deduction stands)."""
    if appeal.status != Appeal.Status.PENDING:
        raise ApplicationError(_("This appeal has been ruled on already."))
    if not selectors.can_rule_appeal(actor, appeal):
        raise _refuse()
    if decision not in Ruling.ALL:
        raise ApplicationError(_("Choose a ruling."))
    text = clean_text(reason, _("reason for the ruling"))
    deduction = Deduction.objects.select_related("finding", "unit").get(pk=appeal.deduction_id)
    before_deduction = {
        "deduction_status": deduction.status,
        "effective_points": str(deduction.effective_points),
    }
    after_points: Decimal | None = None
    if decision == Ruling.UPHELD:
        status, effective = Deduction.Status.WITHDRAWN, Decimal("0")
    elif decision == Ruling.PARTLY_UPHELD:
        if points_after in (None, ""):
            raise ApplicationError(_("Give the points that remain after the partial ruling."))
        after_points = _points(points_after, _("points after the ruling"))
        if after_points >= deduction.points:
            raise ApplicationError(
                _("A partial ruling leaves fewer points than the %(points)s deducted.")
                % {"points": deduction.points}
            )
        status, effective = Deduction.Status.REDUCED, after_points
    else:
        status, effective = Deduction.Status.CONFIRMED, deduction.effective_points
    day = _today(today)
    _save(
        appeal,
        expected_version=expected_version,
        changes={
            "status": decision,
            "ruling_reason": text,
            "points_after": after_points if decision == Ruling.PARTLY_UPHELD else None,
            "ruled_by": _user(actor),
            "ruled_on": day,
        },
        from_statuses=[Appeal.Status.PENDING],
    )
    _save(
        deduction,
        expected_version=None,
        changes={"status": status, "effective_points": effective},
        from_statuses=[Deduction.Status.APPEALED],
    )
    appeal.deduction = deduction
    audit_event(
        actor=actor,
        action="inspection.appeal_rule",
        obj=appeal,
        reason=text,
        before={"status": Appeal.Status.PENDING, **before_deduction},
        after={
            "status": decision,
            "deduction_status": deduction.status,
            "effective_points": str(deduction.effective_points),
        },
    )
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            Message(
                user,
                _("Appeal ruled: %(title)s") % {"title": deduction.finding.title},
                f"{appeal.get_status_display()}\n{text}",
                page_url("inspections:appeal_detail", appeal.pk),
                f"appeal:{appeal.pk}:ruled",
            )
            for user in _deduction_people(deduction)
        )
    return appeal


# --- rectifications -------------------------------------------------------------------------------
RECTIFICATION_FIELDS = ("unit", "plan_text", "responsible_person", "deadline", "status", "percent")


def _rectification_people(
    rectification: Rectification, *, leader: bool = False, heads_only: bool = False
) -> list[User]:
    """Accounts told about a rectification: the responsible person, the unit's staff (or
    heads), and with `leader` the finding's responsible leader."""
    leader_id = rectification.finding.responsible_leader_id if leader else None
    people = Directory(
        [rectification.unit_id], [rectification.responsible_person_id or 0, leader_id or 0]
    )
    users = people.persons(rectification.responsible_person_id, leader_id)
    users += (
        people.unit_heads(rectification.unit_id)
        if heads_only
        else people.unit_staff(rectification.unit_id)
    )
    return users


@transaction.atomic
def rectification_open(
    *,
    actor: Any,
    finding: Finding,
    deadline: date,
    plan_text: str,
    responsible_person: Person | None = None,
    unit: Unit | None = None,
    today: date | None = None,
) -> Rectification:
    """Open the rectification of a finding (the office or an inspector): what must be
    fixed, by whom and by when. The rectifying unit is the finding's responsible unit;
    the responsible person defaults to the indicator's assignment's."""
    if not selectors.can_open_rectification(actor, finding):
        raise _refuse()
    if Rectification.objects.filter(finding=finding).exists():
        raise ApplicationError(_("This finding has a rectification already."))
    if deadline < _today(today):
        raise ApplicationError(_("The deadline cannot be in the past."))
    unit = unit or finding.responsible_unit or finding.unit
    if not _in_county(unit, finding.round.plan):
        raise ApplicationError(_("The rectifying unit must be in the county."))
    if responsible_person is None and finding.indicator_id:
        assignment = (
            Assignment.objects.filter(indicator_id=finding.indicator_id, lead_unit=unit)
            .select_related("responsible_person")
            .first()
        )
        responsible_person = assignment.responsible_person if assignment else None
    rectification = Rectification.objects.create(
        finding=finding,
        unit=unit,
        plan_text=clean_text(plan_text, _("rectification plan")),
        responsible_person=responsible_person,
        deadline=deadline,
    )
    audit_event(
        actor=actor,
        action="inspection.rectification_open",
        obj=rectification,
        after=_snap(rectification, RECTIFICATION_FIELDS),
    )
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            Message(
                user,
                _("Rectification required: %(title)s") % {"title": finding.title},
                _("Please rectify by %(deadline)s and report progress.")
                % {"deadline": deadline.isoformat()},
                page_url("inspections:rectification_detail", rectification.pk),
                f"rectification:{rectification.pk}:opened",
            )
            for user in _rectification_people(rectification)
        )
    return rectification


@transaction.atomic
def rectification_update_progress(
    *,
    actor: Any,
    rectification: Rectification,
    on: date,
    text: str,
    percent: int,
    plan_text: str = "",
    files: Sequence[File] = (),
    expected_version: int | None = None,
) -> RectificationProgress:
    """The unit (its head or a reporter) reports progress: what was done, how far along;
    an open or returned rectification is then in progress."""
    if rectification.status not in Rectification.ACTIVE_STATUSES:
        raise ApplicationError(_("Progress is reported only while the rectification is open."))
    if not selectors.can_report_progress(actor, rectification):
        raise _refuse()
    if not 0 <= percent <= 100:
        raise ApplicationError(_("The percentage done is between 0 and 100."))
    if on > timezone.localdate():
        raise ApplicationError(_("Progress cannot be dated in the future."))
    body = clean_text(text, _("progress"))
    before = _snap(rectification, ("status", "percent", "plan_text"))
    changes: dict[str, Any] = {"status": Rectification.Status.IN_PROGRESS, "percent": percent}
    if plan_text.strip():
        changes["plan_text"] = clean_text(plan_text, _("rectification plan"))
    _save(
        rectification,
        expected_version=expected_version,
        changes=changes,
        from_statuses=Rectification.ACTIVE_STATUSES,
    )
    entry = RectificationProgress.objects.create(
        rectification=rectification, on=on, text=body, percent=percent, reported_by=_user(actor)
    )
    for upload in files:
        _attach(
            actor,
            rectification.finding,
            upload,
            _("Rectification evidence"),
            rectification=rectification,
        )
    audit_event(
        actor=actor,
        action="inspection.rectification_progress",
        obj=rectification,
        before=before,
        after={
            **_snap(rectification, ("status", "percent", "plan_text")),
            "on": on.isoformat(),
            "text": body,
            "files": len(files),
        },
    )
    return entry


def _resolve_overdue_alert(rectification: Rectification) -> None:
    Alert.objects.filter(
        dedupe_key=overdue_alert_key(rectification), resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


@transaction.atomic
def rectification_submit(
    *,
    actor: Any,
    rectification: Rectification,
    note: str = "",
    expected_version: int | None = None,
) -> Rectification:
    """The unit head (第一责任人) submits the finished rectification for verification."""
    if not selectors.can_submit_rectification(actor, rectification):
        if rectification.status not in Rectification.ACTIVE_STATUSES:
            raise ApplicationError(_("Only an open rectification can be submitted."))
        raise _refuse()
    text = clean_text(note, _("note"), required=False)
    before = rectification.status
    _save(
        rectification,
        expected_version=expected_version,
        changes={
            "status": Rectification.Status.SUBMITTED,
            "submitted_at": timezone.now(),
            "percent": 100,
        },
        from_statuses=Rectification.ACTIVE_STATUSES,
    )
    if text:
        RectificationProgress.objects.create(
            rectification=rectification,
            on=timezone.localdate(),
            text=text,
            percent=100,
            reported_by=_user(actor),
        )
    _resolve_overdue_alert(rectification)
    audit_event(
        actor=actor,
        action="inspection.rectification_submit",
        obj=rectification,
        before={"status": before},
        after={"status": rectification.status, "note": text},
    )
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            Message(
                user,
                _("Rectification submitted: %(title)s") % {"title": rectification.finding.title},
                _("%(unit)s reports the rectification done; please verify it.")
                % {"unit": rectification.unit.name},
                page_url("inspections:rectification_detail", rectification.pk),
                f"rectification:{rectification.pk}:submitted:{rectification.row_version}",
            )
            for user in office_users(rectification.finding.unit)
        )
    return rectification


def _check(
    actor: Any,
    rectification: Rectification,
    *,
    passed: bool,
    note: str,
    checked_on: date | None,
    expected_version: int | None,
) -> Rectification:
    if rectification.status != Rectification.Status.SUBMITTED:
        raise ApplicationError(_("Only a rectification submitted for verification is checked."))
    if not selectors.can_verify_rectification(actor, rectification):
        raise _refuse()
    text = clean_text(note, _("verification note"))
    day = checked_on or timezone.localdate()
    if day > timezone.localdate():
        raise ApplicationError(_("A verification cannot be dated in the future."))
    status = Rectification.Status.VERIFIED if passed else Rectification.Status.RETURNED
    changes: dict[str, Any] = {"status": status}
    if passed:
        changes["verified_at"] = timezone.now()
    _save(
        rectification,
        expected_version=expected_version,
        changes=changes,
        from_statuses=[Rectification.Status.SUBMITTED],
    )
    RectificationCheck.objects.create(
        rectification=rectification,
        checked_on=day,
        result=RectificationCheck.Result.PASSED if passed else RectificationCheck.Result.FAILED,
        note=text,
        checked_by=_user(actor),
    )
    audit_event(
        actor=actor,
        action="inspection.rectification_verify" if passed else "inspection.rectification_return",
        obj=rectification,
        reason=text,
        before={"status": Rectification.Status.SUBMITTED},
        after={"status": status, "checked_on": day.isoformat()},
    )
    title = (
        _("Rectification verified: %(title)s") if passed else _("Rectification returned: %(title)s")
    ) % {"title": rectification.finding.title}
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            Message(
                user,
                title,
                text,
                page_url("inspections:rectification_detail", rectification.pk),
                f"rectification:{rectification.pk}:{status}:{rectification.row_version}",
            )
            for user in _rectification_people(rectification)
        )
    return rectification


@transaction.atomic
def rectification_verify(
    *,
    actor: Any,
    rectification: Rectification,
    note: str,
    checked_on: date | None = None,
    expected_version: int | None = None,
) -> Rectification:
    """An inspector or the office re-checks a submitted rectification and finds it done."""
    return _check(
        actor,
        rectification,
        passed=True,
        note=note,
        checked_on=checked_on,
        expected_version=expected_version,
    )


@transaction.atomic
def rectification_return(
    *,
    actor: Any,
    rectification: Rectification,
    note: str,
    checked_on: date | None = None,
    expected_version: int | None = None,
) -> Rectification:
    """The re-check finds it not done: back to the unit, with what is missing."""
    return _check(
        actor,
        rectification,
        passed=False,
        note=note,
        checked_on=checked_on,
        expected_version=expected_version,
    )


@transaction.atomic
def rectification_close(
    *,
    actor: Any,
    rectification: Rectification,
    note: str = "",
    expected_version: int | None = None,
) -> Rectification:
    """The office closes (销号) a verified rectification."""
    if not selectors.can_close_rectification(actor, rectification):
        if rectification.status != Rectification.Status.VERIFIED:
            raise ApplicationError(_("Only a verified rectification can be closed."))
        raise _refuse()
    text = clean_text(note, _("note"), required=False)
    _save(
        rectification,
        expected_version=expected_version,
        changes={"status": Rectification.Status.CLOSED, "closed_at": timezone.now()},
        from_statuses=[Rectification.Status.VERIFIED],
    )
    _resolve_overdue_alert(rectification)
    audit_event(
        actor=actor,
        action="inspection.rectification_close",
        obj=rectification,
        reason=text,
        before={"status": Rectification.Status.VERIFIED},
        after={"status": Rectification.Status.CLOSED},
    )
    return rectification


# --- the overdue sweep -------------------------------------------------------------------------
def overdue_alert_key(rectification: Rectification) -> str:
    """One overdue alert per rectification (tracking.Alert, kind rectification_overdue)."""
    indicator = rectification.finding.indicator_id or ""
    return f"rectification_overdue:{rectification.unit_id}:{indicator}::R{rectification.pk}"


def rectification_escalate_overdue(*, today: date, actor: Any = None) -> dict[str, int]:
    """The daily sweep: every rectification past its deadline and still being worked on
    raises an alert and is escalated blue → yellow → red by the days overdue (the plan's
    `status_rule["rectification_escalation_days"]`, default 1, 10 and 20). Each level is
    notified once: blue to the responsible person and the unit's heads; yellow also to the
    responsible leader; red also to the office. Idempotent: a second run the same day writes
    nothing. Each plan's rectifications in their own transaction."""
    summary = {"overdue": 0, "alerts": 0, "escalated": 0, "notifications": 0}
    overdue = list(
        Rectification.objects.filter(status__in=Rectification.ACTIVE_STATUSES, deadline__lt=today)
        .select_related("finding", "finding__round__plan", "finding__unit", "unit")
        .order_by("finding__round__plan_id", "deadline", "pk")
    )
    by_plan: dict[int, list[Rectification]] = {}
    for rectification in overdue:
        by_plan.setdefault(rectification.finding.round.plan_id, []).append(rectification)
    with translation.override(settings.LANGUAGE_CODE):
        for items in by_plan.values():
            with transaction.atomic():
                _escalate_plan(items, today, actor, summary)
    if overdue:
        audit_event(
            actor=actor,
            action="inspection.rectification_sweep",
            object_type="inspections.sweep",
            object_id=today.isoformat(),
            object_repr=today.isoformat(),
            after=summary,
        )
    return summary


def _escalate_plan(
    items: list[Rectification], today: date, actor: Any, summary: dict[str, int]
) -> None:
    plan = items[0].finding.round.plan
    thresholds = calc.escalation_days((plan.status_rule or {}).get("rectification_escalation_days"))
    created = 0
    for r in items:
        summary["overdue"] += 1
        alert, made = Alert.objects.get_or_create(
            dedupe_key=overdue_alert_key(r),
            defaults={
                "kind": Alert.Kind.RECTIFICATION_OVERDUE,
                "unit_id": r.unit_id,
                "indicator_id": r.finding.indicator_id,
                "message": _(
                    "The rectification of “%(title)s” by %(unit)s was due on %(deadline)s "
                    "and is not done."
                )
                % {"title": r.finding.title, "unit": r.unit.name, "deadline": r.deadline},
            },
        )
        if made:
            created += 1
        elif alert.resolved_at is not None:  # returned after submission and overdue again
            Alert.objects.filter(pk=alert.pk).update(resolved_at=None)
            created += 1
    summary["alerts"] += created
    messages: list[Message] = []
    for r in items:
        level = calc.escalation_level(r.deadline, today, thresholds)
        if calc.LEVEL_RANK[level] <= calc.LEVEL_RANK[r.escalation_level or ""]:
            continue
        before = {"escalation_level": r.escalation_level}
        # Conditional on the level read: a concurrent sweep that escalated it first wins,
        # and this one neither audits nor notifies it again.
        if not Rectification.objects.filter(pk=r.pk, escalation_level=r.escalation_level).update(
            escalation_level=level,
            escalated_on=today,
            updated_at=timezone.now(),
            row_version=models.F("row_version") + 1,
        ):
            continue
        r.escalation_level, r.escalated_on = level, today
        r.row_version += 1
        summary["escalated"] += 1
        audit_event(
            actor=actor,
            action="inspection.rectification_escalate",
            obj=r,
            before=before,
            after={
                "escalation_level": level,
                "days_overdue": (today - r.deadline).days,
                "deadline": r.deadline.isoformat(),
            },
        )
        recipients = _rectification_people(r, leader=level in ("yellow", "red"), heads_only=True)
        if level == "red":
            recipients += office_users(r.finding.unit)
        title = _("%(level)s: rectification overdue — %(title)s") % {
            "level": Rectification.Level(level).label,
            "title": r.finding.title,
        }
        body = _(
            "The rectification of “%(title)s” by %(unit)s was due on %(deadline)s and is "
            "%(days)d days overdue. Please finish it and report."
        ) % {
            "title": r.finding.title,
            "unit": r.unit.name,
            "deadline": r.deadline.isoformat(),
            "days": (today - r.deadline).days,
        }
        messages += [
            Message(
                user,
                title,
                body,
                page_url("inspections:rectification_detail", r.pk),
                f"rectification:{r.pk}:overdue:{level}",
            )
            for user in recipients
        ]
    summary["notifications"] += len(notify(messages))
