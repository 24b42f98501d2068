"""Reads of the dashboards: the engine's stored figures (TrackingResult) of a plan at a period,
grouped for the county overview, an indicator, a unit and a leader's portfolio.

Every read goes through `for_user`, so a leader's figures are those of the portfolio units
and a town's reporter sees only the town. Each function costs a fixed number of queries,
whatever the number of indicators and units (dashboards have query budgets in the tests).

A dashboard period is a point in the year (the end of a month). Each indicator is read at
its own reporting period as of that point: at 2022Q3 a monthly indicator shows 2022-09, a
quarterly one 2022Q3 and a half-yearly one 2022Q2 (its latest figure).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, overload

from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.core.periods import Period, PeriodError
from kaoping.core.scope import ScopedQuerySet
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Assignment, Indicator, Plan, UnitGroup
from kaoping.plans.selectors import plans_for_user
from kaoping.tracking import selectors as tracking_selectors
from kaoping.tracking.calculations import Status, Trend
from kaoping.tracking.models import (
    Evidence,
    Explanation,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from kaoping.tracking.selectors import (
    UnitLag,
    at_period_q,
    explanations_for_user,
    lagging_units,
    notices_for_user,
    tracking_results,
)

STATUS_ORDER: tuple[str, ...] = (
    Status.GREEN,
    Status.YELLOW,
    Status.RED,
    Status.NOT_COMPARABLE,
)
STATUS_LABELS: dict[str, str | Promise] = {
    Status.GREEN: _("On schedule"),
    Status.YELLOW: _("Behind schedule"),
    Status.RED: _("Far behind schedule"),
    Status.NOT_COMPARABLE: _("Not comparable"),
}
TREND_LABELS: dict[str, str | Promise] = {
    Trend.IMPROVED: _("Faster than a year before"),
    Trend.DECLINED: _("Slower than a year before"),
    Trend.UNCHANGED: _("Same as a year before"),
    Trend.NOT_COMPARABLE: _("Not comparable"),
}
# Worst first: red, yellow, not comparable, green.
SEVERITY: dict[str, int] = {
    Status.RED: 0,
    Status.YELLOW: 1,
    Status.NOT_COMPARABLE: 2,
    Status.GREEN: 3,
}
# How far ahead the unit dashboard looks for milestones and tasks falling due.
DUE_HORIZON_DAYS = 30
LIST_LIMIT = 10
# How many red, yellow and projected-to-miss items the county page lists (a cached overview
# keeps these; dashboard_county.html slices them with `slice:":15"`).
SHOWN = 15


def _scoped(model: type[Model], user: Any) -> QuerySet[Any]:
    """`model`'s rows in the user's data scope (also for models without a scoped manager)."""
    manager_qs = model._default_manager.all()
    if isinstance(manager_qs, ScopedQuerySet):
        return manager_qs.for_user(user)
    return ScopedQuerySet(model=model).for_user(user)


# --- plan and period -----------------------------------------------------------------------
def dashboard_plans(*, user: Any) -> list[Plan]:
    """The plans whose dashboards the user may open, newest cycle first."""
    return list(plans_for_user(user=user).order_by("-cycle__year", "kind", "code"))


def choose_plan(plans: Sequence[Plan], requested: str | None) -> Plan | None:
    """The requested plan if the user may read it, else the newest cycle's provincial plan."""
    if requested and requested.isdigit():
        for plan in plans:
            if plan.pk == int(requested):
                return plan
    if not plans:
        return None
    newest = max(plan.cycle.year for plan in plans)
    provincial = [p for p in plans if p.cycle.year == newest and p.kind == Plan.Kind.PROVINCIAL]
    return provincial[0] if provincial else plans[0]


