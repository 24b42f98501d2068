"""Excel and CSV exports of the ranking and of the points lost: the page's scope (a unit's
people get their own row, drafts only the office), formulas neutralised, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, Unit
from kaoping.scoring import services
from kaoping.scoring.models import ScoreRun
from tests.exports import export_rows as _rows

pytestmark = pytest.mark.django_db

RISKY = "=1+2"


def _client(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def published(scored: Any) -> ScoreRun:
    Unit.objects.filter(pk=scored.town_a.pk).update(name=RISKY)
    office = scored.users[Role.OFFICE]
    return services.score_run_publish(
        actor=office, run=services.score_run_start(actor=office, plan=scored.plan)
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_reporter_exports_only_their_units_row(
    scored: Any, published: ScoreRun, fmt: str
) -> None:
    url = reverse("scoring:run_detail", args=[published.pk])
    rows = _rows(_client(scored.users["reporter_b"]).get(url, {"export": fmt}), fmt)
    assert len(rows) == 2
    cells = [str(v) for v in rows[1]]
    assert scored.town_b.name in cells
    assert not any(RISKY in c for r in rows for c in map(str, r))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_office_export_neutralises_a_formula_like_unit_name(
    scored: Any, published: ScoreRun, fmt: str
) -> None:
    url = reverse("scoring:run_detail", args=[published.pk])
    rows = _rows(_client(scored.users[Role.OFFICE]).get(url, {"export": fmt}), fmt)
    unit_col = rows[0].index("Unit")
    names = [r[unit_col] for r in rows[1:]]
    assert "'" + RISKY in names
    assert RISKY not in names
    score_col = rows[0].index("Composite score")
    town_a = next(r for r in rows[1:] if r[unit_col] == "'" + RISKY)
    if fmt == "xlsx":
        assert isinstance(town_a[score_col], (int, float))
    assert float(town_a[score_col]) > 0
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.after["what"] == f"scoring.ranking:{published.pk}"
    assert event.after["rows"] == len(rows) - 1


def test_a_draft_run_cannot_be_exported_but_by_the_office(scored: Any) -> None:
    draft = services.score_run_start(actor=scored.users[Role.OFFICE], plan=scored.plan)
    url = reverse("scoring:run_detail", args=[draft.pk])
    assert _client(scored.users[Role.REPORTER]).get(url, {"export": "csv"}).status_code == 404
    assert _client(scored.users[Role.OFFICE]).get(url, {"export": "csv"}).status_code == 200


def test_the_ranking_page_offers_the_export_buttons(scored: Any, published: ScoreRun) -> None:
    url = reverse("scoring:run_detail", args=[published.pk])
    html = _client(scored.users[Role.OFFICE]).get(url).content.decode()
    assert "export=xlsx" in html and "export=csv" in html


def test_points_lost_export_without_provincial_results_has_the_header(scored: Any) -> None:
    response = _client(scored.users[Role.OFFICE]).get(
        reverse("scoring:accountability"), {"export": "csv"}
    )
    rows = _rows(response, "csv")
    assert rows[0][:3] == ["Indicator code", "Indicator", "Lead unit"]
    assert len(rows) == 1
