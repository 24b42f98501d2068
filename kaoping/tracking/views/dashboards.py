"""Dashboards: the county overview, an indicator, a unit, a leader's portfolio, and the list
of items behind any of their figures.

Figures are the tracking engine's stored results (TrackingResult), read in the user's data
scope by kaoping.tracking.dashboard_selectors. Charts are ECharts options built here from
those reads, with every label translated and every clickable mark carrying the URL of the
page it came from; kaoping/static/kaoping/charts.js draws them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period
from kaoping.core.versions import access_cached
from kaoping.org.models import Role, Unit
from kaoping.org.permissions import (
    CATALOGUE_ROLES,
    EXPLANATION_ROLES,
    PLAN_EDITOR_ROLES,
    PORTFOLIO_ROLES,
    REPORT_REVIEW_ROLES,
    SUPERVISION_ROLES,
    TASK_ROLES,
    UNIT_LIST_ROLES,
    UNIT_PAGE_ROLES,
    roles_required,
)
from kaoping.org.selectors import access_unit, unit_of_user
from kaoping.plans.models import Indicator, Plan
from kaoping.plans.selectors import access_indicator
from kaoping.tracking import cache as dashboard_cache
from kaoping.tracking import dashboard_selectors as reads
from kaoping.tracking.calculations import Status, Trend
from kaoping.tracking.models import TrackingResult
from kaoping.tracking.services.results import reporting_periods, results_recompute

COUNTY_ROLES = UNIT_LIST_ROLES  # the office, county leaders, inspectors
DASHBOARD_ROLES = CATALOGUE_ROLES

GREY = "#9e9e9e"
STATUS_COLOURS: dict[str, str] = {
    Status.GREEN: "#2e7d32",
    Status.YELLOW: "#f0a202",
    Status.RED: "#c62828",
    Status.NOT_COMPARABLE: GREY,
}
TREND_COLOURS: dict[str, str] = {Trend.IMPROVED: "#2e7d32", Trend.DECLINED: "#c62828"}
TREND_MARKS: dict[str, str] = {Trend.IMPROVED: " ▲", Trend.DECLINED: " ▼"}
THIS_YEAR_COLOUR, LAST_YEAR_COLOUR, EXPECTED_COLOUR = "#1d5fa8", "#9fb3c8", "#f0a202"


# --- helpers -------------------------------------------------------------------------------
def _float(value: Decimal | None, places: int = 2) -> float | None:
    """A Decimal for a chart (charts draw floats; tables show the Decimal)."""
    return None if value is None else round(float(value), places)


def _url(name: str, *args: Any, **query: Any) -> str:
    """A page's URL with a query string (empty values left out)."""
    url = reverse(name, args=args)
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def _report_url(report_id: int | None) -> str:
    """The report a figure came from (every dashboard role may open reports in its scope)."""
    return reverse("tracking:report_detail", args=[report_id]) if report_id else ""


def _if_role(user: Any, roles: frozenset[str], name: str) -> str:
    """A page's URL if the user's roles open it, else "" (no link that answers 404)."""
    return reverse(name) if user.has_role(*roles) else ""


def _decorate(rows: Any) -> None:
    """Add what tables show: completion and expected progress in %, the source report's URL."""
    hundred = Decimal(100)
    for row in rows:
        row.completion_pct = None if row.completion is None else row.completion * hundred
        row.expected_pct = (
            None if row.expected_progress is None else row.expected_progress * hundred
        )
        row.source_url = _report_url(row.report_id)


@dataclass(frozen=True)
class Selection:
    """The plan and period chosen at the top of a dashboard, and the plan's data version
    (kaoping.tracking.cache; None: not cached)."""

    plans: list[Plan]
    plan: Plan | None
    periods: list[Period]
    period: Period | None
    version: str | None

    def cache_key(self, request: HttpRequest, page: str, *parts: Any) -> str | None:
        """The key of this page's payload for this user, or None when it is not cached."""
        if self.plan is None or self.version is None:
            return None
        return dashboard_cache.dashboard_key(
            page, version=self.version, user=request.user, parts=[self.plan.pk, *parts]
        )


