"""Inspection services: rounds, findings (谁主管谁负责 defaults), deductions and caps, appeals
and their window, rulings, optimistic locking, and the audit trail of every write."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.inspections import services
from kaoping.inspections.models import (
    Appeal,
    Deduction,
    DeductionRule,
    Finding,
    FindingEvidence,
    InspectionRound,
)
from kaoping.org.models import Role
from kaoping.plans.models import Indicator
from kaoping.tracking.evidence import EvidenceRejected
from kaoping.tracking.models import Notification
from tests.inspections.conftest import CONFIRMED, FOUND, pdf


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# --- rounds ---------------------------------------------------------------------------------
def test_a_round_goes_from_draft_to_open_to_closed_and_is_audited(insp: Any) -> None:
    world = insp.world
    r = services.round_create(
        actor=insp.office,
        plan=world.plan,
        code="2022-q4",
        name="第四季度察访核验",
        level=InspectionRound.Level.COUNTY,
        period_start=date(2022, 10, 1),
        period_end=date(2022, 12, 31),
        appeal_days=5,
    )
    assert r.status == InspectionRound.Status.DRAFT and r.appeal_days == 5
    services.round_open(actor=insp.office, inspection_round=r)
    services.round_close(actor=insp.office, inspection_round=r)
    assert r.status == InspectionRound.Status.CLOSED and r.closed_at is not None
    events = AuditEvent.objects.filter(
        object_id=str(r.pk), object_type="inspections.inspectionround"
    )
    assert [e.action for e in events.order_by("pk")] == [
        "inspection.round_create",
        "inspection.round_open",
        "inspection.round_close",
    ]
    assert events.get(action="inspection.round_close").before == {"status": "open"}


def test_round_transitions_out_of_order_are_refused(insp: Any) -> None:
    with pytest.raises(ApplicationError, match="Only a draft round"):
        services.round_open(actor=insp.office, inspection_round=insp.county_round)
    services.round_close(actor=insp.office, inspection_round=insp.county_round)
    with pytest.raises(ApplicationError, match="Only an open round"):
        services.round_close(actor=insp.office, inspection_round=insp.county_round)


@pytest.mark.parametrize("role", [Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.AUDITOR])
def test_only_the_office_and_inspectors_create_rounds(insp: Any, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.round_create(
            actor=insp.world.users[role],
            plan=insp.world.plan,
            code="x",
            name="x",
            level=InspectionRound.Level.COUNTY,
            period_start=date(2022, 1, 1),
            period_end=date(2022, 3, 31),
        )


def test_a_round_level_must_match_its_plan_and_period(insp: Any) -> None:
    kwargs: dict[str, Any] = {
        "actor": insp.office,
        "code": "x",
        "name": "x",
        "period_start": date(2022, 1, 1),
        "period_end": date(2022, 3, 31),
    }
    with pytest.raises(ApplicationError, match="provincial round belongs"):
        services.round_create(plan=insp.world.plan, level="provincial", **kwargs)
    kwargs["period_end"] = date(2021, 12, 1)
    with pytest.raises(ApplicationError, match="ends before"):
        services.round_create(plan=insp.world.plan, level="county", **kwargs)


def test_a_stale_version_is_a_conflict(insp: Any) -> None:
    r = insp.county_round
    with pytest.raises(ConflictError):
        services.round_close(actor=insp.office, inspection_round=r, expected_version=1)
    assert InspectionRound.objects.get(pk=r.pk).status == InspectionRound.Status.OPEN


# --- findings ---------------------------------------------------------------------------------
def test_a_finding_takes_its_responsible_unit_and_leader_from_the_assignment(insp: Any) -> None:
    finding = insp.finding()
    assert finding.responsible_unit == insp.world.town_a
    assert finding.responsible_leader == insp.world.assignment_a.responsible_leader
    event = AuditEvent.objects.get(action="inspection.finding_record")
    assert event.after["title"] == "税收台账不完整"


def test_a_provincial_finding_is_on_the_county_and_answered_by_the_lead_department(
    insp: Any,
) -> None:
    finding = insp.finding(
        inspection_round=insp.provincial_round,
        unit=insp.world.county,
        indicator=insp.trade,
        title="外贸进出口数据与海关口径不一致",
    )
    assert finding.unit == insp.world.county
    assert finding.responsible_unit == insp.world.dept_a
    assert finding.responsible_leader == insp.dept_leader
    with pytest.raises(ApplicationError, match="every finding is on"):
        insp.finding(inspection_round=insp.provincial_round, unit=insp.world.dept_a, indicator=None)


def test_a_finding_without_indicator_is_answered_by_the_unit_and_its_head(insp: Any) -> None:
    finding = insp.finding(indicator=None)
    assert finding.responsible_unit == insp.world.town_a
    assert finding.responsible_leader.name == "王镇长"


def test_findings_are_refused_outside_an_open_round_and_for_other_plans(insp: Any) -> None:
    with pytest.raises(ApplicationError, match="indicator must be one of the round's plan"):
        insp.finding(indicator=insp.trade)
    with pytest.raises(ApplicationError, match="town or department"):
        insp.finding(unit=insp.world.county)
    services.round_close(actor=insp.office, inspection_round=insp.county_round)
    with pytest.raises(ApplicationError, match="only in an open round"):
        insp.finding()


@pytest.mark.parametrize("role", [Role.REPORTER, Role.UNIT_HEAD, Role.LEADER])
def test_units_and_leaders_do_not_record_findings(insp: Any, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.finding_record(
            actor=insp.world.users[role],
            inspection_round=insp.county_round,
            unit=insp.world.town_a,
            title="x",
            found_on=FOUND,
        )


def test_a_finding_is_updated_with_its_version(insp: Any) -> None:
    finding = insp.finding()
    services.finding_update(
        actor=insp.inspector,
        finding=finding,
        title="税收台账不完整（已核实）",
        found_on=FOUND,
        severity=Finding.Severity.SERIOUS,
        indicator=insp.world.indicator_a,
        expected_version=1,
    )
    assert finding.row_version == 2 and finding.severity == "serious"
    with pytest.raises(ConflictError):
        services.finding_update(
            actor=insp.inspector, finding=finding, title="x", found_on=FOUND, expected_version=1
        )
    event = AuditEvent.objects.get(action="inspection.finding_update")
    assert event.before["severity"] == "general" and event.after["severity"] == "serious"


def test_evidence_is_checked_by_content_and_stored_by_hash(
    insp: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    finding = insp.finding()
    evidence = services.finding_evidence_attach(actor=insp.inspector, finding=finding, upload=pdf())
    assert evidence.content_type == "application/pdf"
    assert evidence.file.name.startswith(f"inspections/{evidence.sha256[:2]}/")
    with pytest.raises(EvidenceRejected):
        services.finding_evidence_attach(
            actor=insp.inspector,
            finding=finding,
            upload=pdf("x.pdf").__class__("x.pdf", b"MZ\x90\x00not a pdf"),
        )
    with pytest.raises(PermissionDeniedError):
        services.finding_evidence_attach(
            actor=insp.world.users[Role.REPORTER], finding=finding, upload=pdf()
        )
    assert FindingEvidence.objects.count() == 1


# --- deductions ---------------------------------------------------------------------------------
def test_a_deduction_is_proposed_then_confirmed_and_the_unit_is_told(insp: Any) -> None:
    deduction = insp.deduction(points="1.5")
    assert deduction.status == Deduction.Status.PROPOSED
    assert deduction.unit == insp.world.town_a and deduction.category == "economic"
    assert deduction.effective_points == Decimal("1.50")
    services.deduction_confirm(actor=insp.office, deduction=deduction, today=CONFIRMED)
    assert deduction.status == Deduction.Status.CONFIRMED
    assert deduction.appeal_deadline == CONFIRMED + timedelta(days=7)
    told = set(
        Notification.objects.filter(dedupe_key=f"deduction:{deduction.pk}:confirmed").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"head_a", "reporter_a"}
    assert actions()[-2:] == ["inspection.deduction_record", "inspection.deduction_confirm"]
    with pytest.raises(ApplicationError, match="Only a proposed"):
        services.deduction_confirm(actor=insp.office, deduction=deduction)


def test_only_the_office_confirms_deductions(insp: Any) -> None:
    deduction = insp.deduction()
    with pytest.raises(PermissionDeniedError):
        services.deduction_confirm(actor=insp.inspector, deduction=deduction)


def test_a_deduction_without_indicator_comes_off_executive_capacity(insp: Any) -> None:
    finding = insp.finding(indicator=None)
    deduction = insp.deduction(finding=finding)
    assert deduction.indicator is None and deduction.category == Indicator.Category.EXECUTIVE


def test_a_provincial_deduction_is_the_countys_and_attributed_to_the_department(
    insp: Any,
) -> None:
    finding = insp.finding(
        inspection_round=insp.provincial_round, unit=insp.world.county, indicator=insp.trade
    )
    deduction = insp.deduction(finding=finding, points="0.5")
    assert deduction.unit == insp.world.county
    assert deduction.responsible_unit == insp.world.dept_a
    assert deduction.responsible_leader == insp.dept_leader


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.005", "1000"])
def test_deduction_points_must_be_positive_with_two_decimals(insp: Any, bad: str) -> None:
    with pytest.raises(ApplicationError):
        insp.deduction(points=bad)


def test_a_cap_refuses_with_what_remains(insp: Any) -> None:
    DeductionRule.objects.create(
        plan=insp.world.plan,
        indicator=insp.world.indicator_a,
        cap=Decimal("2"),
        points_per_item=Decimal("0.5"),
    )
    insp.deduction(points="1.5")
    with pytest.raises(ApplicationError) as refused:
        insp.deduction(points="1")
    text = str(refused.value.message)
    assert "cap of 2.00 points" in text and "at most 0.50 points remain" in text
    # the rule's points per item are the default
    assert insp.deduction(points=None).points == Decimal("0.50")


def test_a_category_cap_covers_deductions_without_indicator(insp: Any) -> None:
    DeductionRule.objects.create(
        plan=insp.world.plan, category=Indicator.Category.EXECUTIVE, cap=Decimal("1")
    )
    finding = insp.finding(indicator=None)
    insp.deduction(finding=finding, points="1")
    with pytest.raises(ApplicationError, match="cap"):
        insp.deduction(finding=finding, points="0.1")


def test_deductions_need_an_open_round(insp: Any) -> None:
    finding = insp.finding()
    services.round_close(actor=insp.office, inspection_round=insp.county_round)
    with pytest.raises(ApplicationError, match="only in an open round"):
        insp.deduction(finding=finding)


# --- appeals --------------------------------------------------------------------------------
def test_an_appeal_on_the_last_day_is_accepted(insp: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    deduction = insp.confirmed()
    appeal = services.appeal_file(
        actor=insp.world.users[Role.UNIT_HEAD],
        deduction=deduction,
        reasons="台账已于检查前补齐，附佐证。",
        files=[pdf("台账.pdf")],
        today=CONFIRMED + timedelta(days=7),
    )
    assert appeal.status == Appeal.Status.PENDING
    assert Deduction.objects.get(pk=deduction.pk).status == Deduction.Status.APPEALED
    assert appeal.evidence.count() == 1
    assert AuditEvent.objects.filter(action="inspection.appeal_file").count() == 1
    assert Notification.objects.filter(user=insp.office, dedupe_key=f"appeal:{appeal.pk}:filed")


def test_an_appeal_the_day_after_the_window_is_refused(insp: Any) -> None:
    deduction = insp.confirmed()
    with pytest.raises(ApplicationError, match="appeal window closed on 2022-10-17"):
        services.appeal_file(
            actor=insp.world.users[Role.REPORTER],
            deduction=deduction,
            reasons="理由",
            today=CONFIRMED + timedelta(days=8),
        )
    assert not Appeal.objects.exists()


def test_appeals_need_a_confirmed_deduction_and_the_units_staff(insp: Any) -> None:
    proposed = insp.deduction()
    with pytest.raises(ApplicationError, match="Only a confirmed"):
        services.appeal_file(
            actor=insp.world.users[Role.REPORTER], deduction=proposed, reasons="x", today=CONFIRMED
        )
    deduction = insp.confirmed()
    for who in ("reporter_b", Role.LEADER, Role.OFFICE):
        with pytest.raises(PermissionDeniedError):
            services.appeal_file(
                actor=insp.world.users[who], deduction=deduction, reasons="x", today=CONFIRMED
            )
    services.appeal_file(
        actor=insp.world.users[Role.REPORTER], deduction=deduction, reasons="x", today=CONFIRMED
    )
    with pytest.raises(ApplicationError):
        services.appeal_file(
            actor=insp.world.users[Role.REPORTER], deduction=deduction, reasons="y", today=CONFIRMED
        )


def appealed(insp: Any, points: str = "2") -> Appeal:
    deduction = insp.confirmed(points=points)
    return services.appeal_file(
        actor=insp.world.users[Role.UNIT_HEAD], deduction=deduction, reasons="理由", today=CONFIRMED
    )


def test_an_upheld_appeal_withdraws_the_deduction(insp: Any) -> None:
    appeal = appealed(insp)
    services.appeal_rule(
        actor=insp.office, appeal=appeal, decision="upheld", reason="佐证属实，撤销扣分"
    )
    deduction = Deduction.objects.get(pk=appeal.deduction_id)
    assert deduction.status == Deduction.Status.WITHDRAWN and deduction.effective_points == 0
    event = AuditEvent.objects.get(action="inspection.appeal_rule")
    assert event.before["status"] == "pending" and event.after["status"] == "upheld"
    assert event.before["deduction_status"] == "appealed"
    assert event.after["deduction_status"] == "withdrawn"
    assert event.reason == "佐证属实，撤销扣分"


def test_a_partly_upheld_appeal_reduces_the_points(insp: Any) -> None:
    appeal = appealed(insp)
    with pytest.raises(ApplicationError, match="Give the points"):
        services.appeal_rule(actor=insp.office, appeal=appeal, decision="partly_upheld", reason="r")
    with pytest.raises(ApplicationError, match="fewer points"):
        services.appeal_rule(
            actor=insp.office, appeal=appeal, decision="partly_upheld", reason="r", points_after="2"
        )
    services.appeal_rule(
        actor=insp.office, appeal=appeal, decision="partly_upheld", reason="r", points_after="0.5"
    )
    deduction = Deduction.objects.get(pk=appeal.deduction_id)
    assert deduction.status == Deduction.Status.REDUCED
    assert deduction.effective_points == Decimal("0.50") and deduction.points == Decimal("2.00")


def test_a_rejected_appeal_leaves_the_deduction_standing(insp: Any) -> None:
    appeal = appealed(insp)
    with pytest.raises(ApplicationError, match="reason for the ruling"):
        services.appeal_rule(actor=insp.office, appeal=appeal, decision="rejected", reason=" ")
    services.appeal_rule(actor=insp.office, appeal=appeal, decision="rejected", reason="理由不成立")
    deduction = Deduction.objects.get(pk=appeal.deduction_id)
    assert deduction.status == Deduction.Status.CONFIRMED
    assert deduction.effective_points == Decimal("2.00")
    with pytest.raises(ApplicationError, match="ruled on already"):
        services.appeal_rule(actor=insp.office, appeal=appeal, decision="upheld", reason="x")


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.UNIT_HEAD, Role.LEADER])
def test_only_the_office_rules_on_appeals(insp: Any, role: str) -> None:
    appeal = appealed(insp)
    with pytest.raises(PermissionDeniedError):
        services.appeal_rule(
            actor=insp.world.users[role], appeal=appeal, decision="upheld", reason="x"
        )


def test_the_office_sets_deduction_rules(insp: Any) -> None:
    rule = services.deduction_rule_set(
        actor=insp.office,
        plan=insp.world.plan,
        category=Indicator.Category.EXECUTIVE,
        points_per_item="0.2",
        cap="3",
    )
    again = services.deduction_rule_set(
        actor=insp.office, plan=insp.world.plan, category="executive", cap="2"
    )
    assert again.pk == rule.pk and again.cap == Decimal("2.00") and again.points_per_item is None
    event = AuditEvent.objects.filter(action="inspection.deduction_rule_set").order_by("pk").last()
    assert event.before["cap"] == "3.00" and event.after["cap"] == "2.00"
    with pytest.raises(PermissionDeniedError):
        services.deduction_rule_set(
            actor=insp.inspector, plan=insp.world.plan, category="executive", cap="1"
        )
    with pytest.raises(ApplicationError, match="indicator must be one of the plan"):
        services.deduction_rule_set(actor=insp.office, plan=insp.world.plan, indicator=insp.trade)


def test_a_rule_on_a_parent_indicator_covers_its_children(insp: Any) -> None:
    services.deduction_rule_set(
        actor=insp.office, plan=insp.world.plan, indicator=insp.world.category, cap="1"
    )
    insp.deduction(points="0.6")
    with pytest.raises(ApplicationError, match=r"at most 0\.40 points remain"):
        insp.deduction(
            finding=insp.finding(indicator=insp.world.indicator_b, unit=insp.world.town_a),
            points="0.5",
        )
