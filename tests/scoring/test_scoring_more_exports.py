"""Excel/CSV exports of the score runs, one indicator's scorecard, a comparison of two runs,
vetoes and bonus/penalty items: the page's scope, every row, formula-like text neutralised."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan
from kaoping.scoring import services
from kaoping.scoring.models import ScoreRun
from tests.exports import export_rows as _rows

pytestmark = pytest.mark.django_db

RISKY = "=1+2"


def _get(user: Any, url: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(url, params)


@pytest.fixture
def two_runs(scored: Any) -> tuple[ScoreRun, ScoreRun]:
    Unit.objects.filter(pk=scored.town_a.pk).update(name=RISKY)
    office = scored.users[Role.OFFICE]
    first = services.score_run_publish(
        actor=office, run=services.score_run_start(actor=office, plan=scored.plan)
    )
    draft = services.score_run_start(actor=office, plan=scored.plan)
    ScoreRun.objects.filter(pk=draft.pk).update(label=RISKY)
    return first, draft


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_runs_export_shows_drafts_to_the_office_only(scored: Any, two_runs: Any, fmt: str) -> None:
    url = reverse("scoring:runs")
    office = _rows(_get(scored.users[Role.OFFICE], url, export=fmt), fmt)
    assert office[0][:2] == ["#", "Run"]
    assert len(office) == 3
    assert "'" + RISKY in [r[1] for r in office]
    reporter = _rows(_get(scored.users["reporter_b"], url, export=fmt), fmt)
    assert [str(r[0]) for r in reporter[1:]] == [str(two_runs[0].pk)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_indicator_scorecard_export_is_scoped(scored: Any, two_runs: Any, fmt: str) -> None:
    url = reverse("scoring:indicator_scorecard", args=[two_runs[0].pk, scored.indicator_a.pk])
    office = _rows(_get(scored.users[Role.OFFICE], url, export=fmt), fmt)
    assert office[0][:3] == ["Unit code", "Unit", "Score"]
    assert sorted(r[0] for r in office[1:]) == ["T01", "T02"]
    assert "'" + RISKY in [r[1] for r in office]
    reporter = _rows(_get(scored.users["reporter_b"], url, export=fmt), fmt)
    assert [r[0] for r in reporter[1:]] == ["T02"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_compare_export_is_scoped(scored: Any, two_runs: Any, fmt: str) -> None:
    first, draft = two_runs
    url = reverse("scoring:compare")
    office = _rows(
        _get(scored.users[Role.OFFICE], url, a=str(first.pk), b=str(draft.pk), export=fmt), fmt
    )
    assert office[0][:3] == ["Unit", "Score A", "Score B"]
    assert "'" + RISKY in [r[0] for r in office]
    again = services.score_run_publish(
        actor=scored.users[Role.OFFICE],
        run=services.score_run_start(actor=scored.users[Role.OFFICE], plan=scored.plan),
        reason="更正",
    )
    reporter = _rows(
        _get(scored.users["reporter_b"], url, a=str(first.pk), b=str(again.pk), export=fmt), fmt
    )
    assert [r[0] for r in reporter[1:]] == [scored.town_b.name]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_veto_and_adjustment_exports(scored: Any, fmt: str) -> None:
    office = scored.users[Role.OFFICE]
    Plan.objects.filter(pk=scored.plan.pk).update(
        veto_rules=[{"code": "safety", "name": "重大安全生产责任事故", "cap_grade": "较差"}]
    )
    scored.plan.refresh_from_db()
    services.veto_propose(
        actor=office, plan=scored.plan, unit=scored.town_a, condition="safety", reason=RISKY
    )
    services.adjustment_record(
        actor=office,
        plan=scored.plan,
        unit=scored.town_b,
        kind="bonus",
        points=D("2.5"),
        reason=RISKY,
    )
    vetoes = _rows(_get(office, reverse("scoring:vetoes"), export=fmt), fmt)
    assert vetoes[0][:2] == ["Unit", "Condition"]
    assert len(vetoes) == 2 and vetoes[1][1] == "重大安全生产责任事故"
    assert vetoes[1][2] == "'" + RISKY
    items = _rows(_get(office, reverse("scoring:adjustments"), export=fmt), fmt)
    assert len(items) == 2 and items[1][3] == "'" + RISKY
    assert float(items[1][2]) == 2.5


@pytest.mark.parametrize("name", ["scoring:vetoes", "scoring:adjustments"])
def test_office_only_exports_are_404_for_others(scored: Any, name: str) -> None:
    assert _get(scored.users[Role.UNIT_HEAD], reverse(name), export="xlsx").status_code == 404


def test_runs_page_offers_the_buttons(scored: Any, two_runs: Any) -> None:
    html = _get(scored.users[Role.OFFICE], reverse("scoring:runs")).content.decode()
    assert "export=xlsx" in html and "export=csv" in html
