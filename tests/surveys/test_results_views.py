"""The results page, closing from the page and the workbook; who may see them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaoping.org.models import Role
from kaoping.surveys.models import SurveyProject, SurveyResult
from kaoping.surveys.services.results import compute_results
from tests.surveys.test_results import rate_town_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(world: Any, project: SurveyProject) -> SurveyProject:
    return rate_town_a(world, project)


def _client(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["results", "results_export"])
@pytest.mark.parametrize(
    "role",
    [
        Role.REPORTER,
        Role.UNIT_HEAD,
        Role.LEADER,
        Role.INSPECTOR,
        Role.INTERVIEWER,
        Role.AUDITOR,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
    ],
)
def test_only_the_office_sees_results(
    rated: SurveyProject, world: Any, name: str, role: str
) -> None:
    url = reverse(f"surveys:{name}", args=[rated.pk])
    assert _client(world.users[role]).get(url).status_code == 404
    assert _client(world.users[Role.OFFICE]).get(url).status_code == 200


@pytest.mark.parametrize("role", [Role.LEADER, Role.INTERVIEWER, Role.UNIT_HEAD])
def test_only_the_office_closes(rated: SurveyProject, world: Any, role: str) -> None:
    url = reverse("surveys:project_close", args=[rated.pk])
    assert _client(world.users[role]).post(url, {"confirm": "yes"}).status_code == 404
    rated.refresh_from_db()
    assert rated.status == SurveyProject.Status.FIELDWORK


def test_page_shows_provisional_results(rated: SurveyProject, world: Any) -> None:
    page = _client(world.users[Role.OFFICE]).get(reverse("surveys:results", args=[rated.pk]))
    html = page.content.decode()
    assert 'data-badge="provisional"' in html and 'data-action="close"' in html
    town_a = next(r for r in compute_results(project=rated) if r.unit_code == "T01")
    assert town_a.index is not None
    assert f"{town_a.index:.2f}" in html and "66.7%" in html
    assert 'id="results-chart"' in html and "echarts.min.js" in html
    assert 'data-breakdown="T01"' in html and "Method" in html
    # ranked by index: the rated town first
    assert html.index('data-unit="T01"') < html.index('data-unit="D01"')


def test_empty_state_without_completes(project: SurveyProject, world: Any) -> None:
    html = (
        _client(world.users[Role.OFFICE])
        .get(reverse("surveys:results", args=[project.pk]))
        .content.decode()
    )
    assert "No completed interviews yet" in html and "results-chart" not in html


def test_close_needs_the_confirmation_then_freezes(rated: SurveyProject, world: Any) -> None:
    client = _client(world.users[Role.OFFICE])
    url = reverse("surveys:project_close", args=[rated.pk])
    page = client.post(url, follow=True)
    assert "Tick the confirmation" in page.content.decode()
    assert not SurveyResult.objects.filter(project=rated).exists()

    page = client.post(url, {"confirm": "yes"}, follow=True)
    html = page.content.decode()
    assert "the results of 4 units are frozen" in html
    assert 'data-badge="frozen"' in html and 'data-action="close"' not in html
    assert SurveyResult.objects.filter(project=rated).count() == 4

    again = client.post(url, {"confirm": "yes"}, follow=True)
    assert "already closed" in again.content.decode()


def test_export_reopens_with_the_same_numbers(rated: SurveyProject, world: Any) -> None:
    response = _client(world.users[Role.OFFICE]).get(
        reverse("surveys:results_export", args=[rated.pk])
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "T-ZH 示范县2022年度综合评议"
    header = rows[2]
    assert header[0] == "Unit code" and header[2] == "Satisfaction index"
    body = {row[0]: row for row in rows[3:]}
    assert set(body) == {"T01", "T02", "D01", "D02"}
    town_a = next(r for r in compute_results(project=rated) if r.unit_code == "T01")
    assert town_a.index is not None and town_a.index_ci_low is not None
    row = body["T01"]
    assert row[1] == "东城镇"
    assert isinstance(row[2], float) and row[2] == round(town_a.index, 2)
    assert row[3] == round(town_a.index_ci_low, 2)
    assert row[5] == round(6 / 9, 4) and row[8] == 5
    assert body["D02"][2] is None and body["D02"][8] == 0


def test_results_page_query_budget(
    rated: SurveyProject, world: Any, django_assert_max_num_queries: Any
) -> None:
    client = _client(world.users[Role.OFFICE])
    url = reverse("surveys:results", args=[rated.pk])
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_results_export_is_audited(rated: SurveyProject, world: Any) -> None:
    from kaoping.audit.models import AuditEvent

    _client(world.users[Role.OFFICE]).get(reverse("surveys:results_export", args=[rated.pk]))
    event = AuditEvent.objects.get(action="export")
    assert event.after["what"] == f"surveys.results:{rated.pk}" and event.after["rows"] == 4
