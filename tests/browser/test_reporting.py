"""Journeys 2 and 3: a town's reporter fills a progress report with an evidence PDF, saves
and submits it; the unit head approves it and the office approves it, or the office returns
it with a reason that the reporter then reads, each through the real pages."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as services
from tests.browser.support import minimal_pdf, no_errors, sign_in

Q3 = "2022Q3"
Status = ProgressReport.Status


def report_of(county: Any) -> ProgressReport:
    return ProgressReport.objects.get(
        indicator=county.indicator_a, unit=county.town_a, period=Q3, is_current=True
    )


def submitted_report(county: Any) -> ProgressReport:
    """Town A's report on 税收收入 at 2022Q3, with a PDF, submitted by its reporter."""
    reporter = county.users[Role.REPORTER]
    report = services.report_create_draft(
        actor=reporter,
        indicator=county.indicator_a,
        unit=county.town_a,
        period=Q3,
        value="80",
        last_year_value="70",
        narrative="三季度税收稳步增长。",
    )
    services.evidence_attach(
        actor=reporter,
        report=report,
        upload=SimpleUploadedFile("完税证明.pdf", minimal_pdf(), "application/pdf"),
    )
    return services.report_submit(actor=reporter, report=report)


def test_a_reporter_fills_attaches_evidence_and_submits(
    page: Any, shot: Any, county: Any, tmp_path: Any
) -> None:
    # Given town A's reporter on the reporting page of 2022Q3
    sign_in(page, "reporter_a")
    page.goto(f"/tracking/reports/?unit={county.town_a.pk}&period={Q3}")
    row = page.locator("tr", has_text=county.indicator_a.name)
    expect(row).to_be_visible()
    shot(page, "reporting-page")

    # When they fill in the report, attach a PDF and save a draft
    row.get_by_role("link", name="填写报送").click()
    expect(page.get_by_role("heading", name=county.indicator_a.name)).to_be_visible()
    page.get_by_label("累计值").fill("82.5")
    page.get_by_label("上年同期").fill("76")
    page.get_by_label("进展情况").fill("前三季度税收收入稳步增长，完成序时进度。")
    evidence = tmp_path / "三季度完税证明.pdf"
    evidence.write_bytes(minimal_pdf("Q3 tax receipts"))
    page.get_by_label("添加佐证材料").set_input_files(str(evidence))
    shot(page, "form-filled")
    page.get_by_role("button", name="保存草稿").click()

    # Then the draft is saved with its evidence
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_role("link", name="三季度完税证明.pdf")).to_be_visible()
    report = report_of(county)
    assert (report.status, report.value, report.last_year_value) == (Status.DRAFT, 82.5, 76)
    assert [e.original_name for e in report.evidence.all()] == ["三季度完税证明.pdf"]
    shot(page, "draft-saved")

    # When they save and submit (accepting the confirmation)
    page.get_by_role("button", name="保存并提交").click()

    # Then the report is submitted: its page says so, and so does the database
    expect(page.locator(".alert-success")).to_contain_text("报送已提交单位主要负责人审核。")
    expect(page.locator("main .badge", has_text="已提交").first).to_be_visible()
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.submitted_by == county.users[Role.REPORTER]
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).exists()
    shot(page, "submitted")
    no_errors(page)


def test_the_unit_head_and_then_the_office_approve(new_page: Any, shot: Any, county: Any) -> None:
    # Given a submitted report of town A
    report = submitted_report(county)

    # When the unit head opens it and approves it
    head = new_page()
    sign_in(head, "head_a")
    head.goto(f"/tracking/reports/{report.pk}/")
    expect(head.locator("main")).to_contain_text("三季度税收稳步增长。")
    shot(head, "unit-head-sees-submitted")
    head.get_by_role("button", name="审核通过（单位）").click()
    expect(head.locator(".alert-success")).to_contain_text("已审核通过：报送已提交绩效办。")
    report.refresh_from_db()
    assert report.status == Status.UNIT_APPROVED
    assert report.unit_approved_by == county.users[Role.UNIT_HEAD]
    shot(head, "unit-head-approved")

    # And the office finds it in its review queue and approves it
    office = new_page()
    sign_in(office, "office")
    office.goto("/tracking/reports/review/")
    queued = office.locator("tr", has_text=county.indicator_a.name)
    expect(queued).to_contain_text(county.town_a.name)
    shot(office, "office-review-queue")
    queued.get_by_role("link", name=county.indicator_a.name).first.click()
    office.get_by_role("button", name="审核通过（绩效办）").click()

    # Then the figures are locked
    expect(office.locator(".alert-success").first).to_contain_text("数据已锁定")
    expect(office.locator("main .badge", has_text="绩效办已审核").first).to_be_visible()
    report.refresh_from_db()
    assert report.status == Status.APPROVED
    assert report.approved_by == county.users[Role.OFFICE]
    shot(office, "office-approved")
    no_errors(head)
    no_errors(office)


def test_the_office_returns_a_report_and_the_reporter_reads_why(
    new_page: Any, shot: Any, county: Any
) -> None:
    # Given a report the unit head approved
    report = services.report_unit_approve(
        actor=county.users[Role.UNIT_HEAD], report=submitted_report(county)
    )
    reason = "佐证材料缺少税务部门盖章，请补充后重新提交。"

    # When the office returns it with a reason
    office = new_page()
    sign_in(office, "office")
    office.goto(f"/tracking/reports/{report.pk}/")
    office.get_by_label("退回原因").fill(reason)
    shot(office, "office-returning")
    office.get_by_role("button", name="退回单位").click()
    expect(office.locator(".alert-success")).to_contain_text("报送已退回单位。")
    report.refresh_from_db()
    assert (report.status, report.returned_reason) == (Status.RETURNED, reason)

    # Then the reporter sees it returned, with the reason, and may edit it again
    reporter = new_page()
    sign_in(reporter, "reporter_a")
    reporter.goto(f"/tracking/reports/?unit={county.town_a.pk}&period={Q3}")
    row = reporter.locator("tr", has_text=county.indicator_a.name)
    expect(row).to_contain_text("已退回")
    shot(reporter, "reporter-sees-returned")
    row.get_by_role("link", name="继续").click()
    expect(reporter.locator(".alert-warning")).to_contain_text("退回修改：")
    expect(reporter.locator(".alert-warning")).to_contain_text(reason)
    expect(reporter.get_by_label("累计值")).to_have_value("80")
    shot(reporter, "reporter-reads-reason")
    no_errors(office)
    no_errors(reporter)
