"""Excel/CSV exports of the inspection round list, the appeals and 谁丢分谁负责: the page's
scope (town A's people never get town B's rows), every row, formula-like text neutralised."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.inspections import services
from kaoping.inspections.models import InspectionRound
from kaoping.org.models import Role, Unit
from tests.exports import export_rows as _rows
from tests.factories import PlanFactory, make_unit
from tests.inspections.conftest import CONFIRMED

pytestmark = pytest.mark.django_db

RISKY = "=SUM(1+1)"
HIDDEN = "西山镇内部问题"


def _get(user: Any, name: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse(f"inspections:{name}"), params)


def _cells(rows: list[list[Any]]) -> list[str]:
    return [str(v) for row in rows for v in row if v is not None]


@pytest.fixture
def appealed(insp: Any) -> Any:
    w = insp.world
    mine = insp.confirmed(finding=insp.finding(title=RISKY))
    insp.confirmed(finding=insp.finding(title=HIDDEN, unit=w.town_b, indicator=w.indicator_b))
    services.appeal_file(
        actor=w.users[Role.UNIT_HEAD],
        deduction=mine,
        reasons="台账已补齐",
        today=CONFIRMED + timedelta(days=1),
    )
    return insp


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_export_lists_every_round_in_scope(insp: Any, fmt: str) -> None:
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    InspectionRound.objects.create(
        plan=PlanFactory(owner=other, code="c02"),
        code="c02",
        name="邻县察访",
        level=InspectionRound.Level.COUNTY,
        period_start=date(2022, 1, 1),
        period_end=date(2022, 3, 31),
    )
    InspectionRound.objects.filter(pk=insp.county_round.pk).update(name=RISKY)
    rows = _rows(_get(insp.office, "round_list", export=fmt), fmt)
    assert rows[0][:2] == ["Round", "Code"]
    names = [r[0] for r in rows[1:]]
    assert sorted(names) == sorted(["'" + RISKY, "2022年度省察访核验"])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_appeal_export_is_the_units_own(appealed: Any, fmt: str) -> None:
    w = appealed.world
    rows = _rows(_get(w.users[Role.UNIT_HEAD], "appeal_list", export=fmt), fmt)
    assert rows[0][:3] == ["Finding", "Round", "Unit"]
    assert len(rows) == 2 and rows[1][0] == "'" + RISKY
    other = _rows(_get(w.users["reporter_b"], "appeal_list", export=fmt), fmt)
    assert len(other) == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_accountability_export_is_scoped_and_safe(appealed: Any, fmt: str) -> None:
    w = appealed.world
    rows = _rows(_get(w.users[Role.UNIT_HEAD], "accountability", export=fmt), fmt)
    assert rows[0][:2] == ["Responsible unit", "Responsible leader"]
    cells = _cells(rows)
    assert any(c.startswith("'" + RISKY) for c in cells)
    assert not any(HIDDEN in c for c in cells)
    office = _cells(_rows(_get(appealed.office, "accountability", export=fmt), fmt))
    assert any(HIDDEN in c for c in office)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("round_list", Role.AUDITOR),
        ("appeal_list", Role.AUDITOR),
        ("accountability", Role.REPORTER),
    ],
)
def test_inspection_exports_are_404_for_others(insp: Any, name: str, role: str) -> None:
    assert _get(insp.world.users[role], name, export="xlsx").status_code == 404


def test_round_list_offers_the_buttons(insp: Any) -> None:
    html = _get(insp.office, "round_list").content.decode()
    assert "export=xlsx" in html and "export=csv" in html
