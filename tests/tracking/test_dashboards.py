"""Dashboards: the county overview of the seed speech, indicator, unit and portfolio views,
their permission matrix, data scope, chart data (json_script) and query budgets."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaoping.org.models import Role, Unit
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking.calculations import trend
from kaoping.tracking.models import (
    Explanation,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from tests.factories import AssignmentFactory, IndicatorFactory, PlanFactory, make_unit

Q3 = "2022Q3"
ANON = "anonymous"

# The seed speech: of 13 macro-economic indicators, 6 grew faster than a year before
# (the five it names and one more) and 7 slower; 外贸进出口总额 fell year on year.
IMPROVED = (
    "税收收入",
    "第三产业增加值占GDP比重",
    "非公经济国税收入",
    "非公经济地税收入",
    "工业增加值占GDP比重",
    "规模以上工业增加值增速",
)
DECLINED = (
    "地区生产总值增速",
    "固定资产投资增速",
    "社会消费品零售总额增速",
    "一般公共预算收入增速",
    "外贸进出口总额",
    "城镇居民人均可支配收入增速",
    "农村居民人均可支配收入增速",
)


@dataclass
class Seed:
    """The provincial plan of the county at 2022Q3, with figures as the speech tells them."""

    plan: Plan
    macro: Indicator
    indicators: dict[str, Indicator]
    results: dict[str, TrackingResult]


def make_result(
    indicator: Indicator,
    unit: Unit,
    period: str = Q3,
    *,
    status: str = "green",
    gap: str | None = "0",
    yoy: str | None = None,
    yoy_last: str | None = None,
    actual: str | None = None,
    target: str | None = None,
    completion: str | None = None,
    expected: str | None = None,
    projection: str | None = None,
    will_meet: bool | None = None,
    report: ProgressReport | None = None,
) -> TrackingResult:
    def dec(value: str | None) -> D | None:
        return None if value is None else D(value)

    return TrackingResult.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        status=status,
        gap=dec(gap),
        yoy_growth=dec(yoy),
        yoy_growth_last_year=dec(yoy_last),
        yoy_trend=trend(dec(yoy), dec(yoy_last)),
        actual=dec(actual),
        target=dec(target),
        completion=dec(completion),
        expected_progress=dec(expected),
        projection=dec(projection),
        will_meet_target=will_meet,
        report=report,
    )


@pytest.fixture
def seed(world: Any) -> Seed:
    plan = PlanFactory(
        owner=world.county,
        code="prov-2022",
        name="示范县2022年度省绩效考评指标",
        kind=Plan.Kind.PROVINCIAL,
        status=Plan.Status.PUBLISHED,
    )
    economy = IndicatorFactory(plan=plan, code="A", name="经济建设", target=None, order=1)
    macro = IndicatorFactory(
        plan=plan, parent=economy, code="A01", name="宏观经济指标", target=None, order=2
    )
    social = IndicatorFactory(plan=plan, code="B", name="社会建设", target=None, order=50)
    indicators: dict[str, Indicator] = {}
    results: dict[str, TrackingResult] = {}
    # Macro indicators: the first seven reported by 发改局 (dept_a), the rest by 东城镇.
    for n, name in enumerate(IMPROVED + DECLINED):
        unit = world.dept_a if n < 7 else world.town_a
        kind = (
            Indicator.Kind.SHARE
            if "比重" in name
            else (Indicator.Kind.GROWTH if name.endswith("增速") else Indicator.Kind.QUANTITATIVE)
        )
        ind = IndicatorFactory(
            plan=plan, parent=macro, code=f"A01{n:02d}", name=name, order=10 + n, kind=kind
        )
        AssignmentFactory(indicator=ind, lead_unit=unit)
        indicators[name] = ind
        faster = name in IMPROVED
        yoy, last = ("9.5", "7.0") if faster else ("4.0", "8.5")
        status, gap = ("green", "1.5") if faster else ("yellow", "-4.0")
        if name == "外贸进出口总额":
            yoy, status, gap = "-12.3", "red", "-31.0"
        results[name] = make_result(
            ind, unit, status=status, gap=gap, yoy=yoy, yoy_last=last, will_meet=faster
        )
    # Behind schedule (the speech): 为民办实事 and 气象灾害防御 far behind, 信息安全 behind.
    for n, (name, unit, status, gap) in enumerate(
        (
            ("为民办实事", world.dept_b, "red", "-40.0"),
            ("气象灾害防御", world.dept_b, "red", "-35.0"),
            ("信息安全等级保护备案", world.town_b, "yellow", "-8.0"),
        )
    ):
        ind = IndicatorFactory(
            plan=plan,
            parent=social,
            code=f"B0{n + 1}",
            name=name,
            order=60 + n,
            kind=Indicator.Kind.MILESTONE,
        )
        AssignmentFactory(indicator=ind, lead_unit=unit)
        indicators[name] = ind
        results[name] = make_result(ind, unit, status=status, gap=gap, will_meet=False)
    # An earlier quarter, so the period selector has a choice.
    make_result(indicators["税收收入"], world.dept_a, "2022Q2", status="red", gap="-12")
    return Seed(plan, macro, indicators, results)


def chart(response: Any, element_id: str) -> dict[str, Any]:
    """The chart option a page passed with json_script."""
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no chart {element_id}"
    return json.loads(match[1])


def kpi(response: Any, name: str) -> int:
    match = re.search(rf'data-kpi="{name}">(\d+)<', response.content.decode())
    assert match, name
    return int(match[1])


def county_url(**query: Any) -> str:
    url = reverse("tracking:dashboard_county")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- the county overview ----------------------------------------------------------------
def test_county_overview_shows_the_seed_picture(world, seed) -> None:
    # given the provincial plan's figures at 2022Q3, when the office opens the overview
    response = world.client_for(Role.OFFICE).get(county_url())
    assert response.status_code == 200
    overview = response.context["overview"]
    # then the default is the newest cycle's provincial plan at its latest period
    assert response.context["plan"] == seed.plan
    assert str(response.context["period"]) == Q3
    # and the counts by status add up to the 16 items
    assert [kpi(response, s) for s in ("green", "yellow", "red", "not_comparable")] == [6, 7, 3, 0]
    # 6 of the 13 macro-economic indicators grew faster than a year before, 7 slower
    assert overview.yoy.group.label == "宏观经济指标"
    assert [r.indicator.name for r in overview.yoy.improved] == list(IMPROVED)
    # the declined ones biggest change first: 外贸进出口总额 fell from +8.5 % to −12.3 %
    declined = [r.indicator.name for r in overview.yoy.declined]
    assert declined[0] == "外贸进出口总额" and sorted(declined) == sorted(DECLINED)
    assert [r.indicator.name for r in overview.yoy.negative] == ["外贸进出口总额"]
    text = response.content.decode()
    assert "外贸进出口总额" in re.search(r"data-yoy-negative>(.*?)</p>", text, re.S)[1]
    assert len(re.findall(r'data-trend="improved"', text)) == 6
    assert len(re.findall(r'data-trend="declined"', text)) == 7
    # behind schedule: the three the speech names, worst first, then the slower macro ones
    behind = [r.indicator.name for r in overview.behind]
    assert behind[:3] == ["为民办实事", "气象灾害防御", "外贸进出口总额"]
    assert "信息安全等级保护备案" in behind
    assert kpi(response, "misses") == 10  # 7 slower macro indicators and the 3 projects


def test_lagging_units_by_red_items_and_by_average_gap(world, seed) -> None:
    overview = world.client_for(Role.OFFICE).get(county_url()).context["overview"]
    # 县气象局 has two red items, 东城镇 one (外贸) and five yellow; then the yellow-only units
    assert [(lag.unit.name, lag.red, lag.yellow) for lag in overview.by_red] == [
        ("县气象局", 2, 0),
        ("东城镇", 1, 5),
        ("西山镇", 0, 1),
        ("县发展和改革局", 0, 1),
    ]
    # average gaps: 气象局 −37.5, 西山镇 −8, 东城镇 (−4×5 −31)/6 = −8.5, 发改局 (6×1.5 −4)/7
    assert [lag.unit.name for lag in overview.by_gap] == ["县气象局", "东城镇", "西山镇"]
    assert overview.by_gap[0].mean_gap == D("-37.5")
    assert overview.by_gap[1].mean_gap == D("-8.5")


def test_status_donut_links_every_slice_to_its_items(world, seed) -> None:
    client = world.client_for(Role.OFFICE)
    response = client.get(county_url())
    donut = chart(response, "chart-status")
    slices = donut["series"][0]["data"]
    assert [d["value"] for d in slices] == [6, 7, 3, 0]
    assert [parse_qs(urlsplit(d["url"]).query)["status"] for d in slices] == [
        ["green"],
        ["yellow"],
        ["red"],
        ["not_comparable"],
    ]
    red = slices[2]
    # following the link lists exactly those items
    listed = client.get(red["url"])
    assert listed.status_code == 200
    names = sorted(r.indicator.name for r in listed.context["page"].object_list)
    assert names == sorted(["为民办实事", "气象灾害防御", "外贸进出口总额"])


def test_yoy_chart_carries_both_years_and_links_to_the_indicator(world, seed) -> None:
    response = world.client_for(Role.OFFICE).get(county_url())
    option = chart(response, "chart-yoy")
    assert option["yAxis"]["data"] == list(IMPROVED + DECLINED)
    this_year, last_year = option["series"]
    assert [d["value"] for d in this_year["data"]][:2] == [9.5, 9.5]
    assert this_year["data"][IMPROVED.__len__() + 4]["value"] == -12.3  # 外贸进出口总额
    assert [d["value"] for d in last_year["data"]] == [7.0] * 6 + [8.5] * 7
    trade = seed.indicators["外贸进出口总额"]
    url = this_year["data"][10]["url"]
    assert url == reverse("tracking:dashboard_indicator", args=[trade.pk]) + (
        f"?unit={world.town_a.pk}"
    )
    assert this_year["data"][0]["label"]["formatter"].endswith("▲")
    assert this_year["data"][10]["label"]["formatter"].endswith("▼")
    assert world.client_for(Role.OFFICE).get(url).status_code == 200


def test_lagging_chart_links_bars_to_unit_dashboards(world, seed) -> None:
    response = world.client_for(Role.OFFICE).get(county_url())
    option = chart(response, "chart-lagging")
    assert option["yAxis"]["data"] == ["县气象局", "东城镇", "西山镇", "县发展和改革局"]
    red, yellow = option["series"][0]["data"], option["series"][1]["data"]
    assert [d["value"] for d in red] == [2, 1, 0, 0]
    assert [d["value"] for d in yellow] == [0, 5, 1, 1]
    assert red[0]["url"].startswith(reverse("tracking:dashboard_unit", args=[world.dept_b.pk]))
    assert f"plan={seed.plan.pk}" in red[0]["url"] and "period=2022Q3" in red[0]["url"]


def test_choosing_an_earlier_period_and_another_plan(world, seed) -> None:
    client = world.client_for(Role.OFFICE)
    response = client.get(county_url(plan=seed.plan.pk, period="2022Q2"))
    assert str(response.context["period"]) == "2022Q2"
    assert [kpi(response, s) for s in ("green", "yellow", "red")] == [0, 0, 1]
    assert [str(p) for p in response.context["periods"]] == ["2022Q3", "2022Q2"]
    # a period without figures falls back to the latest; a foreign plan id to the default
    assert str(client.get(county_url(period="2022Q1")).context["period"]) == Q3
    assert client.get(county_url(plan=999999)).context["plan"] == seed.plan


def test_monthly_and_quarterly_figures_meet_at_the_quarter(world, seed) -> None:
    # given a monthly indicator reported at 2022-09 and a half-yearly one at 2022Q2
    monthly = IndicatorFactory(
        plan=seed.plan, code="M1", name="月度指标", frequency=Indicator.Frequency.MONTHLY
    )
    make_result(monthly, world.dept_a, "2022-09", status="red", gap="-20")
    make_result(monthly, world.dept_a, "2022-08", status="green")
    half = IndicatorFactory(
        plan=seed.plan, code="H1", name="半年指标", frequency=Indicator.Frequency.HALF_YEARLY
    )
    make_result(half, world.dept_b, "2022Q2", status="yellow", gap="-3")
    response = world.client_for(Role.OFFICE).get(county_url())
    # then at 2022Q3 each shows its latest figure: the month's and the half year's
    assert str(response.context["period"]) == Q3
    items = {r.indicator.code: r.period for r in response.context["overview"].items}
    assert items["M1"] == "2022-09" and items["H1"] == "2022Q2"
    assert "2022-08" in [str(p) for p in response.context["periods"]]


def test_leader_sees_only_the_portfolio_units_figures(world, seed) -> None:
    # given 李副县长 in charge of 东城镇 and 发改局
    response = world.client_for(Role.LEADER).get(county_url())
    overview = response.context["overview"]
    units = {r.unit for r in overview.items}
    assert units == {world.town_a, world.dept_a}
    assert "县气象局" not in response.content.decode()
    assert sum(c.count for c in overview.counts) == 13
    assert [lag.unit for lag in overview.by_red] == [world.town_a, world.dept_a]


def test_empty_plan_tells_the_office_to_approve_or_recompute(world) -> None:
    response = world.client_for(Role.OFFICE).get(county_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-empty="no-figures"' in text
    assert reverse("tracking:dashboard_recompute") in text
    # an inspector sees the empty state without the button
    text = world.client_for(Role.INSPECTOR).get(county_url()).content.decode()
    assert reverse("tracking:dashboard_recompute") not in text
    assert 'data-chart="' not in text


# --- the items list --------------------------------------------------------------------
def test_items_list_filters_by_trend_unit_and_projection(world, seed) -> None:
    client = world.client_for(Role.OFFICE)
    base = f"{reverse('tracking:dashboard_items')}?plan={seed.plan.pk}&period=2022Q3"
    declined = client.get(base + "&trend=declined").context["page"].object_list
    assert sorted(r.indicator.name for r in declined) == sorted(DECLINED)
    of_unit = client.get(base + f"&unit={world.dept_b.pk}").context["page"].object_list
    assert {r.indicator.name for r in of_unit} == {"为民办实事", "气象灾害防御"}
    misses = client.get(base + "&miss=1").context["page"].object_list
    assert len(misses) == 10
    # reporter_b sees only 西山镇's item, whatever the filter asks
    mine = world.client_for("reporter_b").get(base).context["page"].object_list
    assert [r.unit for r in mine] == [world.town_b]
    assert (
        list(
            world.client_for("reporter_b")
            .get(base + f"&unit={world.dept_b.pk}")
            .context["page"]
            .object_list
        )
        == []
    )


# --- the indicator dashboard ------------------------------------------------------------
@pytest.fixture
def tax_series(world, seed) -> Indicator:
    """税收收入 reported quarterly by 发改局 with last year's values (amounts)."""
    ind = seed.indicators["税收收入"]
    ind.kind = Indicator.Kind.QUANTITATIVE
    ind.target = D("1000")
    ind.unit_of_measure = "万元"
    ind.save()
    TrackingResult.objects.filter(indicator=ind).delete()
    for q, actual, last, expected, status in (
        (1, "200", "180", "0.2", "green"),
        (2, "420", "400", "0.45", "yellow"),
        (3, "700", "600", "0.6", "green"),
    ):
        report = ProgressReport.objects.create(
            indicator=ind,
            unit=world.dept_a,
            period=f"2022Q{q}",
            value=D(actual),
            last_year_value=D(last),
            status=ProgressReport.Status.APPROVED,
        )
        make_result(
            ind,
            world.dept_a,
            f"2022Q{q}",
            status=status,
            actual=actual,
            target="1000",
            completion=str(D(actual) / 1000),
            expected=expected,
            yoy=str((D(actual) / D(last) - 1) * 100),
            yoy_last="5",
            report=report,
        )
    return ind