def _select(request: HttpRequest, *, cached: bool = True) -> Selection:
    """The plan and period chosen (or the defaults). With `cached`, the plan's data version
    is read first (one query) and the plan's periods with figures are cached under it."""
    user: Any = request.user
    plans = access_cached(user, "dashboard-plans", lambda: reads.dashboard_plans(user=user))
    plan = reads.choose_plan(plans, request.GET.get("plan"))
    if plan is None:
        return Selection(plans, None, [], None, None)
    version = dashboard_cache.plan_version(plan.pk, user) if cached else None
    periods = dashboard_cache.cached(
        Selection(plans, plan, [], None, version).cache_key(request, "periods"),
        lambda: reads.dashboard_periods(user=user, plan=plan),
    )
    period = reads.choose_period(periods, request.GET.get("period"))
    return Selection(plans, plan, periods, period, version)


def _selection(request: HttpRequest) -> tuple[list[Plan], Plan | None, list[Period], Period | None]:
    """The plan and period chosen at the top of an uncached dashboard (or the defaults)."""
    chosen = _select(request, cached=False)
    return chosen.plans, chosen.plan, chosen.periods, chosen.period


def _base_context(
    request: HttpRequest,
    plans: list[Plan],
    plan: Plan | None,
    periods: list[Period],
    period: Period | None,
) -> dict[str, Any]:
    query = {"plan": plan.pk if plan else "", "period": str(period) if period else ""}
    user: Any = request.user
    return {
        "plans": plans,
        "plan": plan,
        "periods": periods,
        "period": period,
        "selection": urlencode({k: v for k, v in query.items() if v}),
        "can_recompute": user.has_role(*PLAN_EDITOR_ROLES),
        "review_queue_url": _if_role(user, REPORT_REVIEW_ROLES, "tracking:review_queue"),
    }


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "left": 0, "textStyle": {"fontSize": 14, "fontWeight": 600}}


# --- chart options -----------------------------------------------------------------------
def status_donut(counts: list[reads.StatusCount], url_for: Any, title: str) -> dict[str, Any]:
    """Items by status; a slice opens the list of its items."""
    return {
        "title": _title(title),
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0, "icon": "circle", "itemGap": 12},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "center": ["50%", "46%"],
                # Counts inside the ring; a slice too thin for its number shows none.
                "minShowLabelAngle": 12,
                "label": {
                    "position": "inside",
                    "formatter": "{c}",
                    "fontSize": 14,
                    "fontWeight": 600,
                    "color": "#fff",
                },
                "labelLine": {"show": False},
                "data": [
                    {
                        "name": str(c.label),
                        "value": c.count,
                        "url": url_for(c.status),
                        "itemStyle": {"color": STATUS_COLOURS[c.status]},
                    }
                    for c in counts
                ],
            }
        ],
    }


def _growth_unit(item: TrackingResult) -> str:
    """Growth is in % for amounts; a share or level compares its value in points."""
    ind = item.indicator
    if ind.kind == Indicator.Kind.SHARE or (
        ind.accumulation == Indicator.Accumulation.POINT and ind.kind != Indicator.Kind.GROWTH
    ):
        return _("pp")
    return "%"


def yoy_chart(yoy: reads.YoyComparison) -> dict[str, Any]:
    """This year's growth against last year's at the same period; ▲ faster, ▼ slower."""
    rows = yoy.rows
    names = [r.indicator.name for r in rows]
    this_year, last_year = [], []
    for r in rows:
        url = _url("tracking:dashboard_indicator", r.indicator_id, unit=r.unit_id)
        mark = TREND_MARKS.get(r.yoy_trend, "")
        suffix = _growth_unit(r)
        this_year.append(
            {
                "value": _float(r.yoy_growth),
                "url": url,
                "label": {
                    "show": True,
                    "position": "right",
                    "formatter": f"{{c}}{suffix}{mark}",
                    "color": TREND_COLOURS.get(r.yoy_trend, "#555"),
                    "fontWeight": 600,
                },
            }
        )
        last_year.append({"value": _float(r.yoy_growth_last_year), "url": url})
    return {
        "title": _title(
            _("Growth on the same period a year before: %(group)s")
            % {"group": yoy.group.label if yoy.group else ""}
        ),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 32, "left": 0},
        "grid": {"left": 8, "right": 72, "top": 76, "bottom": 30, "containLabel": True},
        "xAxis": {
            "type": "value",
            "axisLabel": {"formatter": "{value}"},
            "name": _("growth (%, pp for shares)"),
            "nameLocation": "middle",
            "nameGap": 24,
        },
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 170, "overflow": "truncate"},
        },
        "series": [
            {
                "name": _("This year"),
                "type": "bar",
                "data": this_year,
                "itemStyle": {"color": THIS_YEAR_COLOUR},
                "barGap": "10%",
            },
            {
                "name": _("Same period last year"),
                "type": "bar",
                "data": last_year,
                "itemStyle": {"color": LAST_YEAR_COLOUR},
            },
        ],
        "kpHeight": 110 + 44 * max(len(rows), 2),
    }


