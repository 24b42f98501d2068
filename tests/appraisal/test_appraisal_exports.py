"""Excel and CSV export of a closed leader-evaluation round's results: only once closed, the
office's whole table, formula-like names neutralised in both formats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kaoping.appraisal.models import LeaderRatingResult, LeaderRatingRound
from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, Unit
from tests.appraisal.conftest import Rating, english_client
from tests.exports import export_rows as _rows

pytestmark = pytest.mark.django_db

RISKY = "-1+cmd"


@pytest.fixture
def closed(rating: Rating) -> Rating:
    """The round closed with frozen results (written directly: the scoring of ballots is
    tested elsewhere); town A's name is formula-like."""
    w = rating.world
    Unit.objects.filter(pk=w.town_a.pk).update(name=RISKY)
    LeaderRatingRound.objects.filter(pk=rating.round.pk).update(
        status=LeaderRatingRound.Status.CLOSED
    )
    for unit, score in ((w.town_a, "91.5"), (w.town_b, "88.25"), (w.dept_a, "80")):
        LeaderRatingResult.objects.create(
            round=rating.round, unit=unit, score=Decimal(score), valid_ballots=5
        )
    return rating


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_closed_round_results_export(closed: Rating, fmt: str) -> None:
    url = reverse("appraisal:round_detail", args=[closed.round.pk])
    rows = _rows(english_client(closed.office).get(url, {"export": fmt}), fmt)
    assert rows[0][:4] == ["Rank", "Unit code", "Unit", "Score"]
    assert len(rows) == 4
    assert rows[1][2] == "'" + RISKY
    assert float(rows[1][3]) == 91.5
    if fmt == "xlsx":
        assert isinstance(rows[1][3], (int, float))
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.after["what"] == f"appraisal.results:{closed.round.pk}"
    assert event.after["rows"] == 3


def test_an_open_round_has_no_results_to_export(rating: Rating) -> None:
    url = reverse("appraisal:round_detail", args=[rating.round.pk])
    response = english_client(rating.office).get(url, {"export": "csv"})
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="export").exists()


def test_only_the_office_reaches_the_round_page_and_its_export(closed: Rating) -> None:
    url = reverse("appraisal:round_detail", args=[closed.round.pk])
    for role in (Role.LEADER, Role.REPORTER, Role.INSPECTOR):
        user = closed.world.users[role]
        assert english_client(user).get(url, {"export": "csv"}).status_code == 404


def test_the_closed_round_page_offers_the_export_buttons(closed: Rating) -> None:
    url = reverse("appraisal:round_detail", args=[closed.round.pk])
    html = english_client(closed.office).get(url).content.decode()
    assert "export=xlsx" in html and "export=csv" in html
