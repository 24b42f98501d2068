"""The tracking engine: completion, expected progress, gap, status, year on year, projection.

Pure functions on plain data (DOMAIN.md "Tracking"): no ORM, no clock. Values are Decimal;
ratios are returned as Decimal fractions (0.75 = 75 %), gaps and growth differences in
percentage points. Anything that would divide by zero or a negative base is reported as not
comparable instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from kaoping.core.periods import Period

HUNDRED = Decimal(100)
ONE = Decimal(1)


class Status(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NOT_COMPARABLE = "not_comparable"


class Trend(StrEnum):
    IMPROVED = "improved"
    DECLINED = "declined"
    UNCHANGED = "unchanged"
    NOT_COMPARABLE = "not_comparable"


STATUS_SEVERITY = {Status.GREEN: 0, Status.YELLOW: 1, Status.RED: 2, Status.NOT_COMPARABLE: -1}


@dataclass(frozen=True)
class StatusRule:
    """How a gap becomes a colour (a plan setting; presets from DOMAIN.md).

    preset "default": green if gap ≥ 0, yellow down to −yellow_pp, red below.
    preset "yinchuan": green if less than yellow_pp behind, yellow up to red_pp, red beyond.
    preset "sanya": yellow when behind by up to `share` of the expected progress, red beyond.
    preset "tianjin" (growth indicators): green if growth ≥ plan and ≥ peer average, yellow if
    positive but below either, red if negative.
    """

    preset: str = "default"
    yellow_pp: Decimal = Decimal(10)
    red_pp: Decimal = Decimal(30)
    share: Decimal = Decimal("0.5")

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> StatusRule:
        data = data or {}
        preset = str(data.get("preset", "default"))
        defaults = {"yinchuan": (Decimal(10), Decimal(30))}.get(preset, (Decimal(10), Decimal(30)))
        return cls(
            preset=preset,
            yellow_pp=Decimal(str(data.get("yellow_pp", defaults[0]))),
            red_pp=Decimal(str(data.get("red_pp", defaults[1]))),
            share=Decimal(str(data.get("share", "0.5"))),
        )


@dataclass(frozen=True)
class IndicatorSpec:
    """What the engine needs to know about an indicator (and the unit's target)."""

    kind: str = "quantitative"  # quantitative | growth | share | milestone | qualitative…
    direction: str = "higher"  # higher | lower | none
    accumulation: str = "cumulative"  # cumulative | point
    target: Decimal | None = None  # a level, or a rate in % for growth indicators
    baseline: Decimal | None = None


@dataclass(frozen=True)
class Series:
    """Reported values of one indicator and unit: period string → value.

    `current` is this year's, `last_year` and `two_years_ago` the same periods before;
    `last_year_full` is last year's final (year-end) value.
    """

    current: Mapping[str, Decimal] = field(default_factory=dict)
    last_year: Mapping[str, Decimal] = field(default_factory=dict)
    two_years_ago: Mapping[str, Decimal] = field(default_factory=dict)
    last_year_full: Decimal | None = None


@dataclass(frozen=True)
class TrackingResult:
    """One indicator × unit × period, as `kaoping status --json` prints it."""

    period: str
    actual: Decimal | None
    target: Decimal | None
    completion: Decimal | None
    expected_progress: Decimal | None
    expected_method: str
    gap: Decimal | None
    status: Status
    yoy_growth: Decimal | None
    yoy_growth_last_year: Decimal | None
    yoy_trend: Trend
    projection: Decimal | None
    projection_method: str
    will_meet_target: bool | None


def _div(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator, or None when either is missing or the base is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Growth in % (同比): current / previous − 1, × 100; None if the base is ≤ 0 or missing."""
    ratio = _div(current, previous)
    return None if ratio is None else (ratio - ONE) * HUNDRED


def two_year_average_growth(g1: Decimal, g2: Decimal) -> Decimal:
    """Average annual growth over two years, in %: √((1+g1)(1+g2)) − 1."""
    product = (ONE + g1 / HUNDRED) * (ONE + g2 / HUNDRED)
    return (product.sqrt() - ONE) * HUNDRED


def _target_moves_from_baseline(spec: IndicatorSpec) -> bool:
    """Whether the target asks to move from the baseline in the indicator's better direction;
    a ceiling above the baseline (lower is better) or a floor below it (higher is better) is
    judged as a plain ratio instead."""
    if spec.baseline is None or spec.target is None or spec.target == spec.baseline:
        return False
    if spec.direction == "lower":
        return spec.target < spec.baseline
    return spec.target > spec.baseline


def completion(spec: IndicatorSpec, actual: Decimal | None) -> Decimal | None:
    """Completion c as a fraction of the target, by the indicator's kind and direction."""
    if actual is None or spec.target is None or spec.target == 0:
        return None
    if spec.kind == "growth":
        return None  # judged on growth − target rate, see evaluate()
    if spec.accumulation == "point" and _target_moves_from_baseline(spec):
        # Progress from the baseline toward a target that asks for a move in the better
        # direction (raise a share, cut a rate).
        assert spec.baseline is not None
        return (actual - spec.baseline) / (spec.target - spec.baseline)
    if spec.direction == "lower":
        return _div(spec.target, actual)
    return _div(actual, spec.target)


def expected_progress(
    spec: IndicatorSpec, period: Period, series: Series
) -> tuple[Decimal | None, str]:
    """序时进度 e(t): seasonal from last year's shape where it exists, else linear."""
    if spec.kind == "growth":
        return None, "not_applicable"
    if spec.accumulation == "point" and not _target_moves_from_baseline(spec):
        return ONE, "level"
    linear = Decimal(period.elapsed_share.numerator) / Decimal(period.elapsed_share.denominator)
    if spec.accumulation == "cumulative" and spec.direction != "lower":
        seasonal = _div(
            series.last_year.get(str(period.same_period_last_year())), series.last_year_full
        )
        if seasonal is not None and 0 < seasonal <= ONE:
            return seasonal, "seasonal"
    return linear, "linear"


def projection(
    spec: IndicatorSpec, period: Period, series: Series, actual: Decimal | None
) -> tuple[Decimal | None, str]:
    """Year-end value: seasonal cum_t × full_{Y−1} / cum_t(Y−1), else linear cum_t / e_lin."""
    if actual is None:
        return None, "none"
    if spec.accumulation == "point":
        return actual, "latest"
    last_same = series.last_year.get(str(period.same_period_last_year()))
    ratio = _div(series.last_year_full, last_same)
    if ratio is not None:
        return actual * ratio, "seasonal"
    share = period.elapsed_share
    return actual * Decimal(share.denominator) / Decimal(share.numerator), "linear"


def status_for_gap(rule: StatusRule, gap: Decimal | None, expected: Decimal | None) -> Status:
    """The colour of a gap (pp) under a plan's rule."""
    if gap is None:
        return Status.NOT_COMPARABLE
    if rule.preset == "yinchuan":
        if gap > -rule.yellow_pp:
            return Status.GREEN
        return Status.YELLOW if gap >= -rule.red_pp else Status.RED
    if rule.preset == "sanya" and expected is not None:
        if gap >= 0:
            return Status.GREEN
        return Status.YELLOW if gap >= -(expected * HUNDRED * rule.share) else Status.RED
    if gap >= 0:
        return Status.GREEN
    return Status.YELLOW if gap >= -rule.yellow_pp else Status.RED


def growth_status(
    rule: StatusRule,
    g: Decimal | None,
    target_rate: Decimal | None,
    peer_average: Decimal | None = None,
) -> Status:
    """Status of a growth indicator: on `g − g*` (pp), or the 天津 preset."""
    if g is None or target_rate is None:
        return Status.NOT_COMPARABLE
    if rule.preset == "tianjin":
        bar = max(target_rate, peer_average) if peer_average is not None else target_rate
        if g >= bar:
            return Status.GREEN
        return Status.YELLOW if g > 0 else Status.RED
    return status_for_gap(rule, g - target_rate, None)


def trend(this_year: Decimal | None, last_year: Decimal | None, direction: str = "higher") -> Trend:
    """Whether this year's change beat last year's at the same period (增速比去年同期提高).

    For a lower-is-better indicator (e.g. work-safety deaths) the smaller change is the
    improvement.
    """
    if this_year is None or last_year is None:
        return Trend.NOT_COMPARABLE
    if this_year == last_year:
        return Trend.UNCHANGED
    better = this_year < last_year if direction == "lower" else this_year > last_year
    return Trend.IMPROVED if better else Trend.DECLINED


def will_meet(spec: IndicatorSpec, projected: Decimal | None, series: Series) -> bool | None:
    """Whether the projection reaches the target (a growth target: the projected growth)."""
    if projected is None or spec.target is None:
        return None
    if spec.kind == "growth":
        projected_growth = growth(projected, series.last_year_full)
        return None if projected_growth is None else projected_growth >= spec.target
    if spec.direction == "lower":
        return projected <= spec.target
    return projected >= spec.target


def evaluate(
    spec: IndicatorSpec,
    period: Period,
    series: Series,
    rule: StatusRule | None = None,
    peer_average: Decimal | None = None,
) -> TrackingResult:
    """Every tracking figure for one indicator, unit and period."""
    rule = rule or StatusRule()
    key = str(period)
    last_key = str(period.same_period_last_year())
    actual = series.current.get(key)
    last = series.last_year.get(last_key)
    before_last = series.two_years_ago.get(
        str(period.same_period_last_year().same_period_last_year())
    )
    if spec.kind == "share" or (spec.accumulation == "point" and spec.kind != "growth"):
        # A share or a level compares the value itself, in points (pp for shares).
        yoy = None if actual is None or last is None else actual - last
        yoy_last = None if last is None or before_last is None else last - before_last
    else:
        yoy = growth(actual, last)
        yoy_last = growth(last, before_last)
    expected, method = expected_progress(spec, period, series)
    projected, projection_method = projection(spec, period, series, actual)
    if spec.kind == "growth":
        comp = None
        gap = None if yoy is None or spec.target is None else yoy - spec.target
        status = growth_status(rule, yoy, spec.target, peer_average)
    else:
        comp = completion(spec, actual)
        gap = None if comp is None or expected is None else (comp - expected) * HUNDRED
        status = status_for_gap(rule, gap, expected)
    return TrackingResult(
        period=key,
        actual=actual,
        target=spec.target,
        completion=comp,
        expected_progress=expected,
        expected_method=method,
        gap=gap,
        status=status,
        yoy_growth=yoy,
        yoy_growth_last_year=yoy_last,
        yoy_trend=trend(yoy, yoy_last, spec.direction),
        projection=projected,
        projection_method=projection_method,
        will_meet_target=will_meet(spec, projected, series),
    )


# --- milestone tasks -------------------------------------------------------------------
@dataclass(frozen=True)
class MilestoneState:
    """A milestone as the engine sees it."""

    due: date
    done_on: date | None = None
    started: bool = False


def milestone_status(
    milestones: list[MilestoneState],
    today: date,
    working_days_ahead: list[date] | None = None,
    warn_days: int = 5,
) -> Status:
    """Red if a milestone is overdue, yellow if one is due within `warn_days` working days
    and not started, else green; no milestones → not comparable.

    `working_days_ahead` lists the next working days from today (holiday-aware); without it,
    calendar days are used.
    """
    if not milestones:
        return Status.NOT_COMPARABLE
    if any(m.done_on is None and m.due < today for m in milestones):
        return Status.RED
    if working_days_ahead:
        horizon = working_days_ahead[min(warn_days, len(working_days_ahead)) - 1]
    else:
        horizon = today + timedelta(days=warn_days)
    if any(m.done_on is None and not m.started and today <= m.due <= horizon for m in milestones):
        return Status.YELLOW
    return Status.GREEN


def consecutive_red(statuses: list[Status]) -> int:
    """How many of the latest periods in a row were red (oldest first in the list)."""
    count = 0
    for status in reversed(statuses):
        if status != Status.RED:
            break
        count += 1
    return count


def escalation_level(consecutive: int, thresholds: tuple[int, int, int] = (1, 2, 3)) -> str | None:
    """Supervision notice colour for a red streak: blue → yellow → red (三色督办)."""
    blue, yellow, red = thresholds
    if consecutive >= red:
        return "red"
    if consecutive >= yellow:
        return "yellow"
    if consecutive >= blue:
        return "blue"
    return None