def test_indicator_chart_has_actual_expected_path_and_last_year(world, tax_series) -> None:
    response = world.client_for(Role.OFFICE).get(
        reverse("tracking:dashboard_indicator", args=[tax_series.pk])
    )
    assert response.status_code == 200
    option = chart(response, "chart-trend")
    assert option["xAxis"]["data"] == [
        "2022年第一季度",
        "2022年第二季度",
        "2022年第三季度",
        "2022年第四季度",
    ]
    actual, expected, last_year = option["series"]
    assert [p and p["value"] for p in actual["data"]] == [200.0, 420.0, 700.0, None]
    assert expected["data"] == [200.0, 450.0, 600.0, None]  # target × expected progress
    assert last_year["data"] == [180.0, 400.0, 600.0, None]
    assert actual["markLine"]["data"] == [{"yAxis": 1000.0}]
    # every point leads to the report its figure came from
    reports = ProgressReport.objects.filter(indicator=tax_series).order_by("period")
    assert [p["url"] for p in actual["data"][:3]] == [
        reverse("tracking:report_detail", args=[r.pk]) for r in reports
    ]
    for point in actual["data"][:3]:
        assert world.client_for(Role.OFFICE).get(point["url"]).status_code == 200
    # owners, reports and the units' table
    text = response.content.decode()
    assert "县发展和改革局" in re.search(r"data-owners>(.*?)</ul>", text, re.S)[1]
    assert len(response.context["dash"].reports) == 3


