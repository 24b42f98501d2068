"""Excel/CSV exports of the indicator catalogue and the office's plan list: the user's plans
only, every row, names without phone numbers, formula-like text neutralised."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.org.models import Person, Role, Unit
from kaoping.plans.models import Indicator, Plan
from tests.exports import export_rows as _rows
from tests.factories import IndicatorFactory, PlanFactory, make_unit

pytestmark = pytest.mark.django_db

RISKY = "+cmd|' /C calc'!A0"


def _get(user: Any, name: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse(f"plans:{name}"), params)


@pytest.fixture
def other_plan(world: Any) -> Any:
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    Indicator.objects.filter(pk=world.indicator_b.pk).update(name=RISKY)
    Person.objects.filter(name="赵干事").update(phone="13800000000")
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    plan = PlanFactory(owner=other, code="c02", name="邻县方案")
    IndicatorFactory(plan=plan, code="Z", name="邻县指标")
    return plan


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("role", [Role.OFFICE, Role.REPORTER])
def test_catalogue_export_is_the_plan_in_scope(
    world: Any, other_plan: Any, fmt: str, role: str
) -> None:
    response = _get(world.users[role], "catalogue", plan=str(other_plan.pk), export=fmt)
    rows = _rows(response, fmt)
    assert rows[0][:2] == ["Code", "Indicator"]
    assert [r[0] for r in rows[1:]] == ["A", "A01", "A02"]
    names = [r[1] for r in rows[1:]]
    assert "'" + RISKY in names and "邻县指标" not in names
    flat = " ".join(str(v) for r in rows for v in r)
    assert "赵干事" in flat and "13800000000" not in flat


def test_catalogue_export_keeps_the_filters(world: Any) -> None:
    rows = _rows(_get(world.users[Role.OFFICE], "catalogue", q="税收", export="csv"), "csv")
    matched = [r[0] for r in rows[1:] if r[-1] == "Yes"]
    assert matched == ["A01"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_plan_list_export_is_the_offices_plans(world: Any, other_plan: Any, fmt: str) -> None:
    rows = _rows(_get(world.users[Role.OFFICE], "plan_list", export=fmt), fmt)
    assert rows[0][:3] == ["Cycle", "Code", "Plan"]
    assert [r[1] for r in rows[1:]] == [world.plan.code]


@pytest.mark.parametrize(
    ("name", "role"), [("catalogue", Role.AUDITOR), ("plan_list", Role.LEADER)]
)
def test_plan_exports_are_404_for_others(world: Any, name: str, role: str) -> None:
    assert _get(world.users[role], name, export="xlsx").status_code == 404


def test_plan_pages_offer_the_buttons(world: Any) -> None:
    for name in ("catalogue", "plan_list"):
        html = _get(world.users[Role.OFFICE], name).content.decode()
        assert "export=xlsx" in html and "export=csv" in html
