"""The tracking engine wired to data: engine inputs from approved reports, figures stored.

`calculations.evaluate` is pure; this module feeds it. For each obligation (indicator × unit,
kaoping.tracking.obligations) and reporting period it builds the engine's inputs:

- this year's values: the latest **approved** version of each report (a correction counts once
  the office approves it; until then the figure approved before stays in force);
- last year's values at the same periods: the approved reports of the previous cycle's plan
  (same owner and kind, the same plan code preferred) for the indicator with the same code and
  the same unit; where there is none, the `last_year_value` the unit reported beside this
  year's figure; two years ago likewise, one cycle further back;
- last year's full-year value: last year's year-end figure (the year, Q4 or December), else
  the baseline (基数) of a cumulative quantitative indicator;
- the unit's target (plans.IndicatorTarget) or the indicator's, and the plan's early-warning
  rule (`Plan.status_rule`, the plan-file vocabulary of docs/plan-format.md).

Everything is loaded in a fixed number of queries per plan, whatever the number of indicators
and units, and stored in tracking.TrackingResult by one bulk upsert.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.core.periods import Kind, Period, PeriodError
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Assignment, Indicator, IndicatorTarget, Plan
from kaoping.tracking import calculations as calc
from kaoping.tracking.cache import bump_plans
from kaoping.tracking.models import Milestone, ProgressReport, Task, TrackingResult
from kaoping.tracking.obligations import Obligation, obligations
from kaoping.tracking.workdays import WorkCalendar

logger = logging.getLogger(__name__)

# Storage precision of each figure (max digits, decimal places), as TrackingResult holds it.
# `kaoping status --json` prints the same rounded numbers (docs/status-json.md).
PRECISION: dict[str, tuple[int, int]] = {
    "actual": (20, 4),
    "target": (20, 4),
    "completion": (12, 6),
    "expected_progress": (12, 6),
    "gap": (12, 4),
    "yoy_growth": (12, 4),
    "yoy_growth_last_year": (12, 4),
    "projection": (20, 4),
}
DEFAULT_ESCALATION = (1, 2, 3)
DEFAULT_EXPLANATION_DAYS = 5


# --- the plan's rule ----------------------------------------------------------------------
_PRESET_THRESHOLDS: dict[str, tuple[str | None, str | None, str | None]] = {
    # preset: (green_within_pp, yellow_within_pp, yellow_within_share) — docs/plan-format.md
    "default": ("0", "10", None),
    "yinchuan": ("10", "30", None),
    "sanya": ("0", None, "0.5"),
}
_ENGINE_KEYS = frozenset({"yellow_pp", "red_pp", "share"})
_PLAN_FILE_KEYS = frozenset({"green_within_pp", "yellow_within_pp", "yellow_within_share"})


def _engine_rule(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Translate a stored plan rule (plan-file vocabulary) into StatusRule.from_dict's.

    green_within_pp 0 is the engine's default preset (green when on schedule); a positive
    one is its banded "yinchuan" form; a share of expected progress is its "sanya" form;
    `growth_peer` is the Tianjin rule for growth indicators.
    """
    preset = str(raw.get("preset") or "default")
    if preset in {"growth_peer", "tianjin"}:
        return {"preset": "tianjin"}
    if _ENGINE_KEYS & set(raw) and not _PLAN_FILE_KEYS & set(raw):
        return dict(raw)  # already the engine's own vocabulary
    green_default, yellow_default, share_default = _PRESET_THRESHOLDS.get(
        preset, _PRESET_THRESHOLDS["default"]
    )
    green = raw.get("green_within_pp")
    yellow = raw.get("yellow_within_pp")
    share = raw.get("yellow_within_share")
    if yellow is None and share is None:
        yellow, share = yellow_default, share_default
    if green is None:
        green = green_default or "0"
    if share is not None and yellow is None:
        return {"preset": "sanya", "share": share}
    if Decimal(str(green)) == 0:
        return {"preset": "default", "yellow_pp": yellow if yellow is not None else "10"}
    return {"preset": "yinchuan", "yellow_pp": green, "red_pp": yellow}


