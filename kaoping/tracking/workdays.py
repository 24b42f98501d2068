"""Working days and backward planning (倒排时间): pure, on holiday data passed in.

Chinese public holidays move every year and weekends are sometimes working days (调休), so
the calendar is data: `holidays` are days off that fall on weekdays, `makeup_workdays` are
weekend days that are worked. The office edits them (tracking.Holiday), seeded from the
chinese-calendar package for the years it knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError

# A safety net: no plan looks further than this many days for a working day.
_MAX_SCAN_DAYS = 3660


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def shift(self, day: date, working_days: int) -> date:
        """The date `working_days` working days after (or, if negative, before) `day`."""
        step = 1 if working_days >= 0 else -1
        remaining = abs(working_days)
        current = day
        scanned = 0
        while remaining:
            current += timedelta(days=step)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS:
                raise ApplicationError(_("No working day found within ten years."))
            if self.is_working_day(current):
                remaining -= 1
        return current

    def on_or_before(self, day: date) -> date:
        """The day itself if it is a working day, else the last working day before it."""
        return day if self.is_working_day(day) else self.shift(day, -1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for n in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=n))
        )

    def next_working_days(self, day: date, count: int) -> list[date]:
        """The next `count` working days after `day`."""
        days: list[date] = []
        current = day
        while len(days) < count:
            current = self.shift(current, 1)
            days.append(current)
        return days


@dataclass(frozen=True)
class PlannedStep:
    """A milestone to plan backward: its name and how many working days it takes."""

    name: str
    working_days: int


def plan_backward(
    calendar: WorkCalendar, deadline: date, steps: Sequence[PlannedStep]
) -> list[tuple[PlannedStep, date]]:
    """Due dates for steps done in order so that the last one ends on the deadline (倒排).

    The last step is due on the deadline (moved back to a working day); each earlier step is
    due when the next one must start: the next one's due date minus its duration.
    """
    if not steps:
        return []
    if any(step.working_days < 1 for step in steps):
        raise ApplicationError(_("Every step needs at least one working day."))
    due = calendar.on_or_before(deadline)
    planned: list[tuple[PlannedStep, date]] = []
    for step in reversed(steps):
        planned.append((step, due))
        due = calendar.shift(due, -step.working_days)
    planned.reverse()
    return planned


def calendar_from_rows(rows: Iterable[tuple[date, bool]]) -> WorkCalendar:
    """Build a calendar from (day, is_working_day) rows as stored by tracking.Holiday."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, working in rows:
        (workdays if working else holidays).add(day)
    return WorkCalendar(frozenset(holidays), frozenset(workdays))


def official_calendar_rows(year: int) -> list[tuple[date, bool, str]]:
    """The year's holidays and make-up working days from chinese-calendar, if it knows the
    year; an empty list otherwise (the office then enters them by hand)."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - it is a dependency
        return []
    rows: list[tuple[date, bool, str]] = []
    day = date(year, 1, 1)
    try:
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            if on_holiday and not weekend:
                rows.append((day, False, str(name or "")))
            elif not on_holiday and weekend:
                rows.append((day, True, str(name or "")))
            day += timedelta(days=1)
    except NotImplementedError:
        return []
    return rows