def test_growth_indicator_chart_compares_growth_with_the_target_rate(world, seed) -> None:
    ind = seed.indicators["地区生产总值增速"]
    ind.target = D("7")
    ind.save()
    response = world.client_for(Role.OFFICE).get(
        reverse("tracking:dashboard_indicator", args=[ind.pk])
    )
    actual, target, last_year = chart(response, "chart-trend")["series"]
    assert actual["data"][2]["value"] == 4.0
    assert last_year["data"][2] == 8.5
    assert target["data"] == [7.0] * 4


def test_indicator_dashboard_is_scoped(world, seed, tax_series) -> None:
    # reporter_b may read the plan's indicator but sees no figure of 发改局
    response = world.client_for("reporter_b").get(
        reverse("tracking:dashboard_indicator", args=[tax_series.pk])
    )
    assert response.status_code == 200
    assert response.context["dash"].latest == []
    assert response.context["chart"] is None
    assert "700" not in re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)


# --- the unit dashboard -----------------------------------------------------------------
def test_unit_dashboard_lists_obligations_tasks_explanations_and_notices(world, seed) -> None:
    today = timezone.localdate()
    trade = seed.indicators["外贸进出口总额"]
    assignment = trade.assignments.get()
    task = Task.objects.create(
        assignment=assignment,
        unit=world.town_a,
        name="扩大进出口",
        deadline=today + timedelta(days=20),
    )
    Milestone.objects.create(task=task, name="走访外贸企业", due=today - timedelta(days=2))
    Milestone.objects.create(task=task, name="年底冲刺", due=today + timedelta(days=90))
    Explanation.objects.create(
        indicator=trade, unit=world.town_a, period=Q3, due=today - timedelta(days=1)
    )
    SupervisionNotice.objects.create(
        indicator=trade,
        unit=world.town_a,
        period=Q3,
        level=SupervisionNotice.Level.BLUE,
        consecutive_red=1,
    )
    response = world.client_for(Role.REPORTER).get(
        reverse("tracking:dashboard_unit", args=[world.town_a.pk])
    )
    assert response.status_code == 200
    dash = response.context["dash"]
    assert dash.obligations[0].indicator == trade  # the red one first
    assert dash.obligations[0].result.status == "red"
    assert {o.indicator.name for o in dash.obligations} == set(DECLINED[1:])
    assert [m.name for m in dash.milestones] == ["走访外贸企业"]
    assert [t.name for t in dash.tasks] == ["扩大进出口"]
    assert [e.indicator for e in dash.explanations] == [trade]
    assert [n.indicator for n in dash.notices] == [trade]
    option = chart(response, "chart-gap")
    assert option["series"][0]["data"][0]["value"] == -31.0
    assert (
        option["series"][0]["data"][0]["url"]
        == reverse("tracking:dashboard_indicator", args=[trade.pk]) + f"?unit={world.town_a.pk}"
    )
    # and the county overview counts the overdue explanation and the open notice
    office = world.client_for(Role.OFFICE).get(county_url())
    assert kpi(office, "overdue") == 1 and kpi(office, "notices") == 1


