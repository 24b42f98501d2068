"""Excel/CSV export of the leader-evaluation round list: the office's plans only, escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.appraisal.models import LeaderRatingRound
from kaoping.org.models import Role, Unit
from tests.exports import export_rows as _rows
from tests.factories import PlanFactory, make_unit

pytestmark = pytest.mark.django_db

RISKY = "-2+3"


def _get(user: Any, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse("appraisal:round_list"), params)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_export_is_the_offices_rounds_only(world: Any, fmt: str) -> None:
    LeaderRatingRound.objects.create(plan=world.plan, name=RISKY)
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    LeaderRatingRound.objects.create(plan=PlanFactory(owner=other, code="c02"), name="邻县评价")
    rows = _rows(_get(world.users[Role.OFFICE], export=fmt), fmt)
    assert rows[0][:3] == ["Round", "Plan", "Rating method"]
    assert [r[0] for r in rows[1:]] == ["'" + RISKY]


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR])
def test_round_export_is_404_for_others(world: Any, role: str) -> None:
    assert _get(world.users[role], export="xlsx").status_code == 404


def test_round_list_offers_the_buttons(world: Any) -> None:
    LeaderRatingRound.objects.create(plan=world.plan, name="r")
    html = _get(world.users[Role.OFFICE]).content.decode()
    assert "export=xlsx" in html and "export=csv" in html
