"""Reads of tasks, milestones and the working calendar, narrowed to the user's data scope.

Also the predicates of who may do what with a task (the services enforce them, the pages use
them to show only the actions a user may take):
- the office manages the tasks of every unit in its scope, and alone reopens a milestone;
- a unit head manages the tasks of the assignments their unit leads;
- a unit's reporters and its head start and complete its milestones;
- a leader reads the tasks of the units in their portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.core.scope import ScopedQuerySet
from kaoping.org.models import Person, Role, RoleGrant, Unit
from kaoping.org.scopes import data_scope
from kaoping.plans.models import Assignment, Plan
from kaoping.tracking.calculations import Status
from kaoping.tracking.milestones import (
    TASK_STATUS_COLOURS,
    TASK_STATUS_LABELS,
    Standing,
    standing,
    task_status,
    warn_days_of,
    warning_horizon,
)
from kaoping.tracking.models import Evidence, Holiday, Milestone, Task
from kaoping.tracking.workdays import PlannedStep, WorkCalendar, calendar_from_rows, plan_backward


def _evidence_for(user: Any) -> QuerySet[Evidence]:
    """Evidence in the user's scope (the model has no scoped manager of its own)."""
    return ScopedQuerySet(model=Evidence).for_user(user)


# --- the working calendar ------------------------------------------------------------------
def work_calendar(*, start: date | None = None, end: date | None = None) -> WorkCalendar:
    """The working calendar from the Holiday table (all of it, or the days in [start, end])."""
    rows = Holiday.objects.all()
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return calendar_from_rows(rows.values_list("day", "is_working_day"))


def holidays_in_year(*, year: int) -> QuerySet[Holiday]:
    """The days off and worked weekend days recorded for a year, in date order."""
    return Holiday.objects.filter(day__year=year).order_by("day")


def holiday_years() -> list[int]:
    """The years that have at least one calendar entry."""
    return sorted({d.year for d in Holiday.objects.dates("day", "year")})


def years_without_holidays(years: Iterable[int]) -> list[int]:
    """Those of `years` with no entry at all: there only weekends count as days off."""
    wanted = set(years)
    if not wanted:
        return []
    known = {d.year for d in Holiday.objects.filter(day__year__in=wanted).dates("day", "year")}
    return sorted(wanted - known)


# chinese-calendar names its holidays in English; show them in the user's language.
_OFFICIAL_NAMES: dict[str, Promise] = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("Anti-Fascist 70th Day"),
}


def holiday_display_name(name: str) -> str:
    """A calendar entry's name for display: official names translated, others as typed."""
    return str(_OFFICIAL_NAMES.get(name, name))


def plan_preview(
    *, deadline: date, steps: Sequence[PlannedStep], calendar: WorkCalendar | None = None
) -> list[tuple[PlannedStep, date]]:
    """Due dates of steps planned backward from a deadline (倒排) on the working calendar."""
    return plan_backward(calendar or work_calendar(), deadline, steps)


# --- who may do what -------------------------------------------------------------------
def _unit_grants(user: Any) -> dict[str, frozenset[int]]:
    """The units a user is reporter or head of, by role (cached on the user object)."""
    cached = getattr(user, "_task_grants_cache", None)
    if cached is None:
        by_role: dict[str, set[int]] = {Role.REPORTER: set(), Role.UNIT_HEAD: set()}
        for role, unit_id in RoleGrant.objects.filter(
            user=user, role__in=list(by_role), unit__isnull=False
        ).values_list("role", "unit_id"):
            by_role[role].add(unit_id)
        cached = {role: frozenset(ids) for role, ids in by_role.items()}
        user._task_grants_cache = cached
    return cached


def _in_scope(user: Any, unit_id: int) -> bool:
    scope = data_scope(user)
    return scope.everything or unit_id in scope.unit_ids