def lagging_chart(
    lags: list[reads.UnitLag], selection: dict[str, Any], title: str
) -> dict[str, Any]:
    """Red and yellow items per unit, stacked; a bar opens the unit's dashboard."""
    names = [lag.unit.short_name or lag.unit.name for lag in lags]

    def data(attr: str) -> list[dict[str, Any]]:
        return [
            {
                "value": getattr(lag, attr),
                "url": _url("tracking:dashboard_unit", lag.unit.pk, **selection),
                # No "0" printed on an empty bar.
                **({} if getattr(lag, attr) else {"label": {"show": False}}),
            }
            for lag in lags
        ]

    return {
        "title": _title(title),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 32, "left": 0},
        "grid": {"left": 8, "right": 24, "top": 76, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 120, "overflow": "truncate"},
        },
        "series": [
            {
                "name": str(reads.STATUS_LABELS[Status.RED]),
                "type": "bar",
                "stack": "n",
                "data": data("red"),
                "itemStyle": {"color": STATUS_COLOURS[Status.RED]},
                "label": {"show": True, "formatter": "{c}", "color": "#fff"},
            },
            {
                "name": str(reads.STATUS_LABELS[Status.YELLOW]),
                "type": "bar",
                "stack": "n",
                "data": data("yellow"),
                "itemStyle": {"color": STATUS_COLOURS[Status.YELLOW]},
                "label": {"show": True, "formatter": "{c}", "color": "#3d2b00"},
            },
        ],
        "kpHeight": 100 + 34 * max(len(lags), 2),
    }


def portfolio_chart(
    lags: list[reads.UnitStatusCounts], selection: dict[str, Any], title: str
) -> dict[str, Any]:
    """Every portfolio unit's items by status, stacked."""
    names = [lag.unit.short_name or lag.unit.name for lag in lags]
    series = []
    for status in reads.STATUS_ORDER:
        series.append(
            {
                "name": str(reads.STATUS_LABELS[status]),
                "type": "bar",
                "stack": "n",
                "itemStyle": {"color": STATUS_COLOURS[status]},
                "data": [
                    {
                        "value": getattr(lag, str(status)),
                        "url": _url("tracking:dashboard_unit", lag.unit.pk, **selection),
                    }
                    for lag in lags
                ],
            }
        )
    return {
        "title": _title(title),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 32, "left": 0},
        "grid": {"left": 8, "right": 24, "top": 76, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 120, "overflow": "truncate"},
        },
        "series": series,
        "kpHeight": 100 + 34 * max(len(lags), 2),
    }


def gap_chart(obligations: list[reads.UnitObligation], unit: Unit, title: str) -> dict[str, Any]:
    """A unit's gap to expected progress per indicator (pp), coloured by status."""
    rows = [o for o in obligations if o.result is not None and o.result.gap is not None]
    return {
        "title": _title(title),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 48, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "name": _("pp"), "axisLabel": {"formatter": "{value}"}},
        "yAxis": {
            "type": "category",
            "data": [o.indicator.name for o in rows],
            "inverse": True,
            "axisLabel": {"width": 170, "overflow": "truncate"},
        },
        "series": [
            {
                "name": _("Gap to expected progress"),
                "type": "bar",
                "label": {"show": True, "position": "right", "formatter": "{c}"},
                "data": [
                    {
                        "value": _float(o.result.gap, 1),
                        "url": _url("tracking:dashboard_indicator", o.indicator.pk, unit=unit.pk),
                        "itemStyle": {"color": STATUS_COLOURS.get(o.result.status, GREY)},
                    }
                    for o in rows
                    if o.result is not None
                ],
            }
        ],
        "kpHeight": 70 + 30 * max(len(rows), 2),
    }


