"""Writes of the bulletins app: generate, build (the job), edit, issue, discard; schedules.

Every service checks that the actor is the office of the plan's owner (the system, actor
None, may too), runs in a transaction and writes an audit event. An issued bulletin is
frozen: its archived files carry their SHA-256 in `file_hashes`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.bulletins import content
from kaoping.bulletins.documents import FORMATS, bulletin_document, file_name
from kaoping.bulletins.models import Bulletin, BulletinSchedule, issued_refusal
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.core.periods import Period, PeriodError
from kaoping.plans.models import Plan
from kaoping.tracking.selectors import is_office_for
from kaoping.tracking.services.supervision import Message, notify, office_users, page_url

logger = logging.getLogger(__name__)

TEXT_LIMIT = 20_000
FIELD_LIMITS = {"title": 200, "document_number": 60, "issuing_body": 60}


def _require_office(actor: Any, plan: Plan) -> None:
    if not is_office_for(actor, plan.owner_id):
        raise PermissionDeniedError(_("You are not allowed to do this."))


def bulletin_period(plan: Plan, text: str) -> Period:
    """A bulletin's period: a quarter or a month of the plan's year."""
    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise ApplicationError(exc.message) from exc
    if period.kind == "year":
        period = Period(period.year, "quarter", 4)
    if period.year != plan.cycle.year:
        raise ApplicationError(
            _("The period %(period)s is not in the %(year)d cycle.")
            % {"period": period, "year": plan.cycle.year}
        )
    return period


def _audit(actor: Any, action: str, bulletin: Bulletin, **after: Any) -> None:
    audit_event(
        actor=actor,
        action=action,
        obj=bulletin,
        after={"plan": bulletin.plan_id, "period": bulletin.period, **after},
    )


# --- generating -----------------------------------------------------------------------------
@transaction.atomic
def bulletin_generate(
    *, plan: Plan, period: str, actor: Any, schedule: BulletinSchedule | None = None
) -> Bulletin:
    """Start a bulletin of the plan at the period: stored as "generating", built by a job."""
    _require_office(actor, plan)
    at = bulletin_period(plan, period)
    bulletin = Bulletin.objects.create(
        plan=plan,
        period=str(at),
        title=content.default_title(at),
        issuing_body=content.default_issuing_body(plan),
        status=Bulletin.Status.GENERATING,
        progress=0,
        progress_message=_("Waiting for a worker"),
        created_by=actor,
        schedule=schedule,
    )
    _audit(actor, "bulletin.generate", bulletin, scheduled=schedule is not None)
    from kaoping.bulletins.jobs import build_bulletin_job

    transaction.on_commit(lambda: build_bulletin_job(bulletin.pk))
    return bulletin


def _set_progress(bulletin_id: int, percent_done: int, message: str) -> None:
    Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.GENERATING).update(
        progress=max(0, min(100, percent_done)), progress_message=message[:200]
    )


def bulletin_build(*, bulletin_id: int, today: date | None = None) -> Bulletin:
    """Build the content of a "generating" bulletin (the job; idempotent): on success a
    draft the office edits (and a scheduled one notifies the office); on error "failed"."""
    bulletin = Bulletin.objects.select_related("plan", "plan__cycle", "plan__owner").get(
        pk=bulletin_id
    )
    if bulletin.status != Bulletin.Status.GENERATING:
        return bulletin
    today = today or timezone.localdate()
    try:
        sections = content.build_sections(
            plan=bulletin.plan,
            period=Period.parse(bulletin.period),
            today=today,
            progress=lambda done, message: _set_progress(bulletin_id, done, message),
        )
    except Exception as exc:  # a failed build is shown on the page, not lost in a log
        logger.exception("Bulletin %s failed", bulletin_id)
        return bulletin_fail(bulletin_id=bulletin_id, error=str(exc)) or bulletin
    with transaction.atomic():
        # Conditional: of two builds at once (a duplicate, a rerun after a lost worker) one
        # stores, audits and notifies; the other finds the draft and leaves it alone.
        built = Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.GENERATING).update(
            status=Bulletin.Status.DRAFT,
            sections=sections,
            progress=100,
            progress_message=_("Ready"),
            generated_at=timezone.now(),
            row_version=F("row_version") + 1,
        )
        bulletin.refresh_from_db()
        if built:
            _audit(None, "bulletin.build", bulletin, sections=len(sections))
            if bulletin.schedule_id is not None:
                _notify_draft(bulletin)
    return bulletin


@transaction.atomic
def bulletin_fail(*, bulletin_id: int, error: str) -> Bulletin | None:
    """Mark a bulletin still "generating" failed with the error (a build error, or the job
    giving up after its retries); audited once. Returns the bulletin, None if it is gone."""
    failed = Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.GENERATING).update(
        status=Bulletin.Status.FAILED, error=error[:2000], progress_message=_("Failed")
    )
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    if failed and bulletin is not None:
        _audit(None, "bulletin.fail", bulletin, error=error[:200])
    return bulletin


def _notify_draft(bulletin: Bulletin) -> None:
    title = _("A bulletin draft is ready: %(title)s") % {"title": bulletin.title}
    body = _("Check and edit the generated text, then issue it.")
    url = page_url("bulletins:detail", bulletin.pk)
    notify(
        Message(user, title, body, url, f"bulletin:{bulletin.pk}:draft")
        for user in office_users(bulletin.plan.owner)
    )


# --- editing and issuing -----------------------------------------------------------------------
def _clean_field(name: str, value: str | None, label: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if name != "document_number" and not text:
        raise ApplicationError(_("Please write the %(field)s.") % {"field": label})
    if len(text) > FIELD_LIMITS[name]:
        raise ApplicationError(
            _("The %(field)s is too long (at most %(n)d characters).")
            % {"field": label, "n": FIELD_LIMITS[name]}
        )
    return text


@transaction.atomic
def bulletin_update_text(
    *,
    bulletin: Bulletin,
    actor: Any,
    sections: Mapping[str, str],
    version: int,
    title: str | None = None,
    document_number: str | None = None,
    issuing_body: str | None = None,
) -> Bulletin:
    """Change a draft's section texts (by section key) and front matter, from `version`:
    someone else's change since then is a ConflictError; an issued bulletin is refused."""
    _require_office(actor, bulletin.plan)
    fresh = Bulletin.objects.filter(pk=bulletin.pk).values_list("status", "row_version").first()
    if fresh is None or fresh[0] == Bulletin.Status.ISSUED:
        raise issued_refusal()
    if fresh[0] != Bulletin.Status.DRAFT:
        raise ApplicationError(_("Only a draft bulletin can be edited."))
    if fresh[1] != version:
        raise ConflictError(
            _("Someone else changed this bulletin meanwhile. Reload it and make your change again.")
        )
    known = {part["key"] for part in bulletin.sections}
    unknown = set(sections) - known
    if unknown:
        raise ApplicationError(_("Unknown section: %(key)s") % {"key": sorted(unknown)[0]})
    changed = []
    new_sections = []
    for part in bulletin.sections:
        part = dict(part)
        if part["key"] in sections:
            text = str(sections[part["key"]]).replace("\r\n", "\n").strip()
            if len(text) > TEXT_LIMIT:
                raise ApplicationError(
                    _("The %(field)s is too long (at most %(n)d characters).")
                    % {"field": part["heading"], "n": TEXT_LIMIT}
                )
            if text != part["text"]:
                changed.append(part["key"])
            part["text"] = text
        new_sections.append(part)
    updates: dict[str, Any] = {"sections": new_sections}
    labels = {
        "title": _("title"),
        "document_number": _("document number"),
        "issuing_body": _("issuing body"),
    }
    for name, value in (
        ("title", title),
        ("document_number", document_number),
        ("issuing_body", issuing_body),
    ):
        cleaned = _clean_field(name, value, str(labels[name]))
        if cleaned is not None:
            if cleaned != getattr(bulletin, name):
                changed.append(name)
            updates[name] = cleaned
    count = Bulletin.objects.filter(
        pk=bulletin.pk, row_version=version, status=Bulletin.Status.DRAFT
    ).update(**updates, row_version=F("row_version") + 1, updated_at=timezone.now())
    if count != 1:
        raise ConflictError(
            _("Someone else changed this bulletin meanwhile. Reload it and make your change again.")
        )
    bulletin.refresh_from_db()
    _audit(actor, "bulletin.edit", bulletin, changed=changed)
    return bulletin


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def bulletin_issue(*, bulletin: Bulletin, actor: Any, version: int | None = None) -> Bulletin:
    """Issue a draft: render its Word, PDF and Excel files, archive them with their SHA-256,
    and freeze it (no change or deletion afterwards)."""
    _require_office(actor, bulletin.plan)
    locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if locked.status == Bulletin.Status.ISSUED:
        raise issued_refusal()
    if locked.status != Bulletin.Status.DRAFT:
        raise ApplicationError(_("Only a draft bulletin can be issued."))
    if version is not None and locked.row_version != version:
        raise ConflictError(
            _("Someone else changed this bulletin meanwhile. Reload it and make your change again.")
        )
    now = timezone.now()
    locked.issued_at = now
    doc = bulletin_document(locked, timezone.localdate(now))
    hashes = {}
    for extension, fmt in FORMATS.items():
        data = fmt.render(doc)
        hashes[extension] = _sha256(data)
        name = file_name("bulletin", locked.period, extension)
        getattr(locked, f"{extension}_file").save(name, ContentFile(data), save=False)
    locked.file_hashes = hashes
    locked.status = Bulletin.Status.ISSUED
    locked.issued_by = actor
    locked.row_version += 1
    locked.save()
    _audit(actor, "bulletin.issue", locked, files=hashes)
    return locked