def _is_office_for(user: Any, unit_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (user.is_superuser or user.has_role(Role.OFFICE)) and _in_scope(user, unit_id)


def can_manage_tasks(user: Any, unit_id: int) -> bool:
    """Create and edit the tasks of a unit, and plan their milestones: the office in scope,
    or the head of that unit."""
    if user is None:  # the system itself (commands, data loading)
        return True
    if _is_office_for(user, unit_id):
        return True
    return (
        getattr(user, "is_authenticated", False) and unit_id in _unit_grants(user)[Role.UNIT_HEAD]
    )


def can_work_on_task(user: Any, task: Task) -> bool:
    """Start and complete a task's milestones: the office in scope, or the unit's reporters
    and head."""
    if user is None or _is_office_for(user, task.unit_id):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    grants = _unit_grants(user)
    return task.unit_id in grants[Role.UNIT_HEAD] | grants[Role.REPORTER]


def can_reopen_milestone(user: Any, task: Task) -> bool:
    """Reopen a done milestone (with a reason): the office in scope only."""
    return user is None or _is_office_for(user, task.unit_id)


def can_edit_calendar(user: Any) -> bool:
    """The working calendar is kept by the performance office."""
    if user is None:
        return True
    return getattr(user, "is_authenticated", False) and (
        user.is_superuser or user.has_role(Role.OFFICE)
    )


# --- tasks ---------------------------------------------------------------------------------
def _milestones_prefetch() -> Prefetch:
    return Prefetch("milestones", queryset=Milestone.objects.order_by("due", "order", "pk"))


def tasks_for_user(
    *,
    user: Any,
    unit: Unit | None = None,
    status: str = "",
    query: str = "",
    assignment: Assignment | None = None,
    plan: Plan | None = None,
) -> QuerySet[Task]:
    """Tasks of units in the user's scope, with their milestones, filtered as asked."""
    qs = Task.objects.for_user(user)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if assignment is not None:
        qs = qs.filter(assignment=assignment)
    if plan is not None:
        qs = qs.filter(assignment__indicator__plan=plan)
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(assignment__indicator__name__icontains=query)
            | Q(assignment__indicator__code__icontains=query)
        )
    return (
        qs.select_related("unit", "owner", "assignment__indicator__plan")
        .prefetch_related(_milestones_prefetch())
        .order_by("deadline", "unit__path", "pk")
    )


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone with where it stands today."""

    milestone: Milestone
    standing: Standing


@dataclass(frozen=True)
class TaskRow:
    """A task with its colour and its milestones' standings (for lists and the detail page)."""

    task: Task
    status: Status
    milestones: list[MilestoneRow]

    @property
    def done_count(self) -> int:
        return sum(1 for row in self.milestones if row.standing.is_done)

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.milestones if row.standing == Standing.OVERDUE)

    @property
    def next_milestone(self) -> MilestoneRow | None:
        """The first milestone not done yet."""
        return next((row for row in self.milestones if not row.standing.is_done), None)

    @property
    def colour(self) -> str:
        """The Bootstrap colour of the task's status."""
        return TASK_STATUS_COLOURS[self.status]

    @property
    def status_label(self) -> str:
        return str(TASK_STATUS_LABELS[self.status])

    @property
    def percent_done(self) -> int:
        return round(100 * self.done_count / len(self.milestones)) if self.milestones else 0


def task_row(task: Task, *, today: date, calendar: WorkCalendar) -> TaskRow:
    """One task's colour and milestone standings on `today` (milestones prefetched).

    A cancelled task has no colour: nothing is expected of it any more.
    """
    milestones = list(task.milestones.all())
    warn_days = warn_days_of(task.assignment.indicator.plan.status_rule)
    horizon = warning_horizon(calendar, today, warn_days)
    rows = [MilestoneRow(m, standing(m, today, horizon)) for m in milestones]
    colour = (
        Status.NOT_COMPARABLE
        if task.status == Task.Status.CANCELLED
        else task_status(milestones, today, calendar, warn_days)
    )
    return TaskRow(task, colour, rows)