def _period_axis(indicator: Indicator, year: int, rows: list[TrackingResult]) -> list[Period]:
    """The indicator's reporting periods of the year, plus any other period it has rows for."""
    periods = set(reporting_periods(indicator, year))
    for row in rows:
        try:
            periods.add(Period.parse(row.period))
        except ApplicationError:
            continue
    return sorted(
        periods, key=lambda p: (p.last_month, {"year": 0, "quarter": 1, "month": 2}[p.kind])
    )


def _nice_ceiling(value: Any) -> float | None:
    """A round number at or just above `value` (for an axis maximum): 41,000 → 50,000."""
    number = float(value)
    if number <= 0:
        return None
    magnitude = 10 ** math.floor(math.log10(number))
    step = next(m for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * magnitude >= number)
    return round(step * magnitude, 6)


def units_chart(dash: reads.IndicatorDashboard, title: str) -> dict[str, Any]:
    """Each unit's gap to expected progress (pp) at its latest period; a bar shows its trend."""
    rows = [r for r in dash.latest if r.gap is not None]
    return {
        "title": _title(title),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 48, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "name": _("pp")},
        "yAxis": {
            "type": "category",
            "data": [r.unit.short_name or r.unit.name for r in rows],
            "inverse": True,
        },
        "series": [
            {
                "name": _("Gap to expected progress"),
                "type": "bar",
                "label": {"show": True, "position": "right", "formatter": "{c}"},
                "data": [
                    {
                        "value": _float(r.gap, 1),
                        "url": _url(
                            "tracking:dashboard_indicator", dash.indicator.pk, unit=r.unit_id
                        ),
                        "itemStyle": {"color": STATUS_COLOURS.get(r.status, GREY)},
                    }
                    for r in rows
                ],
            }
        ],
        "kpHeight": 70 + 26 * max(len(rows), 2),
    }


def trend_chart(dash: reads.IndicatorDashboard, labels: dict[str, str]) -> dict[str, Any]:
    """Cumulative actual by period against the expected path and last year's series (for a
    growth indicator: this year's growth against the target rate and last year's growth)."""
    indicator, rows = dash.indicator, dash.unit_series
    axis = _period_axis(indicator, dash.year, rows)
    by_period = {row.period: row for row in rows}
    growth = indicator.kind == Indicator.Kind.GROWTH
    actual: list[Any] = []
    expected: list[Any] = []
    last_year: list[Any] = []
    for period in axis:
        row = by_period.get(str(period))
        if row is None:
            actual.append(None)
            last_year.append(None)
            expected.append(_float(indicator.target) if growth else None)
            continue
        url = _report_url(row.report_id) or _url(
            "tracking:dashboard_items",
            plan=indicator.plan_id,
            period=str(period),
            indicator=indicator.pk,
            unit=row.unit_id,
        )
        if growth:
            actual.append({"value": _float(row.yoy_growth), "url": url})
            last_year.append(_float(row.yoy_growth_last_year))
            expected.append(_float(row.target if row.target is not None else indicator.target))
        else:
            actual.append({"value": _float(row.actual), "url": url})
            previous = row.report.last_year_value if row.report is not None else None
            last_year.append(_float(previous))
            path_value = (
                row.target * row.expected_progress
                if row.target is not None and row.expected_progress is not None
                else None
            )
            expected.append(_float(path_value))
    unit_of_measure = "%" if growth else indicator.unit_of_measure
    target = (
        None
        if growth
        else (rows[-1].target if rows and rows[-1].target is not None else indicator.target)
    )
    actual_series: dict[str, Any] = {
        "name": labels["actual"],
        "type": "line",
        "data": actual,
        "connectNulls": True,
        "symbolSize": 9,
        "itemStyle": {"color": THIS_YEAR_COLOUR},
        "lineStyle": {"width": 3},
        "label": {"show": True, "position": "top", "formatter": "{c}"},
    }
    if target is not None:
        actual_series["markLine"] = {
            "symbol": "none",
            "silent": True,
            "lineStyle": {"type": "dotted", "color": "#c62828"},
            "label": {"formatter": labels["target"] + " {c}", "position": "insideEndTop"},
            "data": [{"yAxis": _float(target)}],
        }
    y_axis: dict[str, Any] = {"type": "value", "name": unit_of_measure, "scale": growth}
    if target is not None:
        # The target line must stay in view even early in the year.
        points = [v["value"] if isinstance(v, dict) else v for v in actual + expected + last_year]
        y_axis["max"] = _nice_ceiling(max([p for p in points if p is not None] + [target]))
    return {
        "title": _title(labels["title"]),
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 32, "left": 0},
        "grid": {"left": 8, "right": 32, "top": 92, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [p.label() for p in axis]},
        "yAxis": y_axis,
        "series": [
            actual_series,
            {
                "name": labels["expected"],
                "type": "line",
                "data": expected,
                "connectNulls": True,
                "symbol": "none",
                "lineStyle": {"type": "dashed", "color": EXPECTED_COLOUR, "width": 2},
                "itemStyle": {"color": EXPECTED_COLOUR},
            },
            {
                "name": labels["last_year"],
                "type": "line",
                "data": last_year,
                "connectNulls": True,
                "symbolSize": 6,
                "lineStyle": {"color": LAST_YEAR_COLOUR},
                "itemStyle": {"color": LAST_YEAR_COLOUR},
            },
        ],
        "kpHeight": 360,
    }


