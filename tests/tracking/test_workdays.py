"""Working days and backward planning, with the 2022 National Day holiday as data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaoping.core.errors import ApplicationError
from kaoping.tracking.workdays import (
    PlannedStep,
    WorkCalendar,
    calendar_from_rows,
    official_calendar_rows,
    plan_backward,
)

# 2022 National Day: 1–7 October off, Saturday 8 and Sunday 9 October worked.
NATIONAL_DAY = calendar_from_rows(
    [(date(2022, 10, d), False) for d in range(3, 8)]
    + [(date(2022, 10, 8), True), (date(2022, 10, 9), True)]
)


def test_holidays_and_makeup_days() -> None:
    assert not NATIONAL_DAY.is_working_day(date(2022, 10, 4))  # Tuesday off
    assert NATIONAL_DAY.is_working_day(date(2022, 10, 8))  # Saturday worked
    assert not NATIONAL_DAY.is_working_day(date(2022, 10, 15))  # an ordinary Saturday


def test_shift_skips_the_holiday() -> None:
    assert NATIONAL_DAY.shift(date(2022, 9, 30), 1) == date(2022, 10, 8)
    assert NATIONAL_DAY.shift(date(2022, 10, 8), -1) == date(2022, 9, 30)


def test_plan_backward_from_a_deadline() -> None:
    steps = [PlannedStep("设备采购", 10), PlannedStep("安装调试", 5), PlannedStep("认证验收", 3)]
    planned = plan_backward(NATIONAL_DAY, date(2022, 10, 30), steps)  # a Sunday
    dues = [due for _step, due in planned]
    assert dues[-1] == date(2022, 10, 28)  # moved back to Friday
    assert dues[1] == NATIONAL_DAY.shift(date(2022, 10, 28), -3)
    assert dues[0] == NATIONAL_DAY.shift(dues[1], -5)
    assert dues == sorted(dues)


def test_plan_backward_refuses_zero_length_steps() -> None:
    with pytest.raises(ApplicationError):
        plan_backward(WorkCalendar(), date(2022, 12, 31), [PlannedStep("x", 0)])


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=-300, max_value=300),
)
def test_shift_is_reversible_on_working_days(day: date, n: int) -> None:
    cal = WorkCalendar()
    start = cal.on_or_before(day)
    moved = cal.shift(start, n)
    assert cal.is_working_day(moved)
    assert cal.shift(moved, -n) == start
    assert cal.working_days_between(start, moved) == n


def test_official_rows_come_from_chinese_calendar_and_unknown_years_do_not_crash() -> None:
    rows = official_calendar_rows(2022)
    assert (date(2022, 10, 3), False, "National Day") in rows
    assert (date(2022, 10, 8), True, "National Day") in rows
    assert official_calendar_rows(2099) == []


def test_week_without_holidays_has_five_working_days() -> None:
    monday = date(2022, 11, 7)
    assert (
        WorkCalendar().working_days_between(monday - timedelta(days=1), monday + timedelta(days=6))
        == 5
    )
