"""Progress reports (进度报送) and their review: every write, atomic and audited.

The workflow of one version of a report::

    draft ──submit──▶ submitted ──unit approve──▶ unit_approved ──office approve──▶ approved
      ▲                   │                             │                               │
      └──── returned ◀────┴── return (reason) ──────────┘                     correct (reason)
                                                                                        ▼
                                                                    a new draft version (v+1)

A reporter of the unit creates, edits and submits; its unit head approves or returns; the
office whose scope holds the unit approves or returns, and asks for corrections. Approved
figures are locked: a correction is a new version, the approved one stays readable and in
force for the tracking engine until the correction is approved. Nobody approves a report
they submitted. Concurrent edits are caught by optimistic locking on `row_version`
(UPDATE … WHERE row_version = expected): the loser gets a ConflictError, never a silent
overwrite. Each transition writes one audit event (report.submit, report.return…) with the
actor, the reason and before/after; a refused transition writes none.

The reporting deadline of a period is N working days after it ends (a plan setting,
`status_rule["report_deadline_days"]`, default 5) on the working calendar (tracking.Holiday);
the first submission of a report after its deadline is marked late.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.core.periods import Period, PeriodError
from kaoping.org.models import Unit
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking import evidence as evidence_files
from kaoping.tracking import report_selectors as selectors
from kaoping.tracking.models import Evidence, ProgressReport
from kaoping.tracking.obligations import obligations, reporting_period

logger = logging.getLogger(__name__)

Status = ProgressReport.Status
MAX_DIGITS, MAX_PLACES = 20, 4
NARRATIVE_LENGTH = 10000
REASON_LENGTH = 2000
DESCRIPTION_LENGTH = 200
MAX_EVIDENCE_PER_REPORT = 30
STEP_UNIT, STEP_OFFICE = "unit", "office"
RETURN_STEPS = (STEP_UNIT, STEP_OFFICE)


# --- helpers ---------------------------------------------------------------------------------
def _deny() -> PermissionDeniedError:
    return PermissionDeniedError(_("You are not allowed to do this with this report."))


def _fresh(report: ProgressReport) -> ProgressReport:
    """The report as the database has it now, with what the checks need."""
    return ProgressReport.objects.select_related(
        "indicator", "indicator__plan", "indicator__plan__cycle", "unit"
    ).get(pk=report.pk)


def _snapshot(report: ProgressReport) -> dict[str, Any]:
    return {
        "version": report.version,
        "status": report.status,
        "is_current": report.is_current,
        "value": None if report.value is None else str(report.value),
        "last_year_value": None if report.last_year_value is None else str(report.last_year_value),
        "narrative": report.narrative,
        "deadline": report.deadline.isoformat() if report.deadline else None,
        "is_late": report.is_late,
        "row_version": report.row_version,
    }


def _check_version(report: ProgressReport, expected_version: int | None) -> int:
    """The version to update from; ConflictError if the caller read an older one."""
    if expected_version is not None and expected_version != report.row_version:
        raise _conflict(report)
    return report.row_version


def _conflict(report: ProgressReport) -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this report while you were working on it (it is now "
            "“%(status)s”, changed at %(time)s). Nothing of yours was saved: reload it, check "
            "their changes and apply yours again."
        )
        % {
            "status": report.get_status_display(),
            "time": timezone.localtime(report.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
        },
        extra={"row_version": report.row_version},
    )


def _update(report: ProgressReport, version: int, fields: dict[str, Any]) -> None:
    """UPDATE … WHERE row_version = version AND still current; ConflictError if someone got
    there first. The instance gets the new values."""
    now = timezone.now()
    updated = ProgressReport.objects.filter(
        pk=report.pk, row_version=version, is_current=report.is_current, status=report.status
    ).update(row_version=version + 1, updated_at=now, **fields)
    if not updated:
        raise _conflict(_fresh(report))
    for name, value in fields.items():
        setattr(report, name, value)
    report.row_version = version + 1
    report.updated_at = now


def _sync(target: ProgressReport, source: ProgressReport) -> None:
    """Give the caller's instance the state the service left the report in."""
    if target is source:
        return
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _require_current(report: ProgressReport) -> None:
    if not report.is_current:
        raise ApplicationError(
            _(
                "This is version %(version)s, which a newer version has replaced; it is kept "
                "as it was. Open the current version instead."
            )
            % {"version": report.version}
        )