# --- pages ---------------------------------------------------------------------------------
@require_safe
@roles_required(DASHBOARD_ROLES)
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's role, in place (the menu's entry): the county overview for
    the office and inspectors, the portfolio for leaders, the own unit for its staff."""
    user: Any = request.user
    if user.has_role(Role.OFFICE, Role.INSPECTOR):
        return county(request)
    if user.has_role(*PORTFOLIO_ROLES):
        return portfolio(request)
    own = unit_of_user(user=user)
    if own is None:
        raise Http404
    return unit(request, pk=own.pk)


@dataclass
class CountyPayload:
    """What the county dashboard computes for a plan, period, scope and language: the
    overview and its charts (cached; links by role and the page around it are not)."""

    overview: reads.CountyOverview
    status_chart: dict[str, Any]
    yoy_chart: dict[str, Any] | None
    lagging_chart: dict[str, Any] | None
    status_urls: dict[str, str]
    misses_url: str


def county_payload(
    *, user: Any, plan: Plan, period: Period, today: date, yoy_group: str | None
) -> CountyPayload:
    """The county overview of a plan at a period, and its charts."""
    overview = reads.county_overview(
        user=user, plan=plan, period=period, today=today, yoy_group=yoy_group
    )
    selection = {"plan": plan.pk, "period": str(period)}

    def status_url(status: str) -> str:
        return _url("tracking:dashboard_items", status=status, **selection)

    return CountyPayload(
        overview=overview,
        status_chart=status_donut(overview.counts, status_url, _("Items by status")),
        yoy_chart=yoy_chart(overview.yoy) if overview.yoy.rows else None,
        lagging_chart=lagging_chart(
            overview.by_red, selection, _("Most lagging units: items far behind and behind")
        )
        if overview.by_red
        else None,
        status_urls={c.status: status_url(c.status) for c in overview.counts},
        misses_url=_url("tracking:dashboard_items", miss=1, **selection),
    )


def _plan_versions_first(view: Any) -> Any:
    """Read the version of the plan the address names with the permission check's read of
    the access version (one query for both; kaoping.core.versions.expect)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dashboard_cache.expect_plan(request)
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@_plan_versions_first
@roles_required(COUNTY_ROLES)
def county(request: HttpRequest) -> HttpResponse:
    """The county overview for the office, leaders and inspectors (its computed data cached
    per plan, period, scope, language and day until a write changes the plan's figures; the
    whole page per user, until that or a change of who may see what)."""
    chosen = _select(request)
    page_key = dashboard_cache.page_key(request, "county", version=chosen.version)
    return dashboard_cache.cached_page(
        request, page_key, lambda extra: _county_page(request, chosen, extra)
    )


