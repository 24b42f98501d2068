"""Bulletin pages: the permission matrix, generate → progress → edit → issue → download,
and the schedules page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from docx import Document as open_docx

from kaoping.bulletins import services
from kaoping.bulletins.models import Bulletin, BulletinSchedule
from kaoping.org.models import Role

pytestmark = pytest.mark.django_db

READERS = (Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD)
OTHERS = (Role.REPORTER, Role.INTERVIEWER, Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def client_for(county: Any, role: str) -> Client:
    client = county.client_for(role)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def draft(county: Any, django_capture_on_commit_callbacks: Any) -> Bulletin:
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = services.bulletin_generate(
            plan=county.plan, period="2022Q3", actor=county.users[Role.OFFICE]
        )
    bulletin.refresh_from_db()
    return bulletin


@pytest.fixture
def issued(county: Any, draft: Bulletin) -> Bulletin:
    return services.bulletin_issue(bulletin=draft, actor=county.users[Role.OFFICE])


def test_issued_bulletin_permission_matrix(county: Any, issued: Bulletin) -> None:
    """List, detail and download of an issued bulletin, for every role (one issue: the
    rendering is the slow part)."""
    for role in READERS + OTHERS:
        client = client_for(county, role)
        listing = client.get("/bulletins/")
        detail = client.get(f"/bulletins/{issued.pk}/")
        download = client.get(f"/bulletins/{issued.pk}/download/docx/")
        if role in READERS:
            assert listing.status_code == 200, role
            assert issued.title in listing.content.decode()
            assert (b'data-form="generate"' in listing.content) == (role == Role.OFFICE)
            assert detail.status_code == 200 and "一、总体情况" in detail.content.decode()
            assert download.status_code == 200
            assert download.content == services.archived_file(issued, "docx")
            assert "attachment" in download["Content-Disposition"]
            assert b'data-action="issue"' not in detail.content
        else:
            assert (listing.status_code, detail.status_code, download.status_code) == (
                404,
                404,
                404,
            ), role


@pytest.mark.parametrize("role", READERS)
def test_drafts_are_the_office_s(county: Any, draft: Bulletin, role: str) -> None:
    client = client_for(county, role)
    detail = client.get(f"/bulletins/{draft.pk}/")
    edit = client.get(f"/bulletins/{draft.pk}/edit/")
    download = client.get(f"/bulletins/{draft.pk}/download/xlsx/")
    expected = 200 if role == Role.OFFICE else 404
    assert (detail.status_code, edit.status_code, download.status_code) == (expected,) * 3
    if role == Role.OFFICE:
        assert b'data-action="issue"' in detail.content
        assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_generate_then_progress_polling(
    county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(county, Role.OFFICE)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/bulletins/generate/", {"plan": county.plan.pk, "period": "2022Q3"})
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bulletins/{bulletin.pk}/"
    page = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    part = client.get(f"/bulletins/{bulletin.pk}/?part=progress", headers={"HX-Request": "true"})
    assert part.status_code == 200 and b"progress-bar" in part.content
    assert b"<html" not in part.content
    services.bulletin_build(bulletin_id=bulletin.pk)
    done = client.get(f"/bulletins/{bulletin.pk}/?part=progress", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_generate_refuses_bad_input(county: Any) -> None:
    client = client_for(county, Role.OFFICE)
    response = client.post(
        "/bulletins/generate/", {"plan": county.plan.pk, "period": "2021Q3"}, follow=True
    )
    assert "not in the 2022 cycle" in response.content.decode()
    assert not Bulletin.objects.exists()
    leader = client_for(county, Role.LEADER)
    assert (
        leader.post(
            "/bulletins/generate/", {"plan": county.plan.pk, "period": "2022Q3"}
        ).status_code
        == 404
    )


def test_edit_page_saves_and_detects_conflicts(county: Any, draft: Bulletin) -> None:
    client = client_for(county, Role.OFFICE)
    form = client.get(f"/bulletins/{draft.pk}/edit/").content.decode()
    assert 'name="section_requirements"' in form
    data = {
        "version": draft.row_version,
        "title": draft.title,
        "document_number": "示绩办〔2022〕12号",
        "issuing_body": draft.issuing_body,
        **{f"section_{s['key']}": s["text"] for s in draft.sections},
        "section_requirements": "（一）抓紧落实。",
    }
    response = client.post(f"/bulletins/{draft.pk}/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.sections[-1]["text"] == "（一）抓紧落实。"
    stale = client.post(f"/bulletins/{draft.pk}/edit/", {**data, "section_requirements": "旧"})
    assert stale.status_code == 200 and "Someone else changed" in stale.content.decode()
    draft.refresh_from_db()
    assert draft.sections[-1]["text"] == "（一）抓紧落实。"


def test_issue_needs_confirmation(county: Any, draft: Bulletin) -> None:
    client = client_for(county, Role.OFFICE)
    client.post(f"/bulletins/{draft.pk}/issue/", {"version": draft.row_version})
    draft.refresh_from_db()
    assert draft.status == Bulletin.Status.DRAFT
    client.post(f"/bulletins/{draft.pk}/issue/", {"version": draft.row_version, "confirm": "yes"})
    draft.refresh_from_db()
    assert draft.status == Bulletin.Status.ISSUED
    word = open_docx(io.BytesIO(client.get(f"/bulletins/{draft.pk}/download/docx/").content))
    assert any(p.text == draft.title for p in word.paragraphs)
    assert client.get(f"/bulletins/{draft.pk}/edit/").status_code == 404
    refused = client.post(f"/bulletins/{draft.pk}/delete/", follow=True)
    assert "cannot be changed" in refused.content.decode()
    assert Bulletin.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("role", READERS + OTHERS)
def test_schedules_page_is_the_office_s(county: Any, role: str) -> None:
    response = client_for(county, role).get("/bulletins/schedules/")
    assert response.status_code == (200 if role == Role.OFFICE else 404)


def test_schedules_page_adds_pauses_and_deletes(county: Any) -> None:
    client = client_for(county, Role.OFFICE)
    response = client.post(
        "/bulletins/schedules/",
        {"plan": county.plan.pk, "period_kind": "monthly", "day_of_month": 5, "active": "on"},
    )
    assert response.status_code == 302
    schedule = BulletinSchedule.objects.get()
    assert (schedule.day_of_month, schedule.active) == (5, True)
    client.post(f"/bulletins/schedules/{schedule.pk}/toggle/")
    schedule.refresh_from_db()
    assert schedule.active is False
    page = client.get("/bulletins/schedules/").content.decode()
    assert f'data-schedule="{schedule.pk}"' in page
    client.post(f"/bulletins/schedules/{schedule.pk}/delete/")
    assert not BulletinSchedule.objects.exists()
