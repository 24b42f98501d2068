"""Progress reports over the API: create, change, submit through the tracking services, with
optimistic locking (409 on a stale row_version), double submission refused, filters, scope."""

from __future__ import annotations

import re
from typing import Any

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as report_services
from tests.api.conftest import assert_error, draft

Status = ProgressReport.Status


def body(api: Any, **extra: Any) -> dict[str, Any]:
    return {
        "indicator": api.indicator_a.pk,
        "unit": api.town_a.pk,
        "period": "2022Q3",
        "value": "75.5",
        "last_year_value": 70,
        "narrative": "前三季度税收入库稳步推进。",
        **extra,
    }


def test_create_then_update_a_draft(api: Any) -> None:
    client = api.client(Role.REPORTER)
    created = client.post("/reports", body(api))
    assert created.status_code == 201
    report = created.json()
    assert report["status"] == "draft" and report["value"] == "75.5000"
    assert report["last_year_value"] == "70.0000"
    assert report["actions"]["submit"] is True
    assert AuditEvent.objects.filter(action="report.create", object_id=str(report["id"])).exists()
    assert ProgressReport.objects.get(pk=report["id"]).source == "api"

    updated = client.post("/reports", body(api, value="80", row_version=report["row_version"]))
    assert updated.status_code == 200, updated.content
    assert updated.json()["id"] == report["id"]
    assert updated.json()["value"] == "80.0000"
    assert updated.json()["row_version"] == report["row_version"] + 1
    assert AuditEvent.objects.filter(action="report.update", object_id=str(report["id"])).exists()


def test_a_second_create_is_a_conflict_naming_the_report(api: Any) -> None:
    client = api.client(Role.REPORTER)
    first = client.post("/reports", body(api)).json()
    error = assert_error(client.post("/reports", body(api)), 409, "conflict")
    assert error["details"] == [{"report_id": first["id"]}]
    assert ProgressReport.objects.count() == 1


def test_a_stale_update_is_a_conflict_and_changes_nothing(api: Any) -> None:
    client = api.client(Role.REPORTER)
    report = client.post("/reports", body(api)).json()
    client.post("/reports", body(api, value="81", row_version=report["row_version"]))
    stale = client.post("/reports", body(api, value="99", row_version=report["row_version"]))
    error = assert_error(stale, 409, "conflict")
    assert error["details"] == [{"row_version": report["row_version"] + 1}]
    assert re.search(r"[\u4e00-\u9fff]", error["message"])  # told in Chinese, by default
    assert str(ProgressReport.objects.get().value) == "81.0000"


def test_updating_with_a_version_but_no_report_is_not_found(api: Any) -> None:
    response = api.client(Role.REPORTER).post("/reports", body(api, row_version=1))
    assert_error(response, 404, "not_found")


def test_submit_with_the_current_version(api: Any) -> None:
    report = draft(api)
    response = api.client(Role.REPORTER).post(
        f"/reports/{report.pk}/submit", {"row_version": report.row_version}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"] is not None
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).count() == 1


def test_submit_with_a_stale_version_is_a_conflict(api: Any) -> None:
    report = draft(api)
    stale = report.row_version
    report_services.report_update_draft(
        actor=api.users[Role.REPORTER], report=report, expected_version=stale, value="90"
    )
    response = api.client(Role.REPORTER).post(
        f"/reports/{report.pk}/submit", {"row_version": stale}
    )
    error = assert_error(response, 409, "conflict")
    assert error["details"] == [{"row_version": stale + 1}]
    report.refresh_from_db()
    assert report.status == Status.DRAFT
    assert not AuditEvent.objects.filter(action="report.submit").exists()