def _county_page(request: HttpRequest, chosen: Selection, extra: dict[str, Any]) -> str:
    """The county dashboard's HTML (the page around its overview, which is cached apart)."""
    plan, period = chosen.plan, chosen.period
    context = _base_context(request, chosen.plans, plan, chosen.periods, period)
    context.update(extra)
    if plan is None or period is None:
        return render_to_string("tracking/dashboard_county.html", context, request)
    user: Any = request.user
    today = timezone.localdate()
    group = (request.GET.get("group") or "")[:40]  # a parent indicator's pk, or "all"
    key = chosen.cache_key(request, "county", period, today.isoformat(), group)
    # The overview's links that depend on the user's roles, not on the data scope: two users
    # sharing a scope but not these roles must not share the rendered overview.
    links = {
        "notices_url": _if_role(user, SUPERVISION_ROLES, "tracking:notice_list"),
        "explanations_url": _if_role(user, EXPLANATION_ROLES, "tracking:explanation_list"),
    }

    @functools.cache
    def payload() -> CountyPayload:
        found = dashboard_cache.cached(
            key,
            lambda: county_payload(
                user=user, plan=plan, period=period, today=today, yoy_group=group
            ),
        )
        found.overview.load_items = lambda: reads.items_at(user=user, plan=plan, period=period)
        return found

    def overview_context() -> dict[str, Any]:
        found = payload()
        overview = found.overview
        return {
            "plan": plan,
            "period": period,
            "selection": context["selection"],
            **links,
            "overview": overview,
            "yoy_group": overview.yoy.group.key if overview.yoy.group else "",
            "status_chart": found.status_chart,
            "yoy_chart": found.yoy_chart,
            "lagging_chart": found.lagging_chart,
            "status_urls": found.status_urls,
            "misses_url": found.misses_url,
        }

    # The rendered overview is cached beside the payload (same key and version, so retired
    # with it), for every user of the same scope: a user's first request renders only the
    # page around it. The page's context still names the overview, read only if used.
    fragment_key = None if key is None else f"{key}:html:{'|'.join(links.values())}"
    html = dashboard_cache.cached(
        fragment_key,
        lambda: render_to_string("tracking/dashboard_county_overview.html", overview_context()),
    )
    context.update(links, overview=SimpleLazyObject(lambda: payload().overview))
    context["overview_html"] = mark_safe(html)  # noqa: S308 - our template's output, escaped there
    return render_to_string("tracking/dashboard_county.html", context, request)


def _items_export(request: HttpRequest, found: list[TrackingResult], fmt: str) -> HttpResponse:
    """The tracking items as shown (same selector and filters), every row, as a file."""
    _decorate(found)
    rows = [
        [
            r.indicator.code,
            r.indicator.name,
            r.unit.name,
            r.period,
            r.actual,
            r.target,
            r.indicator.unit_of_measure,
            r.completion_pct,  # type: ignore[attr-defined]
            r.expected_pct,  # type: ignore[attr-defined]
            r.gap,
            str(reads.STATUS_LABELS.get(r.status, r.status)),
            r.yoy_growth,
            str(reads.TREND_LABELS.get(r.yoy_trend, r.yoy_trend)),
            r.projection,
            r.will_meet_target,
        ]
        for r in found
    ]
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=_("Tracking items"),
        headers=[
            _("Indicator code"),
            _("Indicator"),
            _("Unit"),
            _("Period"),
            _("Actual"),
            _("Target"),
            _("Unit of measure"),
            _("Completion (%)"),
            _("Expected progress (%)"),
            _("Gap"),
            _("Status"),
            _("Year-on-year growth"),
            _("Trend"),
            _("Projection"),
            _("Will meet the target"),
        ],
        rows=rows,
        what="tracking.items",
    )


@require_safe
@roles_required(DASHBOARD_ROLES)
def items(request: HttpRequest) -> HttpResponse:
    """The items behind a dashboard figure: by status, unit, indicator, trend or projection."""
    plans, plan, periods, period = _selection(request)
    context = _base_context(request, plans, plan, periods, period)
    found: list[TrackingResult] = []
    filters: dict[str, Any] = {}
    if plan is not None and period is not None:
        status = request.GET.get("status", "")
        trend = request.GET.get("trend", "")
        filters = {
            "status": status if status in reads.STATUS_LABELS else "",
            "trend": trend if trend in reads.TREND_LABELS else "",
            "unit": int(request.GET["unit"]) if request.GET.get("unit", "").isdigit() else None,
            "indicator": int(request.GET["indicator"])
            if request.GET.get("indicator", "").isdigit()
            else None,
            "miss": request.GET.get("miss") == "1",
        }
        found = reads.worst_first(
            reads.filter_items(
                reads.items_at(user=request.user, plan=plan, period=period), **filters
            )
        )
    fmt = table_exports.requested_format(request)
    if fmt:
        return _items_export(request, found, fmt)
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    _decorate(page.object_list)
    keep = [
        (name, value)
        for name, value in filters.items()
        if name != "miss" and value not in (None, "")
    ]
    if filters.get("miss"):
        keep.append(("miss", "1"))
    context.update(
        page=page,
        filters=filters,
        total=len(found),
        keep_filters=keep,
        filter_unit=found[0].unit if found and filters.get("unit") else None,
        filter_indicator=found[0].indicator if found and filters.get("indicator") else None,
    )
    return render(request, "tracking/dashboard_items.html", context)