def _require_editable(report: ProgressReport) -> None:
    _require_current(report)
    if report.status not in selectors.EDITABLE_STATUSES:
        if report.status == Status.APPROVED:
            raise ApplicationError(
                _(
                    "This report is approved and its figures are locked. The office can open "
                    "a correction (a new version) if they are wrong."
                )
            )
        raise ApplicationError(
            _("This report is “%(status)s” and cannot be changed until it is returned.")
            % {"status": report.get_status_display()}
        )


def _clean_number(value: Any, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApplicationError(_("%(field)s must be a number.") % {"field": label}) from None
    if not number.is_finite():
        raise ApplicationError(_("%(field)s must be a number.") % {"field": label})
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_PLACES:
        raise ApplicationError(
            _("%(field)s has at most %(n)d decimal places.") % {"field": label, "n": MAX_PLACES}
        )
    if abs(number) >= Decimal(10) ** (MAX_DIGITS - MAX_PLACES):
        raise ApplicationError(_("%(field)s is too large.") % {"field": label})
    return number


def _clean_text(value: str | None, limit: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ApplicationError(
            _("%(field)s has at most %(n)d characters.") % {"field": label, "n": limit}
        )
    return text


def _clean_reason(reason: str | None) -> str:
    text = _clean_text(reason, REASON_LENGTH, _("The reason"))
    if not text:
        raise ApplicationError(_("Give a reason."))
    return text


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else Period.parse(period)


def _next_version(indicator: Indicator, unit: Unit, period: str) -> int:
    last = ProgressReport.objects.filter(indicator=indicator, unit=unit, period=period).aggregate(
        last=Max("version")
    )["last"]
    return (last or 0) + 1


def _today() -> date:
    return timezone.localdate()


# --- drafts -------------------------------------------------------------------------------------
@transaction.atomic
def report_create_draft(
    *,
    actor: Any,
    indicator: Indicator,
    unit: Unit,
    period: Period | str,
    value: Any = None,
    last_year_value: Any = None,
    narrative: str = "",
    source: str = "web",
) -> ProgressReport:
    """Start a unit's report on an indicator for one of its reporting periods (a reporter of
    the unit). One current report per indicator, unit and period: a second one is refused.
    `source` says where it came from: "web", "api", or an imported workbook's SHA-256."""
    if not selectors.can_create_report(actor, unit):
        raise _deny()
    try:
        own = _as_period(period)
    except PeriodError as exc:
        raise ApplicationError(exc.message) from None
    plan: Plan = Plan.objects.select_related("cycle").get(pk=indicator.plan_id)
    if plan.status != Plan.Status.PUBLISHED:
        raise ApplicationError(_("Reports are made on published plans only."))
    if own.year != plan.cycle.year:
        raise ApplicationError(
            _("The plan “%(plan)s” is for %(year)d, not %(period)s.")
            % {"plan": plan.name, "year": plan.cycle.year, "period": own.label()}
        )
    if indicator.pk not in {o.indicator.pk for o in obligations(plan, units=[unit])}:
        raise ApplicationError(
            _("“%(unit)s” does not report on “%(indicator)s”.")
            % {"unit": unit.name, "indicator": indicator.name}
        )
    if reporting_period(indicator, own) != own:
        raise ApplicationError(
            _("“%(indicator)s” is reported %(frequency)s; %(period)s is not one of its periods.")
            % {
                "indicator": indicator.name,
                "frequency": indicator.get_frequency_display().lower(),
                "period": own.label(),
            }
        )
    if own.start > _today():
        raise ApplicationError(_("%(period)s has not begun yet.") % {"period": own.label()})
    existing = ProgressReport.objects.filter(
        indicator=indicator, unit=unit, period=str(own), is_current=True
    ).first()
    if existing is not None:
        raise ConflictError(
            _("There is already a report for this indicator and period (version %(v)s).")
            % {"v": existing.version},
            extra={"report_id": existing.pk},
        )
    report = ProgressReport(
        indicator=indicator,
        unit=unit,
        period=str(own),
        version=_next_version(indicator, unit, str(own)),
        is_current=True,
        status=Status.DRAFT,
        value=_clean_number(value, _("The cumulative value")),
        last_year_value=_clean_number(last_year_value, _("The value of the same period last year")),
        narrative=_clean_text(narrative, NARRATIVE_LENGTH, _("The narrative")),
        deadline=selectors.reporting_deadline(plan, own),
        created_by=actor,
        source=source[:80],
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        raise ConflictError(
            _("Someone else started this report at the same moment; open theirs instead.")
        ) from None
    audit_event(actor=actor, action="report.create", obj=report, after=_snapshot(report))
    return report


@transaction.atomic
def report_update_draft(
    *,
    actor: Any,
    report: ProgressReport,
    expected_version: int,
    value: Any = None,
    last_year_value: Any = None,
    narrative: str = "",
) -> ProgressReport:
    """Change a draft's or a returned report's figures and narrative (a reporter of the
    unit), from the version the editor read: a concurrent change raises ConflictError."""
    fresh = _fresh(report)
    if not selectors.is_reporter_for(actor, fresh.unit_id):
        raise _deny()
    _require_editable(fresh)
    version = _check_version(fresh, expected_version)
    before = _snapshot(fresh)
    changes = {
        "value": _clean_number(value, _("The cumulative value")),
        "last_year_value": _clean_number(
            last_year_value, _("The value of the same period last year")
        ),
        "narrative": _clean_text(narrative, NARRATIVE_LENGTH, _("The narrative")),
    }
    changed = {k: v for k, v in changes.items() if getattr(fresh, k) != v}
    if changed:
        _update(fresh, version, changed)
        audit_event(
            actor=actor,
            action="report.update",
            obj=fresh,
            before={k: before[k] for k in changed},
            after={k: _snapshot(fresh)[k] for k in changed},
        )
    _sync(report, fresh)
    return report


@transaction.atomic
def report_save(
    *,
    actor: Any,
    report: ProgressReport | None = None,
    indicator: Indicator | None = None,
    unit: Unit | None = None,
    period: Period | str | None = None,
    expected_version: int | None = None,
    value: Any = None,
    last_year_value: Any = None,
    narrative: str = "",
    files: Sequence[File] = (),
    submit: bool = False,
    source: str = "web",
) -> ProgressReport:
    """What the report form does, all or nothing: start a draft (no `report`) or change one,
    attach the files chosen, and submit it if asked. `source` marks a new draft's origin."""
    if report is None:
        if indicator is None or unit is None or period is None:
            raise ApplicationError(_("Choose the indicator, unit and period of the report."))
        report = report_create_draft(
            actor=actor,
            indicator=indicator,
            unit=unit,
            period=period,
            value=value,
            last_year_value=last_year_value,
            narrative=narrative,
            source=source,
        )
    else:
        if expected_version is None:
            raise ApplicationError(_("The form is incomplete: reload the page."))
        report_update_draft(
            actor=actor,
            report=report,
            expected_version=expected_version,
            value=value,
            last_year_value=last_year_value,
            narrative=narrative,
        )
    for upload in files:
        evidence_attach(actor=actor, report=report, upload=upload)
    if submit:
        report_submit(actor=actor, report=report)
    return report


# --- the workflow ------------------------------------------------------------------------------
@transaction.atomic
def report_submit(
    *, actor: Any, report: ProgressReport, expected_version: int | None = None
) -> ProgressReport:
    """Send a draft or a returned report to the unit head (a reporter of the unit). The first
    submission after the deadline is marked late. Submitting twice is refused."""
    fresh = _fresh(report)
    if not selectors.is_reporter_for(actor, fresh.unit_id):
        raise _deny()
    _require_current(fresh)
    if fresh.status in (Status.SUBMITTED, Status.UNIT_APPROVED, Status.APPROVED):
        raise ApplicationError(
            _("This report has already been submitted (it is “%(status)s”).")
            % {"status": fresh.get_status_display()}
        )
    version = _check_version(fresh, expected_version)
    _check_complete(fresh)
    plan = fresh.indicator.plan
    deadline = fresh.deadline or selectors.reporting_deadline(plan, Period.parse(fresh.period))
    first_submission = fresh.submitted_at is None and not fresh.correction_reason
    is_late = (_today() > deadline) if first_submission else fresh.is_late
    before = _snapshot(fresh)
    _update(
        fresh,
        version,
        {
            "status": Status.SUBMITTED,
            "submitted_by": actor,
            "submitted_at": timezone.now(),
            "unit_approved_by": None,
            "unit_approved_at": None,
            "returned_reason": "",
            "deadline": deadline,
            "is_late": is_late,
        },
    )
    audit_event(
        actor=actor, action="report.submit", obj=fresh, before=before, after=_snapshot(fresh)
    )
    _sync(report, fresh)
    return report


def _check_complete(report: ProgressReport) -> None:
    """What a report needs before it goes to review."""
    indicator = report.indicator
    problems: list[str] = []
    if indicator.kind in selectors.VALUE_KINDS and report.value is None:
        problems.append(_("Enter the cumulative value."))
    if indicator.kind not in selectors.VALUE_KINDS and not report.narrative.strip():
        problems.append(_("Describe the progress in the narrative."))
    if selectors.evidence_required(indicator.plan) and not report.evidence.exists():
        problems.append(_("Attach at least one evidence file."))
    if problems:
        raise ApplicationError(
            _("The report cannot be submitted yet: %(problems)s") % {"problems": " ".join(problems)}
        )


@transaction.atomic
def report_unit_approve(
    *, actor: Any, report: ProgressReport, expected_version: int | None = None, note: str = ""
) -> ProgressReport:
    """The unit head approves a submitted report of their unit; it goes to the office."""
    fresh = _fresh(report)
    if not selectors.is_unit_head_for(actor, fresh.unit_id):
        raise _deny()
    _require_current(fresh)
    if fresh.status in (Status.UNIT_APPROVED, Status.APPROVED):
        raise ApplicationError(_("This report has already been approved by the unit head."))
    if fresh.status != Status.SUBMITTED:
        raise ApplicationError(
            _("Only a submitted report can be approved; this one is “%(status)s”.")
            % {"status": fresh.get_status_display()}
        )
    if fresh.submitted_by_id is not None and fresh.submitted_by_id == getattr(actor, "pk", None):
        raise PermissionDeniedError(_("Nobody approves a report they submitted themselves."))
    version = _check_version(fresh, expected_version)
    before = _snapshot(fresh)
    _update(
        fresh,
        version,
        {
            "status": Status.UNIT_APPROVED,
            "unit_approved_by": actor,
            "unit_approved_at": timezone.now(),
        },
    )
    audit_event(
        actor=actor,
        action="report.unit_approve",
        obj=fresh,
        reason=_clean_text(note, REASON_LENGTH, _("The note")),
        before=before,
        after=_snapshot(fresh),
    )
    _sync(report, fresh)
    return report


@transaction.atomic
def report_office_approve(
    *, actor: Any, report: ProgressReport, expected_version: int | None = None, note: str = ""
) -> ProgressReport:
    """The office approves a report its unit head approved: the figures are locked and the
    tracking figures are recomputed once the transaction commits."""
    fresh = _fresh(report)
    if not selectors.is_office_for(actor, fresh.unit):
        raise _deny()
    _require_current(fresh)
    if fresh.status == Status.APPROVED:
        raise ApplicationError(_("This report has already been approved by the office."))
    if fresh.status != Status.UNIT_APPROVED:
        raise ApplicationError(
            _(
                "The office approves a report after its unit head has approved it; this one is "
                "“%(status)s”."
            )
            % {"status": fresh.get_status_display()}
        )
    actor_id = getattr(actor, "pk", None)
    if actor_id is not None and actor_id in (fresh.submitted_by_id, fresh.unit_approved_by_id):
        raise PermissionDeniedError(
            _(
                "The office's approval must come from someone who has not submitted or approved "
                "this report already."
            )
        )
    version = _check_version(fresh, expected_version)
    before = _snapshot(fresh)
    _update(
        fresh,
        version,
        {"status": Status.APPROVED, "approved_by": actor, "approved_at": timezone.now()},
    )
    audit_event(
        actor=actor,
        action="report.office_approve",
        obj=fresh,
        reason=_clean_text(note, REASON_LENGTH, _("The note")),
        before=before,
        after=_snapshot(fresh),
    )
    _recompute_after_commit(fresh)
    _sync(report, fresh)
    return report


def _recompute_after_commit(report: ProgressReport) -> None:
    """Recompute the tracking figures the report feeds, after the approval is committed."""
    report_id = report.pk

    def recompute() -> None:
        from kaoping.tracking.services.results import recompute_for_report

        try:
            recompute_for_report(report=ProgressReport.objects.get(pk=report_id))
        except Exception:
            # The approval stands. Hand the recompute to a worker, which retries it and
            # records the run (kaoping.core.jobs); the daily sweep catches up in any case.
            logger.exception("Recomputing the figures of report %s failed; queued", report_id)
            from kaoping.tracking.jobs import recompute_report_job

            recompute_report_job(report_id)

    transaction.on_commit(recompute)


@transaction.atomic
def report_return(
    *,
    actor: Any,
    report: ProgressReport,
    reason: str,
    step: str,
    expected_version: int | None = None,
) -> ProgressReport:
    """Send a report back to its unit with a reason: at the unit step (the unit head, a
    submitted report) or at the office step (the office, a report the unit head approved)."""
    if step not in RETURN_STEPS:
        raise ApplicationError(_("Unknown review step: %(step)s") % {"step": step})
    text = _clean_reason(reason)
    fresh = _fresh(report)
    allowed = (
        selectors.is_unit_head_for(actor, fresh.unit_id)
        if step == STEP_UNIT
        else selectors.is_office_for(actor, fresh.unit)
    )
    if not allowed:
        raise _deny()
    _require_current(fresh)
    if fresh.status == Status.RETURNED:
        raise ApplicationError(_("This report has already been returned to its unit."))
    expected_status = Status.SUBMITTED if step == STEP_UNIT else Status.UNIT_APPROVED
    if fresh.status != expected_status:
        raise ApplicationError(
            _("This report is “%(status)s”: it is not at this review step any more.")
            % {"status": fresh.get_status_display()}
        )
    version = _check_version(fresh, expected_version)
    before = _snapshot(fresh)
    _update(fresh, version, {"status": Status.RETURNED, "returned_reason": text})
    audit_event(
        actor=actor,
        action="report.return",
        obj=fresh,
        reason=text,
        before=before,
        after={**_snapshot(fresh), "step": step},
    )
    _sync(report, fresh)
    return report


@transaction.atomic
def report_correct(
    *, actor: Any, report: ProgressReport, reason: str, expected_version: int | None = None
) -> ProgressReport:
    """Open a correction of an approved report (the office): a new draft version with the
    same figures, narrative and evidence and the reason, becomes the current one; the
    approved version stays as it was, readable, and in force until the correction is
    approved. Returns the new version."""
    text = _clean_reason(reason)
    fresh = _fresh(report)
    if not selectors.is_office_for(actor, fresh.unit):
        raise _deny()
    _require_current(fresh)
    if fresh.status != Status.APPROVED:
        raise ApplicationError(
            _(
                "Only an approved report is corrected by a new version; this one is “%(status)s” "
                "and can be returned instead."
            )
            % {"status": fresh.get_status_display()}
        )
    version = _check_version(fresh, expected_version)
    _update(fresh, version, {"is_current": False})
    correction = ProgressReport(
        indicator_id=fresh.indicator_id,
        unit_id=fresh.unit_id,
        period=fresh.period,
        version=_next_version(fresh.indicator, fresh.unit, fresh.period),
        is_current=True,
        status=Status.DRAFT,
        value=fresh.value,
        last_year_value=fresh.last_year_value,
        narrative=fresh.narrative,
        deadline=fresh.deadline,
        is_late=fresh.is_late,
        correction_reason=text,
        created_by=actor,
        source="web",
    )
    try:
        with transaction.atomic():
            correction.save(force_insert=True)
    except IntegrityError:
        raise _conflict(_fresh(fresh)) from None
    Evidence.objects.bulk_create(
        [
            Evidence(
                report=correction,
                unit_id=e.unit_id,
                file=e.file.name,
                original_name=e.original_name,
                content_type=e.content_type,
                size=e.size,
                sha256=e.sha256,
                description=e.description,
                uploaded_by_id=e.uploaded_by_id,
            )
            for e in fresh.evidence.order_by("uploaded_at")
        ]
    )
    audit_event(
        actor=actor,
        action="report.correct",
        obj=correction,
        reason=text,
        before={"report": fresh.pk, **_snapshot(fresh)},
        after={"report": correction.pk, **_snapshot(correction)},
    )
    _sync(report, fresh)
    return correction


# --- evidence ------------------------------------------------------------------------------------
def _lock_editable(report: ProgressReport) -> None:
    """Touch the row on condition that it is still editable, so a submission running at the
    same time waits for this change or this change sees the submission."""
    touched = ProgressReport.objects.filter(
        pk=report.pk, is_current=True, status__in=selectors.EDITABLE_STATUSES
    ).update(updated_at=timezone.now())
    if not touched:
        _require_editable(_fresh(report))
        raise _conflict(_fresh(report))


@transaction.atomic
def evidence_attach(
    *, actor: Any, report: ProgressReport, upload: File, description: str = ""
) -> Evidence:
    """Check a file by its content and attach it to a draft or returned report (a reporter of
    the unit). The bytes are stored once by their SHA-256."""
    fresh = _fresh(report)
    if not selectors.is_reporter_for(actor, fresh.unit_id):
        raise _deny()
    _require_editable(fresh)
    checked = evidence_files.check_upload(upload)
    _lock_editable(fresh)
    attached = list(fresh.evidence.values_list("sha256", flat=True))
    if checked.sha256 in attached:
        raise ApplicationError(
            _("The file %(name)s is attached to this report already.") % {"name": checked.name}
        )
    if len(attached) >= MAX_EVIDENCE_PER_REPORT:
        raise ApplicationError(
            _("A report has at most %(n)d evidence files.") % {"n": MAX_EVIDENCE_PER_REPORT}
        )
    stored_name = evidence_files.store(upload, checked)
    evidence = Evidence.objects.create(
        report=fresh,
        unit_id=fresh.unit_id,
        file=stored_name,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=_clean_text(description, DESCRIPTION_LENGTH, _("The description")),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_event(
        actor=actor,
        action="report.evidence_attach",
        obj=fresh,
        after={
            "evidence": evidence.pk,
            "name": evidence.original_name,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "sha256": evidence.sha256,
        },
    )
    return evidence


@transaction.atomic
def evidence_remove(*, actor: Any, evidence: Evidence, reason: str = "") -> None:
    """Take a file off a draft or returned report (a reporter of the unit); the bytes are
    deleted once no report or milestone refers to them."""
    owner = evidence.report
    if owner is None:
        raise ApplicationError(_("This file is not the evidence of a report."))
    fresh = _fresh(owner)
    if not selectors.is_reporter_for(actor, fresh.unit_id):
        raise _deny()
    _require_editable(fresh)
    _lock_editable(fresh)
    name = evidence.file.name or ""
    before = {
        "evidence": evidence.pk,
        "name": evidence.original_name,
        "sha256": evidence.sha256,
        "size": evidence.size,
    }
    Evidence.objects.filter(pk=evidence.pk).delete()
    audit_event(
        actor=actor,
        action="report.evidence_remove",
        obj=fresh,
        reason=_clean_text(reason, REASON_LENGTH, _("The reason")),
        before=before,
    )
    transaction.on_commit(lambda: evidence_files.forget_if_unused(name))
