"""GET /tracking/results: the rows `kaoping status --json` prints, for the caller's scope."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from kaoping.org.models import Role
from kaoping.plans.models import Indicator
from kaoping.tracking.services import reports as report_services
from tests.api.conftest import assert_error, draft

STATUS_FIELDS = [
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
]


def approve(api: Any, report: Any) -> None:
    users = api.users
    report_services.report_submit(actor=users[Role.REPORTER], report=report)
    report_services.report_unit_approve(actor=users[Role.UNIT_HEAD], report=report)
    report_services.report_office_approve(actor=users[Role.OFFICE], report=report)


@pytest.fixture
def figures(api: Any) -> Any:
    Indicator.objects.filter(pk=api.indicator_a.pk).update(target=Decimal(100))
    approve(api, draft(api))
    return api


def status_json(**options: Any) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("status", "--cycle", "2022", "--period", "2022Q3", "--json", stdout=out, **options)
    return json.loads(out.getvalue())


def test_the_office_gets_what_the_status_command_prints(figures: Any) -> None:
    response = figures.client(Role.OFFICE).get(
        "/tracking/results", {"cycle": 2022, "period": "2022Q3"}
    )
    assert response.status_code == 200
    rows = response.json()["items"]
    expected = [r for r in status_json() if r["plan_code"] == "county-2022"]
    assert [{k: r[k] for k in STATUS_FIELDS} for r in rows] == expected
    assert list(rows[0])[3:] == STATUS_FIELDS
    a01 = next(r for r in rows if r["indicator_code"] == "A01")
    assert a01["actual"] == 75.5 and a01["completion"] == 0.755
    assert a01["unit_id"] == figures.town_a.pk and a01["indicator_id"] == figures.indicator_a.pk
    assert a01["plan_id"] == figures.plan.pk


def test_a_town_reporter_sees_only_its_own_rows(figures: Any) -> None:
    rows = (
        figures.client("reporter_b")
        .get("/tracking/results", {"cycle": 2022, "period": "2022Q3"})
        .json()["items"]
    )
    assert {r["unit_code"] for r in rows} == {"T02"}
    asked = figures.client("reporter_b").get(
        "/tracking/results", {"cycle": 2022, "period": "2022Q3", "unit": figures.town_a.pk}
    )
    assert asked.json() == {"items": [], "count": 0}


def test_the_neighbouring_county_sees_none_of_ours(figures: Any) -> None:
    rows = (
        figures.client("reporter_other")
        .get("/tracking/results", {"cycle": 2022, "period": "2022Q3"})
        .json()["items"]
    )
    assert {r["unit_code"] for r in rows} <= {"T99"}


def test_filters(figures: Any) -> None:
    client = figures.client(Role.OFFICE)
    query = {"cycle": 2022, "period": "2022Q3"}
    by_indicator = client.get("/tracking/results", {**query, "indicator": figures.indicator_b.pk})
    assert {r["indicator_code"] for r in by_indicator.json()["items"]} == {"A02"}
    by_status = client.get("/tracking/results", {**query, "status": "not_comparable"})
    assert {r["indicator_code"] for r in by_status.json()["items"]} == {"A02"}
    by_plan = client.get("/tracking/results", {**query, "plan": figures.other.plan.pk})
    assert by_plan.json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    [
        {"cycle": 2022, "period": "2021Q3"},
        {"cycle": 2022, "period": "bad"},
        {"cycle": 2022},
        {"period": "2022Q3"},
        {"cycle": 2022, "period": "2022Q3", "status": "blue"},
    ],
)
def test_bad_queries_are_validation_errors(api: Any, query: dict[str, Any]) -> None:
    response = api.client(Role.OFFICE).get("/tracking/results", query)
    assert_error(response, 422, "validation_error")
