"""Excel and CSV exports of findings, deductions and rectifications: the page's scope (town B's
reporter never gets town A's rows), formula-like text neutralised in both formats."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.inspections import services
from tests.exports import export_rows as _rows

pytestmark = pytest.mark.django_db

RISKY = "@SUM(1+1)*cmd|' /C calc'!A0"
HIDDEN = "东城镇内部问题"


def _client(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def _cells(rows: list[list[Any]]) -> list[str]:
    return [str(v) for row in rows for v in row if v is not None]


@pytest.fixture
def found(insp: Any) -> Any:
    w = insp.world
    insp.town_a_finding = insp.finding(title=HIDDEN)
    insp.town_b_finding = insp.finding(title=RISKY, unit=w.town_b, indicator=w.indicator_b)
    # Confirmed: a unit's people see their unit's deductions once confirmed.
    insp.confirmed(finding=insp.town_a_finding, reason=HIDDEN)
    insp.confirmed(finding=insp.town_b_finding, reason=RISKY)
    return insp


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_findings_export_is_scoped_and_safe(found: Any, fmt: str) -> None:
    url = reverse("inspections:round_detail", args=[found.county_round.pk])
    rows = _rows(_client(found.world.users["reporter_b"]).get(url, {"export": fmt}), fmt)
    cells = _cells(rows)
    assert "'" + RISKY in cells and RISKY not in cells
    assert not any(HIDDEN in c for c in cells)
    office = _rows(_client(found.office).get(url, {"export": fmt}), fmt)
    assert any(HIDDEN in c for c in _cells(office))
    assert len(office) == 3


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_deductions_export_is_scoped_and_safe(found: Any, fmt: str) -> None:
    url = reverse("inspections:round_detail", args=[found.county_round.pk])
    query = {"export": fmt, "table": "deductions"}
    rows = _rows(_client(found.world.users["reporter_b"]).get(url, query), fmt)
    assert rows[0][0] == "Finding"
    cells = _cells(rows)
    assert "'" + RISKY in cells
    assert not any(HIDDEN in c for c in cells)
    points_col = rows[0].index("Points")
    assert float(rows[1][points_col]) == 1.0
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.after["what"] == f"inspections.deductions:{found.county_round.pk}"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_rectifications_export_is_scoped(found: Any, fmt: str) -> None:
    w = found.world
    for finding, plan_text in ((found.town_a_finding, HIDDEN), (found.town_b_finding, RISKY)):
        services.rectification_open(
            actor=found.inspector,
            finding=finding,
            plan_text=plan_text,
            deadline=date(2022, 12, 31),
            today=date(2022, 10, 1),
        )
    rows = _rows(
        _client(w.users["reporter_b"]).get(
            reverse("inspections:rectification_list"), {"export": fmt}
        ),
        fmt,
    )
    cells = _cells(rows)
    assert "'" + RISKY in cells
    assert not any(HIDDEN in c for c in cells)
    assert len(rows) == 2


def test_the_round_page_offers_both_exports(found: Any) -> None:
    url = reverse("inspections:round_detail", args=[found.county_round.pk])
    html = _client(found.office).get(url).content.decode()
    assert "export=xlsx" in html and "table=deductions" in html
