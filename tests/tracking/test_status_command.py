"""`kaoping status`: the JSON for scripts and the table for people, on a small fixture."""

from __future__ import annotations

import json
from decimal import Decimal as D
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaoping.plans.models import Indicator, Plan
from kaoping.tracking.models import ProgressReport, TrackingResult
from tests.factories import AssignmentFactory, CycleFactory, IndicatorFactory, PlanFactory

FIELDS = {
    "plan_code",
    "indicator_code",
    "indicator_name",
    "indicator_kind",
    "category",
    "unit_of_measure",
    "unit_code",
    "unit_name",
    "period",
    "actual",
    "target",
    "completion",
    "expected_progress",
    "expected_method",
    "gap",
    "status",
    "yoy_growth",
    "yoy_growth_last_year",
    "yoy_trend",
    "projection",
    "projection_method",
    "will_meet_target",
}


def approved(
    indicator: Indicator, unit: Any, period: str, value: str, last_year: str | None = None
) -> None:
    ProgressReport.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        status=ProgressReport.Status.APPROVED,
        value=D(value),
        last_year_value=D(last_year) if last_year else None,
    )


@pytest.fixture
def data(world: Any) -> Any:
    """Town A's tax revenue (A01) with last year's plan behind it; town B's trade (A02)."""
    last = PlanFactory(
        owner=world.county,
        code="county-2021",
        cycle=CycleFactory(year=2021),
        status=Plan.Status.PUBLISHED,
    )
    a21 = IndicatorFactory(plan=last, code="A01", name="税收收入")
    AssignmentFactory(indicator=a21, lead_unit=world.town_a)
    approved(a21, world.town_a, "2021Q3", "600", last_year="500")
    approved(a21, world.town_a, "2021Q4", "1000")
    Indicator.objects.filter(pk=world.indicator_a.pk).update(target=D(1000), unit_of_measure="万元")
    approved(world.indicator_a, world.town_a, "2022Q3", "700")
    Indicator.objects.filter(pk=world.indicator_b.pk).update(target=D(0))  # not comparable
    approved(world.indicator_b, world.town_b, "2022Q3", "40", last_year="50")
    return world


def status_json(*args: str) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("status", "--cycle", "2022", "--period", "2022Q3", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_json_rows_carry_every_field_with_the_engines_values(data) -> None:
    rows = status_json()
    assert [(r["indicator_code"], r["unit_code"]) for r in rows] == [("A01", "T01"), ("A02", "T02")]
    assert all(set(r) == FIELDS for r in rows)
    tax = rows[0]
    assert tax == {
        "plan_code": "county-2022",
        "indicator_code": "A01",
        "indicator_name": "税收收入",
        "indicator_kind": "quantitative",
        "category": "economic",
        "unit_of_measure": "万元",
        "unit_code": "T01",
        "unit_name": "东城镇",
        "period": "2022Q3",
        "actual": 700.0,
        "target": 1000.0,
        "completion": 0.7,
        "expected_progress": 0.6,
        "expected_method": "seasonal",
        "gap": 10.0,
        "status": "green",
        "yoy_growth": 16.6667,
        "yoy_growth_last_year": 20.0,
        "yoy_trend": "declined",
        "projection": 1166.6667,
        "projection_method": "seasonal",
        "will_meet_target": True,
    }


def test_not_comparable_figures_are_null(data) -> None:
    trade = status_json("--unit", "T02")[0]
    assert trade["status"] == "not_comparable"
    assert trade["completion"] is None and trade["gap"] is None
    assert trade["yoy_growth"] == -20.0  # 40 against 50 last year
    assert trade["yoy_growth_last_year"] is None and trade["yoy_trend"] == "not_comparable"


def test_figures_are_computed_fresh_not_read_from_stored_rows(data) -> None:
    TrackingResult.objects.create(
        indicator=data.indicator_a,
        unit=data.town_a,
        period="2022Q3",
        status="red",
        yoy_trend="declined",
    )
    assert status_json("--unit", "T01")[0]["status"] == "green"


def test_filters_by_plan_and_unit(data) -> None:
    assert status_json("--plan", "county-2022", "--unit", "T01")[0]["unit_code"] == "T01"
    assert len(status_json("--unit", "D01")) == 0
    for args in (["--plan", "nope"], ["--unit", "NOPE"]):
        with pytest.raises(CommandError):
            status_json(*args)
    with pytest.raises(CommandError):
        call_command("status", "--cycle", "2022", "--period", "2021Q3", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("status", "--cycle", "2022", "--period", "Q3", stdout=StringIO())


def test_each_indicator_is_read_at_its_own_latest_period(data) -> None:
    monthly = IndicatorFactory(
        plan=data.plan, parent=data.category, code="A03", frequency=Indicator.Frequency.MONTHLY
    )
    yearly = IndicatorFactory(
        plan=data.plan, parent=data.category, code="A04", frequency=Indicator.Frequency.YEARLY
    )
    for indicator in (monthly, yearly):
        AssignmentFactory(indicator=indicator, lead_unit=data.dept_a)
    approved(yearly, data.dept_a, "2022", "999")  # not read before the year is over
    rows = {r["indicator_code"]: r for r in status_json("--unit", "D01")}
    assert rows["A03"]["period"] == "2022-09" and rows["A03"]["actual"] is None
    assert rows["A04"]["period"] == "2022" and rows["A04"]["actual"] is None
    assert rows["A04"]["status"] == "not_comparable"


def test_table_for_people(data) -> None:
    out = StringIO()
    call_command("status", "--cycle", "2022", "--period", "2022Q3", stdout=out)
    text = out.getvalue()
    assert "东城镇" in text and "A01 税收收入" in text and "70.0%" in text
    lines = text.splitlines()
    assert len(lines) == 4  # header, rule, two rows
    empty = StringIO()
    call_command("status", "--cycle", "2022", "--period", "2022Q3", "--unit", "D02", stdout=empty)
    assert empty.getvalue().strip()
