"""Where a milestone stands (节点状态) and what its task's colour is: pure, no ORM, no clock.

A milestone is done on time, done late (after its due date), overdue (missed: past due and
not done), due soon (not started and due within the warning horizon), in progress or open.
The task's colour follows DOMAIN.md through `calculations.milestone_status`: red if a
milestone is overdue, yellow if one is due within N working days and not started, else green.
Views and the tracking engine both call these, with the working calendar passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Protocol

from django.utils.translation import gettext_lazy as _

from kaoping.tracking.calculations import MilestoneState, Status, milestone_status
from kaoping.tracking.workdays import WorkCalendar

# DOMAIN.md: "yellow if one is due within 5 working days and not started" (a plan setting,
# `status_rule.milestone_warn_days`, with this default).
DEFAULT_WARN_DAYS = 5


class Standing(StrEnum):
    """Where one milestone stands on a given day."""

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    IN_PROGRESS = "in_progress"
    OPEN = "open"

    @property
    def label(self) -> str:
        return str(STANDING_LABELS[self])

    @property
    def colour(self) -> str:
        """The Bootstrap colour the pages use for it."""
        return STANDING_COLOURS[self]

    @property
    def icon(self) -> str:
        """The Bootstrap icon the pages use for it."""
        return STANDING_ICONS[self]

    @property
    def is_done(self) -> bool:
        return self in (Standing.DONE_ON_TIME, Standing.DONE_LATE)


STANDING_LABELS = {
    Standing.DONE_ON_TIME: _("Done on time"),
    Standing.DONE_LATE: _("Done late"),
    Standing.OVERDUE: _("Overdue (missed)"),
    Standing.DUE_SOON: _("Due soon"),
    Standing.IN_PROGRESS: _("In progress"),
    Standing.OPEN: _("Not started"),
}
STANDING_COLOURS = {
    Standing.DONE_ON_TIME: "success",
    Standing.DONE_LATE: "warning",
    Standing.OVERDUE: "danger",
    Standing.DUE_SOON: "warning",
    Standing.IN_PROGRESS: "primary",
    Standing.OPEN: "secondary",
}


STANDING_ICONS = {
    Standing.DONE_ON_TIME: "check-lg",
    Standing.DONE_LATE: "check-lg",
    Standing.OVERDUE: "exclamation-lg",
    Standing.DUE_SOON: "hourglass-split",
    Standing.IN_PROGRESS: "play-fill",
    Standing.OPEN: "circle",
}


class MilestoneLike(Protocol):
    """What these functions read of a milestone (a tracking.Milestone or any plain object)."""

    @property
    def due(self) -> date: ...

    @property
    def started_on(self) -> date | None: ...

    @property
    def done_on(self) -> date | None: ...


def warning_horizon(
    calendar: WorkCalendar, today: date, warn_days: int = DEFAULT_WARN_DAYS
) -> date:
    """The last day that counts as "due soon": `warn_days` working days after today."""
    if warn_days < 1:
        return today
    return calendar.shift(today, warn_days)


def standing(milestone: MilestoneLike, today: date, horizon: date) -> Standing:
    """Where a milestone stands on `today`; `horizon` is the last "due soon" day."""
    if milestone.done_on is not None:
        return Standing.DONE_LATE if milestone.done_on > milestone.due else Standing.DONE_ON_TIME
    if milestone.due < today:
        return Standing.OVERDUE
    if milestone.started_on is not None:
        return Standing.IN_PROGRESS
    if milestone.due <= horizon:
        return Standing.DUE_SOON
    return Standing.OPEN


def engine_state(milestone: MilestoneLike) -> MilestoneState:
    """The milestone as calculations.milestone_status reads it."""
    return MilestoneState(
        due=milestone.due, done_on=milestone.done_on, started=milestone.started_on is not None
    )


def task_status(
    milestones: Iterable[MilestoneLike],
    today: date,
    calendar: WorkCalendar,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> Status:
    """A task's colour from its milestones (red / yellow / green, or not comparable)."""
    states = [engine_state(m) for m in milestones]
    ahead = calendar.next_working_days(today, warn_days) if states and warn_days > 0 else None
    return milestone_status(states, today, working_days_ahead=ahead, warn_days=warn_days)


def warn_days_of(status_rule: dict[str, object] | None) -> int:
    """The plan's warning horizon for milestones in working days (default 5)."""
    value = (status_rule or {}).get("milestone_warn_days", DEFAULT_WARN_DAYS)
    try:
        days = int(str(value))
    except ValueError:
        return DEFAULT_WARN_DAYS
    return max(0, min(days, 60))


TASK_STATUS_LABELS = {
    Status.RED: _("Overdue milestone"),
    Status.YELLOW: _("Milestone due soon"),
    Status.GREEN: _("On schedule"),
    Status.NOT_COMPARABLE: _("No milestones"),
}
TASK_STATUS_COLOURS = {
    Status.RED: "danger",
    Status.YELLOW: "warning",
    Status.GREEN: "success",
    Status.NOT_COMPARABLE: "secondary",
}
