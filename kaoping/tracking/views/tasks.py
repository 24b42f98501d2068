"""Pages of tasks and milestones (任务, 节点), backward planning (倒排) and the working calendar.

Views parse input, check the role, call one selector or service and render. A task outside
the user's scope, or an action the user may not take on it, answers 404; the services check
again and refuse with an ApplicationError, shown on the form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError, ConflictError
from kaoping.org.models import Role, Unit
from kaoping.org.permissions import (
    CALENDAR_ROLES,
    MILESTONE_WORK_ROLES,
    PUBLIC_MARKING_ROLES,
    TASK_EDITOR_ROLES,
    TASK_ROLES,
    roles_required,
)
from kaoping.tracking import task_selectors as selectors
from kaoping.tracking.calculations import Status
from kaoping.tracking.evidence import evidence_response
from kaoping.tracking.milestones import TASK_STATUS_COLOURS, TASK_STATUS_LABELS
from kaoping.tracking.models import Milestone, Task
from kaoping.tracking.services import public as public_services
from kaoping.tracking.services import tasks as services
from kaoping.tracking.task_forms import (
    HolidayDeleteForm,
    HolidayForm,
    HolidaySeedForm,
    MilestoneCompleteForm,
    MilestoneForm,
    MilestoneReopenForm,
    PlanForm,
    PlanStepFormSet,
    TaskForm,
    TaskPublicForm,
    TaskStatusForm,
    steps_initial,
)
from kaoping.tracking.workdays import PlannedStep

READ_WRITE = require_http_methods(["GET", "POST"])
# Reopening a done milestone is the office's decision.
REOPEN_ROLES = frozenset({Role.OFFICE})
PER_PAGE = 50
BLANK_STEP_ROWS = 3  # blank rows under a task's present steps; a task with none gets 5


def _form_error(form: Any, exc: ApplicationError) -> None:
    """Show a service's refusal on the form; a conflict also says the input is kept."""
    if isinstance(exc, ConflictError):
        form.add_error(
            None, _("%(message)s Your input is still in the form below.") % {"message": exc.message}
        )
    else:
        form.add_error(None, str(exc.message))


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _today() -> date:
    return timezone.localdate()


def _status_badge(status: Status) -> dict[str, str]:
    return {"colour": TASK_STATUS_COLOURS[status], "label": str(TASK_STATUS_LABELS[status])}


def _task_or_404(request: HttpRequest, pk: int, *, manage: bool = False) -> Task:
    """A task in the user's scope; with `manage`, one the user may plan and edit."""
    task = selectors.access_task(user=request.user, pk=pk)
    if manage and not selectors.can_manage_tasks(request.user, task.unit_id):
        raise Http404
    return task


def _milestone_or_404(request: HttpRequest, pk: int) -> Milestone:
    return selectors.access_milestone(user=request.user, pk=pk)


# --- task list and detail ------------------------------------------------------------------
@require_safe
@roles_required(TASK_ROLES)
def task_list(request: HttpRequest) -> HttpResponse:
    """Tasks of the units in scope, each with its colour from its milestones."""
    units = list(selectors.task_units(user=request.user))
    unit_id = _int_or_none(request.GET.get("unit"))
    unit: Unit | None = next((u for u in units if u.pk == unit_id), None)
    status = request.GET.get("status", "")
    status = status if status in Task.Status.values else ""
    colour = request.GET.get("colour", "")
    colour = colour if colour in {s.value for s in Status} else ""
    query = request.GET.get("q", "").strip()[:100]
    today = _today()
    tasks = selectors.tasks_for_user(user=request.user, unit=unit, status=status, query=query)
    rows = selectors.task_rows(tasks=tasks, today=today, calendar=selectors.work_calendar())
    counts = dict.fromkeys(Status, 0)
    for row in rows:
        counts[row.status] += 1
    if colour:
        rows = [row for row in rows if row.status == colour]
    fmt = table_exports.requested_format(request)
    if fmt:
        return _task_export(request, rows, fmt)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracking/task_list.html",
        {
            "page": page,
            "units": units,
            "unit": unit,
            "status": status,
            "statuses": Task.Status.choices,
            "colour": colour,
            "colours": [
                {"value": s.value, "count": counts[s], **_status_badge(s)}
                for s in (Status.RED, Status.YELLOW, Status.GREEN, Status.NOT_COMPARABLE)
            ],
            "q": query,
            "filtered": bool(unit or status or colour or query),
            "today": today,
            "can_create": request.user.has_role(*TASK_EDITOR_ROLES),  # type: ignore[union-attr]
        },
    )