def test_reporter_b_cannot_open_town_a(world, seed) -> None:
    url = reverse("tracking:dashboard_unit", args=[world.town_a.pk])
    assert world.client_for("reporter_b").get(url).status_code == 404
    assert world.client_for(Role.REPORTER).get(url).status_code == 200


def test_dashboard_menu_entry_shows_each_role_its_dashboard(world, seed) -> None:
    url = reverse("tracking:dashboard")
    templates = {
        Role.OFFICE: "tracking/dashboard_county.html",
        Role.INSPECTOR: "tracking/dashboard_county.html",
        Role.LEADER: "tracking/dashboard_portfolio.html",
        Role.REPORTER: "tracking/dashboard_unit.html",
        "reporter_b": "tracking/dashboard_unit.html",
    }
    for who, template in templates.items():
        response = world.client_for(who).get(url)
        assert response.status_code == 200
        assert template in [t.name for t in response.templates], who
    assert world.client_for("reporter_b").get(url).context["unit"] == world.town_b
    # and every entry of every role's menu opens
    for who in (*EVALUATORS, *OTHERS):
        client = world.client_for(who)
        for item in client.get(reverse("org:no_work")).context["nav_items"]:
            assert client.get(item.url).status_code == 200, (who, item.url_name)


# --- the portfolio dashboard -------------------------------------------------------------
def test_portfolio_counts_each_unit_and_lists_the_worst_items(world, seed) -> None:
    response = world.client_for(Role.LEADER).get(reverse("tracking:dashboard_portfolio"))
    assert response.status_code == 200
    dash = response.context["dash"]
    rows = {lag.unit.name: (lag.green, lag.yellow, lag.red) for lag in dash.lags}
    assert rows == {"东城镇": (0, 5, 1), "县发展和改革局": (6, 1, 0)}
    assert dash.worst[0].indicator.name == "外贸进出口总额"
    assert all(r.unit in (world.town_a, world.dept_a) for r in dash.worst)
    option = chart(response, "chart-portfolio")
    assert option["yAxis"]["data"] == ["县发展和改革局", "东城镇"]  # tree order (by code)
    red = next(s for s in option["series"] if s["itemStyle"]["color"] == "#c62828")
    assert [d["value"] for d in red["data"]] == [0, 1]
    assert red["data"][1]["url"].startswith(
        reverse("tracking:dashboard_unit", args=[world.town_a.pk])
    )