def task_rows(*, tasks: Iterable[Task], today: date, calendar: WorkCalendar) -> list[TaskRow]:
    """Every task's row (no query per task: milestones and plans come prefetched)."""
    return [task_row(task, today=today, calendar=calendar) for task in tasks]


def access_task(*, user: Any, pk: int) -> Task:
    """A task the user may read, with its milestones, or 404."""
    try:
        return (
            Task.objects.for_user(user)
            .select_related(
                "unit",
                "owner",
                "assignment__indicator__plan",
                "assignment__lead_unit",
                "assignment__responsible_leader",
            )
            .prefetch_related(_milestones_prefetch())
            .get(pk=pk)
        )
    except Task.DoesNotExist:
        raise Http404 from None


def access_milestone(*, user: Any, pk: int) -> Milestone:
    """A milestone of a task the user may read, or 404."""
    try:
        return (
            Milestone.objects.for_user(user)
            .select_related("task__unit", "task__assignment__indicator__plan")
            .get(pk=pk)
        )
    except Milestone.DoesNotExist:
        raise Http404 from None


def milestone_evidence(*, user: Any, task: Task) -> dict[int, list[Evidence]]:
    """The evidence files of a task's milestones, by milestone id (one query)."""
    found: dict[int, list[Evidence]] = {}
    for evidence in _evidence_for(user).filter(milestone__task=task).order_by("uploaded_at", "pk"):
        assert evidence.milestone_id is not None
        found.setdefault(evidence.milestone_id, []).append(evidence)
    return found


def access_milestone_evidence(*, user: Any, pk: int) -> Evidence:
    """An evidence file of a milestone the user may read, or 404."""
    try:
        return _evidence_for(user).select_related("milestone").get(pk=pk, milestone__isnull=False)
    except Evidence.DoesNotExist:
        raise Http404 from None


def task_units(*, user: Any) -> QuerySet[Unit]:
    """Units in scope that have tasks (for the list's unit filter)."""
    return Unit.objects.for_user(user).filter(tasks__isnull=False).distinct().order_by("path")


def assignments_for_new_task(*, user: Any) -> QuerySet[Assignment]:
    """Assignments the user may add tasks to: led by a unit they manage tasks for."""
    scope = data_scope(user)
    qs = Assignment.objects.filter(
        indicator__plan__status__in=[Plan.Status.DRAFT, Plan.Status.PUBLISHED]
    )
    if user.is_superuser:
        pass
    elif user.has_role(Role.OFFICE):
        heads = _unit_grants(user)[Role.UNIT_HEAD]
        qs = qs.filter(scope.units_q("lead_unit") | Q(lead_unit__in=heads))
    else:
        qs = qs.filter(lead_unit__in=_unit_grants(user)[Role.UNIT_HEAD])
    return qs.select_related("indicator__plan__cycle", "lead_unit").order_by(
        "-indicator__plan__cycle__year", "lead_unit__path", "indicator__order", "indicator__code"
    )


def task_unit_choices(*, user: Any) -> QuerySet[Unit]:
    """Active units in the user's scope a task may be given to (the service checks that it
    is the assignment's lead or a supporting unit)."""
    return Unit.objects.for_user(user).filter(is_active=True).order_by("path")


def task_units_for_assignment(*, assignment: Assignment) -> list[Unit]:
    """The units a task of this assignment may belong to: the lead and supporting units."""
    return [assignment.lead_unit, *assignment.supporting_units.order_by("path")]


def owner_choices(*, user: Any) -> QuerySet[Person]:
    """Active persons of units in the user's scope: who may be a task's responsible person."""
    scope = data_scope(user)
    return (
        Person.objects.filter(scope.units_q("unit"), is_active=True)
        .select_related("unit")
        .order_by("unit__path", "position", "name")
    )
