"""Pure rules of inspections: the appeal window, caps on deductions and the escalation of
overdue rectifications. Plain data in and out: no ORM, no clock (`today` is passed in)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# Days past the deadline at which an overdue rectification is escalated to a blue, yellow
# and red notice (a plan may set `status_rule["rectification_escalation_days"]`).
DEFAULT_ESCALATION_DAYS: tuple[int, int, int] = (1, 10, 20)
LEVELS: tuple[str, str, str] = ("blue", "yellow", "red")
LEVEL_RANK = {"": 0, "blue": 1, "yellow": 2, "red": 3}
ZERO = Decimal("0")


def appeal_deadline(confirmed_on: date, window_days: int) -> date:
    """The last day (inclusive) an appeal may be filed: confirmation day + window days."""
    return confirmed_on + timedelta(days=window_days)


def within_appeal_window(confirmed_on: date, window_days: int, today: date) -> bool:
    """True from the day of confirmation to the deadline, both inclusive."""
    return confirmed_on <= today <= appeal_deadline(confirmed_on, window_days)


def escalation_days(setting: object) -> tuple[int, int, int]:
    """The plan's three thresholds (days overdue), or the default when missing or malformed."""
    if (
        isinstance(setting, (list, tuple))
        and len(setting) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in setting)
        and setting[0] < setting[1] < setting[2]
    ):
        return (setting[0], setting[1], setting[2])
    return DEFAULT_ESCALATION_DAYS


def escalation_level(
    deadline: date, today: date, thresholds: Sequence[int] = DEFAULT_ESCALATION_DAYS
) -> str:
    """The notice level an unfinished rectification has earned: "" when not yet overdue
    enough, else blue, yellow or red by the days past its deadline."""
    overdue = (today - deadline).days
    level = ""
    for name, threshold in zip(LEVELS, thresholds, strict=True):
        if overdue >= threshold:
            level = name
    return level


def cap_remaining(cap: Decimal | None, used: Decimal) -> Decimal | None:
    """Points still deductible under a cap (None: no cap), never below zero."""
    if cap is None:
        return None
    return max(ZERO, cap - used)


@dataclass(frozen=True)
class CapItem:
    """One deduction for clipping: its id, the cap group it falls in, its points."""

    key: int
    group: tuple[object, ...]
    points: Decimal


def apply_caps(
    items: Iterable[CapItem], caps: dict[tuple[object, ...], Decimal | None]
) -> dict[int, Decimal]:
    """Each item's points after its group's cap, taken in the order given (earlier
    deductions keep their points, later ones are clipped once the cap is used up)."""
    used: dict[tuple[object, ...], Decimal] = {}
    out: dict[int, Decimal] = {}
    for item in items:
        cap = caps.get(item.group)
        spent = used.get(item.group, ZERO)
        points = item.points if cap is None else min(item.points, max(ZERO, cap - spent))
        used[item.group] = spent + points
        out[item.key] = points
    return out
