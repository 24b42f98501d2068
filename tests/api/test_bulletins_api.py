"""GET /bulletins and /bulletins/{id}: issued bulletins only, in scope, as on the pages
(office, leaders, inspectors and unit heads read them; reporters and the roles without
business in the API get 404; anonymous callers 401)."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.bulletins.models import Bulletin
from kaoping.org.models import Role
from tests.api.conftest import ANON, ROLES, ApiWorld, assert_error

pytestmark = pytest.mark.django_db

READERS = (Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD)
SECTIONS = [
    {
        "key": "overview",
        "heading": "一、总体情况",
        "text": "截至2022年第三季度末……",
        "tables": [{"title": "指标进度分布", "columns": ["状态", "任务数"], "rows": [["正常", 1]]}],
    }
]


def bulletin(plan: Any, period: str, status: str) -> Bulletin:
    return Bulletin.objects.create(
        plan=plan,
        period=period,
        title=f"关于{period}绩效考评指标进度情况的通报",
        issuing_body="示范县绩效考评办公室",
        document_number="示绩办〔2022〕12号",
        status=status,
        sections=SECTIONS,
        file_hashes={"pdf": "0" * 64},
    )


@pytest.fixture
def bulletins(api: ApiWorld) -> dict[str, Bulletin]:
    return {
        "q3": bulletin(api.plan, "2022Q3", Bulletin.Status.ISSUED),
        "q2": bulletin(api.plan, "2022Q2", Bulletin.Status.ISSUED),
        "draft": bulletin(api.plan, "2022-10", Bulletin.Status.DRAFT),
        "other": bulletin(api.other.plan, "2022Q3", Bulletin.Status.ISSUED),
    }


@pytest.mark.parametrize("who", (*ROLES, ANON))
def test_list_permission_matrix(api: ApiWorld, bulletins: dict[str, Bulletin], who: str) -> None:
    response = api.client(who).get("/bulletins")
    if who == ANON:
        assert_error(response, 401, "unauthorized")
    elif who in READERS:
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2  # issued ones of the county; no draft, no other county
        assert {b["id"] for b in body["items"]} == {bulletins["q3"].pk, bulletins["q2"].pk}
    else:
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("who", (*ROLES, ANON))
def test_detail_permission_matrix(api: ApiWorld, bulletins: dict[str, Bulletin], who: str) -> None:
    client = api.client(who)
    response = client.get(f"/bulletins/{bulletins['q3'].pk}")
    if who == ANON:
        assert_error(response, 401, "unauthorized")
        return
    if who in READERS:
        assert response.status_code == 200
        body = response.json()
        assert body["sections"] == SECTIONS
        assert (
            body["plan_code"] == "county-2022" and body["document_number"] == "示绩办〔2022〕12号"
        )
    else:
        assert_error(response, 404, "not_found")
    # A draft and another county's bulletin are out of reach for everyone here.
    assert_error(client.get(f"/bulletins/{bulletins['draft'].pk}"), 404, "not_found")
    assert_error(client.get(f"/bulletins/{bulletins['other'].pk}"), 404, "not_found")


def test_filters_and_pagination(api: ApiWorld, bulletins: dict[str, Bulletin]) -> None:
    office = api.client(Role.OFFICE)
    by_period = office.get("/bulletins", {"period": "2022Q2"}).json()
    assert [b["id"] for b in by_period["items"]] == [bulletins["q2"].pk]
    assert office.get("/bulletins", {"plan": api.other.plan.pk}).json()["count"] == 0
    page = office.get("/bulletins", {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert_error(office.get("/bulletins", {"period": "2022Q9"}), 422, "validation_error")
    assert_error(office.get("/bulletins", {"page_size": 1000}), 422, "validation_error")


def test_session_auth_reads_the_same(api: ApiWorld, bulletins: dict[str, Bulletin]) -> None:
    response = api.session(Role.LEADER).get(f"/bulletins/{bulletins['q2'].pk}")
    assert response.status_code == 200 and response.json()["period"] == "2022Q2"


# The bulletin paths of the schema (tests/api/test_permissions.py adds them to its coverage).
BULLETIN_PATHS = frozenset({"/bulletins", "/bulletins/{bulletin_id}"})


def test_matrix_covers_every_bulletin_path(api: ApiWorld) -> None:
    """Every bulletin path of the schema is checked above (list and detail matrices)."""
    schema = api.client(Role.OFFICE).get("/openapi.json").json()
    paths = {p.removeprefix("/api/v1"): set(ops) for p, ops in schema["paths"].items()}
    assert {p for p in paths if "bulletin" in p} == BULLETIN_PATHS
    assert all(paths[p] == {"get"} for p in BULLETIN_PATHS)