@require_safe
@roles_required(DASHBOARD_ROLES)
def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    """One indicator: its trend against target and last year, units' results, owners,
    reports and evidence."""
    user: Any = request.user
    ind = access_indicator(user=user, pk=pk)
    dash = reads.indicator_dashboard(
        user=request.user, indicator=ind, unit_id=request.GET.get("unit")
    )
    growth = ind.kind == Indicator.Kind.GROWTH
    labels = {
        "title": (
            _("Growth against the target rate: %(unit)s")
            if growth
            else _("Cumulative actual against the expected path: %(unit)s")
        )
        % {"unit": dash.unit.name if dash.unit else ""},
        "actual": _("Growth this year") if growth else _("Actual (cumulative)"),
        "expected": _("Target rate") if growth else _("Expected path (target × expected progress)"),
        "last_year": _("Growth a year before") if growth else _("Same period last year"),
        "target": _("Target"),
    }
    _decorate(dash.latest)
    _decorate(dash.unit_series)
    for report in dash.reports:
        report.source_url = _report_url(report.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "tracking/dashboard_indicator.html",
        {
            "indicator": ind,
            "plan": ind.plan,
            "dash": dash,
            "chart": trend_chart(dash, labels) if dash.unit else None,
            "units_chart": units_chart(dash, _("Gap to expected progress by unit (pp)"))
            if len([r for r in dash.latest if r.gap is not None]) > 1
            else None,
            "is_growth": growth,
            "can_recompute": user.has_role(*PLAN_EDITOR_ROLES),
            "selection": urlencode({"plan": ind.plan_id}),
        },
    )


@require_safe
@roles_required(UNIT_PAGE_ROLES)
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its obligations with status, gap and deadline; tasks and milestones due;
    explanations owed; open notices."""
    user: Any = request.user
    the_unit = access_unit(user=user, pk=pk)
    plans, plan, periods, period = _selection(request)
    context = _base_context(request, plans, plan, periods, period)
    context.update(
        unit=the_unit,
        # Link only to the pages the user's roles open.
        link_notices=user.has_role(*SUPERVISION_ROLES),
        link_explanations=user.has_role(*EXPLANATION_ROLES),
        link_tasks=user.has_role(*TASK_ROLES),
    )
    if plan is not None:
        dash = reads.unit_dashboard(
            user=request.user, unit=the_unit, plan=plan, period=period, today=timezone.localdate()
        )
        fmt = table_exports.requested_format(request)
        if fmt:
            return _obligations_export(request, the_unit, dash.obligations, fmt)
        for o in dash.obligations:
            o.source_url = _report_url(o.report.pk if o.report else None)  # type: ignore[attr-defined]
        context.update(
            dash=dash,
            today=timezone.localdate(),
            gap_chart=gap_chart(
                dash.obligations, the_unit, _("Gap to expected progress by indicator (pp)")
            )
            if any(o.result is not None and o.result.gap is not None for o in dash.obligations)
            else None,
        )
    return render(request, "tracking/dashboard_unit.html", context)


def _obligations_export(
    request: HttpRequest, the_unit: Unit, obligations: list[Any], fmt: str
) -> HttpResponse:
    """What the unit reports on, as shown on its dashboard (same selector), as a file."""
    roles = {"lead": _("Lead"), "group": _("Group member")}
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{the_unit.name} {_('What the unit reports on')}",
        headers=[
            _("Indicator code"),
            _("Indicator"),
            _("Role"),
            _("Period"),
            _("Gap (pp)"),
            _("Status"),
            _("Report"),
            _("Deadline"),
            _("Late"),
        ],
        rows=[
            [
                o.indicator.code,
                o.indicator.name,
                roles.get(o.role, _("Other")),
                o.result.period if o.result else "",
                o.result.gap if o.result else None,
                str(reads.STATUS_LABELS.get(o.result.status, o.result.status))
                if o.result
                else _("No figure yet"),
                o.report.get_status_display() if o.report else _("Not reported"),
                o.report.deadline if o.report else None,
                bool(o.report and o.report.is_late),
            ]
            for o in obligations
        ],
        what=f"tracking.unit_obligations:{the_unit.pk}",
    )


@dataclass
class PortfolioPayload:
    """A leader's portfolio dashboard and its chart (cached like the county's)."""

    dash: reads.PortfolioDashboard
    chart: dict[str, Any] | None


def portfolio_payload(
    *, user: Any, plan: Plan, period: Period | None, today: date, units: list[Unit]
) -> PortfolioPayload:
    """The portfolio of a leader's units at a period, and its chart."""
    dash = reads.portfolio_dashboard(user=user, plan=plan, period=period, today=today, units=units)
    selection = {"plan": plan.pk, "period": str(period) if period else ""}
    chart = (
        portfolio_chart(
            [lag for lag in dash.lags if lag.items], selection, _("Items by status in each unit")
        )
        if any(lag.items for lag in dash.lags)
        else None
    )
    return PortfolioPayload(dash, chart)


