"""The API's permission matrix: every endpoint × every account of `world` and anonymous.

404 answers an endpoint outside the caller's roles and an object outside their data scope
alike (never 403, which would reveal that it exists); 401 an anonymous caller; 403 a
service refusing an action on an object the caller may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kaoping.org.models import Person, Role, RoleGrant
from kaoping.tracking.models import ProgressReport
from tests.api.conftest import ANON, API_USERS, ROLES, assert_error, draft, other_draft
from tests.api.test_bulletins_api import BULLETIN_PATHS
from tests.api.test_scores_api import SCORE_PATHS
from tests.factories import PersonFactory

EVERYONE = (*ROLES, ANON)
ALL_API = dict.fromkeys(API_USERS, 200)
# Who sees town A's data (the reporter and head of town A, the office, the inspector, and the
# leader whose portfolio holds town A); town B's reporter does not.
TOWN_A = {
    Role.OFFICE: 200,
    Role.INSPECTOR: 200,
    Role.LEADER: 200,
    Role.REPORTER: 200,
    Role.UNIT_HEAD: 200,
}
TOWN_B = {Role.OFFICE: 200, Role.INSPECTOR: 200, "reporter_b": 200}

Path = Callable[[Any], str]


@dataclass(frozen=True)
class Row:
    """One GET: a path (built from the fixture), and who gets which status."""

    template: str
    path: Path
    expect: dict[str, int] = field(default_factory=dict)
    default: int = 404
    label: str = ""

    def status_for(self, who: str) -> int:
        if who == ANON:
            return 401
        return self.expect.get(who, self.default)


def fixed(path: str) -> Path:
    return lambda data: path


GET_MATRIX: tuple[Row, ...] = (
    Row("/me", fixed("/me"), ALL_API, label="me"),
    Row("/cycles", fixed("/cycles"), ALL_API, label="cycles"),
    Row("/plans", fixed("/plans"), ALL_API, label="plans"),
    Row("/plans/{plan_id}", lambda d: f"/plans/{d.plan.pk}", ALL_API, label="plan"),
    Row(
        "/plans/{plan_id}/indicators",
        lambda d: f"/plans/{d.plan.pk}/indicators",
        ALL_API,
        label="indicators",
    ),
    Row(
        "/plans/{plan_id}/assignments",
        lambda d: f"/plans/{d.plan.pk}/assignments",
        ALL_API,
        label="assignments",
    ),
    Row("/plans/{plan_id}", lambda d: f"/plans/{d.other.plan.pk}", label="other county's plan"),
    Row(
        "/plans/{plan_id}/indicators",
        lambda d: f"/plans/{d.other.plan.pk}/indicators",
        label="other county's indicators",
    ),
    Row(
        "/plans/{plan_id}/assignments",
        lambda d: f"/plans/{d.other.plan.pk}/assignments",
        label="other county's assignments",
    ),
    Row("/plans/{plan_id}", fixed("/plans/999999"), label="missing plan"),
    Row("/units", fixed("/units"), ALL_API, label="units"),
    Row(
        "/tracking/results",
        fixed("/tracking/results?cycle=2022&period=2022Q3"),
        ALL_API,
        label="results",
    ),
    Row("/reports", fixed("/reports"), ALL_API, label="reports"),
    Row(
        "/reports/{report_id}",
        lambda d: f"/reports/{d.report_a.pk}",
        TOWN_A,
        label="town A's report",
    ),
    Row(
        "/reports/{report_id}",
        lambda d: f"/reports/{d.report_b.pk}",
        TOWN_B,
        label="town B's report",
    ),
    Row(
        "/reports/{report_id}",
        lambda d: f"/reports/{d.report_other.pk}",
        label="other county's report",
    ),
    Row("/reports/{report_id}", fixed("/reports/999999"), label="missing report"),
    Row("/notifications", fixed("/notifications"), ALL_API, label="notifications"),
)


@pytest.fixture
def data(api: Any) -> Any:
    api.report_a = draft(api, unit="a")
    api.report_b = draft(api, unit="b")
    api.report_other = other_draft(api)
    return api


def _cases() -> list[Any]:
    return [
        pytest.param(row, who, id=f"{row.label}-{who}") for row in GET_MATRIX for who in EVERYONE
    ]


@pytest.mark.parametrize(("row", "who"), _cases())
def test_get_matrix(data: Any, row: Row, who: str) -> None:
    response = data.client(who).get(row.path(data))
    expected = row.status_for(who)
    if expected == 200:
        assert response.status_code == 200, response.content
    else:
        assert_error(response, expected, {401: "unauthorized", 404: "not_found"}[expected])


def test_matrix_covers_every_path(data: Any) -> None:
    """A new endpoint cannot be added without deciding who may call it."""
    schema = data.client(Role.OFFICE).get("/openapi.json").json()
    templated = {
        path.removeprefix("/api/v1")
        .split("?")[0]
        .replace(str(data.plan.pk), "{plan_id}")
        .replace(str(data.report_a.pk), "{report_id}")
        for path in (row.path(data) for row in GET_MATRIX)
    }
    gets = {p.removeprefix("/api/v1") for p, ops in schema["paths"].items() if "get" in ops}
    assert (
        gets
        <= templated | {"/plans/{plan_id}", "/reports/{report_id}"} | SCORE_PATHS | BULLETIN_PATHS
    )
    posts = {p.removeprefix("/api/v1") for p, ops in schema["paths"].items() if "post" in ops}
    assert posts == {"/reports", "/reports/{report_id}/submit"}


# --- writes ------------------------------------------------------------------------------------
def _create_body(data: Any, unit: Any, indicator: Any) -> dict[str, Any]:
    return {"indicator": indicator.pk, "unit": unit.pk, "period": "2022Q2", "value": "10"}


WRITE_EXPECT = {
    # Starting town A's report: only town A's reporter; every other role has no business
    # writing reports (404), town B's reporter cannot see town A (404).
    "create_a": {Role.REPORTER: 201},
    # Submitting town A's draft: only town A's reporter.
    "submit_a": {Role.REPORTER: 200},
}


@pytest.mark.parametrize("who", EVERYONE)
def test_create_matrix(data: Any, who: str) -> None:
    before = ProgressReport.objects.count()
    response = data.client(who).post("/reports", _create_body(data, data.town_a, data.indicator_a))
    expected = 401 if who == ANON else WRITE_EXPECT["create_a"].get(who, 404)
    if expected == 201:
        assert response.status_code == 201, response.content
        assert ProgressReport.objects.count() == before + 1
    else:
        assert_error(response, expected, {401: "unauthorized", 404: "not_found"}[expected])
        assert ProgressReport.objects.count() == before


@pytest.mark.parametrize("who", EVERYONE)
def test_submit_matrix(data: Any, who: str) -> None:
    report = data.report_a
    response = data.client(who).post(
        f"/reports/{report.pk}/submit", {"row_version": report.row_version}
    )
    expected = 401 if who == ANON else WRITE_EXPECT["submit_a"].get(who, 404)
    report.refresh_from_db()
    if expected == 200:
        assert response.status_code == 200, response.content
        assert report.status == ProgressReport.Status.SUBMITTED
    else:
        assert_error(response, expected, {401: "unauthorized", 404: "not_found"}[expected])
        assert report.status == ProgressReport.Status.DRAFT


def test_reporter_cannot_write_another_towns_report(data: Any) -> None:
    """Town B's reporter: town A's unit and report are outside their scope → 404."""
    client = data.client("reporter_b")
    body = _create_body(data, data.town_a, data.indicator_a)
    assert_error(client.post("/reports", body), 404, "not_found")
    response = client.post(f"/reports/{data.report_a.pk}/submit", {"row_version": 2})
    assert_error(response, 404, "not_found")
    other = data.client("reporter_other").post(
        f"/reports/{data.report_a.pk}/submit", {"row_version": 2}
    )
    assert_error(other, 404, "not_found")


def test_a_report_seen_but_not_ones_own_is_forbidden(data: Any) -> None:
    """A reporter of town B who also leads town A's portfolio sees town A's report, but the
    service refuses to let them submit it: 403, nothing changed."""
    user = data.users["reporter_b"]
    RoleGrant.objects.create(user=user, role=Role.LEADER, unit=data.county)
    person = PersonFactory(
        unit=data.county, name="钱副县长", position=Person.Position.COUNTY_LEADER
    )
    person.portfolio.set([data.town_a])
    user.person = person
    user.save()
    client = data.client("reporter_b")
    assert client.get(f"/reports/{data.report_a.pk}").status_code == 200
    response = client.post(
        f"/reports/{data.report_a.pk}/submit", {"row_version": data.report_a.row_version}
    )
    error = assert_error(response, 403, "forbidden")
    assert error["message"] == "您无权对本报送执行此操作。"
    data.report_a.refresh_from_db()
    assert data.report_a.status == ProgressReport.Status.DRAFT
