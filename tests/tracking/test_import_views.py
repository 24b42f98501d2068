"""Pages of bulk progress entry: who may download and upload, and what the pages show."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.plans.models import Plan
from kaoping.tracking import progress_xlsx as px
from kaoping.tracking.models import ProgressReport

TEMPLATE = "/tracking/imports/T01/2022Q3/template/"
UPLOAD = "/tracking/imports/T01/2022Q3/"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def published(world: Any) -> Any:
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save(update_fields=["status"])
    return world


def client_for(world: Any, role: str) -> Client:
    """A signed-in client reading the pages in English (the msgids asserted below)."""
    client = world.client_for(role)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def filled_template(client: Client, *, value: Any = 42) -> bytes:
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[px.SHEET_ENTRY]
    row = px.HEADER_ROW + 1
    assert ws[f"A{row}"].value == "A01"
    ws[f"E{row}"] = value
    ws[f"G{row}"] = "进展顺利"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Client, data: bytes, url: str = UPLOAD) -> Any:
    return client.post(url, {"file": SimpleUploadedFile("进度.xlsx", data)})


def test_anonymous_is_sent_to_login(world: Any) -> None:
    for url in ("/tracking/imports/", UPLOAD, TEMPLATE):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["reporter_b", Role.LEADER, Role.INSPECTOR, Role.AUDITOR])
def test_others_get_404_for_town_a(published: Any, role: str) -> None:
    client = client_for(published, role)
    assert client.get(TEMPLATE).status_code == 404
    assert client.get(UPLOAD).status_code == 404
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("x.xlsx", b"PK")})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="progress.").exists()


def test_unknown_unit_and_bad_period_are_404(published: Any) -> None:
    client = client_for(published, Role.OFFICE)
    assert client.get("/tracking/imports/NOPE/2022Q3/").status_code == 404
    assert client.get("/tracking/imports/T01/2022Q9/").status_code == 404
    assert client.get(TEMPLATE + "?plan=nope").status_code == 404


@pytest.mark.parametrize("role", [Role.REPORTER, Role.UNIT_HEAD, Role.OFFICE])
def test_own_unit_and_office_may_download(published: Any, role: str) -> None:
    response = client_for(published, role).get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "T01_2022Q3" in response["Content-Disposition"]


def test_start_page_redirects_to_the_upload_page(published: Any) -> None:
    client = client_for(published, Role.REPORTER)
    page = client.get("/tracking/imports/")
    assert page.status_code == 200
    assert "东城镇" in page.content.decode() and "西山镇" not in page.content.decode()
    response = client.get("/tracking/imports/", {"unit": "T01", "period": "2022q3"})
    assert response.status_code == 302 and response["Location"] == UPLOAD
    other = client.get("/tracking/imports/", {"unit": "T02", "period": "2022Q3"})
    assert other.status_code == 200  # not a choice: the form says so


def test_upload_page_offers_the_template(published: Any) -> None:
    page = client_for(published, Role.REPORTER).get(UPLOAD)
    assert page.status_code == 200
    assert TEMPLATE + "?plan=county-2022" in page.content.decode()


def test_successful_upload_shows_a_summary(published: Any) -> None:
    client = client_for(published, Role.REPORTER)
    data = filled_template(client)
    response = upload(client, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-result"' in html and "draft reports" in html
    report = ProgressReport.objects.get()
    assert (report.value, report.status) == (42, ProgressReport.Status.DRAFT)
    again = upload(client, data).content.decode()
    assert "already imported" in again
    assert ProgressReport.objects.count() == 1


def test_failed_upload_lists_every_problem_and_changes_nothing(published: Any) -> None:
    client = client_for(published, Role.REPORTER)
    data = filled_template(client, value="很多")
    response = upload(client, data)
    html = response.content.decode()
    assert 'id="import-problems"' in html
    assert "<td>进度填报</td>" in html.replace('<td class="text-nowrap">', "<td>")
    assert "本期累计完成值 (E)" in html and "“很多” is not a number" in html
    assert ProgressReport.objects.count() == 0
    assert not AuditEvent.objects.filter(action="progress.import").exists()


def test_upload_of_another_units_file_is_refused(published: Any) -> None:
    office = client_for(published, Role.OFFICE)
    data = filled_template(office)
    html = upload(office, data, "/tracking/imports/T02/2022Q3/").content.decode()
    assert "for the unit T01, not for" in html
    assert ProgressReport.objects.count() == 0
