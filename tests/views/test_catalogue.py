"""Indicator catalogue and indicator detail: tree, filters, contact visibility, query budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kaoping.org.models import Person, Role
from kaoping.plans.models import IndicatorTarget
from tests.factories import AssignmentFactory, IndicatorFactory, PersonFactory

CATALOGUE = reverse("plans:catalogue")


def rows(response) -> list[str]:
    return [row.indicator.code for row in response.context["catalogue"].rows]


def test_catalogue_shows_the_tree_in_order(world) -> None:
    sub = IndicatorFactory(
        plan=world.plan, parent=world.indicator_a, code="A0101", name="其中：税务部门征收"
    )
    response = world.client_for(Role.OFFICE).get(CATALOGUE)
    assert response.status_code == 200
    assert rows(response) == ["A", "A01", "A0101", "A02"]
    depths = {r.indicator.code: r.depth for r in response.context["catalogue"].rows}
    assert depths == {"A": 0, "A01": 1, "A0101": 2, "A02": 1}
    assert sub.name in response.content.decode()


def publish(world) -> None:
    """Readers other than the office see published plans only."""
    type(world.plan).objects.filter(pk=world.plan.pk).update(status="published")


def test_reporter_does_not_see_a_draft_plan(world) -> None:
    response = world.client_for(Role.REPORTER).get(CATALOGUE)
    assert "税收收入" not in response.content.decode()
    publish(world)
    response = world.client_for(Role.REPORTER).get(CATALOGUE)
    assert "税收收入" in response.content.decode()


def test_reporter_sees_whole_catalogue_but_phones_of_own_unit_only(world) -> None:
    publish(world)
    head_a = world.assignment_a.responsible_leader
    head_a.phone = "13800000001"
    head_a.save()
    head_b = PersonFactory(
        unit=world.town_b, name="钱镇长", position=Person.Position.HEAD, phone="13800000002"
    )
    world.assignment_b.responsible_leader = head_b
    world.assignment_b.save()

    page = world.client_for(Role.REPORTER).get(CATALOGUE).content.decode()
    assert "税收收入" in page and "外贸进出口总额" in page  # the whole catalogue
    assert "钱镇长" in page  # who answers is not secret
    assert "13800000001" in page  # own unit's phone
    assert "13800000002" not in page  # another town's phone is not shown

    page_b = world.client_for("reporter_b").get(CATALOGUE).content.decode()
    assert "13800000002" in page_b and "13800000001" not in page_b
    office_page = world.client_for(Role.OFFICE).get(CATALOGUE).content.decode()
    assert "13800000001" in office_page and "13800000002" in office_page


@pytest.mark.parametrize(
    ("params", "matched"),
    [
        ({"q": "外贸"}, {"A02"}),
        ({"q": "a01"}, {"A01"}),
        ({"category": "social"}, set()),
        ({"source": "province"}, set()),
        ({"source": "county"}, {"A", "A01", "A02"}),
    ],
)
def test_catalogue_filters(world, params, matched) -> None:
    response = world.client_for(Role.OFFICE).get(CATALOGUE, params)
    catalogue = response.context["catalogue"]
    assert {r.indicator.code for r in catalogue.rows if r.matched} == matched
    # A matched indicator keeps its parents as context rows.
    shown = set(rows(response))
    if matched - {"A"}:
        assert "A" in shown


def test_catalogue_filter_by_lead_unit(world) -> None:
    response = world.client_for(Role.OFFICE).get(CATALOGUE, {"unit": world.town_b.pk})
    matched = {r.indicator.code for r in response.context["catalogue"].rows if r.matched}
    assert matched == {"A02"}
    assert {u.pk for u in response.context["catalogue"].lead_units} == {
        world.town_a.pk,
        world.town_b.pk,
    }


def test_catalogue_ignores_nonsense_filters(world) -> None:
    response = world.client_for(Role.OFFICE).get(
        CATALOGUE, {"category": "nope", "source": "x", "unit": "abc", "plan": "9999"}
    )
    assert response.status_code == 200
    assert len(rows(response)) == 3


def test_catalogue_plan_selector_keeps_scope(world, other) -> None:
    response = world.client_for(Role.OFFICE).get(CATALOGUE, {"plan": other.plan.pk})
    assert response.context["plan"] == world.plan  # another county's plan is not offered
    assert other.plan.name not in response.content.decode()


def test_catalogue_empty_state(db) -> None:
    from tests.factories import make_unit, user_with_role

    county = make_unit("C50", "空县", "county")
    user = user_with_role(Role.OFFICE, county)
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert response.context["plan"] is None


def _grow(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        indicator = IndicatorFactory(
            plan=world.plan, parent=world.category, code=f"G{i:03d}", name=f"增长指标{i}"
        )
        AssignmentFactory(
            indicator=indicator,
            lead_unit=world.town_a if i % 2 else world.dept_a,
            responsible_person=world.assignment_a.responsible_person,
        )


@pytest.mark.parametrize("role", [Role.OFFICE, Role.REPORTER])
def test_catalogue_query_budget_does_not_grow_with_indicators(
    world, role, django_assert_max_num_queries
) -> None:
    publish(world)
    client = world.client_for(role)
    client.get(CATALOGUE)  # warm the session
    _grow(world, 5)
    with django_assert_max_num_queries(14) as small:
        client.get(CATALOGUE)
    budget = len(small.captured_queries)  # read now: each request resets the query log
    assert budget > 3
    _grow(world, 60, start=5)
    with django_assert_max_num_queries(budget):
        response = client.get(CATALOGUE)
    assert len(response.context["catalogue"].rows) == 68


# --- indicator detail ------------------------------------------------------------------------
def test_indicator_detail_shows_rule_in_words_owners_and_targets(world) -> None:
    indicator = world.indicator_a
    indicator.scoring_params = {"cap": 1.2}
    indicator.save()
    world.assignment_a.supporting_units.add(world.dept_a)
    world.assignment_a.is_key_project = True
    world.assignment_a.work_team = "税收专班"
    world.assignment_a.save()
    IndicatorTarget.objects.create(indicator=indicator, unit=world.town_a, target=Decimal("120"))
    IndicatorTarget.objects.create(indicator=indicator, unit=world.town_b, target=Decimal("80"))

    response = world.client_for(Role.REPORTER).get(
        reverse("plans:indicator_detail", kwargs={"pk": indicator.pk})
    )
    page = response.content.decode()
    assert "120%" in page  # the cap, in words
    assert "60%" in page  # the default floor
    assert "税收专班" in page and "县发展和改革局" in page[page.index("税收专班") - 2000 :]
    targets = list(response.context["unit_targets"])
    assert [t.unit for t in targets] == [world.town_a]  # town B's target is out of scope
    assert [a.lead_unit for a in (o.assignment for o in response.context["owners"])] == [
        world.town_a
    ]
    assert response.context["ancestors"] == [world.category]


def test_indicator_detail_children(world) -> None:
    response = world.client_for(Role.LEADER).get(
        reverse("plans:indicator_detail", kwargs={"pk": world.category.pk})
    )
    assert list(response.context["children"]) == [world.indicator_a, world.indicator_b]
