"""What the public progress page may show, and nothing else.

Only tasks the office marked public (Task.is_public), of published plans of the current
cycle, not cancelled; for each: its name, unit, public summary, deadline, its milestones'
names, due dates and state, the latest **approved** figure of its indicator and unit (never a
draft or one under review), and the photos the office marked public. Never a person (owner,
responsible leader or person, uploader), a narrative, a note, a comment, or any file that is
not a marked image of a public task's milestone. Results are plain dataclasses built here, so
a template cannot reach further into the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.core.periods import Period, PeriodError
from kaoping.plans.models import Cycle, Plan
from kaoping.tracking.models import Evidence, Milestone, ProgressReport, Task
from kaoping.tracking.services.public import PHOTO_CONTENT_TYPES

STATE_LABELS: dict[str, str | Promise] = {
    "done": _("Done"),
    "in_progress": _("In progress"),
    "not_started": _("Not started"),
    "overdue": _("Behind schedule"),
}
STATE_COLOURS = {
    "done": "success",
    "in_progress": "primary",
    "not_started": "secondary",
    "overdue": "danger",
}
TASK_STATE_LABELS: dict[str, str | Promise] = {
    Task.Status.NOT_STARTED: _("Not started"),
    Task.Status.IN_PROGRESS: _("In progress"),
    Task.Status.DONE: _("Completed"),
}


@dataclass(frozen=True)
class PublicMilestone:
    name: str
    due: date
    done_on: date | None
    state: str

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def colour(self) -> str:
        return STATE_COLOURS[self.state]


@dataclass(frozen=True)
class PublicFigure:
    """The latest approved figure of the task's indicator for its unit."""

    period: str
    value: Decimal | None
    target: Decimal | None
    unit_of_measure: str

    @property
    def percent(self) -> int | None:
        """Completion in whole percent (capped at 100 for the bar), if a target is set."""
        if self.value is None or not self.target or self.target <= 0:
            return None
        share = (self.value / self.target * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(max(Decimal(0), min(Decimal(100), share)))


@dataclass(frozen=True)
class PublicPhoto:
    pk: int
    caption: str


@dataclass
class PublicTask:
    pk: int
    name: str
    unit_name: str
    indicator_name: str
    summary: str
    deadline: date
    status: str
    milestones: list[PublicMilestone] = field(default_factory=list)
    figure: PublicFigure | None = None
    photos: list[PublicPhoto] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(TASK_STATE_LABELS.get(self.status, ""))

    @property
    def done_count(self) -> int:
        return sum(1 for m in self.milestones if m.state == "done")

    @property
    def percent_done(self) -> int:
        if not self.milestones:
            return 100 if self.status == Task.Status.DONE else 0
        return round(100 * self.done_count / len(self.milestones))


def current_cycle() -> Cycle | None:
    """The newest open cycle (or the newest of all when none is open)."""
    cycles = Cycle.objects.order_by("-year")
    return cycles.filter(status=Cycle.Status.OPEN).first() or cycles.first()


def _public_tasks(cycle: Cycle) -> QuerySet[Task]:
    photos = Evidence.objects.filter(is_public=True, content_type__in=PHOTO_CONTENT_TYPES).order_by(
        "uploaded_at", "pk"
    )
    return (
        Task.objects.filter(
            is_public=True,
            assignment__indicator__plan__cycle=cycle,
            assignment__indicator__plan__status=Plan.Status.PUBLISHED,
        )
        .exclude(status=Task.Status.CANCELLED)
        .select_related("unit", "assignment__indicator")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by("order", "due", "pk").prefetch_related(
                    Prefetch("evidence", queryset=photos, to_attr="public_photos")
                ),
            )
        )
        .order_by("unit__path", "deadline", "pk")
    )


def _state(milestone: Milestone, today: date) -> str:
    if milestone.done_on is not None:
        return "done"
    if milestone.due < today:
        return "overdue"
    if milestone.started_on is not None:
        return "in_progress"
    return "not_started"


def _period_key(text: str) -> tuple[date, int]:
    try:
        period = Period.parse(text)
    except PeriodError:
        return (date.min, 0)
    # At the same end date a shorter period is the later report (a month over its quarter).
    return (period.end, -(period.last_month - period.first_month))


def _latest_figures(tasks: list[Task]) -> dict[tuple[int, int], ProgressReport]:
    """The latest approved current report per (indicator, unit) of the tasks."""
    pairs = {(t.assignment.indicator_id, t.unit_id) for t in tasks}
    if not pairs:
        return {}
    reports = ProgressReport.objects.filter(
        status=ProgressReport.Status.APPROVED,
        is_current=True,
        indicator_id__in={i for i, _u in pairs},
        unit_id__in={u for _i, u in pairs},
    ).only("indicator_id", "unit_id", "period", "value")
    latest: dict[tuple[int, int], ProgressReport] = {}
    for report in reports:
        key = (report.indicator_id, report.unit_id)
        if key not in pairs:
            continue
        known = latest.get(key)
        if known is None or _period_key(report.period) > _period_key(known.period):
            latest[key] = report
    return latest


def _build(task: Task, today: date, report: ProgressReport | None) -> PublicTask:
    indicator = task.assignment.indicator
    milestones = list(task.milestones.all())
    figure = None
    if report is not None:
        try:
            label = Period.parse(report.period).label()
        except PeriodError:
            label = report.period
        figure = PublicFigure(str(label), report.value, indicator.target, indicator.unit_of_measure)
    return PublicTask(
        pk=task.pk,
        name=task.name,
        unit_name=task.unit.name,
        indicator_name=indicator.name,
        summary=task.public_summary,
        deadline=task.deadline,
        status=task.status,
        milestones=[
            PublicMilestone(m.name, m.due, m.done_on, _state(m, today)) for m in milestones
        ],
        figure=figure,
        photos=[
            PublicPhoto(photo.pk, m.name)
            for m in milestones
            for photo in getattr(m, "public_photos", [])
        ],
    )


def public_tasks(*, today: date) -> tuple[Cycle | None, list[PublicTask]]:
    """The current cycle and its public tasks, as the public page shows them."""
    cycle = current_cycle()
    if cycle is None:
        return None, []
    tasks = list(_public_tasks(cycle))
    figures = _latest_figures(tasks)
    return cycle, [
        _build(t, today, figures.get((t.assignment.indicator_id, t.unit_id))) for t in tasks
    ]


def public_task(*, pk: int, today: date) -> PublicTask:
    """One public task of the current cycle, or 404 (unmarked, cancelled, other cycles)."""
    cycle = current_cycle()
    if cycle is None:
        raise Http404
    task = _public_tasks(cycle).filter(pk=pk).first()
    if task is None:
        raise Http404
    figures = _latest_figures([task])
    return _build(task, today, figures.get((task.assignment.indicator_id, task.unit_id)))


def public_photo(*, pk: int) -> Evidence:
    """A photo the office marked public, of a milestone of a task shown publicly, or 404."""
    cycle = current_cycle()
    if cycle is None:
        raise Http404
    photo = (
        Evidence.objects.filter(
            pk=pk,
            is_public=True,
            content_type__in=PHOTO_CONTENT_TYPES,
            milestone__task__in=_public_tasks(cycle).values("pk"),
        )
        .only("pk", "file", "content_type", "sha256")
        .first()
    )
    if photo is None:
        raise Http404
    return photo
