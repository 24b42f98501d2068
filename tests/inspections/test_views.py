"""Inspection pages: the permission matrix (each role × each page: shown or 404), objects of
another town answering 404, the forms' error and conflict handling, CSRF, and query budgets
of the list pages that do not grow with the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaoping.inspections import services
from kaoping.inspections.models import (
    Appeal,
    Deduction,
    Finding,
    FindingEvidence,
    Rectification,
    RectificationProgress,
)
from kaoping.org.models import Role
from tests.inspections.conftest import pdf

ANON = "anonymous"
EVERYONE = (
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
    ANON,
)
READERS = {Role.OFFICE, Role.INSPECTOR, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, "reporter_b"}
TOWN_A_READERS = READERS - {"reporter_b"}  # objects of town A: not another town's reporter
WRITERS = {Role.OFFICE, Role.INSPECTOR}
TOWN_A_STAFF = {Role.REPORTER, Role.UNIT_HEAD}
ACCOUNTABILITY = {Role.OFFICE, Role.INSPECTOR, Role.LEADER, Role.UNIT_HEAD}


def client_for(world: Any, who: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.cookies["django_language"] = "en"  # assertions below match English texts
    if who != ANON:
        client.force_login(world.users[who])
    return client


@dataclass
class Pages:
    """Town A's finding with evidence, a confirmed deduction under appeal, a second one not
    yet appealed, a rectification; a finding without rectification."""

    finding: Finding
    bare_finding: Finding
    appealed: Deduction
    appealable: Deduction
    appeal: Appeal
    rectification: Rectification
    evidence: FindingEvidence


@pytest.fixture
def pages(insp: Any, settings: Any, tmp_path: Any) -> Pages:
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    head = insp.world.users[Role.UNIT_HEAD]
    finding = insp.finding()
    evidence = services.finding_evidence_attach(actor=insp.inspector, finding=finding, upload=pdf())
    appealed = insp.confirmed(finding=finding, points="1", on=today)
    appealable = insp.confirmed(finding=finding, points="0.5", on=today)
    appeal = services.appeal_file(actor=head, deduction=appealed, reasons="理由", today=today)
    rectification = services.rectification_open(
        actor=insp.inspector, finding=finding, deadline=today + timedelta(days=30), plan_text="整改"
    )
    bare = insp.finding(title="另一问题")
    return Pages(finding, bare, appealed, appealable, appeal, rectification, evidence)


def page_urls(insp: Any, p: Pages) -> dict[str, tuple[str, set[str]]]:
    """Each GET page and the roles that may open it."""
    r = insp.county_round.pk
    return {
        "round_list": (reverse("inspections:round_list"), READERS),
        "round_create": (reverse("inspections:round_create"), WRITERS),
        "round_detail": (reverse("inspections:round_detail", args=[r]), READERS),
        "finding_create": (reverse("inspections:finding_create", args=[r]), WRITERS),
        "finding_detail": (
            reverse("inspections:finding_detail", args=[p.finding.pk]),
            TOWN_A_READERS,
        ),
        "finding_edit": (reverse("inspections:finding_edit", args=[p.finding.pk]), WRITERS),
        "deduction_create": (
            reverse("inspections:deduction_create", args=[p.finding.pk]),
            WRITERS,
        ),
        "evidence": (
            reverse("inspections:evidence_download", args=[p.evidence.pk]),
            TOWN_A_READERS,
        ),
        "appeal_create": (
            reverse("inspections:appeal_create", args=[p.appealable.pk]),
            TOWN_A_STAFF,
        ),
        "appeal_list": (reverse("inspections:appeal_list"), READERS),
        "appeal_detail": (
            reverse("inspections:appeal_detail", args=[p.appeal.pk]),
            TOWN_A_READERS,
        ),
        "rectification_list": (reverse("inspections:rectification_list"), READERS),
        "rule_list": (reverse("inspections:rule_list"), READERS),
        "rectification_detail": (
            reverse("inspections:rectification_detail", args=[p.rectification.pk]),
            TOWN_A_READERS,
        ),
        "rectification_open": (
            reverse("inspections:rectification_open", args=[p.bare_finding.pk]),
            WRITERS,
        ),
        "accountability": (reverse("inspections:accountability"), ACCOUNTABILITY),
    }


PAGE_NAMES = (
    "round_list",
    "round_create",
    "round_detail",
    "finding_create",
    "finding_detail",
    "finding_edit",
    "deduction_create",
    "evidence",
    "appeal_create",
    "appeal_list",
    "appeal_detail",
    "rectification_list",
    "rectification_detail",
    "rectification_open",
    "accountability",
)


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_the_permission_matrix(insp: Any, pages: Pages, page: str) -> None:
    url, allowed = page_urls(insp, pages)[page]
    for who in EVERYONE:
        response = client_for(insp.world, who).get(url)
        if who == ANON:
            assert response.status_code == 302, (page, who)
        elif who in allowed:
            assert response.status_code == 200, (page, who, response.status_code)
        else:
            assert response.status_code == 404, (page, who, response.status_code)


def test_another_towns_reporter_sees_none_of_town_as_items(insp: Any, pages: Pages) -> None:
    client = client_for(insp.world, "reporter_b")
    for name in ("rectification_list", "appeal_list", "round_detail"):
        response = client.get(page_urls(insp, pages)[name][0])
        assert "税收台账不完整" not in response.content.decode(), name


def test_a_deduction_link_opens_its_finding(insp: Any, pages: Pages) -> None:
    url = reverse("inspections:deduction_detail", args=[pages.appealed.pk])
    response = client_for(insp.world, Role.LEADER).get(url)
    finding = reverse("inspections:finding_detail", args=[pages.finding.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{finding}#deduction-{pages.appealed.pk}"
    assert client_for(insp.world, "reporter_b").get(url).status_code == 404
    assert client_for(insp.world, Role.AUDITOR).get(url).status_code == 404


def test_a_leader_reads_but_has_no_buttons(insp: Any, pages: Pages) -> None:
    client = client_for(insp.world, Role.LEADER)
    body = client.get(reverse("inspections:finding_detail", args=[pages.finding.pk])).content
    assert b"Propose a deduction" not in body and b"/confirm/" not in body
    assert (
        client.post(
            reverse("inspections:rectification_progress", args=[pages.rectification.pk]),
            {"version": 1, "on": "2022-10-20", "text": "x", "percent": 10},
        ).status_code
        == 404
    )


def test_the_office_confirms_a_proposed_deduction_from_the_finding_page(
    insp: Any, pages: Pages
) -> None:
    deduction = insp.deduction(finding=pages.finding, points="0.25")
    client = client_for(insp.world, Role.OFFICE)
    url = reverse("inspections:finding_detail", args=[pages.finding.pk])
    assert reverse("inspections:deduction_confirm", args=[deduction.pk]).encode() in (
        client.get(url).content
    )
    response = client.post(
        reverse("inspections:deduction_confirm", args=[deduction.pk]), {"version": 1}, follow=True
    )
    assert b"The deduction was confirmed." in response.content
    assert Deduction.objects.get(pk=deduction.pk).status == Deduction.Status.CONFIRMED
    # a second click with the old version: a message, nothing changes
    response = client.post(
        reverse("inspections:deduction_confirm", args=[deduction.pk]), {"version": 1}, follow=True
    )
    assert b"Only a proposed deduction" in response.content


def test_a_reporter_sees_no_proposed_deductions(insp: Any, pages: Pages) -> None:
    deduction = insp.deduction(finding=pages.finding, points="0.25")
    client = client_for(insp.world, Role.REPORTER)
    assert client.get(reverse("inspections:appeal_create", args=[deduction.pk])).status_code == 404


def test_recording_a_finding_with_a_file(insp: Any, pages: Pages) -> None:
    client = client_for(insp.world, Role.INSPECTOR)
    response = client.post(
        reverse("inspections:finding_create", args=[insp.county_round.pk]),
        {
            "unit": insp.world.town_b.pk,
            "title": "安全饮水工程进度滞后",
            "severity": "serious",
            "found_on": "2022-09-21",
            "files": [pdf("现场照片.pdf")],
        },
    )
    finding = Finding.objects.get(title="安全饮水工程进度滞后")
    assert response.status_code == 302 and finding.evidence.count() == 1
    assert finding.responsible_unit == insp.world.town_b


def test_a_refused_file_records_nothing_and_keeps_the_input(insp: Any, pages: Pages) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(insp.world, Role.INSPECTOR)
    response = client.post(
        reverse("inspections:finding_create", args=[insp.county_round.pk]),
        {
            "unit": insp.world.town_b.pk,
            "title": "留存的标题",
            "severity": "general",
            "found_on": "2022-09-21",
            "files": [SimpleUploadedFile("x.pdf", b"MZ not a pdf")],
        },
    )
    assert response.status_code == 400
    assert "留存的标题" in response.content.decode()
    assert not Finding.objects.filter(title="留存的标题").exists()


def test_a_deduction_over_the_cap_shows_what_remains(insp: Any, pages: Pages) -> None:
    from decimal import Decimal

    from kaoping.inspections.models import DeductionRule

    DeductionRule.objects.create(
        plan=insp.world.plan, indicator=insp.world.indicator_a, cap=Decimal("2")
    )
    client = client_for(insp.world, Role.INSPECTOR)
    response = client.post(
        reverse("inspections:deduction_create", args=[pages.finding.pk]),
        {"indicator": insp.world.indicator_a.pk, "points": "1", "reason": "按细则扣分的理由"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "at most 0.50 points remain" in body and "按细则扣分的理由" in body


def test_an_appeal_after_the_window_is_refused_with_the_date(insp: Any, pages: Pages) -> None:
    old = timezone.localdate() - timedelta(days=30)
    Deduction.objects.filter(pk=pages.appealable.pk).update(confirmed_on=old)
    client = client_for(insp.world, Role.REPORTER)
    response = client.post(
        reverse("inspections:appeal_create", args=[pages.appealable.pk]),
        {"version": pages.appealable.row_version, "reasons": "我的理由"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "appeal window closed on" in body and "我的理由" in body


def test_filing_and_ruling_an_appeal(insp: Any, pages: Pages) -> None:
    response = client_for(insp.world, Role.UNIT_HEAD).post(
        reverse("inspections:appeal_create", args=[pages.appealable.pk]),
        {"version": pages.appealable.row_version, "reasons": "已整改", "files": [pdf()]},
    )
    appeal = Appeal.objects.get(deduction=pages.appealable)
    assert response.status_code == 302 and appeal.evidence.count() == 1
    office = client_for(insp.world, Role.OFFICE)
    url = reverse("inspections:appeal_rule", args=[appeal.pk])
    response = office.post(url, {"version": 1, "decision": "partly_upheld", "reason": "部分属实"})
    assert response.status_code == 400 and b"Give the points" in response.content
    response = office.post(
        url,
        {"version": 1, "decision": "partly_upheld", "points_after": "0.2", "reason": "部分属实"},
    )
    assert response.status_code == 302
    assert str(Deduction.objects.get(pk=pages.appealable.pk).effective_points) == "0.20"


def test_a_stale_version_answers_409_and_keeps_the_input(insp: Any, pages: Pages) -> None:
    url = reverse("inspections:rectification_progress", args=[pages.rectification.pk])
    reporter = client_for(insp.world, Role.REPORTER)
    head = client_for(insp.world, Role.UNIT_HEAD)
    version = pages.rectification.row_version
    first = {"version": version, "on": "2022-10-20", "text": "第一次", "percent": 30}
    assert head.post(url, first).status_code == 302
    second = {"version": version, "on": "2022-10-21", "text": "我的进展不丢", "percent": 50}
    response = reporter.post(url, second)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this" in body and "我的进展不丢" in body
    assert RectificationProgress.objects.count() == 1


def test_posts_need_the_csrf_token(insp: Any, pages: Pages) -> None:
    client = client_for(insp.world, Role.REPORTER, enforce_csrf_checks=True)
    response = client.post(
        reverse("inspections:rectification_progress", args=[pages.rectification.pk]),
        {"version": 1, "on": "2022-10-20", "text": "x", "percent": 10},
    )
    assert response.status_code == 403


def test_the_rectification_lifecycle_through_the_pages(insp: Any, pages: Pages) -> None:
    r = pages.rectification
    detail = reverse("inspections:rectification_detail", args=[r.pk])
    head = client_for(insp.world, Role.UNIT_HEAD)
    assert (
        head.post(
            reverse("inspections:rectification_submit", args=[r.pk]), {"version": 1, "note": "完成"}
        ).status_code
        == 302
    )
    inspector = client_for(insp.world, Role.INSPECTOR)
    assert b"Re-check" in inspector.get(detail).content
    assert (
        inspector.post(
            reverse("inspections:rectification_verify", args=[r.pk]),
            {"version": 2, "decision": "verify", "note": "复核通过"},
        ).status_code
        == 302
    )
    office = client_for(insp.world, Role.OFFICE)
    assert (
        office.post(
            reverse("inspections:rectification_close", args=[r.pk]), {"version": 3, "note": ""}
        ).status_code
        == 302
    )
    assert Rectification.objects.get(pk=r.pk).status == Rectification.Status.CLOSED
    assert "复核通过" in office.get(detail).content.decode()


def test_the_rectification_list_filters(insp: Any, pages: Pages) -> None:
    Rectification.objects.filter(pk=pages.rectification.pk).update(
        deadline=timezone.localdate() - timedelta(days=3)
    )
    client = client_for(insp.world, Role.OFFICE)
    url = reverse("inspections:rectification_list")
    assert "税收台账不完整" in client.get(url, {"overdue": "1"}).content.decode()
    assert "税收台账不完整" not in client.get(url, {"status": "closed"}).content.decode()
    assert "税收台账不完整" not in client.get(url, {"unit": insp.world.town_b.pk}).content.decode()
    assert "税收台账不完整" in client.get(url, {"unit": insp.world.town_a.pk}).content.decode()


def test_the_accountability_page_totals_by_unit_and_leader(insp: Any, pages: Pages) -> None:
    body = client_for(insp.world, Role.OFFICE).get(reverse("inspections:accountability")).content
    text = body.decode()
    assert "王镇长" in text and "−1.5" in text  # 1 under appeal + 0.5 confirmed


def test_opening_and_closing_a_round(insp: Any, pages: Pages) -> None:
    client = client_for(insp.world, Role.OFFICE)
    response = client.post(
        reverse("inspections:round_create"),
        {
            "plan": insp.world.plan.pk,
            "code": "2022-q4",
            "name": "第四季度察访核验",
            "level": "county",
            "period_start": "2022-10-01",
            "period_end": "2022-12-31",
            "appeal_days": 7,
        },
    )
    assert response.status_code == 302
    url = response["Location"]
    pk = int(url.rstrip("/").split("/")[-1])
    status_url = reverse("inspections:round_status", args=[pk])
    assert client.post(status_url, {"action": "open", "version": 1}).status_code == 302
    page = client.post(status_url, {"action": "open", "version": 2}, follow=True)
    assert b"Only a draft round" in page.content


# --- query budgets ------------------------------------------------------------------------------
def more(insp: Any, n: int) -> None:
    head = insp.world.users[Role.UNIT_HEAD]
    today = timezone.localdate()
    for i in range(n):
        finding = insp.finding(title=f"问题{i}")
        deduction = insp.confirmed(finding=finding, points="0.1", on=today)
        services.appeal_file(actor=head, deduction=deduction, reasons="r", today=today)
        services.rectification_open(
            actor=insp.inspector, finding=finding, deadline=today, plan_text="x"
        )


@pytest.mark.parametrize(
    ("name", "who", "budget"),
    [
        ("round_list", Role.OFFICE, 14),
        ("round_detail", Role.OFFICE, 14),
        ("rectification_list", Role.OFFICE, 14),
        ("rectification_list", Role.REPORTER, 14),
        ("appeal_list", Role.UNIT_HEAD, 14),
        ("accountability", Role.LEADER, 14),
    ],
)
def test_list_pages_have_a_query_budget(
    insp: Any, pages: Pages, name: str, who: str, budget: int, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = page_urls(insp, pages)[name][0]
    client = client_for(insp.world, who)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    more(insp, 6)
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), (name, len(few), len(many))
