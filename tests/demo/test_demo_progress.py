"""The demo county's progress data: `kaoping status` and the county dashboard show the seed
speech's third-quarter picture (13 macro-economic indicators: 6 faster than a year before, 7
slower, 外贸 falling; 为民办实事, 气象灾害防御 and 信息安全 behind schedule)."""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kaoping.demo import data
from kaoping.demo.loader import DemoSummary, load_demo
from kaoping.demo.progress import (
    AS_OF,
    OVERDUE_MILESTONES_2022,
    PROVINCIAL_SERIES,
    SWEEP_DAY,
    TASKS,
    county_tasks,
    demo_pdf,
)
from kaoping.org.models import User
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking.models import (
    Alert,
    Evidence,
    Explanation,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from kaoping.tracking.workdays import WorkCalendar

pytestmark = pytest.mark.usefixtures("demo", "db")

FASTER = (
    "税收收入",
    "第三产业增加值占GDP比重",
    "非公经济国税收入",
    "非公经济地税收入",
    "工业增加值占GDP比重",
)
LAGGING = ("教育惠民工程", "农村安全饮水", "水库移民新村", "气象灾害防御", "信息安全等级保护备案")


@pytest.fixture(scope="module")
def rows(demo: DemoSummary, django_db_blocker: Any) -> list[dict[str, Any]]:
    """`kaoping status --cycle 2022 --period 2022Q3 --json`, run once for the module."""
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("status", "--cycle", "2022", "--period", "2022Q3", "--json", stdout=out)
    return json.loads(out.getvalue())


def macro_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    provincial = Plan.objects.get(cycle__year=2022, owner__code=data.COUNTY, kind="provincial")
    names = set(
        Indicator.objects.get(plan=provincial, name="宏观经济指标").children.values_list(
            "name", flat=True
        )
    )
    return {
        r["indicator_name"]: r
        for r in rows
        if r["plan_code"] == provincial.code and r["indicator_name"] in names
    }


def test_six_macro_indicators_grew_faster_than_a_year_before_and_seven_slower(
    rows: list[dict[str, Any]],
) -> None:
    macro = macro_rows(rows)
    assert len(macro) == 13
    trends = {name: row["yoy_trend"] for name, row in macro.items()}
    improved = {name for name, trend in trends.items() if trend == "improved"}
    declined = {name for name, trend in trends.items() if trend == "declined"}
    assert len(improved) == 6 and set(FASTER) <= improved
    assert len(declined) == 7
    for row in macro.values():
        assert row["yoy_growth"] is not None and row["yoy_growth_last_year"] is not None


def test_foreign_trade_fell_year_on_year(rows: list[dict[str, Any]]) -> None:
    trade = macro_rows(rows)["外贸进出口总额"]
    assert trade["period"] == "2022-09"
    assert trade["yoy_growth"] < 0 and trade["status"] == "red"


def test_the_lagging_items_of_the_speech_are_behind_schedule(rows: list[dict[str, Any]]) -> None:
    provincial = {r["indicator_name"]: r for r in rows if r["plan_code"] == "provincial-2022"}
    for name in LAGGING:
        assert provincial[name]["status"] in ("yellow", "red"), name
    statuses = [r["status"] for r in provincial.values() if r["indicator_name"] not in LAGGING]
    comparable = [s for s in statuses if s != "not_comparable"]
    assert comparable.count("green") > len(comparable) * 0.8


def test_some_reports_are_under_review_returned_or_late() -> None:
    current = ProgressReport.objects.filter(is_current=True, period__startswith="2022")
    returned = current.filter(status=ProgressReport.Status.RETURNED)
    assert returned.exists() and all(r.returned_reason for r in returned)
    assert current.filter(status=ProgressReport.Status.SUBMITTED).exists()
    late = current.filter(is_late=True)
    assert late.count() >= 2
    for report in late:
        assert report.submitted_at is not None and report.deadline is not None
        assert report.submitted_at.date() > report.deadline
    approved = ProgressReport.objects.filter(status=ProgressReport.Status.APPROVED)
    assert not approved.filter(evidence__isnull=True).exists()
    assert not approved.filter(approved_by__isnull=True).exists()


def test_2021_reports_carry_2020_figures_for_last_year() -> None:
    tax = ProgressReport.objects.get(
        indicator__plan__code="provincial-2021", indicator__code="A0106", period="2021-12"
    )
    assert (tax.value, tax.last_year_value) == (190300, 172500)  # the plans' baselines


def test_the_sweep_left_alerts_notices_and_explanations() -> None:
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert {Alert.Kind.RED_STATUS, Alert.Kind.OVERDUE_MILESTONE} <= kinds
    levels = set(SupervisionNotice.objects.values_list("level", flat=True))
    assert {SupervisionNotice.Level.BLUE, SupervisionNotice.Level.YELLOW} <= levels
    statuses = set(Explanation.objects.values_list("status", flat=True))
    assert {
        Explanation.Status.REQUESTED,
        Explanation.Status.SUBMITTED,
        Explanation.Status.ACCEPTED,
    } <= statuses
    assert Evidence.objects.filter(milestone__isnull=False).exists()


def test_the_county_dashboard_shows_the_picture_by_default() -> None:
    client = Client()
    client.force_login(User.objects.get(username="office"))
    response = client.get(reverse("tracking:dashboard_county"))
    assert response.status_code == 200
    assert str(response.context["period"]) == "2022Q3"
    assert response.context["plan"].code == "provincial-2022"
    html = response.content.decode()
    assert "外贸进出口总额" in html
    assert html.count('data-trend="improved"') == 6
    assert html.count('data-trend="declined"') == 7
    summary = re.search(r"<p[^>]*data-yoy-summary[^>]*>(.*?)</p>", html, re.S)
    assert summary is not None
    assert [int(n) for n in re.findall(r"\d+", summary.group(1))] == [13, 6, 7]
    negative = re.search(r"<p[^>]*data-yoy-negative[^>]*>(.*?)</p>", html, re.S)
    assert negative is not None and "外贸进出口总额" in negative.group(1)


@pytest.mark.parametrize("year", data.YEARS)
def test_every_town_and_department_has_tasks_of_its_own(year: int) -> None:
    tasks = Task.objects.filter(assignment__indicator__plan__code=f"county-{year}")
    towns = tasks.filter(assignment__indicator__code="ZB01")
    departments = tasks.filter(assignment__indicator__code="BA02")
    assert set(towns.values_list("unit__code", flat=True)) == set(data.group_members("towns"))
    assert set(departments.values_list("unit__code", flat=True)) == {
        d.code for d in data.DEPARTMENTS if d.group
    }
    for task in tasks:
        assert task.assignment.lead_unit_id == task.unit_id
        assert task.name.startswith(f"{year}年")
    milestones = Milestone.objects.filter(task__in=tasks)
    assert milestones.count() == 4 * tasks.count()
    done = milestones.filter(done_on__isnull=False)
    late = [m for m in done if m.done_on > m.due]
    assert 0 < len(late) < done.count() * 0.2  # mostly on time, a few late
    assert Evidence.objects.filter(milestone__in=done).count() >= done.count()
    if year < AS_OF.year:
        assert done.count() > milestones.count() * 0.95  # a few carried over, unfinished
    else:
        assert not done.filter(done_on__gt=AS_OF.end).exists()
        overdue = milestones.filter(done_on__isnull=True, due__lt=SWEEP_DAY)
        assert set(overdue.values_list("task__unit__code", flat=True)) == OVERDUE_MILESTONES_2022


def test_the_county_plans_milestone_and_count_indicators_have_figures(
    rows: list[dict[str, Any]],
) -> None:
    county = [r for r in rows if r["plan_code"] == "county-2022"]
    milestones = [r for r in county if r["indicator_code"] in ("ZB01", "BA02")]
    assert len(milestones) == 63 and all(r["target"] for r in milestones)
    red = {r["unit_code"] for r in milestones if r["status"] == "red"}
    assert red == OVERDUE_MILESTONES_2022
    scores = [r for r in county if r["indicator_code"] == "ZC01"]
    assert len(scores) == 20 and all(r["actual"] is not None for r in scores)
    poverty = {r["unit_code"]: r["actual"] for r in county if r["indicator_code"] == "ZB04"}
    assert len(poverty) == 20 and sum(1 for v in poverty.values() if v) == 2


def test_loading_again_adds_nothing() -> None:
    def counts() -> tuple[int, ...]:
        return tuple(
            model.objects.count()
            for model in (ProgressReport, TrackingResult, Alert, SupervisionNotice, Explanation)
        )

    before = counts()
    summary = load_demo()
    assert counts() == before
    progress = summary.progress
    assert progress is not None and progress.created_total == 0 and summary.created_total == 0
    assert (progress.macro_total, progress.macro_improved, progress.macro_declined) == (13, 6, 7)
    assert progress.returned == 1 and progress.late == 2 and progress.under_review > 0


def test_the_command_prints_the_progress_picture() -> None:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    text = out.getvalue()
    assert "2022Q3" in text and "2022-10-15" in text


# --- the data, without the database ------------------------------------------------------------
def test_cumulative_series_never_go_down() -> None:
    for code, series in PROVINCIAL_SERIES.items():
        assert len(series[2020]) == len(series[2021]) in (1, 4, 12), code
        assert len(series[2022]) == {1: 0, 4: 3, 12: 9}[len(series[2021])], code
        if code in ("A0107", "A0110", "B05", "C02", "C04", "E03"):
            continue  # levels and shares move both ways
        for year, values in series.items():
            assert list(values) == sorted(values), (code, year)


def test_milestones_are_due_on_working_days_in_order() -> None:
    for spec in TASKS:
        dues = [s.due for s in spec.steps]
        assert dues == sorted(dues) and all(d.weekday() < 5 for d in dues), spec.name
        for step in spec.steps:
            assert step.done is None or step.done.year == spec.year or step.done > step.due


@pytest.mark.parametrize("code", ["ZB01", "BA02"])
def test_generated_milestones_are_due_on_working_days_in_order(code: str) -> None:
    calendar = WorkCalendar()
    units = data.group_members("towns") if code == "ZB01" else ["SFX-JMJ", "SFX-ZJJ", "SFX-XCB"]
    for unit in units:
        for year in data.YEARS:
            specs = county_tasks(code, unit, year, calendar)
            assert specs and specs == county_tasks(code, unit, year, calendar)  # stable
            for spec in specs:
                dues = [s.due for s in spec.steps]
                assert dues == sorted(dues) and all(d.weekday() < 5 for d in dues), spec.name
                assert all(d.year == year for d in dues)
                for step in spec.steps:
                    assert step.done is None or step.done.year == year
                    assert step.done is None or year < AS_OF.year or step.done <= AS_OF.end


def test_the_generated_evidence_is_a_pdf() -> None:
    pdf = demo_pdf(["Kaoping (demo)"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"startxref" in pdf


def test_the_office_put_the_2022_projects_for_the_people_on_the_public_page(client: Any) -> None:
    public = Task.objects.filter(is_public=True)
    assert public.count() >= 3
    assert all(t.public_summary for t in public)
    page = client.get("/public/").content.decode()
    for task in public:
        assert task.name in page
    assert "完成12所农村中小学" in page  # a public summary, shown without signing in