@transaction.atomic
def bulletin_discard(*, bulletin: Bulletin, actor: Any) -> None:
    """Delete a bulletin that is not issued (a draft, a failed or a stuck one)."""
    _require_office(actor, bulletin.plan)
    if bulletin.is_issued:
        raise issued_refusal()
    _audit(actor, "bulletin.discard", bulletin)
    bulletin.delete()


def archived_file(bulletin: Bulletin, extension: str) -> bytes:
    """An issued bulletin's archived file, checked against the hash kept at issue."""
    field = getattr(bulletin, f"{extension}_file")
    with field.open("rb") as handle:
        data: bytes = handle.read()
    if _sha256(data) != bulletin.file_hashes.get(extension):
        raise ApplicationError(_("The archived file does not match its hash."))
    return data


# --- schedules ----------------------------------------------------------------------------------
@transaction.atomic
def schedule_save(
    *,
    actor: Any,
    plan: Plan,
    day_of_month: int,
    period_kind: str,
    active: bool = True,
    schedule: BulletinSchedule | None = None,
) -> BulletinSchedule:
    """Create or change a plan's bulletin schedule (one per period kind)."""
    _require_office(actor, plan)
    if not 1 <= day_of_month <= 28:
        raise ApplicationError(_("The day of the month must be between 1 and 28."))
    if period_kind not in BulletinSchedule.Kind.values:
        raise ApplicationError(_("Choose monthly or quarterly."))
    clash = BulletinSchedule.objects.filter(plan=plan, period_kind=period_kind)
    if schedule is not None:
        clash = clash.exclude(pk=schedule.pk)
    if clash.exists():
        raise ApplicationError(_("This plan already has a schedule of that kind."))
    if schedule is None:
        schedule = BulletinSchedule(plan=plan, created_by=actor)
    schedule.day_of_month = day_of_month
    schedule.period_kind = period_kind
    schedule.active = active
    schedule.save()
    audit_event(
        actor=actor,
        action="bulletin_schedule.save",
        obj=schedule,
        after={"day": day_of_month, "kind": period_kind, "active": active},
    )
    return schedule