def status_rule_of(plan: Plan) -> calc.StatusRule:
    """The plan's early-warning rule for the engine (the default one if it is unreadable)."""
    try:
        return calc.StatusRule.from_dict(_engine_rule(plan.status_rule or {}))
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        logger.warning("Plan %s has an unreadable status rule; using the default.", plan.pk)
        return calc.StatusRule()


def uses_linear_expected_progress(plan: Plan) -> bool:
    """Whether the plan asks for linear 序时进度 even where last year's profile exists."""
    return str((plan.status_rule or {}).get("expected_progress", "seasonal")) == "linear"


def escalation_thresholds(plan: Plan) -> tuple[int, int, int]:
    """Consecutive red periods before the blue, yellow and red notices (default 1, 2, 3)."""
    raw = (plan.status_rule or {}).get("escalation_periods")
    try:
        blue, yellow, red = (int(str(v)) for v in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return DEFAULT_ESCALATION
    if not 1 <= blue <= yellow <= red:
        return DEFAULT_ESCALATION
    return blue, yellow, red


def explanation_days(plan: Plan) -> int:
    """Working days a lagging unit has to explain itself (default 5)."""
    try:
        days = int(str((plan.status_rule or {}).get("explanation_days", DEFAULT_EXPLANATION_DAYS)))
    except ValueError:
        return DEFAULT_EXPLANATION_DAYS
    return days if 1 <= days <= 60 else DEFAULT_EXPLANATION_DAYS


# --- periods --------------------------------------------------------------------------------
def reporting_kind(indicator: Indicator) -> Kind:
    """The period kind an indicator is reported in."""
    if indicator.frequency == Indicator.Frequency.MONTHLY:
        return "month"
    if indicator.frequency == Indicator.Frequency.YEARLY:
        return "year"
    return "quarter"


def reporting_periods(indicator: Indicator, year: int) -> list[Period]:
    """Every reporting period of an indicator in a year, in order."""
    periods = Period.all_in_year(year, reporting_kind(indicator))
    if indicator.frequency == Indicator.Frequency.HALF_YEARLY:
        periods = [p for p in periods if p.index in (2, 4)]
    return periods


def latest_reporting_period(indicator: Indicator, at: Period) -> Period | None:
    """The indicator's last reporting period ending by the end of `at` (a half-yearly one
    read at 2022Q3 → 2022Q2); None when none has ended yet (a yearly one before December)."""
    ended = [p for p in reporting_periods(indicator, at.year) if p.end <= at.end]
    return ended[-1] if ended else None


def _year_end_keys(indicator: Indicator, year: int) -> list[str]:
    """Keys of a year's final figure, the indicator's own kind first."""
    keys = {"year": f"{year}", "quarter": f"{year}Q4", "month": f"{year}-12"}
    own = keys[reporting_kind(indicator)]
    return [own, *(k for k in keys.values() if k != own)]


# --- rounding at the edge --------------------------------------------------------------------
def fit(value: Decimal | None, digits: int, places: int) -> Decimal | None:
    """`value` rounded half-up to `places`; None if it does not fit `digits` (a ratio over a
    near-zero base is no figure anybody can use)."""
    if value is None:
        return None
    try:
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    if not rounded.is_finite() or len(rounded.as_tuple().digits) > digits:
        return None
    return rounded


def rounded_figures(result: calc.TrackingResult) -> dict[str, Decimal | None]:
    """The engine's figures at storage precision (PRECISION)."""
    return {
        name: fit(getattr(result, name), digits, places)
        for name, (digits, places) in PRECISION.items()
    }


# --- loading the inputs ----------------------------------------------------------------------
@dataclass
class _Figure:
    """One approved report's numbers (the latest approved version of its period)."""

    version: int
    report_id: int
    value: Decimal | None
    last_year_value: Decimal | None


# (indicator id, unit id) → period → figure
_Figures = dict[tuple[int, int], dict[str, _Figure]]


def _approved_figures(
    indicator_ids: Iterable[int], year: int, unit_ids: Iterable[int] | None
) -> _Figures:
    """The latest approved version of every report of these indicators in a year (1 query)."""
    ids = list(indicator_ids)
    found: _Figures = defaultdict(dict)
    if not ids:
        return found
    qs = ProgressReport.objects.filter(
        indicator_id__in=ids,
        status=ProgressReport.Status.APPROVED,
        period__startswith=str(year),
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    rows = qs.order_by().values_list(
        "pk", "indicator_id", "unit_id", "period", "version", "value", "last_year_value"
    )
    for pk, indicator_id, unit_id, text, version, value, last_year_value in rows:
        try:
            period = Period.parse(text)
        except PeriodError:
            continue
        if period.year != year:
            continue
        key = str(period)
        per_period = found[(indicator_id, unit_id)]
        known = per_period.get(key)
        if known is None or version > known.version:
            per_period[key] = _Figure(version, pk, value, last_year_value)
    return found


def _earlier_plans(plan: Plan, years_back: int) -> list[Plan]:
    """The plans `years_back` cycles earlier that continue this one, best match first."""
    candidates = list(
        Plan.objects.filter(
            cycle__year=plan.cycle.year - years_back, owner_id=plan.owner_id, kind=plan.kind
        ).order_by("code")
    )
    candidates.sort(key=lambda p: p.code != plan.code)
    return candidates


def _indicator_ids_by_code(plans: Sequence[Plan], codes: Iterable[str]) -> dict[str, int]:
    """code → indicator id in the first of `plans` that has it (1 query)."""
    if not plans:
        return {}
    rank = {p.pk: n for n, p in enumerate(plans)}
    best: dict[str, tuple[int, int]] = {}
    for code, pk, plan_id in Indicator.objects.filter(
        plan__in=list(plans), code__in=list(set(codes))
    ).values_list("code", "pk", "plan_id"):
        if code not in best or rank[plan_id] < best[code][0]:
            best[code] = (rank[plan_id], pk)
    return {code: pk for code, (_rank, pk) in best.items()}


@dataclass
class _History:
    """An earlier cycle's approved figures, reachable by this year's indicator code."""

    year: int
    indicator_ids: dict[str, int] = field(default_factory=dict)
    figures: _Figures = field(default_factory=dict)

    def values(self, code: str, unit_id: int) -> dict[str, _Figure]:
        pk = self.indicator_ids.get(code)
        return self.figures.get((pk, unit_id), {}) if pk is not None else {}


def _history(
    plan: Plan, codes: set[str], years_back: int, unit_ids: Iterable[int] | None
) -> _History:
    plans = _earlier_plans(plan, years_back)
    ids = _indicator_ids_by_code(plans, codes)
    year = plan.cycle.year - years_back
    return _History(year, ids, _approved_figures(ids.values(), year, unit_ids))


@dataclass
class PlanInputs:
    """Everything the engine needs for a set of a plan's obligations, loaded in bulk."""

    plan: Plan
    rule: calc.StatusRule
    linear: bool
    targets: dict[tuple[int, int], tuple[Decimal | None, Decimal | None]]
    current: _Figures
    last_year: _History
    two_years_ago: _History
    milestones: dict[tuple[int, int], list[Milestone]]
    calendar: WorkCalendar | None
    _series: dict[tuple[int, int], calc.Series] = field(default_factory=dict)

    def spec(self, indicator: Indicator, unit_id: int) -> calc.IndicatorSpec:
        """The engine's view of an indicator for one unit (the unit's own target first)."""
        own_target, own_baseline = self.targets.get((indicator.pk, unit_id), (None, None))
        return calc.IndicatorSpec(
            kind=indicator.kind,
            direction=indicator.direction,
            accumulation=indicator.accumulation,
            target=own_target if own_target is not None else indicator.target,
            baseline=own_baseline if own_baseline is not None else indicator.baseline,
        )

    def series(self, indicator: Indicator, unit_id: int) -> calc.Series:
        """This year's, last year's and the year before's values of an indicator and unit."""
        key = (indicator.pk, unit_id)
        if key not in self._series:
            self._series[key] = self._build_series(indicator, unit_id)
        return self._series[key]

    def _build_series(self, indicator: Indicator, unit_id: int) -> calc.Series:
        mine = self.current.get((indicator.pk, unit_id), {})
        current = {k: f.value for k, f in mine.items() if f.value is not None}
        earlier = self.last_year.values(indicator.code, unit_id)
        last_year = {k: f.value for k, f in earlier.items() if f.value is not None}
        for key, figure in mine.items():  # what the unit reported as "same period last year"
            if figure.last_year_value is not None:
                last_key = str(Period.parse(key).same_period_last_year())
                last_year.setdefault(last_key, figure.last_year_value)
        before = self.two_years_ago.values(indicator.code, unit_id)
        two_years_ago = {k: f.value for k, f in before.items() if f.value is not None}
        for key, figure in earlier.items():
            if figure.last_year_value is not None:
                before_key = str(Period.parse(key).same_period_last_year())
                two_years_ago.setdefault(before_key, figure.last_year_value)
        full = next(
            (
                last_year[k]
                for k in _year_end_keys(indicator, self.last_year.year)
                if k in last_year
            ),
            None,
        )
        if (
            full is None
            and indicator.kind == Indicator.Kind.QUANTITATIVE
            and indicator.accumulation == Indicator.Accumulation.CUMULATIVE
        ):
            full = self.spec(indicator, unit_id).baseline  # 基数: last year's total
        return calc.Series(
            current=current, last_year=last_year, two_years_ago=two_years_ago, last_year_full=full
        )

    def report_id(self, indicator: Indicator, unit_id: int, period: Period) -> int | None:
        figure = self.current.get((indicator.pk, unit_id), {}).get(str(period))
        return figure.report_id if figure else None

    def reported_periods(self, indicator: Indicator, unit_id: int) -> set[str]:
        return set(self.current.get((indicator.pk, unit_id), {}))


def load_inputs(
    plan: Plan,
    items: Sequence[Obligation],
    *,
    unit_ids: Iterable[int] | None,
    with_calendar: bool = False,
) -> PlanInputs:
    """Load the inputs of these obligations in a fixed number of queries."""
    indicators = {o.indicator.pk: o.indicator for o in items}
    unit_filter = None if unit_ids is None else set(unit_ids)
    codes = {i.code for i in indicators.values()}
    targets_qs = IndicatorTarget.objects.filter(indicator_id__in=list(indicators))
    if unit_filter is not None:
        targets_qs = targets_qs.filter(unit_id__in=unit_filter)
    targets = (
        {
            (ind, unit): (target, baseline)
            for ind, unit, target, baseline in targets_qs.values_list(
                "indicator_id", "unit_id", "target", "baseline"
            )
        }
        if indicators
        else {}
    )
    milestone_ids = [pk for pk, i in indicators.items() if i.kind == Indicator.Kind.MILESTONE]
    milestones: dict[tuple[int, int], list[Milestone]] = defaultdict(list)
    calendar = None
    if milestone_ids:
        tasks = (
            Task.objects.filter(assignment__indicator_id__in=milestone_ids)
            .exclude(status=Task.Status.CANCELLED)
            .select_related("assignment")
            .prefetch_related("milestones")
        )
        if unit_filter is not None:
            tasks = tasks.filter(unit_id__in=unit_filter)
        for task in tasks:
            milestones[(task.assignment.indicator_id, task.unit_id)].extend(task.milestones.all())
    if milestone_ids or with_calendar:
        from kaoping.tracking.task_selectors import work_calendar

        calendar = work_calendar()
    year = plan.cycle.year
    return PlanInputs(
        plan=plan,
        rule=status_rule_of(plan),
        linear=uses_linear_expected_progress(plan),
        targets=targets,
        current=_approved_figures(indicators, year, unit_filter),
        last_year=_history(plan, codes, 1, unit_filter),
        two_years_ago=_history(plan, codes, 2, unit_filter),
        milestones=milestones,
        calendar=calendar,
    )


# --- computing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemResult:
    """The engine's figures for one obligation and period, with where they came from."""

    plan: Plan
    indicator: Indicator
    unit: Unit
    assignment: Assignment | None
    period: Period
    result: calc.TrackingResult
    report_id: int | None


def _linear_instead(
    result: calc.TrackingResult, period: Period, rule: calc.StatusRule
) -> calc.TrackingResult:
    """The same figures judged on linear 序时进度 (a plan that asks for it)."""
    if result.expected_method != "seasonal":
        return result
    share = period.elapsed_share
    expected = Decimal(share.numerator) / Decimal(share.denominator)
    gap = None if result.completion is None else (result.completion - expected) * calc.HUNDRED
    return dataclasses.replace(
        result,
        expected_progress=expected,
        expected_method="linear",
        gap=gap,
        status=calc.status_for_gap(rule, gap, expected),
    )


def _milestone_result(
    inputs: PlanInputs, indicator: Indicator, unit_id: int, period: Period, today: date
) -> calc.TrackingResult:
    """A milestone task's figures as of the period's end (or today, if sooner): milestones
    done against milestones due, coloured red if one is overdue, yellow if one is due soon
    and not started (calculations.milestone_status)."""
    from kaoping.tracking.milestones import warn_days_of

    as_of = min(today, period.end)
    items = inputs.milestones.get((indicator.pk, unit_id), [])
    states = [
        calc.MilestoneState(
            due=m.due,
            done_on=m.done_on if m.done_on is not None and m.done_on <= as_of else None,
            started=m.started_on is not None and m.started_on <= as_of,
        )
        for m in items
    ]
    warn = warn_days_of(inputs.plan.status_rule)
    ahead = (
        inputs.calendar.next_working_days(as_of, warn)
        if inputs.calendar is not None and states and warn > 0
        else None
    )
    status = calc.milestone_status(states, as_of, working_days_ahead=ahead, warn_days=warn)
    total = Decimal(len(states))
    done = Decimal(sum(1 for s in states if s.done_on is not None))
    due = Decimal(sum(1 for s in states if s.due <= as_of))
    comp = done / total if total else None
    expected = due / total if total else None
    gap = None if comp is None or expected is None else (comp - expected) * calc.HUNDRED
    return calc.TrackingResult(
        period=str(period),
        actual=done if total else None,
        target=total if total else None,
        completion=comp,
        expected_progress=expected,
        expected_method="milestones" if total else "none",
        gap=gap,
        status=status,
        yoy_growth=None,
        yoy_growth_last_year=None,
        yoy_trend=calc.Trend.NOT_COMPARABLE,
        projection=None,
        projection_method="none",
        will_meet_target=None,
    )


def _peer_averages(
    inputs: PlanInputs, items: Sequence[Obligation], periods: Mapping[int, Sequence[Period]]
) -> dict[tuple[int, str], Decimal]:
    """Mean growth of the units of each growth indicator at each period (天津 preset)."""
    if inputs.rule.preset != "tianjin":
        return {}
    sums: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for item in items:
        if item.indicator.kind != Indicator.Kind.GROWTH:
            continue
        series = inputs.series(item.indicator, item.unit.pk)
        for period in periods.get(item.indicator.pk, ()):
            g = calc.growth(
                series.current.get(str(period)),
                series.last_year.get(str(period.same_period_last_year())),
            )
            if g is not None:
                sums[(item.indicator.pk, str(period))].append(g)
    return {key: sum(values, Decimal(0)) / len(values) for key, values in sums.items()}


def evaluate_item(
    inputs: PlanInputs,
    item: Obligation,
    period: Period,
    today: date,
    peer_average: Decimal | None = None,
    blank: bool = False,
) -> ItemResult:
    """Run the engine for one obligation and period. `blank` evaluates with no figure of
    this year (a period not reached yet)."""
    indicator, unit_id = item.indicator, item.unit.pk
    if indicator.kind == Indicator.Kind.MILESTONE:
        result = _milestone_result(inputs, indicator, unit_id, period, today)
        report_id = None
    else:
        series = inputs.series(indicator, unit_id)
        if blank:
            series = dataclasses.replace(series, current={})
        result = calc.evaluate(
            inputs.spec(indicator, unit_id), period, series, inputs.rule, peer_average
        )
        if inputs.linear:
            result = _linear_instead(result, period, inputs.rule)
        report_id = None if blank else inputs.report_id(indicator, unit_id, period)
    return ItemResult(inputs.plan, indicator, item.unit, item.assignment, period, result, report_id)


def _periods_for(
    inputs: PlanInputs, item: Obligation, *, at: Period | None, since: Period | None, today: date
) -> list[Period]:
    """The periods to compute for an obligation: at a point (its latest reporting period by
    then), or every period that has ended or has an approved figure (from `since` on)."""
    indicator = item.indicator
    if at is not None:
        latest = latest_reporting_period(indicator, at)
        return [latest] if latest is not None else []
    reported = inputs.reported_periods(indicator, item.unit.pk)
    milestone = indicator.kind == Indicator.Kind.MILESTONE
    wanted = [
        p
        for p in reporting_periods(indicator, inputs.plan.cycle.year)
        if p.end < today or str(p) in reported or (milestone and p.start <= today)
    ]
    if since is not None:
        wanted = [p for p in wanted if p.end >= since.end]
    return wanted


def compute(
    plan: Plan,
    *,
    at: Period | None = None,
    since: Period | None = None,
    units: Iterable[Unit] | None = None,
    indicator: Indicator | None = None,
    today: date | None = None,
    blank_when_not_reached: bool = False,
) -> list[ItemResult]:
    """Compute (without storing) the plan's figures for its obligations.

    `at`: each indicator at its latest reporting period ending by then; with
    `blank_when_not_reached`, an indicator with none yet is still listed, at its first
    reporting period, with nothing reported. Without `at`: every reporting period of the
    cycle that has ended by `today` or has an approved figure (from `since` on).
    """
    today = today or timezone.localdate()
    unit_list = None if units is None else list(units)
    items = obligations(plan, units=unit_list)
    if indicator is not None:
        items = [o for o in items if o.indicator.pk == indicator.pk]
    if not items:
        return []
    inputs = load_inputs(
        plan, items, unit_ids=None if unit_list is None else [u.pk for u in unit_list]
    )
    periods_of: dict[tuple[int, int], list[Period]] = {}
    blanks: set[tuple[int, int]] = set()
    for item in items:
        key = (item.indicator.pk, item.unit.pk)
        found = _periods_for(inputs, item, at=at, since=since, today=today)
        if not found and at is not None and blank_when_not_reached:
            found = reporting_periods(item.indicator, plan.cycle.year)[:1]
            blanks.add(key)
        periods_of[key] = found
    by_indicator: dict[int, set[Period]] = defaultdict(set)
    for (indicator_id, _unit), found in periods_of.items():
        by_indicator[indicator_id].update(found)
    peers = _peer_averages(inputs, items, {k: sorted(v) for k, v in by_indicator.items()})
    as_of = min(today, at.end) if at is not None else today  # milestones: as at the point
    results: list[ItemResult] = []
    for item in items:
        key = (item.indicator.pk, item.unit.pk)
        for period in periods_of[key]:
            results.append(
                evaluate_item(
                    inputs,
                    item,
                    period,
                    as_of,
                    peer_average=peers.get((item.indicator.pk, str(period))),
                    blank=key in blanks,
                )
            )
    return results


# --- storing ------------------------------------------------------------------------------------
_STORED_FIELDS = [
    *PRECISION,
    "expected_method",
    "status",
    "yoy_trend",
    "projection_method",
    "will_meet_target",
    "report",
    "computed_at",
]


def _row(item: ItemResult) -> TrackingResult:
    r = item.result
    return TrackingResult(
        indicator_id=item.indicator.pk,
        unit_id=item.unit.pk,
        period=str(item.period),
        expected_method=r.expected_method,
        status=str(r.status),
        yoy_trend=str(r.yoy_trend),
        projection_method=r.projection_method,
        will_meet_target=r.will_meet_target,
        report_id=item.report_id,
        **rounded_figures(r),
    )


def store(items: Sequence[ItemResult]) -> int:
    """Upsert the computed figures into TrackingResult (one statement per batch)."""
    if not items:
        return 0
    TrackingResult.objects.bulk_create(
        [_row(item) for item in items],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["indicator", "unit", "period"],
        update_fields=_STORED_FIELDS,
    )
    bump_plans(item.plan.pk for item in items)  # a bulk upsert sends no signal
    return len(items)


@transaction.atomic
def recompute_plan(*, plan: Plan, period: Period | None = None, today: date | None = None) -> int:
    """Recompute and store a plan's figures: at one point in the year (each indicator at its
    latest reporting period by then), or for the whole cycle so far. Figures of obligations
    that no longer exist are removed. Returns the number of figures stored."""
    items = compute(plan, at=period, today=today)
    stored = store(items)
    if period is None:
        keep = {(i.indicator.pk, i.unit.pk, str(i.period)) for i in items}
        stale = [
            pk
            for pk, ind, unit, text in TrackingResult.objects.filter(
                indicator__plan=plan
            ).values_list("pk", "indicator_id", "unit_id", "period")
            if (ind, unit, text) not in keep
        ]
        if stale:
            TrackingResult.objects.filter(pk__in=stale).delete()
    return stored


def _continuing_plans(plan: Plan, years_ahead: int) -> list[Plan]:
    """Later cycles' plans whose last-year figures come from this plan."""
    return [
        later
        for later in Plan.objects.filter(
            cycle__year=plan.cycle.year + years_ahead, owner_id=plan.owner_id, kind=plan.kind
        ).select_related("cycle")
        if _earlier_plans(later, years_ahead)[:1] == [plan]
    ]


@transaction.atomic
def recompute_for_report(*, report: ProgressReport, today: date | None = None) -> int:
    """Recompute the figures a report feeds: its indicator and unit at its period and every
    later period of the cycle, and the next two cycles' figures that read it as last year's
    (or the year before's). Idempotent; called after the office approves a report."""
    indicator = Indicator.objects.select_related("plan", "plan__cycle").get(pk=report.indicator_id)
    plan = indicator.plan
    try:
        since = Period.parse(report.period)
    except PeriodError:
        return 0
    # The 天津 rule compares a growth indicator with its peers: recompute them all.
    rule = status_rule_of(plan)
    peers = rule.preset == "tianjin" and indicator.kind == Indicator.Kind.GROWTH
    units = None if peers else [report.unit]
    stored = store(compute(plan, since=since, units=units, indicator=indicator, today=today))
    for years_ahead in (1, 2):
        for later in _continuing_plans(plan, years_ahead):
            same = later.indicators.filter(code=indicator.code).first()
            if same is not None:
                later_peers = (
                    status_rule_of(later).preset == "tianjin" and same.kind == Indicator.Kind.GROWTH
                )
                stored += store(
                    compute(
                        later,
                        units=None if later_peers else [report.unit],
                        indicator=same,
                        today=today,
                    )
                )
    return stored


@transaction.atomic
def results_recompute(*, actor: Any, plan: Plan, period: Period | None = None) -> int:
    """The office recomputes a plan's tracking figures from its approved reports (audited)."""
    if actor is not None:
        from kaoping.org.scopes import data_scope

        scope = data_scope(actor)
        in_scope = scope.everything or plan.owner_id in scope.unit_ids
        if not (actor.has_role(Role.OFFICE) or actor.is_superuser) or not in_scope:
            raise PermissionDeniedError(_("You are not allowed to do this."))
    if plan.status == Plan.Status.ARCHIVED:
        raise ApplicationError(_("An archived plan's figures are kept as they were."))
    count = recompute_plan(plan=plan, period=period)
    audit_event(
        actor=actor,
        action="tracking.recompute",
        obj=plan,
        after={"period": str(period) if period else None, "results": count},
    )
    return count