def _task_export(request: HttpRequest, rows: list[Any], fmt: str) -> HttpResponse:
    """The task list as shown (same selector, same filters), every row, as a file."""
    data = []
    for row in rows:
        task, upcoming = row.task, row.next_milestone
        data.append(
            [
                task.unit.name,
                task.name,
                task.assignment.indicator.code,
                task.owner.name if task.owner else "",
                task.deadline,
                task.get_status_display(),
                str(TASK_STATUS_LABELS[row.status]),
                len(row.milestones),
                row.done_count,
                row.overdue_count,
                upcoming.milestone.name if upcoming else "",
                upcoming.milestone.due if upcoming else None,
            ]
        )
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=_("Tasks"),
        headers=[
            _("Unit"),
            _("Task"),
            _("Indicator code"),
            _("Responsible person"),
            _("Deadline"),
            _("Status"),
            _("Colour"),
            _("Milestones"),
            _("Done"),
            _("Overdue"),
            _("Next milestone"),
            _("Due"),
        ],
        rows=data,
        what="tracking.tasks",
    )


@require_safe
@roles_required(TASK_ROLES)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A task, its milestones on a timeline, and the actions the user may take."""
    task = _task_or_404(request, pk)
    today = _today()
    calendar = selectors.work_calendar()
    row = selectors.task_row(task, today=today, calendar=calendar)
    can_manage = selectors.can_manage_tasks(request.user, task.unit_id)
    is_open = task.status not in (Task.Status.DONE, Task.Status.CANCELLED)
    evidence = selectors.milestone_evidence(user=request.user, task=task)
    return render(
        request,
        "tracking/task_detail.html",
        {
            "task": task,
            "row": row,
            "badge": _status_badge(row.status),
            "milestones": [
                {"row": m, "evidence": evidence.get(m.milestone.pk, [])} for m in row.milestones
            ],
            "today": today,
            "working_days_left": calendar.working_days_between(today, task.deadline),
            "can_manage": can_manage and is_open,
            "can_set_status": can_manage,
            "can_work": selectors.can_work_on_task(request.user, task) and is_open,
            "can_reopen": selectors.can_reopen_milestone(request.user, task)
            and task.status != Task.Status.CANCELLED,
            "status_form": TaskStatusForm(
                initial={"row_version": task.row_version, "status": task.status}
            ),
            "can_mark_public": public_services.can_mark_public(request.user, task),
            "public_form": TaskPublicForm(
                initial={"is_public": task.is_public, "public_summary": task.public_summary}
            ),
            "photo_types": public_services.PHOTO_CONTENT_TYPES,
        },
    )


# --- the public progress page: the office marks tasks and photos public --------------------
@require_POST
@roles_required(PUBLIC_MARKING_ROLES)
def task_public(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the task on the public progress page (with its summary), or take it off."""
    task = _task_or_404(request, pk)
    form = TaskPublicForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The public summary is too long."))
        return redirect("tracking:task_detail", pk=task.pk)
    try:
        public_services.task_set_public(
            actor=request.user,
            task=task,
            is_public=form.cleaned_data["is_public"],
            summary=form.cleaned_data["public_summary"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        if task.is_public:
            messages.success(request, _("The task is shown on the public progress page."))
        else:
            messages.success(request, _("The task is no longer shown publicly."))
    return redirect("tracking:task_detail", pk=task.pk)


@require_POST
@roles_required(PUBLIC_MARKING_ROLES)
def evidence_public(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a milestone photo on the public page (`is_public=1`), or hide it (`0`)."""
    evidence = selectors.access_milestone_evidence(user=request.user, pk=pk)
    assert evidence.milestone is not None
    try:
        public_services.evidence_set_public(
            actor=request.user, evidence=evidence, is_public=request.POST.get("is_public") == "1"
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("tracking:task_detail", pk=evidence.milestone.task_id)


# --- task create, edit, status -------------------------------------------------------------
def _owner_choices(request: HttpRequest) -> Any:
    return selectors.owner_choices(user=request.user)


@READ_WRITE
@roles_required(TASK_EDITOR_ROLES)
def task_create(request: HttpRequest) -> HttpResponse:
    """Add a task to an assignment (the office, or the head of the lead unit)."""
    assignments = selectors.assignments_for_new_task(user=request.user)
    is_office = request.user.has_role(Role.OFFICE)  # type: ignore[union-attr]
    initial: dict[str, Any] = {}
    assignment_id = _int_or_none(request.GET.get("assignment"))
    if assignment_id and assignments.filter(pk=assignment_id).exists():
        initial["assignment"] = assignment_id
    form = TaskForm(
        request.POST or None,
        assignments=assignments,
        units=selectors.task_unit_choices(user=request.user) if is_office else None,
        owners=_owner_choices(request),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(
                actor=request.user,
                assignment=form.cleaned_data["assignment"],
                unit=form.cleaned_data.get("unit"),
                **form.service_fields(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("The task “%(name)s” was added. Plan its milestones back from the deadline.")
                % {"name": task.name},
            )
            return redirect("tracking:task_plan", pk=task.pk)
    return render(
        request,
        "tracking/task_form.html",
        {"form": form, "task": None, "no_assignments": not assignments.exists()},
    )


@READ_WRITE
@roles_required(TASK_EDITOR_ROLES)
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a task's name, description, deadline or responsible person."""
    task = _task_or_404(request, pk, manage=True)
    form = TaskForm(
        request.POST or None,
        assignments=None,
        units=None,
        owners=_owner_choices(request),
        initial={
            "row_version": task.row_version,
            "name": task.name,
            "description": task.description,
            "deadline": task.deadline,
            "owner": task.owner_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(
                actor=request.user,
                task=task,
                expected_version=form.cleaned_data["row_version"] or task.row_version,
                **form.service_fields(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The task was saved."))
            return redirect("tracking:task_detail", pk=task.pk)
    return render(request, "tracking/task_form.html", {"form": form, "task": task})


@require_POST
@roles_required(TASK_EDITOR_ROLES)
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a task's status (done, cancelled with a reason, back in progress)."""
    task = _task_or_404(request, pk, manage=True)
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("tracking:task_detail", pk=task.pk)
    try:
        services.task_set_status(
            actor=request.user,
            task=task,
            status=form.cleaned_data["status"],
            expected_version=form.cleaned_data["row_version"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("The task is now “%(status)s”.") % {"status": task.get_status_display()}
        )
    return redirect("tracking:task_detail", pk=task.pk)


# --- backward planning (倒排) --------------------------------------------------------------
def _plan_rows(
    planned: list[tuple[PlannedStep, date]], calendar: Any, today: date
) -> list[dict[str, Any]]:
    """Preview rows: each step with the day it must start and the day it is due."""
    rows = []
    previous_due: date | None = None
    for step, due in planned:
        start = (
            calendar.shift(previous_due, 1)
            if previous_due is not None
            else calendar.shift(calendar.shift(due, -step.working_days), 1)
        )
        rows.append({"step": step, "start": start, "due": due, "start_passed": start < today})
        previous_due = due
    return rows


@READ_WRITE
@roles_required(TASK_EDITOR_ROLES)
def task_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a task's milestones backward from its deadline: preview the dates, then confirm."""
    task = _task_or_404(request, pk, manage=True)
    milestones = list(task.milestones.all())
    locked = any(m.started_on or m.done_on for m in milestones)
    blank = _int_or_none(request.GET.get("rows")) or (BLANK_STEP_ROWS if milestones else 5)
    initial_steps = steps_initial(milestones) + [{}] * min(blank, 20)
    if request.method == "POST":
        form = PlanForm(request.POST)
        steps = PlanStepFormSet(request.POST, prefix="step")
    else:
        form = PlanForm(initial={"row_version": task.row_version, "deadline": task.deadline})
        steps = PlanStepFormSet(prefix="step", initial=initial_steps)
    preview: list[dict[str, Any]] = []
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid() & steps.is_valid():
        deadline = form.cleaned_data["deadline"]
        planned_steps = [PlannedStep(name, days) for name, days in steps.steps()]  # type: ignore[attr-defined]
        try:
            if request.POST.get("action") == "confirm":
                services.task_plan_backward(
                    actor=request.user,
                    task=task,
                    steps=planned_steps,
                    deadline=deadline,
                    expected_version=form.cleaned_data["row_version"],
                )
                messages.success(
                    request,
                    ngettext(
                        "%(n)s milestone was planned back from %(deadline)s.",
                        "%(n)s milestones were planned back from %(deadline)s.",
                        len(planned_steps),
                    )
                    % {"n": len(planned_steps), "deadline": deadline.isoformat()},
                )
                return redirect("tracking:task_detail", pk=task.pk)
            calendar = selectors.work_calendar()
            planned = selectors.plan_preview(
                deadline=deadline, steps=planned_steps, calendar=calendar
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            today = _today()
            preview = _plan_rows(planned, calendar, today)
            if preview and preview[0]["start_passed"]:
                warnings.append(
                    _(
                        "The first step should have started on %(day)s, which has passed: "
                        "the plan is tight, shorten steps or move the deadline."
                    )
                    % {"day": preview[0]["start"].isoformat()}
                )
            years = {r["start"].year for r in preview} | {deadline.year}
            for year in selectors.years_without_holidays(years):
                warnings.append(
                    _(
                        "No holidays are recorded for %(year)s: only weekends were skipped. "
                        "The office can enter that year on the working calendar page."
                    )
                    % {"year": year}
                )
    return render(
        request,
        "tracking/task_plan.html",
        {
            "task": task,
            "form": form,
            "steps": steps,
            "preview": preview,
            "warnings": warnings,
            "locked": locked,
            "has_milestones": bool(milestones),
            "more_rows": blank + 3,
        },
    )


# --- milestones ----------------------------------------------------------------------------
@READ_WRITE
@roles_required(TASK_EDITOR_ROLES)
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add one milestone to a task by hand."""
    task = _task_or_404(request, pk, manage=True)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.milestone_add(
                actor=request.user,
                task=task,
                name=data["name"],
                due=data["due"],
                working_days=data["working_days"],
                note=data["note"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The milestone was added."))
            return redirect("tracking:task_detail", pk=task.pk)
    return render(
        request,
        "tracking/task_milestone_form.html",
        {"form": form, "task": task, "milestone": None},
    )


@READ_WRITE
@roles_required(TASK_EDITOR_ROLES)
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a milestone's name, due date, duration or note."""
    milestone = _milestone_or_404(request, pk)
    task = _task_or_404(request, milestone.task_id, manage=True)
    form = MilestoneForm(
        request.POST or None,
        initial={
            "row_version": milestone.row_version,
            "name": milestone.name,
            "due": milestone.due,
            "working_days": milestone.working_days,
            "note": milestone.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "remove":
                services.milestone_remove(actor=request.user, milestone=milestone)
                messages.success(request, _("The milestone was removed."))
                return redirect("tracking:task_detail", pk=task.pk)
            services.milestone_update(
                actor=request.user,
                milestone=milestone,
                expected_version=data["row_version"] or milestone.row_version,
                name=data["name"],
                due=data["due"],
                working_days=data["working_days"],
                note=data["note"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The milestone was saved."))
            return redirect("tracking:task_detail", pk=task.pk)
    return render(
        request,
        "tracking/task_milestone_form.html",
        {"form": form, "task": task, "milestone": milestone},
    )


@require_POST
@roles_required(MILESTONE_WORK_ROLES)
def milestone_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that work on a milestone has started today."""
    milestone = _milestone_or_404(request, pk)
    if not selectors.can_work_on_task(request.user, milestone.task):
        raise Http404
    try:
        services.milestone_start(
            actor=request.user,
            milestone=milestone,
            expected_version=_int_or_none(request.POST.get("row_version")),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("“%(name)s” is marked as started.") % {"name": milestone.name})
    return redirect("tracking:task_detail", pk=milestone.task_id)


@READ_WRITE
@roles_required(MILESTONE_WORK_ROLES)
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a milestone done, uploading its evidence."""
    milestone = _milestone_or_404(request, pk)
    task = milestone.task
    if not selectors.can_work_on_task(request.user, task):
        raise Http404
    form = MilestoneCompleteForm(
        request.POST or None,
        request.FILES or None,
        initial={"row_version": milestone.row_version, "done_on": _today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.milestone_complete(
                actor=request.user,
                milestone=milestone,
                done_on=data["done_on"],
                files=data["evidence"],
                note=data["note"],
                expected_version=data["row_version"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            if milestone.done_on and milestone.done_on > milestone.due:
                messages.warning(
                    request,
                    _("“%(name)s” is done, late: it was due on %(due)s.")
                    % {"name": milestone.name, "due": milestone.due.isoformat()},
                )
            else:
                messages.success(request, _("“%(name)s” is done.") % {"name": milestone.name})
            return redirect("tracking:task_detail", pk=task.pk)
    evidence = selectors.milestone_evidence(user=request.user, task=task).get(milestone.pk, [])
    return render(
        request,
        "tracking/task_milestone_complete.html",
        {"form": form, "task": task, "milestone": milestone, "evidence": evidence},
    )


@READ_WRITE
@roles_required(REOPEN_ROLES)
def milestone_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a milestone's completion, with a reason (the office)."""
    milestone = _milestone_or_404(request, pk)
    task = milestone.task
    if not selectors.can_reopen_milestone(request.user, task):
        raise Http404
    form = MilestoneReopenForm(request.POST or None, initial={"row_version": milestone.row_version})
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_reopen(
                actor=request.user,
                milestone=milestone,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["row_version"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("“%(name)s” is open again.") % {"name": milestone.name})
            return redirect("tracking:task_detail", pk=task.pk)
    return render(
        request,
        "tracking/task_milestone_reopen.html",
        {"form": form, "task": task, "milestone": milestone},
    )


@require_safe
@roles_required(TASK_ROLES)
def milestone_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Download an evidence file of a milestone in scope."""
    evidence = selectors.access_milestone_evidence(user=request.user, pk=pk)
    return evidence_response(evidence)  # type: ignore[return-value]  # a streaming response


# --- the working calendar ------------------------------------------------------------------
def _calendar_url(year: int) -> str:
    return f"{reverse('tracking:holiday_list')}?year={year}"


@require_safe
@roles_required(CALENDAR_ROLES)
def holiday_list(request: HttpRequest) -> HttpResponse:
    """A year's days off and worked weekend days, with forms to change them."""
    this_year = _today().year
    year = _int_or_none(request.GET.get("year")) or this_year
    year = year if 2000 <= year <= 2200 else this_year
    holidays = list(selectors.holidays_in_year(year=year))
    days = [{"holiday": h, "label": selectors.holiday_display_name(h.name)} for h in holidays]
    known = selectors.holiday_years()
    return render(
        request,
        "tracking/holidays.html",
        {
            "year": year,
            "days": days,
            "off_count": sum(1 for h in holidays if not h.is_working_day),
            "work_count": sum(1 for h in holidays if h.is_working_day),
            "years": sorted(set(known) | {this_year, this_year + 1, year}),
            "form": HolidayForm(initial={"day": date(year, 1, 1), "kind": "off"}),
        },
    )


@require_POST
@roles_required(CALENDAR_ROLES)
def holiday_set(request: HttpRequest) -> HttpResponse:
    """Add or change one calendar day."""
    form = HolidayForm(request.POST)
    year = _today().year
    if form.is_valid():
        day = form.cleaned_data["day"]
        year = day.year
        try:
            services.holiday_set(
                actor=request.user,
                day=day,
                is_working_day=form.cleaned_data["kind"] == "work",
                name=form.cleaned_data["name"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(day)s was saved.") % {"day": day.isoformat()})
    else:
        messages.error(request, _("Give a valid day and kind."))
    return redirect(_calendar_url(year))


@require_POST
@roles_required(CALENDAR_ROLES)
def holiday_delete(request: HttpRequest) -> HttpResponse:
    """Remove one calendar day."""
    form = HolidayDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid day."))
        return redirect("tracking:holiday_list")
    day = form.cleaned_data["day"]
    try:
        services.holiday_delete(actor=request.user, day=day)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(day)s was removed.") % {"day": day.isoformat()})
    return redirect(_calendar_url(day.year))


@require_POST
@roles_required(CALENDAR_ROLES)
def holiday_seed(request: HttpRequest) -> HttpResponse:
    """Load a year from the official calendar (the chinese-calendar package)."""
    form = HolidaySeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2200."))
        return redirect("tracking:holiday_list")
    year = form.cleaned_data["year"]
    loaded = services.holidays_seed_official(actor=request.user, year=year)
    if loaded:
        messages.success(
            request,
            ngettext(
                "%(n)s day of %(year)s was loaded from the official calendar.",
                "%(n)s days of %(year)s were loaded from the official calendar.",
                loaded,
            )
            % {"n": loaded, "year": year},
        )
    else:
        messages.warning(
            request,
            _(
                "The official calendar package has no data for %(year)s yet. Enter that "
                "year's holidays and make-up working days by hand from the State Council's "
                "notice (国务院办公厅关于部分节假日安排的通知)."
            )
            % {"year": year},
        )
    return redirect(_calendar_url(year))


urlpatterns = [
    path("tasks/", task_list, name="task_list"),
    path("tasks/new/", task_create, name="task_create"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", task_edit, name="task_edit"),
    path("tasks/<int:pk>/status/", task_status, name="task_status"),
    path("tasks/<int:pk>/public/", task_public, name="task_public"),
    path("milestones/evidence/<int:pk>/public/", evidence_public, name="evidence_public"),
    path("tasks/<int:pk>/plan/", task_plan, name="task_plan"),
    path("tasks/<int:pk>/milestones/new/", milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/edit/", milestone_edit, name="milestone_edit"),
    path("milestones/<int:pk>/start/", milestone_start, name="milestone_start"),
    path("milestones/<int:pk>/complete/", milestone_complete, name="milestone_complete"),
    path("milestones/<int:pk>/reopen/", milestone_reopen, name="milestone_reopen"),
    path("milestones/evidence/<int:pk>/", milestone_evidence, name="milestone_evidence"),
    path("calendar/", holiday_list, name="holiday_list"),
    path("calendar/set/", holiday_set, name="holiday_set"),
    path("calendar/delete/", holiday_delete, name="holiday_delete"),
    path("calendar/seed/", holiday_seed, name="holiday_seed"),
]
