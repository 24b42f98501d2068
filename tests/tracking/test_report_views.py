"""Progress-report pages: the permission matrix over the `world` roles (reporters of two
towns, the unit head, the office, a leader, an inspector, the auditor, anonymous), out-of-scope
404s, the form's conflict handling, the workflow buttons, evidence download, and query-count
budgets of the review queue and the reporting page that do not grow with the rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as services
from tests.factories import (
    AssignmentFactory,
    IndicatorFactory,
    PlanFactory,
    make_unit,
    user_with_role,
)

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
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
Status = ProgressReport.Status


def pdf(name: str = "佐证.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def client_for(world: Any, who: str) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # assertions below match English texts
    if who != ANON:
        client.force_login(world.users[who])
    return client


@dataclass
class Reports:
    """A draft of town A (with evidence), a submitted report of town B, and a report of
    another county nobody in `world` may see."""

    draft_a: ProgressReport
    submitted_b: ProgressReport
    other: ProgressReport


@pytest.fixture
def reports(world: Any) -> Reports:
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    reporter_a, reporter_b = world.users[Role.REPORTER], world.users["reporter_b"]
    draft_a = services.report_create_draft(
        actor=reporter_a,
        indicator=world.indicator_a,
        unit=world.town_a,
        period="2022Q3",
        value="75.5",
        narrative="稳步推进",
    )
    services.evidence_attach(actor=reporter_a, report=draft_a, upload=pdf())
    submitted_b = services.report_create_draft(
        actor=reporter_b,
        indicator=world.indicator_b,
        unit=world.town_b,
        period="2022Q3",
        value="10",
    )
    services.evidence_attach(actor=reporter_b, report=submitted_b, upload=pdf("b.pdf", PDF + b"b"))
    services.report_submit(actor=reporter_b, report=submitted_b)
    county = make_unit("C99", "邻县", Unit.Kind.COUNTY)
    town = make_unit("T99", "邻县北镇", Unit.Kind.TOWN, county)
    plan = PlanFactory(owner=county, code="other-2022", status=Plan.Status.PUBLISHED)
    indicator = IndicatorFactory(plan=plan, code="X01")
    AssignmentFactory(indicator=indicator, lead_unit=town)
    other_reporter = user_with_role(Role.REPORTER, town, username="reporter_other")
    other = services.report_create_draft(
        actor=other_reporter, indicator=indicator, unit=town, period="2022Q3", value="1"
    )
    services.evidence_attach(actor=other_reporter, report=other, upload=pdf("o.pdf", PDF + b"o"))
    return Reports(draft_a, submitted_b, other)


def status_of(world: Any, who: str, url: str, method: str = "get", **data: Any) -> int:
    response = getattr(client_for(world, who), method)(url, data)
    if who == ANON:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        return 302
    return response.status_code


def expect(world: Any, url: str, allowed: dict[str, int], method: str = "get", **data: Any) -> None:
    """Every role gets its status: the listed ones theirs, anonymous a login redirect, the
    others 404."""
    for who in EVERYONE:
        want = 302 if who == ANON else allowed.get(who, 404)
        assert status_of(world, who, url, method, **data) == want, (who, url)


# --- the permission matrix of the pages -------------------------------------------------------
def test_the_reporting_page(world: Any, reports: Reports) -> None:
    ok = dict.fromkeys(
        [Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR, "reporter_b"],
        200,
    )
    expect(world, reverse("tracking:report_unit"), ok)


def test_the_reporting_page_lists_what_is_due(world: Any, reports: Reports) -> None:
    client = client_for(world, Role.REPORTER)
    response = client.get(
        reverse("tracking:report_unit"), {"unit": world.town_a.pk, "period": "2022Q3"}
    )
    rows = response.context["reporting"].rows
    assert [(r.indicator, r.state, r.report) for r in rows] == [
        (world.indicator_a, "draft", reports.draft_a)
    ]
    assert rows[0].overdue and rows[0].is_late  # 2022's deadline has long passed
    # Another unit's page is not offered to a town's reporter: they get their own
    response = client.get(reverse("tracking:report_unit"), {"unit": world.town_b.pk})
    assert response.context["unit"] == world.town_a


def test_the_office_sees_any_unit_of_its_county(world: Any, reports: Reports) -> None:
    client = client_for(world, Role.OFFICE)
    response = client.get(
        reverse("tracking:report_unit"), {"unit": world.town_b.pk, "period": "2022Q3"}
    )
    rows = response.context["reporting"].rows
    assert [(r.state, r.report) for r in rows] == [("submitted", reports.submitted_b)]
    assert response.context["can_create"] is False


def test_the_report_page(world: Any, reports: Reports) -> None:
    ok = dict.fromkeys(
        [Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR], 200
    )
    expect(world, reverse("tracking:report_detail", args=[reports.draft_a.pk]), ok)
    # Town B's report: its reporter and the county's office and inspector; the leader's
    # portfolio does not hold town B
    ok_b = dict.fromkeys([Role.OFFICE, Role.INSPECTOR, "reporter_b"], 200)
    expect(world, reverse("tracking:report_detail", args=[reports.submitted_b.pk]), ok_b)


def test_another_countys_report_is_not_found_for_anyone(world: Any, reports: Reports) -> None:
    expect(world, reverse("tracking:report_detail", args=[reports.other.pk]), {})
    evidence = reports.other.evidence.get()
    expect(world, reverse("tracking:report_evidence", args=[evidence.pk]), {})


def test_the_edit_page_is_the_units_reporters(world: Any, reports: Reports) -> None:
    expect(world, reverse("tracking:report_edit", args=[reports.draft_a.pk]), {Role.REPORTER: 200})
    # A report under review redirects its reporter to the report page
    expect(
        world, reverse("tracking:report_edit", args=[reports.submitted_b.pk]), {"reporter_b": 302}
    )


def test_the_new_report_page_is_the_units_reporters(world: Any, reports: Reports) -> None:
    url = reverse("tracking:report_create")
    query = {"unit": world.town_a.pk, "indicator": world.indicator_a.pk, "period": "2022Q2"}
    expect(world, url, {Role.REPORTER: 200}, **query)
    # Where the report exists, the page leads to it
    response = client_for(world, Role.REPORTER).get(url, {**query, "period": "2022Q3"})
    assert response["Location"] == reverse("tracking:report_edit", args=[reports.draft_a.pk])
    # Another county's indicator or unit is not found
    other = {
        "unit": reports.other.unit_id,
        "indicator": reports.other.indicator_id,
        "period": "2022Q3",
    }
    assert client_for(world, Role.REPORTER).get(url, other).status_code == 404


def test_the_review_queue(world: Any, reports: Reports) -> None:
    expect(world, reverse("tracking:review_queue"), {Role.OFFICE: 200, Role.UNIT_HEAD: 200})


def test_evidence_downloads(world: Any, reports: Reports) -> None:
    evidence = reports.draft_a.evidence.get()
    ok = dict.fromkeys(
        [Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR], 200
    )
    url = reverse("tracking:report_evidence", args=[evidence.pk])
    expect(world, url, ok)
    response = client_for(world, Role.UNIT_HEAD).get(url)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


# --- the workflow buttons ----------------------------------------------------------------------
def post_status(world: Any, who: str, name: str, report: ProgressReport, **data: Any) -> int:
    url = reverse(name, args=[report.pk])
    return status_of(world, who, url, "post", row_version=report.row_version, **data)


@pytest.mark.parametrize(
    ("name", "state", "allowed", "data"),
    [
        ("tracking:report_submit", Status.DRAFT, Role.REPORTER, {}),
        ("tracking:report_unit_approve", Status.SUBMITTED, Role.UNIT_HEAD, {}),
        (
            "tracking:report_return",
            Status.SUBMITTED,
            Role.UNIT_HEAD,
            {"step": "unit", "reason": "补充材料"},
        ),
        ("tracking:report_office_approve", Status.UNIT_APPROVED, Role.OFFICE, {}),
        (
            "tracking:report_return",
            Status.UNIT_APPROVED,
            Role.OFFICE,
            {"step": "office", "reason": "口径不符"},
        ),
        ("tracking:report_correct", Status.APPROVED, Role.OFFICE, {"reason": "数据有误"}),
    ],
)
def test_each_workflow_button_answers_its_role_only(
    world: Any, reports: Reports, name: str, state: str, allowed: str, data: dict[str, str]
) -> None:
    report = reports.draft_a
    walk = [Status.SUBMITTED, Status.UNIT_APPROVED, Status.APPROVED]
    steps = {
        Status.SUBMITTED: lambda: services.report_submit(
            actor=world.users[Role.REPORTER], report=report
        ),
        Status.UNIT_APPROVED: lambda: services.report_unit_approve(
            actor=world.users[Role.UNIT_HEAD], report=report
        ),
        Status.APPROVED: lambda: services.report_office_approve(
            actor=world.users[Role.OFFICE], report=report
        ),
    }
    for status in walk[: walk.index(state) + 1] if state in walk else []:
        steps[status]()
    report.refresh_from_db()
    for who in EVERYONE:
        if who == allowed:
            continue
        code = post_status(world, who, name, report, **data)
        assert code in (302, 404), (who, code)
        if who != ANON:
            assert code == 404, who
    report.refresh_from_db()
    assert report.status == state
    assert post_status(world, allowed, name, report, **data) == 302
    report.refresh_from_db()
    assert report.status != state or not report.is_current


def test_a_double_submission_shows_a_message_and_records_once(world: Any, reports: Reports) -> None:
    client = client_for(world, Role.REPORTER)
    url = reverse("tracking:report_submit", args=[reports.draft_a.pk])
    version = reports.draft_a.row_version
    first = client.post(url, {"row_version": version})
    assert first.status_code == 302
    second = client.post(url, {"row_version": version}, follow=True)
    assert "already been submitted" in second.content.decode()
    assert (
        AuditEvent.objects.filter(action="report.submit", object_id=str(reports.draft_a.pk)).count()
        == 1
    )


def test_a_return_without_a_reason_is_refused(world: Any, reports: Reports) -> None:
    services.report_submit(actor=world.users[Role.REPORTER], report=reports.draft_a)
    client = client_for(world, Role.UNIT_HEAD)
    response = client.post(
        reverse("tracking:report_return", args=[reports.draft_a.pk]),
        {"row_version": reports.draft_a.row_version, "step": "unit", "reason": ""},
        follow=True,
    )
    assert "reason" in response.content.decode()
    reports.draft_a.refresh_from_db()
    assert reports.draft_a.status == Status.SUBMITTED


def test_a_return_that_loses_a_race_gives_the_reason_back(world: Any, reports: Reports) -> None:
    """Someone approved the report while the head wrote a return reason: the return is
    refused with the conflict message, which repeats the reason so it is not lost."""
    services.report_submit(actor=world.users[Role.REPORTER], report=reports.draft_a)
    reports.draft_a.refresh_from_db()
    seen_version = reports.draft_a.row_version
    services.report_unit_approve(actor=world.users[Role.UNIT_HEAD], report=reports.draft_a)
    client = client_for(world, Role.UNIT_HEAD)
    response = client.post(
        reverse("tracking:report_return", args=[reports.draft_a.pk]),
        {"row_version": seen_version, "step": "unit", "reason": "口径与统计局不一致，请核实"},
        follow=True,
    )
    assert "口径与统计局不一致，请核实" in response.content.decode()
    reports.draft_a.refresh_from_db()
    assert reports.draft_a.status == Status.UNIT_APPROVED
    assert not AuditEvent.objects.filter(
        action="report.return", object_id=str(reports.draft_a.pk)
    ).exists()


def test_actions_from_the_queue_return_to_the_queue(world: Any, reports: Reports) -> None:
    services.report_submit(actor=world.users[Role.REPORTER], report=reports.draft_a)
    queue = reverse("tracking:review_queue") + "?period=2022Q3"
    response = client_for(world, Role.UNIT_HEAD).post(
        reverse("tracking:report_unit_approve", args=[reports.draft_a.pk]),
        {"row_version": reports.draft_a.row_version, "next": queue},
    )
    assert response["Location"] == queue
    # A foreign address is not followed
    services.report_return(
        actor=world.users[Role.OFFICE], report=reports.draft_a, reason="退回", step="office"
    )
    services.report_submit(actor=world.users[Role.REPORTER], report=reports.draft_a)
    response = client_for(world, Role.UNIT_HEAD).post(
        reverse("tracking:report_unit_approve", args=[reports.draft_a.pk]),
        {"row_version": reports.draft_a.row_version, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("tracking:report_detail", args=[reports.draft_a.pk])


def test_approving_the_ticked_reports(world: Any, reports: Reports) -> None:
    services.report_submit(actor=world.users[Role.REPORTER], report=reports.draft_a)
    stale = f"{reports.submitted_b.pk}:{reports.submitted_b.row_version}"  # not the head's
    client = client_for(world, Role.UNIT_HEAD)
    response = client.post(
        reverse("tracking:review_approve_selected"),
        {"report": [f"{reports.draft_a.pk}:{reports.draft_a.row_version}", stale, "junk"]},
    )
    assert response.status_code == 302
    reports.draft_a.refresh_from_db()
    reports.submitted_b.refresh_from_db()
    assert reports.draft_a.status == Status.UNIT_APPROVED
    assert reports.submitted_b.status == Status.SUBMITTED


# --- the report form ------------------------------------------------------------------------------
def test_saving_and_submitting_with_a_file(world: Any, reports: Reports) -> None:
    client = client_for(world, Role.REPORTER)
    url = reverse("tracking:report_create")
    response = client.post(
        url,
        {
            "unit": world.town_a.pk,
            "indicator": world.indicator_a.pk,
            "period": "2022Q2",
            "value": "40.25",
            "last_year_value": "38",
            "narrative": "二季度进展",
            "evidence": [pdf("二季度.pdf", PDF + b"q2")],
            "action": "submit",
        },
    )
    report = ProgressReport.objects.get(unit=world.town_a, period="2022Q2")
    assert response["Location"] == reverse("tracking:report_detail", args=[report.pk])
    assert (report.status, report.value) == (Status.SUBMITTED, Decimal("40.25"))
    assert report.evidence.get().original_name == "二季度.pdf"


def test_a_refused_file_saves_nothing_and_keeps_the_input(world: Any, reports: Reports) -> None:
    client = client_for(world, Role.REPORTER)
    response = client.post(
        reverse("tracking:report_edit", args=[reports.draft_a.pk]),
        {
            "row_version": reports.draft_a.row_version,
            "value": "99",
            "narrative": "新的说明",
            "evidence": [SimpleUploadedFile("x.pdf", b"<html><script></script></html>")],
            "action": "save",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "not accepted as evidence" in page
    assert "新的说明" in page
    reports.draft_a.refresh_from_db()
    assert reports.draft_a.value == Decimal("75.5")


def test_two_people_editing_get_a_conflict_and_keep_their_input(
    world: Any, reports: Reports
) -> None:
    # Given the reporter opened the form, and a colleague saved in the meantime
    client = client_for(world, Role.REPORTER)
    url = reverse("tracking:report_edit", args=[reports.draft_a.pk])
    opened = client.get(url).context["form"]["row_version"].value()
    colleague = user_with_role(Role.REPORTER, world.town_a, username="reporter_a2")
    services.report_update_draft(
        actor=colleague,
        report=reports.draft_a,
        expected_version=opened,
        value="88",
        narrative="同事填写",
    )
    # When the reporter saves
    response = client.post(
        url, {"row_version": opened, "value": "77", "narrative": "我的说明", "action": "save"}
    )
    # Then nothing of theirs is overwritten, the message is clear and the input is kept
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this report" in page
    assert "我的说明" in page and "同事填写" in page
    reports.draft_a.refresh_from_db()
    assert (reports.draft_a.value, reports.draft_a.narrative) == (Decimal("88"), "同事填写")
    # Saving again, having seen theirs, is a deliberate choice
    current = response.context["form"]["row_version"].value()
    assert int(current) == reports.draft_a.row_version
    again = client.post(
        url, {"row_version": current, "value": "77", "narrative": "我的说明", "action": "save"}
    )
    assert again.status_code == 302
    reports.draft_a.refresh_from_db()
    assert reports.draft_a.value == Decimal("77")


def test_removing_evidence_from_the_form(world: Any, reports: Reports) -> None:
    evidence = reports.draft_a.evidence.get()
    url = reverse("tracking:report_evidence_remove", args=[evidence.pk])
    for who in (Role.UNIT_HEAD, Role.OFFICE, Role.LEADER, "reporter_b", Role.AUDITOR):
        assert client_for(world, who).post(url).status_code == 404, who
    response = client_for(world, Role.REPORTER).post(url)
    assert response["Location"] == reverse("tracking:report_edit", args=[reports.draft_a.pk])
    assert not reports.draft_a.evidence.exists()


def test_the_report_page_shows_history_and_versions(world: Any, reports: Reports) -> None:
    report = reports.draft_a
    services.report_submit(actor=world.users[Role.REPORTER], report=report)
    services.report_return(
        actor=world.users[Role.UNIT_HEAD], report=report, reason="请补充税务部门证明", step="unit"
    )
    services.report_submit(actor=world.users[Role.REPORTER], report=report)
    services.report_unit_approve(actor=world.users[Role.UNIT_HEAD], report=report)
    services.report_office_approve(actor=world.users[Role.OFFICE], report=report)
    correction = services.report_correct(
        actor=world.users[Role.OFFICE], report=report, reason="税务局更正数据"
    )
    response = client_for(world, Role.LEADER).get(
        reverse("tracking:report_detail", args=[correction.pk])
    )
    page = response.content.decode()
    assert "请补充税务部门证明" in page and "税务局更正数据" in page
    assert [v.version for v in response.context["versions"]] == [2, 1]
    assert not any(response.context["actions"].values())  # a leader only reads
    old = client_for(world, Role.OFFICE).get(reverse("tracking:report_detail", args=[report.pk]))
    assert "was replaced by a correction" in old.content.decode()
    assert not old.context["actions"]["correct"]


def test_the_menu_offers_reports_and_the_queue(world: Any, reports: Reports) -> None:
    def menu(who: str) -> set[str]:
        page = client_for(world, who).get(
            reverse("tracking:report_unit")
            if who != Role.OFFICE
            else reverse("tracking:review_queue")
        )
        return {item.url_name for item in page.context["nav_items"]}

    assert {"tracking:report_unit", "tracking:review_queue"} <= menu(Role.UNIT_HEAD)
    assert "tracking:review_queue" not in menu(Role.REPORTER)
    assert "tracking:report_unit" in menu(Role.REPORTER)
    assert "tracking:review_queue" in menu(Role.OFFICE)


# --- query budgets --------------------------------------------------------------------------------
def _many_reports(world: Any, count: int, *, status: str) -> None:
    """`count` more indicators of town A, each with a report in `status` (made directly: the
    budget is about reading them)."""
    for n in range(count):
        indicator = IndicatorFactory(plan=world.plan, parent=world.category, code=f"B{n:02d}")
        AssignmentFactory(indicator=indicator, lead_unit=world.town_a)
        ProgressReport.objects.create(
            indicator=indicator,
            unit=world.town_a,
            period="2022Q3",
            status=status,
            value=Decimal(n),
            submitted_by=world.users[Role.REPORTER],
        )


def _queries(client: Client, url: str, **query: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", [Role.UNIT_HEAD, Role.OFFICE])
def test_the_review_queue_has_a_query_budget(
    world: Any, reports: Reports, who: str, django_assert_max_num_queries: Any
) -> None:
    status = Status.SUBMITTED if who == Role.UNIT_HEAD else Status.UNIT_APPROVED
    url = reverse("tracking:review_queue")
    _many_reports(world, 2, status=status)
    client = client_for(world, who)
    few = _queries(client, url)
    _many_reports_more(world, 20, status=status)
    many = _queries(client, url)
    assert many == few
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert len(page.context["rows"]) == 22


def _many_reports_more(world: Any, count: int, *, status: str) -> None:
    for n in range(count):
        indicator = IndicatorFactory(plan=world.plan, parent=world.category, code=f"M{n:02d}")
        AssignmentFactory(indicator=indicator, lead_unit=world.town_a)
        ProgressReport.objects.create(
            indicator=indicator,
            unit=world.town_a,
            period="2022Q3",
            status=status,
            value=Decimal(n),
            submitted_by=world.users[Role.REPORTER],
        )


def test_the_reporting_page_has_a_query_budget(
    world: Any, reports: Reports, django_assert_max_num_queries: Any
) -> None:
    url = reverse("tracking:report_unit")
    query = {"unit": world.town_a.pk, "period": "2022Q3"}
    _many_reports(world, 2, status=Status.DRAFT)
    client = client_for(world, Role.REPORTER)
    few = _queries(client, url, **query)
    _many_reports_more(world, 20, status=Status.APPROVED)
    many = _queries(client, url, **query)
    assert many == few
    with django_assert_max_num_queries(20):
        page = client.get(url, query)
    assert len(page.context["reporting"].rows) == 23


def test_the_report_page_has_a_query_budget(
    world: Any, reports: Reports, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world, Role.OFFICE)
    with django_assert_max_num_queries(16):
        client.get(reverse("tracking:report_detail", args=[reports.draft_a.pk]))
