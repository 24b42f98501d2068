"""Period arithmetic: parsing, calendar bounds, neighbours, elapsed share."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaoping.core.periods import Period, PeriodError

years = st.integers(min_value=1950, max_value=2199)
periods = st.one_of(
    years.map(lambda y: Period(y, "year")),
    st.builds(lambda y, q: Period(y, "quarter", q), years, st.integers(1, 4)),
    st.builds(lambda y, m: Period(y, "month", m), years, st.integers(1, 12)),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022", Period(2022, "year")),
        ("2022Q3", Period(2022, "quarter", 3)),
        ("2022q1", Period(2022, "quarter", 1)),
        ("2022-09", Period(2022, "month", 9)),
        ("2022-9", Period(2022, "month", 9)),
    ],
)
def test_parse_accepts_the_three_forms(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "22", "2022Q5", "2022Q0", "2022-13", "2022-00", "Q3", "2022/09", "二〇二二", "1800"],
)
def test_parse_rejects_everything_else_with_a_chinese_message(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    assert "2022Q3" in str(info.value.message)


@given(periods)
def test_str_round_trips(period: Period) -> None:
    assert Period.parse(str(period)) == period


@given(periods)
def test_bounds_are_inside_the_year_and_ordered(period: Period) -> None:
    assert period.start <= period.end
    assert period.start.year == period.end.year == period.year
    assert period.contains(period.start) and period.contains(period.end)
    assert not period.contains(period.end + timedelta(days=1))


@given(periods)
def test_next_and_previous_are_inverse_and_adjacent(period: Period) -> None:
    assert period.next().previous() == period
    assert period.previous().next() == period
    assert period.previous().end + timedelta(days=1) == period.start


@given(periods)
def test_elapsed_share_is_months_over_twelve(period: Period) -> None:
    assert period.elapsed_share == Fraction(period.last_month, 12)
    assert 0 < period.elapsed_share <= 1


@given(periods)
def test_same_period_last_year_keeps_kind_and_index(period: Period) -> None:
    last = period.same_period_last_year()
    assert (last.year, last.kind, last.index) == (period.year - 1, period.kind, period.index)


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2199, 12, 31)),
    st.sampled_from(["year", "quarter", "month"]),
)
def test_containing_contains(day: date, kind: str) -> None:
    assert Period.containing(day, kind).contains(day)  # type: ignore[arg-type]


def test_leap_february_ends_on_the_29th() -> None:
    assert Period.parse("2024-02").end == date(2024, 2, 29)
    assert Period.parse("2023-02").end == date(2023, 2, 28)
    assert Period.parse("2100-02").end == date(2100, 2, 28)


def test_q3_is_three_quarters_of_the_year() -> None:
    assert Period.parse("2022Q3").elapsed_share == Fraction(3, 4)
    assert Period.parse("2022-06").elapsed_share == Fraction(1, 2)
    assert Period.parse("2022Q3").label() == "2022年第三季度"


def test_year_to_date_lists_periods_in_order() -> None:
    assert [str(p) for p in Period.parse("2022Q3").year_to_date()] == ["2022Q1", "2022Q2", "2022Q3"]
    assert len(Period.all_in_year(2022, "month")) == 12
