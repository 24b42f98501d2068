"""The tracking engine on hand-computed cases and its invariants (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kaoping.core.periods import Period
from kaoping.tracking.calculations import (
    STATUS_SEVERITY,
    IndicatorSpec,
    MilestoneState,
    Series,
    Status,
    StatusRule,
    Trend,
    consecutive_red,
    escalation_level,
    evaluate,
    growth,
    milestone_status,
    two_year_average_growth,
)

Q3 = Period.parse("2022Q3")
AMOUNT = IndicatorSpec(kind="quantitative", target=D(1000))


def test_linear_case_hand_computed() -> None:
    # given 700 of 1000 at Q3 and no history, when evaluated
    r = evaluate(AMOUNT, Q3, Series(current={"2022Q3": D(700)}))
    # then completion 70 %, expected 75 % (linear), gap −5 pp → yellow; projection 700/0.75
    assert r.completion == D("0.7")
    assert r.expected_progress == D("0.75") and r.expected_method == "linear"
    assert r.gap == D("-5.0")
    assert r.status == Status.YELLOW
    assert r.projection == D(700) * 4 / 3 and r.projection_method == "linear"
    assert r.will_meet_target is False


def test_seasonal_expected_progress_and_projection() -> None:
    series = Series(
        current={"2022Q3": D(700)},
        last_year={"2021Q3": D(600)},
        two_years_ago={"2020Q3": D(500)},
        last_year_full=D(1000),
    )
    r = evaluate(AMOUNT, Q3, series)
    assert r.expected_progress == D("0.6") and r.expected_method == "seasonal"
    assert r.gap == D("10.0") and r.status == Status.GREEN
    assert r.projection == D(700) * D(1000) / D(600) and r.projection_method == "seasonal"
    assert r.will_meet_target is True
    # growth 700/600 − 1 = 16.67 % against 600/500 − 1 = 20 % last year → declined
    assert r.yoy_growth == (D(700) / D(600) - 1) * 100
    assert r.yoy_growth_last_year == D(20)
    assert r.yoy_trend == Trend.DECLINED


def test_growth_indicator_is_judged_on_growth_minus_target_rate() -> None:
    spec = IndicatorSpec(kind="growth", target=D(8))
    series = Series(
        current={"2022Q3": D(105)},
        last_year={"2021Q3": D(100)},
        two_years_ago={"2020Q3": D(110)},
        last_year_full=D(140),
    )
    r = evaluate(spec, Q3, series)
    assert r.yoy_growth == D(5)
    assert r.gap == D(-3) and r.status == Status.YELLOW
    assert r.completion is None and r.expected_progress is None
    assert r.yoy_trend == Trend.IMPROVED  # −9.09 % last year
    assert r.will_meet_target is False  # projected 147 vs 140 → +5 %


def test_negative_growth_is_red_under_tianjin_preset() -> None:
    spec = IndicatorSpec(kind="growth", target=D(5))
    series = Series(current={"2022Q3": D(90)}, last_year={"2021Q3": D(100)})
    r = evaluate(spec, Q3, series, StatusRule.from_dict({"preset": "tianjin"}), D(3))
    assert r.yoy_growth == D(-10) and r.status == Status.RED


def test_share_indicator_compares_the_share_in_points() -> None:
    spec = IndicatorSpec(kind="share", accumulation="point", target=D(45), baseline=D(40))
    series = Series(
        current={"2022Q3": D("43.5")},
        last_year={"2021Q3": D(41)},
        two_years_ago={"2020Q3": D("40.5")},
    )
    r = evaluate(spec, Q3, series)
    assert r.yoy_growth == D("2.5") and r.yoy_growth_last_year == D("0.5")
    assert r.yoy_trend == Trend.IMPROVED
    assert r.completion == D("0.7")  # (43.5 − 40) / (45 − 40)
    assert r.projection == D("43.5") and r.projection_method == "latest"


def test_lower_is_better() -> None:
    spec = IndicatorSpec(direction="lower", target=D(80), accumulation="point")
    r = evaluate(spec, Q3, Series(current={"2022Q3": D(100)}))
    assert r.completion == D("0.8")
    assert r.will_meet_target is False


@pytest.mark.parametrize(
    "spec,series",
    [
        (IndicatorSpec(target=None), Series(current={"2022Q3": D(5)})),
        (IndicatorSpec(target=D(0)), Series(current={"2022Q3": D(5)})),
        (IndicatorSpec(target=D(10)), Series()),
        (
            IndicatorSpec(kind="growth", target=D(5)),
            Series(current={"2022Q3": D(5)}, last_year={"2021Q3": D(0)}),
        ),
        (
            IndicatorSpec(kind="growth", target=D(5)),
            Series(current={"2022Q3": D(5)}, last_year={"2021Q3": D(-3)}),
        ),
        (IndicatorSpec(direction="lower", target=D(5)), Series(current={"2022Q3": D(0)})),
    ],
)
def test_missing_or_zero_bases_are_not_comparable(spec, series) -> None:
    r = evaluate(spec, Q3, series)
    assert r.status == Status.NOT_COMPARABLE


def test_growth_helpers() -> None:
    assert growth(D(110), D(100)) == D(10)
    assert growth(D(1), D(0)) is None and growth(D(1), D(-1)) is None
    assert two_year_average_growth(D(21), D(0)).quantize(D("0.0001")) == D("10.0000")


@pytest.mark.parametrize(
    "preset,gap_values",
    [
        ("default", {D(0): Status.GREEN, D(-10): Status.YELLOW, D("-10.01"): Status.RED}),
        (
            "yinchuan",
            {D(-9): Status.GREEN, D(-10): Status.YELLOW, D(-30): Status.YELLOW, D(-31): Status.RED},
        ),
    ],
)
def test_status_presets(preset, gap_values) -> None:
    from kaoping.tracking.calculations import status_for_gap

    rule = StatusRule.from_dict({"preset": preset})
    for gap, expected in gap_values.items():
        assert status_for_gap(rule, gap, D("0.75")) == expected, gap


def test_sanya_preset_scales_with_expected_progress() -> None:
    from kaoping.tracking.calculations import status_for_gap

    rule = StatusRule.from_dict({"preset": "sanya"})
    assert status_for_gap(rule, D(-37), D("0.75")) == Status.YELLOW  # within 37.5
    assert status_for_gap(rule, D(-38), D("0.75")) == Status.RED


decimals = st.decimals(
    min_value=D("0.01"), max_value=D("1e9"), places=2, allow_nan=False, allow_infinity=False
)
quarters = st.integers(1, 4).map(lambda q: Period(2022, "quarter", q))


@given(target=decimals, a=decimals, b=decimals, period=quarters)
def test_completion_and_status_are_monotone_in_actual(target, a, b, period) -> None:
    assume(a <= b)
    spec = IndicatorSpec(target=target)
    low = evaluate(spec, period, Series(current={str(period): a}))
    high = evaluate(spec, period, Series(current={str(period): b}))
    assert low.completion <= high.completion
    assert STATUS_SEVERITY[low.status] >= STATUS_SEVERITY[high.status]


@given(rate=decimals, period=st.integers(1, 12).map(lambda m: Period(2022, "month", m)))
def test_linear_projection_is_exact_for_a_linear_series(rate, period) -> None:
    actual = rate * period.months_elapsed
    r = evaluate(IndicatorSpec(target=D(1)), period, Series(current={str(period): actual}))
    assert r.projection == rate * 12


@given(actual=decimals, last=decimals)
def test_seasonal_projection_reproduces_last_years_shape(actual, last) -> None:
    series = Series(current={"2022Q3": actual}, last_year={"2021Q3": last}, last_year_full=last * 2)
    r = evaluate(IndicatorSpec(target=D(1)), Q3, series)
    assert r.projection == actual * 2


def test_milestones() -> None:
    today = date(2022, 10, 10)
    assert milestone_status([], today) == Status.NOT_COMPARABLE
    assert milestone_status([MilestoneState(due=date(2022, 10, 9))], today) == Status.RED
    assert (
        milestone_status([MilestoneState(due=date(2022, 10, 9), done_on=date(2022, 10, 8))], today)
        == Status.GREEN
    )
    soon = [MilestoneState(due=date(2022, 10, 14))]
    assert milestone_status(soon, today) == Status.YELLOW
    started = [MilestoneState(due=date(2022, 10, 14), started=True)]
    assert milestone_status(started, today) == Status.GREEN
    assert milestone_status([MilestoneState(due=date(2022, 11, 30))], today) == Status.GREEN


def test_escalation_follows_consecutive_red_periods() -> None:
    R, G = Status.RED, Status.GREEN
    assert consecutive_red([R, G, R, R]) == 2
    assert [escalation_level(n) for n in range(5)] == [None, "blue", "yellow", "red", "red"]


def test_a_ceiling_above_the_baseline_is_judged_as_a_ratio() -> None:
    # given an unemployment rate (lower is better) capped at 4.5 % from a baseline of 4.0 %
    spec = IndicatorSpec(
        direction="lower", accumulation="point", target=D("4.5"), baseline=D("4.0")
    )
    # when it falls to 3.6 %, then it is well within the cap: green, not red
    r = evaluate(spec, Q3, Series(current={"2022Q3": D("3.6")}))
    assert r.completion == D("4.5") / D("3.6")
    assert r.status == Status.GREEN


def test_a_reduction_target_measures_progress_from_the_baseline() -> None:
    spec = IndicatorSpec(direction="lower", accumulation="point", target=D(80), baseline=D(100))
    r = evaluate(spec, Q3, Series(current={"2022Q3": D(90)}))
    assert r.completion == D("0.5") and r.expected_progress == D("0.75")
    assert r.status == Status.RED  # gap −25 pp


def test_trend_respects_direction() -> None:
    spec = IndicatorSpec(direction="lower", target=D(10))
    series = Series(
        current={"2022Q3": D(8)}, last_year={"2021Q3": D(10)}, two_years_ago={"2020Q3": D(10)}
    )
    # deaths fell 20 % after no change a year before: an improvement
    assert evaluate(spec, Q3, series).yoy_trend == Trend.IMPROVED