def test_double_submission_is_refused_once_submitted(api: Any) -> None:
    report = draft(api)
    client = api.client(Role.REPORTER)
    first = client.post(f"/reports/{report.pk}/submit", {"row_version": report.row_version})
    assert first.status_code == 200
    again = client.post(f"/reports/{report.pk}/submit", {"row_version": report.row_version})
    error = assert_error(again, 400, "validation_error")
    assert "已" in error["message"]  # 已提交
    assert AuditEvent.objects.filter(action="report.submit").count() == 1


def test_submit_needs_a_row_version(api: Any) -> None:
    report = draft(api)
    response = api.client(Role.REPORTER).post(f"/reports/{report.pk}/submit", {})
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "row_version"


def test_a_business_rule_answers_400_in_chinese(api: Any) -> None:
    """The service's own message (evidence missing) reaches the caller translated."""
    report = report_services.report_create_draft(
        actor=api.users[Role.REPORTER],
        indicator=api.indicator_a,
        unit=api.town_a,
        period="2022Q2",
        value="1",
    )
    response = api.client(Role.REPORTER).post(
        f"/reports/{report.pk}/submit", {"row_version": report.row_version}
    )
    error = assert_error(response, 400, "validation_error")
    assert error["message"] == "本报送暂不能提交：请至少上传一个佐证材料文件。"


def test_invalid_input_is_a_validation_error(api: Any) -> None:
    client = api.client(Role.REPORTER)
    for bad in (
        body(api, period="2022Q5"),
        body(api, value="abc"),
        body(api, value="1.123456"),
        body(api, narrative="a\x00b"),
        body(api, indicator=0),
        body(api, unit=2**60),
        {"indicator": api.indicator_a.pk},
    ):
        assert_error(client.post("/reports", bad), 422, "validation_error")
    assert not ProgressReport.objects.exists()


def test_list_filters_and_scope(api: Any) -> None:
    mine = draft(api)
    theirs = draft(api, unit="b")
    office = api.client(Role.OFFICE)
    assert office.get("/reports").json()["count"] == 2
    by_unit = office.get("/reports", {"unit": api.town_b.pk}).json()
    assert [r["id"] for r in by_unit["items"]] == [theirs.pk]
    by_indicator = office.get("/reports", {"indicator": api.indicator_a.pk}).json()
    assert [r["id"] for r in by_indicator["items"]] == [mine.pk]
    assert office.get("/reports", {"period": "2022Q2"}).json()["count"] == 0
    assert office.get("/reports", {"status": "submitted"}).json()["count"] == 0
    assert office.get("/reports", {"status": "draft"}).json()["count"] == 2
    assert office.get("/reports", {"plan": api.other.plan.pk}).json()["count"] == 0
    assert_error(office.get("/reports", {"status": "nonsense"}), 422, "validation_error")
    assert_error(office.get("/reports", {"period": "Q3"}), 422, "validation_error")
    # A town's reporter never sees another town's reports, even when asking for them.
    reporter = api.client(Role.REPORTER)
    assert [r["id"] for r in reporter.get("/reports").json()["items"]] == [mine.pk]
    assert reporter.get("/reports", {"unit": api.town_b.pk}).json()["count"] == 0
    assert_error(reporter.get(f"/reports/{theirs.pk}"), 404, "not_found")


def test_superseded_versions_on_request(api: Any) -> None:
    report = draft(api)
    users = api.users
    report_services.report_submit(actor=users[Role.REPORTER], report=report)
    report_services.report_unit_approve(actor=users[Role.UNIT_HEAD], report=report)
    report_services.report_office_approve(actor=users[Role.OFFICE], report=report)
    correction = report_services.report_correct(
        actor=users[Role.OFFICE], report=report, reason="口径调整"
    )
    client = api.client(Role.OFFICE)
    current = client.get("/reports").json()
    assert [r["id"] for r in current["items"]] == [correction.pk]
    every = client.get("/reports", {"all_versions": "true"}).json()
    assert {r["id"] for r in every["items"]} == {report.pk, correction.pk}
    old = client.get(f"/reports/{report.pk}").json()
    assert old["is_current"] is False and old["status"] == "approved"