def canonical_period(year: int, month: int) -> Period:
    """The label of a point in the year: the year at December, a quarter at its end, else
    the month (2022-09 → 2022Q3, 2022-12 → 2022)."""
    if month == 12:
        return Period(year, "year")
    if month % 3 == 0:
        return Period(year, "quarter", month // 3)
    return Period(year, "month", month)


def dashboard_periods(*, user: Any, plan: Plan) -> list[Period]:
    """The points of the plan's year with figures in the user's scope, newest first."""
    raw = (
        _scoped(TrackingResult, user)
        .filter(indicator__plan=plan)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
    points: set[Period] = set()
    for text in raw:
        try:
            period = Period.parse(text)
        except PeriodError:
            continue
        if period.year == plan.cycle.year:
            points.add(canonical_period(period.year, period.last_month))
    return sorted(points, key=lambda p: p.last_month, reverse=True)


def choose_period(periods: Sequence[Period], requested: str | None) -> Period | None:
    """The requested point if it has figures, else the latest one."""
    if requested:
        try:
            wanted = Period.parse(requested)
        except PeriodError:
            wanted = None
        if wanted is not None:
            for period in periods:
                if period.last_month == wanted.last_month and period.year == wanted.year:
                    return period
    return periods[0] if periods else None


def _period_end(text: str) -> tuple[int, int]:
    try:
        period = Period.parse(text)
    except PeriodError:
        return (0, 0)
    return (period.last_month, {"year": 0, "quarter": 1, "month": 2}[period.kind])


def period_sort_key(text: str) -> tuple[int, int]:
    """Order periods by their end, the coarser first on a tie (2022Q3 before 2022-09)."""
    end = _period_end(text)
    return (end[0], -end[1])


def items_at(
    *, user: Any, plan: Plan, period: Period, units: Iterable[Unit] | None = None
) -> list[TrackingResult]:
    """The plan's figures in scope as of `period`: each indicator at its own latest reporting
    period by then (tracking.selectors.tracking_results), in the same order, in three
    queries: the rows, then their indicators (with parents) and units once each.

    A county has a few hundred rows but only tens of indicators and units: joining them into
    every row built five model instances per row (and converted the indicator's and the
    report's decimals each time), which was most of the county dashboard's cost. The rows
    share one instance per indicator and unit instead; `indicator.plan` is `plan`.
    """
    qs = tracking_results(user=user, plan=plan, period=period).select_related(None)
    if units is not None:
        qs = qs.filter(unit__in=list(units))
    rows = list(qs)
    if not rows:
        return rows
    indicators = Indicator.objects.select_related("parent").in_bulk(
        {row.indicator_id for row in rows}
    )
    unit_map = Unit.objects.in_bulk({row.unit_id for row in rows})
    for ind in indicators.values():
        ind.plan = plan
    for row in rows:
        row.indicator = indicators[row.indicator_id]
        row.unit = unit_map[row.unit_id]
    return rows


# --- status counts ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str | Promise
    count: int


def status_counts(items: Iterable[TrackingResult]) -> list[StatusCount]:
    """How many items are green, yellow, red and not comparable (always all four, labelled)."""
    counted = tracking_selectors.status_counts(items)
    return [StatusCount(s, STATUS_LABELS[s], counted.get(str(s), 0)) for s in STATUS_ORDER]


def worst_first(items: Iterable[TrackingResult]) -> list[TrackingResult]:
    """Red before yellow before the rest, the largest gap behind first."""
    return sorted(
        items,
        key=lambda r: (
            SEVERITY.get(r.status, 2),
            r.gap if r.gap is not None else Decimal(0),
            r.indicator.order,
            r.unit.path,
        ),
    )


# --- year on year ---------------------------------------------------------------------------
@dataclass(frozen=True)
class YoyGroup:
    """A parent indicator whose children are compared year on year (e.g. 宏观经济指标)."""

    key: str  # the parent's pk, or "all"
    label: str
    count: int


@dataclass
class YoyComparison:
    """This year's growth against last year's at the same period, per indicator."""

    groups: list[YoyGroup] = field(default_factory=list)
    group: YoyGroup | None = None
    rows: list[TrackingResult] = field(default_factory=list)  # in the plan's order
    improved: list[TrackingResult] = field(default_factory=list)  # the biggest change first
    declined: list[TrackingResult] = field(default_factory=list)

    @property
    def negative(self) -> list[TrackingResult]:
        """Indicators that fell against a year before (同比负增长)."""
        return [r for r in self.rows if r.yoy_growth is not None and r.yoy_growth < 0]


def _indicator_figure(rows: list[TrackingResult], plan: Plan) -> TrackingResult | None:
    """The one figure of an indicator for the county: its only row, or the plan owner's."""
    if len(rows) == 1:
        return rows[0]
    for row in rows:
        if row.unit_id == plan.owner_id:
            return row
    return None


def yoy_comparison(
    items: Sequence[TrackingResult], plan: Plan, requested: str | None
) -> YoyComparison:
    """Indicators with a year-on-year comparison, grouped by parent; the largest group first.

    An indicator many units report on (a town indicator) has no single county figure and
    is left out unless the plan owner reports it too.
    """
    by_indicator: dict[int, list[TrackingResult]] = defaultdict(list)
    for item in items:
        by_indicator[item.indicator_id].append(item)
    comparable: list[TrackingResult] = []
    for rows in by_indicator.values():
        figure = _indicator_figure(rows, plan)
        if figure is not None and figure.yoy_trend in (
            Trend.IMPROVED,
            Trend.DECLINED,
            Trend.UNCHANGED,
        ):
            comparable.append(figure)
    if not comparable:
        return YoyComparison()
    parents: dict[str, YoyGroup] = {}
    per_parent: Counter[str] = Counter()
    for row in comparable:
        parent = row.indicator.parent
        if parent is not None:
            per_parent[str(parent.pk)] += 1
            parents[str(parent.pk)] = YoyGroup(str(parent.pk), parent.name, 0)
    groups = [YoyGroup(key, parents[key].label, count) for key, count in per_parent.most_common()]
    everything = YoyGroup("all", str(_("All comparable indicators")), len(comparable))
    if len(groups) != 1 or groups[0].count != len(comparable):
        groups.append(everything)
    chosen = next((g for g in groups if g.key == requested), groups[0])
    rows = (
        comparable
        if chosen.key == "all"
        else [r for r in comparable if str(r.indicator.parent_id) == chosen.key]
    )
    rows.sort(key=lambda r: (r.indicator.order, r.indicator.code))
    improved, declined = tracking_selectors.yoy_movers(rows)
    return YoyComparison(groups, chosen, rows, improved, declined)


# --- units by status ------------------------------------------------------------------------
@dataclass
class UnitStatusCounts:
    """One unit's items at a period by status, and their mean gap to expected progress (pp)."""

    unit: Unit
    items: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    not_comparable: int = 0
    gaps: list[Decimal] = field(default_factory=list)

    @property
    def average_gap(self) -> Decimal | None:
        return sum(self.gaps, Decimal(0)) / len(self.gaps) if self.gaps else None

    def add(self, item: TrackingResult) -> None:
        self.items += 1
        status = item.status if item.status in STATUS_LABELS else Status.NOT_COMPARABLE
        setattr(self, str(status), getattr(self, str(status)) + 1)
        if item.gap is not None:
            self.gaps.append(item.gap)


def status_by_unit(
    items: Iterable[TrackingResult], group_by: dict[int, Unit] | None = None
) -> list[UnitStatusCounts]:
    """Per unit (or per portfolio unit, via `group_by`: unit pk → the unit to count under)."""
    counts: dict[int, UnitStatusCounts] = {}
    for item in items:
        unit = group_by.get(item.unit_id, item.unit) if group_by else item.unit
        row = counts.get(unit.pk)
        if row is None:
            row = counts[unit.pk] = UnitStatusCounts(unit)
        row.add(item)
    return sorted(counts.values(), key=lambda row: row.unit.path)


def lagging_by_gap(items: Sequence[TrackingResult], limit: int = LIST_LIMIT) -> list[UnitLag]:
    """Lagging units (tracking.selectors.lagging_units) by mean gap, the furthest behind first."""
    lagging = [
        lag
        for lag in lagging_units(items, limit=len(items))
        if lag.mean_gap is not None and lag.mean_gap < 0
    ]
    lagging.sort(key=lambda lag: (lag.mean_gap, lag.unit.path))
    return lagging[:limit]


def projected_misses(items: Iterable[TrackingResult]) -> list[TrackingResult]:
    """Items whose year-end projection falls short of the target, worst first."""
    return worst_first(item for item in items if item.will_meet_target is False)


# --- supervision counts ------------------------------------------------------------------
def open_notices(*, user: Any, plan: Plan, unit: Unit | None = None) -> QuerySet[SupervisionNotice]:
    """Supervision notices of the plan not yet closed, in scope, red ones first."""
    return (
        notices_for_user(user=user, unit=unit)
        .filter(indicator__plan=plan)
        .exclude(status=SupervisionNotice.Status.CLOSED)
    )


def owed_explanations(*, user: Any, plan: Plan, unit: Unit | None = None) -> QuerySet[Explanation]:
    """Explanations requested (or returned) and not yet submitted, soonest due first."""
    return (
        explanations_for_user(user=user, unit=unit)
        .filter(indicator__plan=plan)
        .filter(status__in=[Explanation.Status.REQUESTED, Explanation.Status.RETURNED])
    )


@dataclass(frozen=True)
class SupervisionCounts:
    open_notices: int
    red_notices: int
    overdue_explanations: int


def supervision_counts(*, user: Any, plan: Plan, today: date) -> SupervisionCounts:
    """Open notices (and red ones) and overdue explanations of the plan, in one query each."""
    notices = (
        open_notices(user=user, plan=plan)
        .order_by()
        .aggregate(total=Count("pk"), red=Count("pk", filter=Q(level=SupervisionNotice.Level.RED)))
    )
    overdue = owed_explanations(user=user, plan=plan).filter(due__lt=today).count()
    return SupervisionCounts(notices["total"] or 0, notices["red"] or 0, overdue)


# --- the county overview ------------------------------------------------------------------
class Rows(Sequence[TrackingResult]):
    """A list of figures of which a cached copy keeps only its length and the first `SHOWN`
    (what a page lists); anything further is read again on use, through `load`.

    `len()`, truthiness and slices within the first `SHOWN` never load; iterating, indexing
    beyond them or comparing does, so the rows mean the same whether cached or not.
    """

    def __init__(self, rows: list[TrackingResult]) -> None:
        self._rows: list[TrackingResult] | None = rows
        self._head = rows[:SHOWN]
        self._total = len(rows)
        self.load: Callable[[], list[TrackingResult]] | None = None

    def _all(self) -> list[TrackingResult]:
        if self._rows is None:
            self._rows = self.load() if self.load is not None else list(self._head)
        return self._rows

    def __len__(self) -> int:
        return self._total

    def __bool__(self) -> bool:
        return self._total > 0

    @overload
    def __getitem__(self, index: int) -> TrackingResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[TrackingResult]: ...

    def __getitem__(self, index: int | slice) -> TrackingResult | list[TrackingResult]:
        if self._rows is None and isinstance(index, slice):
            start, stop, step = index.indices(self._total)
            if step > 0 and stop <= len(self._head):
                return self._head[start:stop:step]
        return self._all()[index]

    def __iter__(self) -> Iterator[TrackingResult]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self._all() == other._all()
        return self._all() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({self._total})"

    def __getstate__(self) -> dict[str, Any]:
        return {"_rows": None, "_head": self._head, "_total": self._total, "load": None}


@dataclass
class CountyOverview:
    """Everything the county dashboard shows for a plan at a period.

    A cached copy (kaoping.tracking.cache) keeps what the page shows: not `items` (every
    figure in scope), and of `misses` and `behind` only their length and first rows (`Rows`).
    Hundreds of model rows cost more to unpickle than the rest together. A copy read from the
    cache reads the figures again on first use, through `load_items` (set by the view), so
    every attribute means the same either way.
    """

    counts: list[StatusCount]
    yoy: YoyComparison
    by_red: list[UnitLag]  # the most red, then yellow, items first
    by_gap: list[UnitLag]  # the furthest behind on average first
    misses: Rows
    behind: Rows
    supervision: SupervisionCounts
    loaded_items: list[TrackingResult] | None = field(default=None, repr=False)
    load_items: Callable[[], list[TrackingResult]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def items(self) -> list[TrackingResult]:
        """Every figure the overview is computed from."""
        if self.loaded_items is None:
            self.loaded_items = self.load_items() if self.load_items is not None else []
        return self.loaded_items

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "loaded_items": None, "load_items": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.misses.load = lambda: projected_misses(self.items)
        self.behind.load = lambda: behind_schedule(self.items)


def behind_schedule(items: Iterable[TrackingResult]) -> list[TrackingResult]:
    """Red and yellow items, worst first."""
    return [i for i in worst_first(items) if i.status in (Status.RED, Status.YELLOW)]


def county_overview(
    *, user: Any, plan: Plan, period: Period, today: date, yoy_group: str | None = None
) -> CountyOverview:
    """The county overview: counts by status, year on year, lagging units, projections."""
    items = items_at(user=user, plan=plan, period=period)
    return CountyOverview(
        counts=status_counts(items),
        yoy=yoy_comparison(items, plan, yoy_group),
        by_red=lagging_units(items, limit=LIST_LIMIT),
        by_gap=lagging_by_gap(items),
        misses=Rows(projected_misses(items)),
        behind=Rows(behind_schedule(items)),
        supervision=supervision_counts(user=user, plan=plan, today=today),
        loaded_items=items,
    )


def filter_items(
    items: Iterable[TrackingResult],
    *,
    status: str = "",
    unit: int | None = None,
    indicator: int | None = None,
    trend: str = "",
    miss: bool = False,
) -> list[TrackingResult]:
    """The items behind a figure of a dashboard (the drill-down list)."""
    selected = list(items)
    if status:
        selected = [i for i in selected if i.status == status]
    if unit is not None:
        selected = [i for i in selected if i.unit_id == unit]
    if indicator is not None:
        selected = [i for i in selected if i.indicator_id == indicator]
    if trend:
        selected = [i for i in selected if i.yoy_trend == trend]
    if miss:
        selected = [i for i in selected if i.will_meet_target is False]
    return selected


# --- one indicator ---------------------------------------------------------------------------
@dataclass
class IndicatorDashboard:
    """An indicator over its year: each unit's series, the owners, reports and evidence."""

    indicator: Indicator
    year: int
    series: dict[int, list[TrackingResult]]  # unit pk → its rows, in period order
    units: list[Unit]
    unit: Unit | None
    latest: list[TrackingResult]  # each unit's latest row
    assignments: list[Assignment]
    reports: list[ProgressReport]  # the chosen unit's (all in scope when there is none)
    groups: list[UnitGroup]  # the groups it applies to, when no unit is assigned

    @property
    def unit_series(self) -> list[TrackingResult]:
        return self.series.get(self.unit.pk, []) if self.unit else []


def indicator_dashboard(
    *, user: Any, indicator: Indicator, unit_id: str | None
) -> IndicatorDashboard:
    """An indicator's figures in scope for its cycle year, by unit (a fixed query count)."""
    year = indicator.plan.cycle.year
    rows = list(
        _scoped(TrackingResult, user)
        .filter(indicator=indicator, period__startswith=str(year))
        .select_related("unit", "report")
    )
    series: dict[int, list[TrackingResult]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for row in rows:
        row.indicator = indicator  # sorting and templates read it; no query per row
        series[row.unit_id].append(row)
        units[row.unit_id] = row.unit
    for unit_rows in series.values():
        unit_rows.sort(key=lambda r: period_sort_key(r.period))
    assignments = list(
        Assignment.objects.filter(indicator=indicator)
        .select_related("lead_unit", "responsible_leader", "responsible_person")
        .prefetch_related("supporting_units")
        .order_by("lead_unit__path")
    )
    ordered_units = sorted(units.values(), key=lambda u: u.path)
    latest = worst_first(unit_rows[-1] for unit_rows in series.values() if unit_rows)
    chosen = units.get(int(unit_id)) if unit_id and unit_id.isdigit() else None
    if chosen is None and latest:
        # The lead unit's figures; for an indicator many units report on, the worst unit's.
        leads = {a.lead_unit_id for a in assignments}
        chosen = next((u for u in ordered_units if u.pk in leads), latest[0].unit)
    reports = _scoped(ProgressReport, user).filter(
        indicator=indicator, period__startswith=str(year), is_current=True
    )
    if chosen is not None:
        reports = reports.filter(unit=chosen)
    report_list = sorted(
        reports.select_related("unit").prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("pk"))
        ),
        key=lambda r: (r.unit.path, period_sort_key(r.period)),
    )
    groups = [] if assignments else list(indicator.groups.order_by("order", "code"))
    return IndicatorDashboard(
        indicator,
        year,
        dict(series),
        ordered_units,
        chosen,
        latest,
        assignments,
        report_list,
        groups,
    )


# --- one unit ---------------------------------------------------------------------------------
@dataclass
class UnitObligation:
    """An indicator the unit reports on, with its figure as of the period and its report."""

    indicator: Indicator
    assignment: Assignment | None
    result: TrackingResult | None
    report: ProgressReport | None
    role: str = "lead"  # lead (牵头), group (a member of a group it applies to), other


@dataclass
class UnitDashboard:
    unit: Unit
    obligations: list[UnitObligation]
    counts: list[StatusCount]
    tasks: list[Task]
    milestones: list[Milestone]
    explanations: list[Explanation]
    notices: list[SupervisionNotice]


def unit_dashboard(
    *, user: Any, unit: Unit, plan: Plan, period: Period | None, today: date
) -> UnitDashboard:
    """A unit's obligations with status, gap and deadline; its tasks, milestones falling due,
    explanations owed and open notices (the unit must already be in the user's scope)."""
    from kaoping.tracking.obligations import obligations
    from kaoping.tracking.task_selectors import tasks_for_user

    owed = obligations(plan, units=[unit])
    results: dict[int, TrackingResult] = {}
    reports: dict[int, ProgressReport] = {}
    if period is not None:
        for row in items_at(user=user, plan=plan, period=period, units=[unit]):
            results[row.indicator_id] = row
        for report in _scoped(ProgressReport, user).filter(
            at_period_q(period), unit=unit, indicator__plan=plan, is_current=True
        ):
            reports[report.indicator_id] = report
    rows = [
        UnitObligation(
            o.indicator,
            o.assignment,
            results.get(o.indicator.pk),
            reports.get(o.indicator.pk),
            "lead" if o.assignment else "group",
        )
        for o in owed
    ]
    # Figures for indicators the unit is not formally assigned (e.g. supporting) still count.
    listed = {o.indicator.pk for o in owed}
    rows += [
        UnitObligation(r.indicator, None, r, reports.get(r.indicator_id), "other")
        for r in results.values()
        if r.indicator_id not in listed
    ]
    rows.sort(
        key=lambda o: (
            SEVERITY.get(o.result.status, 2) if o.result else 4,
            o.result.gap if o.result and o.result.gap is not None else Decimal(0),
            o.indicator.order,
            o.indicator.code,
        )
    )
    horizon = today + timedelta(days=DUE_HORIZON_DAYS)
    open_tasks = list(
        tasks_for_user(user=user, unit=unit, plan=plan).exclude(
            status__in=[Task.Status.DONE, Task.Status.CANCELLED]
        )
    )
    tasks = [task for task in open_tasks if task.deadline <= horizon]
    milestones = sorted(
        (
            m
            for task in open_tasks
            for m in task.milestones.all()
            if m.done_on is None and m.due <= horizon
        ),
        key=lambda m: (m.due, m.pk),
    )
    return UnitDashboard(
        unit=unit,
        obligations=rows,
        counts=status_counts(o.result for o in rows if o.result is not None),
        tasks=tasks,
        milestones=milestones,
        explanations=list(owed_explanations(user=user, plan=plan, unit=unit)),
        notices=list(open_notices(user=user, plan=plan, unit=unit)),
    )


# --- a leader's portfolio --------------------------------------------------------------------
@dataclass
class PortfolioDashboard:
    units: list[Unit]
    lags: list[UnitStatusCounts]
    counts: list[StatusCount]
    worst: list[TrackingResult]
    notices: int
    overdue_explanations: int


def portfolio_units(*, user: Any) -> list[Unit]:
    """The units a leader is in charge of (分管), in tree order; a leader of a whole county
    (书记, 县长) sees its towns and departments instead of one line for the county."""
    if not user.has_role(Role.LEADER) or user.person_id is None:
        return []
    units = list(user.person.portfolio.order_by("path"))
    whole = [u for u in units if u.kind in (Unit.Kind.COUNTY, Unit.Kind.CITY, Unit.Kind.PROVINCE)]
    if not whole:
        return units
    children = Q()
    for unit in whole:
        children |= Q(path__startswith=unit.path, depth=unit.depth + 1)
    below = list(Unit.objects.filter(children, is_active=True).order_by("path"))
    return sorted({u.pk: u for u in [*units, *below]}.values(), key=lambda u: u.path)


def portfolio_dashboard(
    *,
    user: Any,
    plan: Plan,
    period: Period | None,
    today: date,
    limit: int = 15,
    units: list[Unit] | None = None,
) -> PortfolioDashboard:
    """Each portfolio unit's status counts (its sub-units counted under it), the worst items
    (`units`: the user's portfolio units when the caller has read them already)."""
    units = portfolio_units(user=user) if units is None else units
    items = items_at(user=user, plan=plan, period=period) if period else []
    owner: dict[int, Unit] = {}
    by_path = sorted(units, key=lambda u: len(u.path), reverse=True)
    for item in items:
        owner_unit = next((u for u in by_path if item.unit.path.startswith(u.path)), None)
        if owner_unit is not None:
            owner[item.unit_id] = owner_unit
    items = [item for item in items if item.unit_id in owner]
    lags = {row.unit.pk: row for row in status_by_unit(items, owner)}
    ordered = [lags.get(u.pk) or UnitStatusCounts(u) for u in units]
    counts = supervision_counts(user=user, plan=plan, today=today)
    worst = [i for i in worst_first(items) if i.status in (Status.RED, Status.YELLOW)]
    return PortfolioDashboard(
        units=units,
        lags=ordered,
        counts=status_counts(items),
        worst=worst[:limit],
        notices=counts.open_notices,
        overdue_explanations=counts.overdue_explanations,
    )
