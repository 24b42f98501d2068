"""Excel/CSV export of the bulletin list: the reader's plans only, every row, escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.bulletins.models import Bulletin
from kaoping.org.models import Role, Unit
from tests.exports import export_rows as _rows
from tests.factories import PlanFactory, make_unit

pytestmark = pytest.mark.django_db

RISKY = "@cmd"


def _get(user: Any, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse("bulletins:list"), params)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_bulletin_export_is_the_users_plans_only(world: Any, fmt: str) -> None:
    Bulletin.objects.create(plan=world.plan, period="2022Q3", title=RISKY)
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    Bulletin.objects.create(
        plan=PlanFactory(owner=other, code="c02"), period="2022Q3", title="邻县通报"
    )
    rows = _rows(_get(world.users[Role.OFFICE], export=fmt), fmt)
    assert rows[0][:3] == ["Title", "Plan", "Period"]
    assert [r[0] for r in rows[1:]] == ["'" + RISKY]


@pytest.mark.parametrize("role", [Role.REPORTER, Role.AUDITOR])
def test_bulletin_export_is_404_for_others(world: Any, role: str) -> None:
    assert _get(world.users[role], export="csv").status_code == 404


def test_bulletin_list_offers_the_buttons(world: Any) -> None:
    Bulletin.objects.create(plan=world.plan, period="2022Q3", title="t")
    html = _get(world.users[Role.OFFICE]).content.decode()
    assert "export=xlsx" in html and "export=csv" in html
