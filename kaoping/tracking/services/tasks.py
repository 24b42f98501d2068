"""Writes of tasks and milestones (任务, 节点) and of the working calendar.

Tasks break an assignment into work items; their milestones are planned backward from the
deadline (倒排时间、倒排任务、倒排进度) on the working calendar kept in tracking.Holiday.
A milestone is done only with evidence (佐证材料); done after its due date it is late, not
done by then it is missed. Who may do what is decided by the predicates of
tracking.task_selectors; every write here is atomic and audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Person, Unit
from kaoping.plans.models import Assignment, Plan
from kaoping.tracking import evidence as evidence_files
from kaoping.tracking.models import Evidence, Holiday, Milestone, Task
from kaoping.tracking.task_selectors import (
    can_edit_calendar,
    can_manage_tasks,
    can_reopen_milestone,
    can_work_on_task,
    work_calendar,
)
from kaoping.tracking.workdays import PlannedStep, official_calendar_rows, plan_backward

TASK_FIELDS = frozenset({"name", "description", "deadline", "owner"})
MILESTONE_FIELDS = frozenset({"name", "due", "working_days", "note"})
MAX_STEPS = 30
NAME_LENGTH = 200


def _refuse() -> PermissionDeniedError:
    return PermissionDeniedError(_("You are not allowed to do this."))


def _today() -> date:
    return timezone.localdate()


def _save_versioned(
    instance: Task | Milestone, *, expected_version: int | None, fields: dict[str, Any]
) -> None:
    """UPDATE … WHERE row_version = expected: a concurrent edit raises ConflictError.

    Without `expected_version` the version the instance was read at is used.
    """
    version = instance.row_version if expected_version is None else expected_version
    updated = (
        type(instance)
        .objects.filter(pk=instance.pk, row_version=version)
        .update(row_version=version + 1, updated_at=timezone.now(), **fields)
    )
    if not updated:
        raise ConflictError(
            _(
                "Someone else saved “%(obj)s” while you were editing. Reload to see their "
                "changes, then apply yours again."
            )
            % {"obj": instance}
        )
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.row_version = version + 1


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ApplicationError(_("A name is required."))
    if len(cleaned) > NAME_LENGTH:
        raise ApplicationError(_("A name has at most %(n)s characters.") % {"n": NAME_LENGTH})
    return cleaned


def _check_owner(owner: Person | None, unit: Unit) -> None:
    if owner is None:
        return
    if not owner.is_active:
        raise ApplicationError(_("%(name)s is no longer active.") % {"name": owner.name})
    if owner.unit_id != unit.pk:
        raise ApplicationError(
            _("The responsible person must work for %(unit)s.") % {"unit": unit.name}
        )


def _check_open(task: Task) -> None:
    if task.status in (Task.Status.DONE, Task.Status.CANCELLED):
        raise ApplicationError(
            _("The task “%(task)s” is %(status)s; it no longer changes.")
            % {"task": task.name, "status": task.get_status_display()}
        )


def _check_due_in_deadline(due: date, task: Task) -> None:
    if due > task.deadline:
        raise ApplicationError(
            _("A milestone cannot be due after its task's deadline (%(deadline)s).")
            % {"deadline": task.deadline.isoformat()}
        )


def _task_snapshot(task: Task) -> dict[str, Any]:
    data = snapshot(task)
    data["deadline"] = task.deadline.isoformat()
    return data


def _milestone_snapshot(milestone: Milestone) -> dict[str, Any]:
    data = snapshot(milestone)
    for key in ("due", "started_on", "done_on"):
        value = getattr(milestone, key)
        data[key] = value.isoformat() if value else None
    return data


# --- tasks ---------------------------------------------------------------------------------
@transaction.atomic
def task_create(
    *,
    actor: Any,
    assignment: Assignment,
    name: str,
    deadline: date,
    unit: Unit | None = None,
    description: str = "",
    owner: Person | None = None,
) -> Task:
    """Add a task to an assignment, for its lead unit or one of its supporting units."""
    unit = unit or assignment.lead_unit
    if not can_manage_tasks(actor, unit.pk):
        raise _refuse()
    allowed = {assignment.lead_unit_id, *assignment.supporting_units.values_list("pk", flat=True)}
    if unit.pk not in allowed:
        raise ApplicationError(
            _("%(unit)s is neither the lead unit nor a supporting unit of this assignment.")
            % {"unit": unit.name}
        )
    if assignment.indicator.plan.status == Plan.Status.ARCHIVED:
        raise ApplicationError(_("The plan of this assignment is archived."))
    _check_owner(owner, unit)
    task = Task.objects.create(
        assignment=assignment,
        unit=unit,
        name=_clean_name(name),
        description=description.strip(),
        deadline=deadline,
        owner=owner,
    )
    audit_event(actor=actor, action="task.create", obj=task, after=_task_snapshot(task))
    return task


@transaction.atomic
def task_update(*, actor: Any, task: Task, expected_version: int, **changes: Any) -> Task:
    """Change a task's name, description, deadline or responsible person (optimistic)."""
    if not can_manage_tasks(actor, task.unit_id):
        raise _refuse()
    unknown = set(changes) - TASK_FIELDS
    if unknown:
        raise ApplicationError(_("Unknown task fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _check_open(task)
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"])
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    if "owner" in changes:
        _check_owner(changes["owner"], task.unit)
    deadline = changes.get("deadline")
    if deadline is not None:
        late = task.milestones.filter(done_on__isnull=True, due__gt=deadline).order_by("due")
        if late.exists():
            raise ApplicationError(
                _(
                    "Milestones are due after the new deadline (%(names)s): move them or plan "
                    "the task backward again."
                )
                % {"names": "、".join(m.name for m in late[:5])}
            )
    before = _task_snapshot(task)
    _save_versioned(task, expected_version=expected_version, fields=changes)
    audit_event(
        actor=actor, action="task.update", obj=task, before=before, after=_task_snapshot(task)
    )
    return task


@transaction.atomic
def task_set_status(
    *, actor: Any, task: Task, status: str, expected_version: int | None = None, reason: str = ""
) -> Task:
    """Mark a task in progress, done (every milestone done) or cancelled (with a reason)."""
    if not can_manage_tasks(actor, task.unit_id):
        raise _refuse()
    if status not in Task.Status.values:
        raise ApplicationError(_("Unknown task status: %(s)s") % {"s": status})
    if status == task.status:
        return task
    if status == Task.Status.DONE and task.milestones.filter(done_on__isnull=True).exists():
        raise ApplicationError(_("A task is done when all its milestones are done."))
    if status == Task.Status.CANCELLED and not reason.strip():
        raise ApplicationError(_("Say why the task is cancelled."))
    before = _task_snapshot(task)
    _save_versioned(task, expected_version=expected_version, fields={"status": status})
    audit_event(
        actor=actor,
        action="task.status",
        obj=task,
        before=before,
        after=_task_snapshot(task),
        reason=reason.strip(),
    )
    return task


def _follow_milestones(task: Task) -> None:
    """Keep the task's status in step with its milestones (started → in progress, all done
    → done, reopened → in progress); a cancelled task stays cancelled."""
    if task.status == Task.Status.CANCELLED:
        return
    milestones = list(task.milestones.values_list("started_on", "done_on"))
    if milestones and all(done for _started, done in milestones):
        wanted = Task.Status.DONE
    elif any(started or done for started, done in milestones) or (task.status == Task.Status.DONE):
        wanted = Task.Status.IN_PROGRESS
    else:
        return
    if wanted != task.status:
        _save_versioned(task, expected_version=None, fields={"status": wanted})


# --- milestones ----------------------------------------------------------------------------
@transaction.atomic
def milestone_add(
    *, actor: Any, task: Task, name: str, due: date, working_days: int = 1, note: str = ""
) -> Milestone:
    """Add one dated milestone to a task (after the others in order)."""
    if not can_manage_tasks(actor, task.unit_id):
        raise _refuse()
    _check_open(task)
    _check_due_in_deadline(due, task)
    if working_days < 1:
        raise ApplicationError(_("Every step needs at least one working day."))
    order = (task.milestones.aggregate(top=Max("order"))["top"] or 0) + 1
    milestone = Milestone.objects.create(
        task=task,
        name=_clean_name(name),
        due=due,
        working_days=working_days,
        note=note.strip(),
        order=order,
    )
    audit_event(
        actor=actor, action="milestone.add", obj=milestone, after=_milestone_snapshot(milestone)
    )
    return milestone


@transaction.atomic
def milestone_update(
    *, actor: Any, milestone: Milestone, expected_version: int, **changes: Any
) -> Milestone:
    """Change a milestone's name, due date, duration or note (optimistic locking)."""
    task = milestone.task
    if not can_manage_tasks(actor, task.unit_id):
        raise _refuse()
    unknown = set(changes) - MILESTONE_FIELDS
    if unknown:
        raise ApplicationError(
            _("Unknown milestone fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    _check_open(task)
    if milestone.done_on is not None:
        raise ApplicationError(
            _("A done milestone does not change; the office may reopen it with a reason.")
        )
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"])
    if "note" in changes:
        changes["note"] = (changes["note"] or "").strip()
    if "due" in changes:
        _check_due_in_deadline(changes["due"], task)
    if changes.get("working_days", 1) < 1:
        raise ApplicationError(_("Every step needs at least one working day."))
    before = _milestone_snapshot(milestone)
    _save_versioned(milestone, expected_version=expected_version, fields=changes)
    audit_event(
        actor=actor,
        action="milestone.update",
        obj=milestone,
        before=before,
        after=_milestone_snapshot(milestone),
    )
    return milestone


@transaction.atomic
def milestone_remove(*, actor: Any, milestone: Milestone, reason: str = "") -> None:
    """Remove a milestone entered by mistake (not once it is started, done or evidenced)."""
    task = milestone.task
    if not can_manage_tasks(actor, task.unit_id):
        raise _refuse()
    _check_open(task)
    if milestone.started_on or milestone.done_on or milestone.evidence.exists():
        raise ApplicationError(
            _("A milestone that is started, done or has evidence cannot be removed.")
        )
    before = _milestone_snapshot(milestone)
    label, pk = str(milestone), milestone.pk
    milestone.delete()
    audit_event(
        actor=actor,
        action="milestone.remove",
        object_type="tracking.milestone",
        object_id=str(pk),
        object_repr=label,
        before=before,
        reason=reason.strip(),
    )


@transaction.atomic
def milestone_start(
    *,
    actor: Any,
    milestone: Milestone,
    started_on: date | None = None,
    expected_version: int | None = None,
) -> Milestone:
    """Record that work on a milestone has started (on `started_on`, default today)."""
    task = milestone.task
    if not can_work_on_task(actor, task):
        raise _refuse()
    _check_open(task)
    if milestone.done_on is not None:
        raise ApplicationError(_("This milestone is already done."))
    if milestone.started_on is not None:
        raise ApplicationError(_("This milestone is already started."))
    started_on = started_on or _today()
    if started_on > _today():
        raise ApplicationError(_("A start date cannot be in the future."))
    before = _milestone_snapshot(milestone)
    _save_versioned(milestone, expected_version=expected_version, fields={"started_on": started_on})
    _follow_milestones(task)
    audit_event(
        actor=actor,
        action="milestone.start",
        obj=milestone,
        before=before,
        after=_milestone_snapshot(milestone),
    )
    return milestone


@transaction.atomic
def milestone_complete(
    *,
    actor: Any,
    milestone: Milestone,
    done_on: date,
    files: Sequence[UploadedFile] = (),
    note: str = "",
    expected_version: int | None = None,
) -> Milestone:
    """Mark a milestone done on `done_on`, backed by evidence (佐证材料).

    Evidence is at least one file: uploaded now (`files`) or attached before. Done after the
    due date the milestone counts as late.
    """
    task = milestone.task
    if not can_work_on_task(actor, task):
        raise _refuse()
    _check_open(task)
    if milestone.done_on is not None:
        raise ApplicationError(_("This milestone is already done."))
    if done_on > _today():
        raise ApplicationError(_("A milestone cannot be done on a future date."))
    if milestone.started_on is not None and done_on < milestone.started_on:
        raise ApplicationError(
            _("The milestone was started on %(day)s; it cannot be done before that.")
            % {"day": milestone.started_on.isoformat()}
        )
    if not files and not milestone.evidence.exists():
        raise ApplicationError(
            _("A milestone is done only with evidence: attach at least one file.")
        )
    before = _milestone_snapshot(milestone)
    stored = [_store_evidence(actor=actor, milestone=milestone, upload=f) for f in files]
    fields: dict[str, Any] = {"done_on": done_on, "started_on": milestone.started_on or done_on}
    if note.strip():
        fields["note"] = note.strip()
    _save_versioned(milestone, expected_version=expected_version, fields=fields)
    _follow_milestones(task)
    after = _milestone_snapshot(milestone)
    after["late"] = done_on > milestone.due
    after["evidence"] = [{"id": e.pk, "sha256": e.sha256, "name": e.original_name} for e in stored]
    audit_event(actor=actor, action="milestone.complete", obj=milestone, before=before, after=after)
    return milestone


@transaction.atomic
def milestone_reopen(
    *, actor: Any, milestone: Milestone, reason: str, expected_version: int | None = None
) -> Milestone:
    """Undo a milestone's completion (the office, with a reason); its evidence stays."""
    task = milestone.task
    if not can_reopen_milestone(actor, task):
        raise _refuse()
    if task.status == Task.Status.CANCELLED:  # a done task reopens with its milestone
        _check_open(task)
    if milestone.done_on is None:
        raise ApplicationError(_("This milestone is not done."))
    if not reason.strip():
        raise ApplicationError(_("Say why the milestone is reopened."))
    before = _milestone_snapshot(milestone)
    _save_versioned(milestone, expected_version=expected_version, fields={"done_on": None})
    _follow_milestones(task)
    audit_event(
        actor=actor,
        action="milestone.reopen",
        obj=milestone,
        before=before,
        after=_milestone_snapshot(milestone),
        reason=reason.strip(),
    )
    return milestone


@transaction.atomic
def task_plan_backward(
    *,
    actor: Any,
    task: Task,
    steps: Sequence[tuple[str, int]] | Sequence[PlannedStep],
    deadline: date | None = None,
    expected_version: int | None = None,
) -> list[Milestone]:
    """Plan a task's milestones backward from its deadline (倒排) on the working calendar.

    The steps are done in order; the last is due on the deadline (or the working day before
    it), each earlier one when the next must start. The task's milestones are replaced, which
    is refused once one of them is started, done or has evidence. A new `deadline` moves the
    task's deadline too.
    """
    if not can_manage_tasks(actor, task.unit_id):
        raise _refuse()
    _check_open(task)
    planned_steps = [
        s if isinstance(s, PlannedStep) else PlannedStep(_clean_name(s[0]), s[1]) for s in steps
    ]
    if not planned_steps:
        raise ApplicationError(_("Give at least one step."))
    if len(planned_steps) > MAX_STEPS:
        raise ApplicationError(_("At most %(n)s steps.") % {"n": MAX_STEPS})
    existing = list(task.milestones.all())
    if (
        any(m.started_on or m.done_on for m in existing)
        or Evidence.objects.filter(milestone__task=task).exists()
    ):
        raise ApplicationError(
            _(
                "Some milestones are already started or done: change them one by one instead of "
                "planning the task again."
            )
        )
    deadline = deadline or task.deadline
    planned = plan_backward(work_calendar(), deadline, planned_steps)
    before = {
        "task": _task_snapshot(task),
        "milestones": [_milestone_snapshot(m) for m in existing],
    }
    fields: dict[str, Any] = {"deadline": deadline} if deadline != task.deadline else {}
    # The task's version moves with every re-plan, so two planners cannot both win.
    _save_versioned(task, expected_version=expected_version, fields=fields)
    task.milestones.all().delete()
    Milestone.objects.bulk_create(
        [
            Milestone(
                task=task, name=step.name, order=index, working_days=step.working_days, due=due
            )
            for index, (step, due) in enumerate(planned, start=1)
        ]
    )
    created = list(task.milestones.order_by("order"))
    audit_event(
        actor=actor,
        action="task.plan_backward",
        obj=task,
        before=before,
        after={
            "task": _task_snapshot(task),
            "milestones": [_milestone_snapshot(m) for m in created],
        },
    )
    return created


# --- evidence ------------------------------------------------------------------------------
def _store_evidence(*, actor: Any, milestone: Milestone, upload: UploadedFile) -> Evidence:
    """Check an uploaded file (tracking.evidence: by its content) and keep it as evidence of
    the milestone, stored once by its hash."""
    checked = evidence_files.check_upload(upload)
    evidence = Evidence(
        milestone=milestone,
        unit_id=milestone.task.unit_id,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    evidence.file.name = evidence_files.store(upload, checked)
    evidence.save()
    return evidence


# --- the working calendar ------------------------------------------------------------------
def _holiday_snapshot(holiday: Holiday) -> dict[str, Any]:
    return {
        "day": holiday.day.isoformat(),
        "is_working_day": holiday.is_working_day,
        "name": holiday.name,
        "source": holiday.source,
    }


@transaction.atomic
def holiday_set(*, actor: Any, day: date, is_working_day: bool, name: str = "") -> Holiday:
    """Record a weekday off (holiday) or a worked weekend day (调休) in the calendar."""
    if not can_edit_calendar(actor):
        raise _refuse()
    weekend = day.weekday() >= 5
    if is_working_day and not weekend:
        raise ApplicationError(
            _(
                "%(day)s is a weekday, a working day anyway: only weekend days are entered as "
                "working days."
            )
            % {"day": day.isoformat()}
        )
    if not is_working_day and weekend:
        raise ApplicationError(
            _("%(day)s is a weekend day, a day off anyway: only weekdays are entered as holidays.")
            % {"day": day.isoformat()}
        )
    name = (name or "").strip()[:50]
    existing = Holiday.objects.filter(day=day).first()
    before = _holiday_snapshot(existing) if existing else None
    holiday, _created = Holiday.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "name": name, "source": "office"}
    )
    audit_event(
        actor=actor,
        action="holiday.set",
        obj=holiday,
        before=before,
        after=_holiday_snapshot(holiday),
    )
    return holiday


@transaction.atomic
def holiday_delete(*, actor: Any, day: date, reason: str = "") -> None:
    """Remove a calendar entry: the day is an ordinary weekday or weekend day again."""
    if not can_edit_calendar(actor):
        raise _refuse()
    holiday = Holiday.objects.filter(day=day).first()
    if holiday is None:
        raise ApplicationError(_("No calendar entry for %(day)s.") % {"day": day.isoformat()})
    before = _holiday_snapshot(holiday)
    pk, label = holiday.pk, str(holiday)
    holiday.delete()
    audit_event(
        actor=actor,
        action="holiday.delete",
        object_type="tracking.holiday",
        object_id=str(pk),
        object_repr=label,
        before=before,
        reason=reason.strip(),
    )


@transaction.atomic
def holidays_seed_official(*, actor: Any, year: int) -> int:
    """Load a year's holidays and make-up working days from the chinese-calendar package.

    Returns how many official days the year now has from it, 0 when the package does not
    know the year (then the office enters the State Council's notice by hand). Days the
    office entered itself are kept as they are.
    """
    if not can_edit_calendar(actor):
        raise _refuse()
    rows = official_calendar_rows(year)
    if not rows:
        return 0
    office_days = set(
        Holiday.objects.filter(day__year=year, source="office").values_list("day", flat=True)
    )
    loaded = created = changed = 0
    for day, working, name in rows:
        if day in office_days:
            continue
        holiday, was_created = Holiday.objects.get_or_create(
            day=day, defaults={"is_working_day": working, "name": name[:50], "source": "official"}
        )
        if not was_created and (holiday.is_working_day, holiday.name) != (working, name[:50]):
            holiday.is_working_day, holiday.name = working, name[:50]
            holiday.save(update_fields=["is_working_day", "name"])
            changed += 1
        created += was_created
        loaded += 1
    audit_event(
        actor=actor,
        action="holiday.seed",
        object_type="tracking.holiday",
        object_id=str(year),
        object_repr=_("Official calendar %(year)s") % {"year": year},
        after={
            "year": year,
            "loaded": loaded,
            "created": created,
            "changed": changed,
            "kept_office_days": len(office_days),
        },
    )
    return loaded
