"""Scores in the API: the permission matrix of every score endpoint for every role, the data
scope (a unit's people see only their unit, drafts and what-ifs only the office), and the
figures matching the stored run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kaoping.org.models import Role
from kaoping.scoring import services
from kaoping.scoring.models import ScoreRun, UnitResult
from tests.api.conftest import ANON, ROLES, assert_error
from tests.scoring.conftest import scored  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

EVERYONE = (*ROLES, ANON)
READERS = {Role.OFFICE: 200, Role.REPORTER: 200, Role.UNIT_HEAD: 200, Role.LEADER: 200}
READERS |= {Role.INSPECTOR: 200, "reporter_b": 200}
OFFICE = {Role.OFFICE: 200}
# Town A's result: its own reporter and head, the leader of its portfolio, inspector, office.
TOWN_A = {
    Role.OFFICE: 200,
    Role.REPORTER: 200,
    Role.UNIT_HEAD: 200,
    Role.LEADER: 200,
    Role.INSPECTOR: 200,
}


@dataclass
class Runs:
    published: ScoreRun
    draft: ScoreRun
    what_if: ScoreRun


@pytest.fixture
def runs(api: Any, scored: Any) -> Runs:  # noqa: F811
    office = api.users[Role.OFFICE]
    published = services.score_run_publish(
        actor=office, run=services.score_run_start(actor=office, plan=api.plan)
    )
    draft = services.score_run_start(actor=office, plan=api.plan, label="草稿")
    what_if = services.what_if_run(
        actor=office, plan=api.plan, based_on=published, overrides={"label": "假设"}
    )
    return Runs(published, draft, what_if)


MATRIX = (
    ("runs", lambda r, a: "/score-runs", READERS),
    ("published run", lambda r, a: f"/score-runs/{r.published.pk}", READERS),
    ("draft run", lambda r, a: f"/score-runs/{r.draft.pk}", OFFICE),
    ("what-if run", lambda r, a: f"/score-runs/{r.what_if.pk}", OFFICE),
    ("missing run", lambda r, a: "/score-runs/999999", {}),
    ("published results", lambda r, a: f"/score-runs/{r.published.pk}/results", READERS),
    ("draft results", lambda r, a: f"/score-runs/{r.draft.pk}/results", OFFICE),
    (
        "town A scorecard",
        lambda r, a: f"/units/{a.town_a.code}/scorecard?run={r.published.pk}",
        TOWN_A,
    ),
    (
        "town A scorecard, newest run",
        lambda r, a: f"/units/{a.town_a.code}/scorecard",
        TOWN_A,
    ),
    (
        "town A scorecard in a draft",
        lambda r, a: f"/units/{a.town_a.code}/scorecard?run={r.draft.pk}",
        OFFICE,
    ),
    (
        "other county's town scorecard",
        lambda r, a: f"/units/{a.other.town.code}/scorecard?run={r.published.pk}",
        {},
    ),
)


@pytest.mark.parametrize(
    ("label", "path", "expect", "who"),
    [
        pytest.param(label, path, expect, who, id=f"{label}-{who}")
        for label, path, expect in MATRIX
        for who in EVERYONE
    ],
)
def test_matrix(api: Any, runs: Runs, label: str, path: Any, expect: dict, who: str) -> None:
    response = api.client(who).get(path(runs, api))
    expected = 401 if who == ANON else expect.get(who, 404)
    if expected == 200:
        assert response.status_code == 200, response.content
    else:
        assert_error(response, expected, {401: "unauthorized", 404: "not_found"}[expected])


def test_run_list_hides_drafts_and_what_ifs_from_all_but_the_office(api: Any, runs: Runs) -> None:
    office = api.client(Role.OFFICE).get("/score-runs").json()
    assert {r["id"] for r in office["items"]} == {
        runs.published.pk,
        runs.draft.pk,
        runs.what_if.pk,
    }
    for who in (Role.REPORTER, Role.LEADER, Role.INSPECTOR, "reporter_b"):
        body = api.client(who).get("/score-runs").json()
        assert [r["id"] for r in body["items"]] == [runs.published.pk], who
        assert body["items"][0]["is_current"] is True


def test_run_list_filters(api: Any, runs: Runs) -> None:
    client = api.client(Role.OFFICE)
    assert client.get("/score-runs", {"cycle": 2022}).json()["count"] == 3
    assert client.get("/score-runs", {"cycle": 2021}).json()["count"] == 0
    assert client.get("/score-runs", {"plan": api.plan.pk}).json()["count"] == 3
    assert client.get("/score-runs", {"plan": 999999}).json()["count"] == 0
    current = client.get("/score-runs", {"current": "true"}).json()["items"]
    assert [r["id"] for r in current] == [runs.published.pk]
    what_ifs = client.get("/score-runs", {"kind": "what_if"}).json()["items"]
    assert [r["id"] for r in what_ifs] == [runs.what_if.pk]
    assert_error(client.get("/score-runs", {"kind": "other"}), 422, "validation_error")


def test_results_are_narrowed_to_the_callers_units(api: Any, runs: Runs) -> None:
    path = f"/score-runs/{runs.published.pk}/results"
    everyone = api.client(Role.OFFICE).get(path).json()
    codes = {r["unit_code"] for r in everyone["items"]}
    assert {api.town_a.code, api.town_b.code} <= codes
    mine = api.client(Role.REPORTER).get(path).json()
    assert [r["unit_code"] for r in mine["items"]] == [api.town_a.code]
    assert mine["count"] == 1
    theirs = api.client("reporter_b").get(path).json()
    assert [r["unit_code"] for r in theirs["items"]] == [api.town_b.code]


def test_results_carry_the_stored_figures(api: Any, runs: Runs) -> None:
    stored = UnitResult.objects.get(run=runs.published, unit=api.town_a)
    body = api.client(Role.OFFICE).get(f"/score-runs/{runs.published.pk}/results").json()
    row = next(r for r in body["items"] if r["unit_code"] == api.town_a.code)
    assert row["unit_name"] == api.town_a.name
    assert row["group"] == "乡镇组"
    assert row["rank"] == stored.rank == 1
    assert row["score"] == round(float(stored.composite), 2)
    assert row["grade"] == (stored.grade or None)
    assert row["vetoed"] is False
    assert set(row["components"]) == {
        "indicators",
        "public_appraisal",
        "leader_evaluation",
        "bonus",
        "penalty",
        "deductions",
    }


def test_scorecard_lines_explain_the_score(api: Any, runs: Runs) -> None:
    client = api.client(Role.REPORTER)
    body = client.get(f"/units/{api.town_a.code}/scorecard", {"run": runs.published.pk}).json()
    assert body["run"]["id"] == runs.published.pk
    assert body["result"]["unit_code"] == api.town_a.code
    by_code = {line["indicator_code"]: line for line in body["lines"]}
    assert api.indicator_a.code in by_code
    line = by_code[api.indicator_a.code]
    assert line["score"] is not None
    assert line["arithmetic"]  # the computation, e.g. "actual 100 ÷ target 100 …"
    # Town A's people cannot read town B's card.
    other = client.get(f"/units/{api.town_b.code}/scorecard", {"run": runs.published.pk})
    assert_error(other, 404, "not_found")


def test_scorecard_default_run_is_the_one_in_force(api: Any, runs: Runs) -> None:
    body = api.client(Role.OFFICE).get(f"/units/{api.town_a.code}/scorecard").json()
    assert body["run"]["id"] == runs.published.pk


# The score paths, whose matrix is above (test_permissions.py's coverage check counts them).
SCORE_PATHS = frozenset(
    {
        "/score-runs",
        "/score-runs/{run_id}",
        "/score-runs/{run_id}/results",
        "/units/{code}/scorecard",
    }
)


def _template(part: str, runs: Runs, api: Any) -> str:
    if part in {api.town_a.code, api.other.town.code}:
        return "{code}"
    if part.isdigit():
        return "{run_id}"
    return part


def test_matrix_covers_every_score_path(api: Any, runs: Runs) -> None:
    """Every score path of the schema is in SCORE_PATHS and has a row in MATRIX."""
    schema = api.client(Role.OFFICE).get("/openapi.json").json()
    paths = {p.removeprefix("/api/v1") for p in schema["paths"]}
    assert {p for p in paths if "score" in p} == SCORE_PATHS
    templated = {
        "/".join(_template(part, runs, api) for part in path(runs, api).split("?")[0].split("/"))
        for _label, path, _expect in MATRIX
    }
    assert templated == SCORE_PATHS
