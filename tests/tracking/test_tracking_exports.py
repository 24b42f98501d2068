"""Excel and CSV exports of the tracking tables: the page's own rows (an out-of-scope row never
appears), formula-like text neutralised in both formats, audited."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.tracking.models import Alert, ProgressReport, Task

pytestmark = pytest.mark.django_db

RISKY = '=HYPERLINK("http://evil.example","点我")'
HIDDEN = "西山镇保密任务"


def _client(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def _xlsx_cells(response: Any) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _csv_cells(response: Any) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _flat(rows: list[list[Any]]) -> list[str]:
    return [str(v) for row in rows for v in row if v is not None]


@pytest.fixture
def tasks(world: Any) -> Any:
    Task.objects.create(
        assignment=world.assignment_a, unit=world.town_a, name=RISKY, deadline=date(2022, 12, 1)
    )
    Task.objects.create(
        assignment=world.assignment_b, unit=world.town_b, name=HIDDEN, deadline=date(2022, 12, 1)
    )
    return world


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_task_export_keeps_the_users_scope_and_neutralises_formulas(tasks: Any, fmt: str) -> None:
    response = _client(tasks.users[Role.REPORTER]).get(
        reverse("tracking:task_list"), {"export": fmt}
    )
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    rows = _xlsx_cells(response) if fmt == "xlsx" else _csv_cells(response)
    cells = _flat(rows)
    assert "'" + RISKY in cells
    assert RISKY not in cells
    assert not any(HIDDEN in c for c in cells)
    assert len(rows) == 2  # the header and town A's one task
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.after["what"] == "tracking.tasks" and event.after["rows"] == 1


def test_the_office_exports_every_task_with_dates_as_dates(tasks: Any) -> None:
    response = _client(tasks.users[Role.OFFICE]).get(
        reverse("tracking:task_list"), {"export": "xlsx"}
    )
    rows = _xlsx_cells(response)
    assert len(rows) == 3
    deadline_col = rows[0].index("Deadline")
    assert rows[1][deadline_col].date() == date(2022, 12, 1)
    assert any(HIDDEN in c for c in _flat(rows))


def test_the_task_page_offers_the_export_buttons(tasks: Any) -> None:
    html = _client(tasks.users[Role.OFFICE]).get(reverse("tracking:task_list")).content.decode()
    assert "export=xlsx" in html and "export=csv" in html
    assert "Export Excel" in html


def test_an_export_outside_the_pages_roles_is_404(tasks: Any) -> None:
    response = _client(tasks.users[Role.AUDITOR]).get(
        reverse("tracking:task_list"), {"export": "csv"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def _report(unit: Any, indicator: Any, narrative: str) -> ProgressReport:
    return ProgressReport.objects.create(
        indicator=indicator,
        unit=unit,
        period="2022Q3",
        status=ProgressReport.Status.SUBMITTED,
        value=Decimal("12.5"),
        narrative=narrative,
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_review_queue_export_is_the_heads_queue_only(world: Any, fmt: str) -> None:
    _report(world.town_a, world.indicator_a, "a")
    _report(world.town_b, world.indicator_b, "b")
    response = _client(world.users[Role.UNIT_HEAD]).get(
        reverse("tracking:review_queue"), {"export": fmt}
    )
    rows = _xlsx_cells(response) if fmt == "xlsx" else _csv_cells(response)
    cells = _flat(rows)
    assert world.town_a.name in cells
    assert world.town_b.name not in cells
    value_col = rows[0].index("Value")
    assert float(rows[1][value_col]) == 12.5
    if fmt == "xlsx":
        assert isinstance(rows[1][value_col], (int, float))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_alert_export_respects_scope_and_escapes_messages(world: Any, fmt: str) -> None:
    Alert.objects.create(
        kind=Alert.Kind.LATE_REPORT, unit=world.town_a, message="+cmd|' /C calc'!A0", dedupe_key="a"
    )
    Alert.objects.create(
        kind=Alert.Kind.LATE_REPORT, unit=world.town_b, message=HIDDEN, dedupe_key="b"
    )
    response = _client(world.users[Role.UNIT_HEAD]).get(
        reverse("tracking:alert_list"), {"export": fmt}
    )
    rows = _xlsx_cells(response) if fmt == "xlsx" else _csv_cells(response)
    cells = _flat(rows)
    assert "'+cmd|' /C calc'!A0" in cells
    assert not any(HIDDEN in c for c in cells)


def test_items_export_answers_even_without_figures(world: Any) -> None:
    response = _client(world.users[Role.OFFICE]).get(
        reverse("tracking:dashboard_items"), {"export": "csv"}
    )
    assert response.status_code == 200
    assert _csv_cells(response)[0][0] == "Indicator code"