def test_sub_units_count_under_their_portfolio_unit(world, seed) -> None:
    village_office = make_unit(
        "T01-01", "东城镇农业服务中心", Unit.Kind.DEPARTMENT, Unit.objects.get(pk=world.town_a.pk)
    )
    ind = IndicatorFactory(plan=seed.plan, code="X1", name="下属单位指标")
    make_result(ind, village_office, status="red", gap="-50")
    dash = (
        world.client_for(Role.LEADER).get(reverse("tracking:dashboard_portfolio")).context["dash"]
    )
    town = next(lag for lag in dash.lags if lag.unit == world.town_a)
    assert town.red == 2


# --- permissions ------------------------------------------------------------------------
def _urls(world: Any, seed: Seed) -> dict[str, str]:
    trade = seed.indicators["外贸进出口总额"]
    return {
        "home": reverse("tracking:dashboard"),
        "county": reverse("tracking:dashboard_county"),
        "items": reverse("tracking:dashboard_items"),
        "indicator": reverse("tracking:dashboard_indicator", args=[trade.pk]),
        "unit_a": reverse("tracking:dashboard_unit", args=[world.town_a.pk]),
        "unit_b": reverse("tracking:dashboard_unit", args=[world.town_b.pk]),
        "unit_dept_b": reverse("tracking:dashboard_unit", args=[world.dept_b.pk]),
        "portfolio": reverse("tracking:dashboard_portfolio"),
        "recompute": reverse("tracking:dashboard_recompute"),
    }


