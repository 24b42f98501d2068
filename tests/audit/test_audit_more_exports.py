"""Excel/CSV exports of the audit trail pages: auditor only, the page's filters kept, every
row, formula-like text neutralised."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.audit.services import audit_event
from kaoping.org.models import Role
from tests.exports import export_rows as _rows

pytestmark = pytest.mark.django_db

RISKY = "=1+2"


def _get(user: Any, name: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse(name), params)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_event_export_keeps_the_filter_and_neutralises_formulas(world: Any, fmt: str) -> None:
    office = world.users[Role.OFFICE]
    audit_event(actor=office, action="zz.risky", object_type="t", object_repr=RISKY)
    audit_event(actor=office, action="zz.other", object_type="t", object_repr="other")
    response = _get(world.users[Role.AUDITOR], "audit:event_list", action="zz.risky", export=fmt)
    assert response.status_code == 200
    rows = _rows(response, fmt)
    assert rows[0][:4] == ["#", "Time", "Actor", "Action"]
    assert len(rows) == 2
    assert rows[1][3] == "zz.risky"
    assert rows[1][5] == "'" + RISKY
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.after["what"] == "audit.events" and event.after["rows"] == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_change_export_lists_every_change(world: Any, fmt: str) -> None:
    from auditlog.models import LogEntry

    response = _get(world.users[Role.AUDITOR], "audit:change_list", export=fmt)
    assert response.status_code == 200
    rows = _rows(response, fmt)
    assert rows[0][0] == "Time"
    assert len(rows) == 1 + LogEntry.objects.count()


@pytest.mark.parametrize("name", ["audit:event_list", "audit:change_list"])
@pytest.mark.parametrize("role", [Role.OFFICE, Role.SECURITY_ADMIN])
def test_audit_exports_are_404_for_others(world: Any, name: str, role: str) -> None:
    assert _get(world.users[role], name, export="csv").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_audit_pages_offer_the_buttons(world: Any) -> None:
    audit_event(actor=world.users[Role.OFFICE], action="zz.x", object_type="t")
    html = _get(world.users[Role.AUDITOR], "audit:event_list").content.decode()
    assert "export=xlsx" in html and "export=csv" in html