@transaction.atomic
def schedule_delete(*, actor: Any, schedule: BulletinSchedule) -> None:
    _require_office(actor, schedule.plan)
    audit_event(actor=actor, action="bulletin_schedule.delete", obj=schedule)
    schedule.delete()


def due_period(schedule: BulletinSchedule, today: date) -> Period | None:
    """The period a schedule drafts on `today`: the month (or quarter) just ended, on the
    schedule's day; None on other days or when that period is outside the plan's year."""
    if today.day != schedule.day_of_month:
        return None
    if schedule.period_kind == BulletinSchedule.Kind.QUARTERLY:
        if today.month not in (1, 4, 7, 10):
            return None
        period = Period.containing(today, "quarter").previous()
    else:
        period = Period.containing(today, "month").previous()
    return period if period.year == schedule.plan.cycle.year else None


def schedules_run(*, today: date) -> list[Bulletin]:
    """Start the drafts of the active schedules due today, once per schedule and period."""
    started = []
    schedules = BulletinSchedule.objects.filter(active=True, day_of_month=today.day).select_related(
        "plan", "plan__cycle", "plan__owner"
    )
    for schedule in schedules:
        period = due_period(schedule, today)
        if period is None:
            continue
        with transaction.atomic():
            if Bulletin.objects.filter(schedule=schedule, period=str(period)).exists():
                continue
            started.append(
                bulletin_generate(
                    plan=schedule.plan, period=str(period), actor=None, schedule=schedule
                )
            )
            BulletinSchedule.objects.filter(pk=schedule.pk).update(last_run_on=today)
    return started