EVALUATORS = (Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR, "reporter_b")
OTHERS = (Role.INTERVIEWER, Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
MATRIX: dict[str, dict[str, int]] = {
    "home": dict.fromkeys(EVALUATORS, 200),
    "county": {Role.OFFICE: 200, Role.LEADER: 200, Role.INSPECTOR: 200},
    "items": dict.fromkeys(EVALUATORS, 200),
    "indicator": dict.fromkeys(EVALUATORS, 200),
    "unit_a": {
        Role.OFFICE: 200,
        Role.INSPECTOR: 200,
        Role.LEADER: 200,
        Role.REPORTER: 200,
        Role.UNIT_HEAD: 200,
    },
    "unit_b": {Role.OFFICE: 200, Role.INSPECTOR: 200, "reporter_b": 200},
    "unit_dept_b": {Role.OFFICE: 200, Role.INSPECTOR: 200},
    "portfolio": {Role.LEADER: 200},
    "recompute": {},  # POST only: GET is refused for everyone
}


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("who", [*EVALUATORS, *OTHERS, ANON])
def test_permission_matrix(world, seed, page: str, who: str) -> None:
    url = _urls(world, seed)[page]
    client = Client() if who == ANON else world.client_for(who)
    response = client.get(url)
    if page == "recompute":
        assert response.status_code == 405
    elif who == ANON:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == MATRIX[page].get(who, 404), f"{who} {url}"


@pytest.mark.parametrize("page", ["county", "items", "indicator", "unit_a", "portfolio"])
def test_dashboards_refuse_writes(world, seed, page: str) -> None:
    client = world.client_for(Role.OFFICE if page != "portfolio" else Role.LEADER)
    assert client.post(_urls(world, seed)[page]).status_code == 405


@pytest.mark.parametrize("who", [r for r in (*EVALUATORS, *OTHERS) if r != Role.OFFICE])
def test_recompute_is_for_the_office_only(world, seed, who: str) -> None:
    before = list(TrackingResult.objects.values_list("pk", "status"))
    response = world.client_for(who).post(
        reverse("tracking:dashboard_recompute"), {"plan": seed.plan.pk}
    )
    assert response.status_code == 404
    assert list(TrackingResult.objects.values_list("pk", "status")) == before
    anon = Client().post(reverse("tracking:dashboard_recompute"), {"plan": seed.plan.pk})
    assert anon.status_code == 302


# --- query budgets ----------------------------------------------------------------------
def _grow(world: Any, seed: Seed, indicators: int, units: int, tag: str) -> None:
    """More indicators and units with figures, notices, explanations, tasks and milestones."""
    county = Unit.objects.get(pk=world.county.pk)
    extra_units = [
        make_unit(f"T{tag}{n:02d}", f"新增镇{tag}{n}", Unit.Kind.TOWN, county) for n in range(units)
    ]
    today = date.today()
    for n in range(indicators):
        ind = IndicatorFactory(
            plan=seed.plan,
            parent=seed.macro,
            code=f"Z{tag}{n:03d}",
            name=f"新增指标{tag}{n}",
            order=200 + n,
        )
        for unit in [world.town_a, world.dept_a, *extra_units]:
            make_result(
                ind,
                unit,
                status=("green", "yellow", "red")[n % 3],
                gap=str(-n),
                yoy="3",
                yoy_last="2",
                will_meet=bool(n % 2),
            )
        AssignmentFactory(indicator=ind, lead_unit=world.town_a)
        SupervisionNotice.objects.create(
            indicator=ind, unit=world.town_a, period=Q3, level="blue", consecutive_red=1
        )
        Explanation.objects.create(
            indicator=ind, unit=world.town_a, period=Q3, due=today - timedelta(days=3)
        )
        task = Task.objects.create(
            assignment=ind.assignments.get(), unit=world.town_a, name=f"任务{n}", deadline=today
        )
        Milestone.objects.create(task=task, name=f"节点{n}", due=today)


# Queries per page: session, user, roles and scope (5-8), then the page's own reads, each a
# fixed number whatever the number of indicators, units and items.
BUDGETS = {  # page: (role, budget)
    "county": (Role.OFFICE, 15),  # + the data version (kaoping.tracking.cache)
    "items": (Role.OFFICE, 11),
    "indicator": (Role.OFFICE, 13),
    "unit_a": (Role.REPORTER, 21),
    "portfolio": (Role.LEADER, 19),  # + the data version
}


@pytest.mark.parametrize("page", list(BUDGETS))
def test_query_budget_is_independent_of_indicators_and_units(
    world, seed, page: str, django_assert_max_num_queries: Any, settings: Any
) -> None:
    # uncached: a cached page costs less (tests/tracking/test_dashboard_cache.py)
    settings.KAOPING_DASHBOARD_CACHE = False
    role, budget = BUDGETS[page]
    client = world.client_for(role)
    url = _urls(world, seed)[page]
    _grow(world, seed, indicators=1, units=1, tag="S")  # one of everything
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(world, seed, indicators=12, units=6, tag="L")
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_office_recomputes_from_approved_reports(world, seed, tax_series) -> None:
    # given approved reports of 税收收入 and stale figures of other indicators
    TrackingResult.objects.filter(indicator=tax_series).update(actual=D("1"))
    response = world.client_for(Role.OFFICE).post(
        reverse("tracking:dashboard_recompute"),
        {"plan": seed.plan.pk, "next": county_url(plan=seed.plan.pk)},
    )
    # then the engine recomputes the plan and the office returns to the dashboard
    assert response.status_code == 302
    assert response["Location"] == county_url(plan=seed.plan.pk)
    q3 = TrackingResult.objects.get(indicator=tax_series, unit=world.dept_a, period=Q3)
    assert q3.actual == D("700")
    # an outside address is never followed
    response = world.client_for(Role.OFFICE).post(
        reverse("tracking:dashboard_recompute"),
        {"plan": seed.plan.pk, "next": "https://example.com/"},
    )
    assert response["Location"].startswith(reverse("tracking:dashboard_county"))


@pytest.mark.parametrize("who", [Role.OFFICE, Role.LEADER, Role.INSPECTOR])
def test_county_links_only_to_pages_the_role_opens(world, seed, who: str) -> None:
    from kaoping.org.permissions import (
        EXPLANATION_ROLES,
        REPORT_REVIEW_ROLES,
        SUPERVISION_ROLES,
    )

    client = world.client_for(who)
    text = client.get(county_url()).content.decode()
    for name, roles in (
        ("tracking:review_queue", REPORT_REVIEW_ROLES),
        ("tracking:notice_list", SUPERVISION_ROLES),
        ("tracking:explanation_list", EXPLANATION_ROLES),
    ):
        url = reverse(name)
        assert (f'href="{url}"' in text) == (who in roles), (who, name)
        if who in roles:
            assert client.get(url).status_code == 200
