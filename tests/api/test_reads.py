"""The read endpoints' content: me, cycles, plans (and drafts only for the office), the
indicator tree flat with parent ids, assignments, units by kind, own notifications, and
page-number pagination with a maximum page size."""

from __future__ import annotations

from typing import Any

from kaoping.org.models import Role
from kaoping.plans.models import Plan
from kaoping.tracking.models import Notification
from tests.api.conftest import assert_error
from tests.factories import CycleFactory, IndicatorFactory, PlanFactory


def test_me_lists_roles_and_units_in_scope(api: Any) -> None:
    body = api.client(Role.LEADER).get("/me").json()
    assert body["roles"] == [Role.LEADER]
    assert {u["code"] for u in body["units"]} == {"T01", "D01"}
    office = api.client(Role.OFFICE).get("/me").json()
    assert {u["code"] for u in office["units"]} == {"C01", "T01", "T02", "D01", "D02"}
    town = next(u for u in office["units"] if u["code"] == "T01")
    assert town["parent_id"] == api.county.pk and town["kind"] == "town"


def test_cycles_and_plans(api: Any) -> None:
    PlanFactory(owner=api.county, code="draft-2023", cycle=CycleFactory(year=2023))
    office = api.client(Role.OFFICE)
    assert [c["year"] for c in office.get("/cycles").json()["items"]] == [2023, 2022]
    codes = {p["code"] for p in office.get("/plans").json()["items"]}
    assert codes == {"county-2022", "draft-2023"}
    assert [p["code"] for p in office.get("/plans", {"cycle": 2023}).json()["items"]] == [
        "draft-2023"
    ]
    reporter_codes = {p["code"] for p in api.client(Role.REPORTER).get("/plans").json()["items"]}
    assert reporter_codes == {"county-2022"}  # drafts are the office's
    draft = Plan.objects.get(code="draft-2023")
    assert_error(api.client(Role.REPORTER).get(f"/plans/{draft.pk}"), 404, "not_found")
    plan = office.get(f"/plans/{api.plan.pk}").json()
    assert plan["cycle_year"] == 2022 and plan["owner_code"] == "C01"
    assert plan["weight_indicators"] == "0.6000"


def test_indicator_tree_is_flat_with_parent_ids(api: Any) -> None:
    sub = IndicatorFactory(plan=api.plan, parent=api.indicator_a, code="A01-1", name="子指标")
    rows = api.client(Role.REPORTER).get(f"/plans/{api.plan.pk}/indicators").json()["items"]
    by_code = {r["code"]: r for r in rows}
    assert set(by_code) == {"A", "A01", "A02", "A01-1"}
    assert by_code["A"]["parent_id"] is None
    assert by_code["A01"]["parent_id"] == api.category.pk
    assert by_code["A01-1"]["parent_id"] == api.indicator_a.pk == by_code["A01"]["id"]
    assert by_code["A01-1"]["id"] == sub.pk and by_code["A01-1"]["level"] == 3
    for attribute in (
        "target",
        "baseline",
        "points",
        "scoring_rule",
        "scoring_params",
        "frequency",
        "direction",
        "accumulation",
        "group_codes",
    ):
        assert attribute in by_code["A01"]
    # Parents come before their children.
    order = [r["code"] for r in rows]
    assert order.index("A") < order.index("A01") < order.index("A01-1")


def test_assignments(api: Any) -> None:
    api.assignment_a.supporting_units.set([api.dept_a])
    rows = api.client(Role.REPORTER).get(f"/plans/{api.plan.pk}/assignments").json()["items"]
    a = next(r for r in rows if r["indicator_code"] == "A01")
    assert a["lead_unit_code"] == "T01" and a["supporting_unit_ids"] == [api.dept_a.pk]
    assert a["responsible_person"]["name"] == "赵干事"
    assert "phone" not in a["responsible_person"]


def test_units_by_kind(api: Any) -> None:
    office = api.client(Role.OFFICE)
    towns = office.get("/units", {"kind": "town"}).json()
    assert {u["code"] for u in towns["items"]} == {"T01", "T02"}
    assert_error(office.get("/units", {"kind": "planet"}), 422, "validation_error")


def test_notifications_are_ones_own(api: Any) -> None:
    Notification.objects.create(user=api.users[Role.REPORTER], title="报送提醒")
    Notification.objects.create(user=api.users["reporter_b"], title="别人的提醒")
    rows = api.client(Role.REPORTER).get("/notifications").json()["items"]
    assert [r["title"] for r in rows] == ["报送提醒"]
    unread = api.client(Role.REPORTER).get("/notifications", {"unread": "true"}).json()
    assert unread["count"] == 1


def test_pagination(api: Any) -> None:
    for n in range(7):
        IndicatorFactory(plan=api.plan, parent=api.category, code=f"B{n:02d}")
    client = api.client(Role.OFFICE)
    path = f"/plans/{api.plan.pk}/indicators"
    first = client.get(path, {"page_size": 4}).json()
    second = client.get(path, {"page_size": 4, "page": 2}).json()
    third = client.get(path, {"page_size": 4, "page": 3}).json()
    assert first["count"] == second["count"] == 10
    assert len(first["items"]) == 4 and len(second["items"]) == 4 and len(third["items"]) == 2
    codes = [r["code"] for r in first["items"] + second["items"] + third["items"]]
    assert len(set(codes)) == 10
    assert client.get(path, {"page": 99}).json()["items"] == []
    assert len(client.get(path).json()["items"]) == 10  # default page size 50
    assert_error(client.get(path, {"page_size": 201}), 422, "validation_error")
    assert_error(client.get(path, {"page": 0}), 422, "validation_error")
    assert_error(client.get(path, {"page": 10**12}), 422, "validation_error")


def test_lists_cost_a_fixed_number_of_queries(api: Any, django_assert_max_num_queries: Any) -> None:
    """Query budgets: a page costs the same however many rows it holds."""
    from tests.api.conftest import draft

    for n in range(10):
        IndicatorFactory(plan=api.plan, parent=api.category, code=f"C{n:02d}")
    draft(api)
    draft(api, unit="b")
    client = api.client(Role.OFFICE)
    client.get("/me")  # the token's last use is written once a minute
    # token + scope (3) + count + page + prefetches
    with django_assert_max_num_queries(9):
        assert client.get(f"/plans/{api.plan.pk}/indicators").json()["count"] == 13
    with django_assert_max_num_queries(9):
        assert client.get(f"/plans/{api.plan.pk}/assignments").json()["count"] == 2
    with django_assert_max_num_queries(8):
        assert client.get("/reports").json()["count"] == 2
    with django_assert_max_num_queries(7):
        assert client.get("/units").json()["count"] == 5