@require_safe
@_plan_versions_first
@roles_required(PORTFOLIO_ROLES)
def portfolio(request: HttpRequest) -> HttpResponse:
    """A leader's portfolio: each unit's status counts and the worst items (cached per plan,
    period, scope, portfolio, language and day until a write changes the plan's figures; the
    whole page per user, like the county's)."""
    chosen = _select(request)
    page_key = dashboard_cache.page_key(request, "portfolio", version=chosen.version)
    return dashboard_cache.cached_page(
        request, page_key, lambda extra: _portfolio_page(request, chosen, extra)
    )


def _portfolio_page(request: HttpRequest, chosen: Selection, extra: dict[str, Any]) -> str:
    plan, period = chosen.plan, chosen.period
    context = _base_context(request, chosen.plans, plan, chosen.periods, period)
    context.update(extra)
    context.update(
        notices_url=_if_role(request.user, SUPERVISION_ROLES, "tracking:notice_list"),
        explanations_url=_if_role(request.user, EXPLANATION_ROLES, "tracking:explanation_list"),
    )
    if plan is not None:
        user: Any = request.user
        today = timezone.localdate()
        units = reads.portfolio_units(user=user)
        key = chosen.cache_key(
            request, "portfolio", period or "", today.isoformat(), [u.pk for u in units]
        )
        payload = dashboard_cache.cached(
            key,
            lambda: portfolio_payload(
                user=user, plan=plan, period=period, today=today, units=units
            ),
        )
        context.update(dash=payload.dash, chart=payload.chart)
    return render_to_string("tracking/dashboard_portfolio.html", context, request)


@require_POST
@roles_required(PLAN_EDITOR_ROLES)
def recompute(request: HttpRequest) -> HttpResponse:
    """Recompute the tracking figures of a plan from its approved reports (office)."""
    plans = reads.dashboard_plans(user=request.user)
    plan = reads.choose_plan(plans, request.POST.get("plan"))
    if plan is None or str(plan.pk) != request.POST.get("plan"):
        raise Http404
    try:
        count = results_recompute(actor=request.user, plan=plan)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Tracking figures recomputed: %(count)s items.") % {"count": count}
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = _url("tracking:dashboard_county", plan=plan.pk)
    return redirect(back)


urlpatterns = [
    path("dashboards/", dashboard_home, name="dashboard"),
    path("dashboards/county/", county, name="dashboard_county"),
    path("dashboards/items/", items, name="dashboard_items"),
    path("dashboards/indicators/<int:pk>/", indicator, name="dashboard_indicator"),
    path("dashboards/units/<int:pk>/", unit, name="dashboard_unit"),
    path("dashboards/portfolio/", portfolio, name="dashboard_portfolio"),
    path("dashboards/recompute/", recompute, name="dashboard_recompute"),
]
