"""The public progress page (/public/): no sign-in, only what the office marked, the latest
approved figures, public photos served only while marked — and nothing personal, internal or
unmarked, checked by crawling every public page for planted names, phones and titles."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Person, Role
from kaoping.plans.models import Plan
from kaoping.tracking.models import Evidence, Milestone, ProgressReport, Task
from kaoping.tracking.services import public as services

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
PUBLIC_TITLE = "老旧小区改造工程"
UNMARKED_TITLE = "未公开的内部整治任务"
PHONE = "13800138000"
SECRET_NOTE = "内部意见：进度需再核"
DRAFT_VALUE = "987.65"
OTHER_NARRATIVE = "王镇长亲自督办"


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def public(world: Any, settings: Any, tmp_path: Any) -> Any:
    """A public task with milestones, figures, a public photo, a private photo and a PDF; an
    unmarked task; a person with a phone number behind both."""
    settings.MEDIA_ROOT = tmp_path
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    staff = Person.objects.get(name="赵干事")
    Person.objects.filter(pk=staff.pk).update(phone=PHONE)
    task = Task.objects.create(
        assignment=world.assignment_a,
        unit=world.town_a,
        name=PUBLIC_TITLE,
        description=f"联系人赵干事 {PHONE}",
        deadline=date(2099, 12, 31),
        owner=staff,
        status=Task.Status.IN_PROGRESS,
    )
    done = Milestone.objects.create(
        task=task,
        name="完成设计",
        order=1,
        due=date(2022, 3, 31),
        done_on=date(2022, 3, 30),
        note=SECRET_NOTE,
    )
    Milestone.objects.create(task=task, name="开工建设", order=2, due=date(2099, 6, 30))
    hidden = Task.objects.create(
        assignment=world.assignment_b,
        unit=world.town_b,
        name=UNMARKED_TITLE,
        deadline=date(2099, 12, 31),
    )
    hidden_milestone = Milestone.objects.create(task=hidden, name="内部节点", due=date(2099, 1, 1))
    world.task, world.hidden, world.milestone = task, hidden, done
    world.photo = _evidence(world, done, "现场照片.png", "image/png", PNG)
    world.private_photo = _evidence(world, done, "未选照片.png", "image/png", PNG + b"x")
    world.pdf = _evidence(world, done, "验收报告.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")
    world.hidden_photo = _evidence(world, hidden_milestone, "内部.png", "image/png", PNG + b"y")
    office = world.users[Role.OFFICE]
    services.task_set_public(actor=office, task=task, is_public=True, summary="改造12个小区。")
    services.evidence_set_public(actor=office, evidence=world.photo, is_public=True)
    # Marked public in the database, but the task is not public: still never shown.
    Evidence.objects.filter(pk=world.hidden_photo.pk).update(is_public=True)
    _report(world, "2022Q1", "30", ProgressReport.Status.APPROVED)
    _report(world, "2022Q2", "50", ProgressReport.Status.APPROVED)
    _report(world, "2022Q3", DRAFT_VALUE, ProgressReport.Status.SUBMITTED)
    return world


def _evidence(world: Any, milestone: Milestone, name: str, kind: str, data: bytes) -> Evidence:
    return Evidence.objects.create(
        milestone=milestone,
        unit=milestone.task.unit,
        file=ContentFile(data, name=name.replace(".", "-x.")),
        original_name=name,
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        description=f"赵干事拍摄 {PHONE}",
        uploaded_by=world.users[Role.REPORTER],
    )


def _report(world: Any, period: str, value: str, status: str) -> None:
    ProgressReport.objects.create(
        indicator=world.indicator_a,
        unit=world.town_a,
        period=period,
        status=status,
        value=Decimal(value),
        narrative=f"{OTHER_NARRATIVE}，联系电话{PHONE}",
    )


def _anonymous() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _crawl(client: Client) -> dict[str, str]:
    """Every page reachable from /public/ inside /public/ (HTML only), by URL."""
    seen: dict[str, str] = {}
    queue = [reverse("public:index")]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        if not response["Content-Type"].startswith("text/html"):
            seen[url] = ""
            continue
        html = response.content.decode()
        seen[url] = html
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            if link.startswith("/public/"):
                queue.append(link)
    return seen


def test_the_public_page_needs_no_sign_in_and_shows_the_marked_task(public: Any) -> None:
    response = _anonymous().get(reverse("public:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert PUBLIC_TITLE in html
    assert "改造12个小区。" in html
    assert '<meta name="viewport"' in html


def test_a_crawl_never_finds_anything_personal_internal_or_unmarked(public: Any) -> None:
    pages = _crawl(_anonymous())
    assert reverse("public:task_detail", args=[public.task.pk]) in pages
    assert reverse("public:photo", args=[public.photo.pk]) in pages
    html = "\n".join(pages.values())
    for secret in (
        UNMARKED_TITLE,
        "内部节点",
        PHONE,
        "赵干事",
        "王镇长",
        "李副县长",
        SECRET_NOTE,
        OTHER_NARRATIVE,
        DRAFT_VALUE,
        "未选照片",
        "验收报告",
        "/media/",
        "/tracking/",
        "reporter_a",
    ):
        assert secret not in html, secret
    # Only the marked photo is linked.
    photos = {u for u in pages if u.startswith("/public/photos/")}
    assert photos == {reverse("public:photo", args=[public.photo.pk])}


def test_the_detail_shows_milestones_and_the_latest_approved_figure(public: Any) -> None:
    html = _anonymous().get(reverse("public:task_detail", args=[public.task.pk])).content.decode()
    assert "完成设计" in html and "开工建设" in html
    assert ">50<" in html.replace(" ", "") or ">50 <" in html  # 2022Q2, approved
    assert DRAFT_VALUE not in html and "987" not in html
    assert "2022" in html and "bound method" not in html  # the period's label
    assert "Done" in html and "Not started" in html


def test_photos_are_served_only_while_marked_and_the_task_is_public(public: Any) -> None:
    client = _anonymous()
    response = client.get(reverse("public:photo", args=[public.photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    for evidence in (public.private_photo, public.pdf, public.hidden_photo):
        assert client.get(reverse("public:photo", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("public:photo", args=[999999])).status_code == 404
    services.task_set_public(actor=public.users[Role.OFFICE], task=public.task, is_public=False)
    assert client.get(reverse("public:photo", args=[public.photo.pk])).status_code == 404


def test_an_unmarked_or_cancelled_task_is_404(public: Any) -> None:
    client = _anonymous()
    assert client.get(reverse("public:task_detail", args=[public.hidden.pk])).status_code == 404
    Task.objects.filter(pk=public.task.pk).update(status=Task.Status.CANCELLED)
    assert client.get(reverse("public:task_detail", args=[public.task.pk])).status_code == 404
    assert PUBLIC_TITLE not in client.get(reverse("public:index")).content.decode()


def test_a_draft_plans_tasks_stay_off_the_page(public: Any) -> None:
    Plan.objects.filter(pk=public.plan.pk).update(status=Plan.Status.DRAFT)
    html = _anonymous().get(reverse("public:index")).content.decode()
    assert PUBLIC_TITLE not in html
    assert "Nothing has been published yet." in html


def test_the_page_writes_nothing(public: Any) -> None:
    assert _anonymous().post(reverse("public:index")).status_code == 405


# --- marking: the office only ---------------------------------------------------------------
@pytest.mark.parametrize(
    "role",
    [Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR, Role.AUDITOR, Role.SYSTEM_ADMIN],
)
def test_only_the_office_marks_tasks_public(public: Any, role: str) -> None:
    user = public.users[role]
    with pytest.raises(PermissionDeniedError):
        services.task_set_public(actor=user, task=public.hidden, is_public=True)
    client = Client()
    client.force_login(user)
    url = reverse("tracking:task_public", args=[public.hidden.pk])
    assert client.post(url, {"is_public": "on"}).status_code == 404
    photo_url = reverse("tracking:evidence_public", args=[public.private_photo.pk])
    assert client.post(photo_url, {"is_public": "1"}).status_code == 404
    public.hidden.refresh_from_db()
    public.private_photo.refresh_from_db()
    assert not public.hidden.is_public and not public.private_photo.is_public


def test_the_office_marks_through_the_task_page_and_it_is_audited(public: Any) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(public.users[Role.OFFICE])
    page = client.get(reverse("tracking:task_detail", args=[public.hidden.pk])).content.decode()
    assert reverse("tracking:task_public", args=[public.hidden.pk]) in page
    response = client.post(
        reverse("tracking:task_public", args=[public.hidden.pk]),
        {"is_public": "on", "public_summary": "整治完成后公开。"},
    )
    assert response.status_code == 302
    public.hidden.refresh_from_db()
    assert public.hidden.is_public and public.hidden.public_summary == "整治完成后公开。"
    event = AuditEvent.objects.filter(action="task.public").latest("pk")
    assert event.object_id == str(public.hidden.pk)
    assert UNMARKED_TITLE in _anonymous().get(reverse("public:index")).content.decode()
    client.post(reverse("tracking:evidence_public", args=[public.photo.pk]), {"is_public": "0"})
    public.photo.refresh_from_db()
    assert not public.photo.is_public
    assert AuditEvent.objects.filter(action="evidence.unpublic").exists()


def test_only_photos_can_be_public(public: Any) -> None:
    with pytest.raises(ApplicationError, match="Only photos"):
        services.evidence_set_public(
            actor=public.users[Role.OFFICE], evidence=public.pdf, is_public=True
        )
    public.pdf.refresh_from_db()
    assert not public.pdf.is_public


def test_the_office_of_another_county_cannot_mark(public: Any) -> None:
    from kaoping.org.models import Unit
    from tests.factories import make_unit, user_with_role

    other = make_unit("C98", "另一县", Unit.Kind.COUNTY)
    outsider = user_with_role(Role.OFFICE, other, username="office_other")
    with pytest.raises(PermissionDeniedError):
        services.task_set_public(actor=outsider, task=public.hidden, is_public=True)


ALL_ROLES = (
    Role.OFFICE,
    Role.REPORTER,
    Role.UNIT_HEAD,
    Role.LEADER,
    Role.INSPECTOR,
    Role.INTERVIEWER,
    Role.AUDITOR,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    "reporter_b",
    "anonymous",
)


@pytest.mark.parametrize("who", ALL_ROLES)
def test_public_pages_are_the_same_for_everyone(public: Any, who: str) -> None:
    """Signed in or not, whatever the role: the same pages, the same 404s."""
    client = _anonymous()
    if who != "anonymous":
        client.force_login(public.users[who])
    index = client.get(reverse("public:index"))
    assert index.status_code == 200
    assert PUBLIC_TITLE in index.content.decode()
    assert UNMARKED_TITLE not in index.content.decode()
    assert client.get(reverse("public:task_detail", args=[public.task.pk])).status_code == 200
    assert client.get(reverse("public:task_detail", args=[public.hidden.pk])).status_code == 404
    assert client.get(reverse("public:photo", args=[public.photo.pk])).status_code == 200
    assert client.get(reverse("public:photo", args=[public.private_photo.pk])).status_code == 404
    marking = client.post(
        reverse("tracking:task_public", args=[public.hidden.pk]), {"is_public": "on"}
    )
    expected = 302 if who == Role.OFFICE else (302 if who == "anonymous" else 404)
    assert marking.status_code == expected
    public.hidden.refresh_from_db()
    assert public.hidden.is_public is (who == Role.OFFICE)
