"""Excel/CSV exports of the explanations and the 回头看 re-checks: the unit head gets their own
unit's rows only, every row, formula-like text neutralised."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.org.models import Role
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking.models import Explanation, Review
from tests.exports import export_rows as _rows

pytestmark = pytest.mark.django_db

RISKY = "=HYPERLINK(1)"
HIDDEN = "西山镇内部复查"


def _get(user: Any, name: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse(f"tracking:{name}"), params)


@pytest.fixture
def explained(world: Any) -> Any:
    Indicator.objects.filter(pk=world.indicator_a.pk).update(name=RISKY)
    mine = Explanation.objects.create(
        indicator=world.indicator_a, unit=world.town_a, period="2022Q3", due=date(2022, 10, 22)
    )
    theirs = Explanation.objects.create(
        indicator=world.indicator_b, unit=world.town_b, period="2022Q3", due=date(2022, 10, 22)
    )
    for explanation, findings in ((mine, RISKY), (theirs, HIDDEN)):
        Review.objects.create(
            unit=explanation.unit,
            explanation=explanation,
            reviewed_on=date(2022, 11, 1),
            findings=findings,
            result="resolved",
            reviewer=world.users[Role.OFFICE],
        )
    return world


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_explanation_export_is_the_units_own(explained: Any, fmt: str) -> None:
    rows = _rows(_get(explained.users[Role.UNIT_HEAD], "explanation_list", export=fmt), fmt)
    assert rows[0][:3] == ["Status", "Indicator code", "Indicator"]
    assert [r[1:3] for r in rows[1:]] == [["A01", "'" + RISKY]]
    office = _rows(_get(explained.users[Role.OFFICE], "explanation_list", export=fmt), fmt)
    assert len(office) == 3
    due = office[1][5]
    assert (due.date() if fmt == "xlsx" else due) == (
        date(2022, 10, 22) if fmt == "xlsx" else "2022-10-22"
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_review_export_is_the_units_own(explained: Any, fmt: str) -> None:
    rows = _rows(_get(explained.users[Role.UNIT_HEAD], "review_list", export=fmt), fmt)
    assert rows[0][:2] == ["Re-checked on", "Unit"]
    assert len(rows) == 2 and rows[1][3] == "'" + RISKY
    assert not any(HIDDEN in str(v) for r in rows for v in r)
    office = _rows(_get(explained.users[Role.OFFICE], "review_list", export=fmt), fmt)
    assert len(office) == 3


@pytest.mark.parametrize(
    ("name", "role"), [("explanation_list", Role.AUDITOR), ("review_list", Role.REPORTER)]
)
def test_tracking_exports_are_404_for_others(world: Any, name: str, role: str) -> None:
    assert _get(world.users[role], name, export="xlsx").status_code == 404


def test_explanation_page_offers_the_buttons(explained: Any) -> None:
    html = _get(explained.users[Role.OFFICE], "explanation_list").content.decode()
    assert "export=xlsx" in html and "export=csv" in html


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_unit_dashboard_exports_what_the_unit_reports_on(world: Any, fmt: str) -> None:
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    Indicator.objects.filter(pk=world.indicator_a.pk).update(name=RISKY)
    url = reverse("tracking:dashboard_unit", args=[world.town_a.pk])
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.users[Role.REPORTER])
    html = client.get(url).content.decode()
    assert "export=xlsx" in html
    rows = _rows(client.get(url, {"export": fmt}), fmt)
    assert rows[0][:3] == ["Indicator code", "Indicator", "Role"]
    assert ["A01", "'" + RISKY] in [r[:2] for r in rows[1:]]
    assert "A02" not in [r[0] for r in rows[1:]]
    other = Client()
    other.force_login(world.users["reporter_b"])
    assert other.get(url, {"export": fmt}).status_code == 404
