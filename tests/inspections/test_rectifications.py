"""Rectifications (整改): the lifecycle to closure (销号), forbidden transitions, and the daily
escalation of overdue ones (alerts and notifications once per level, blue → yellow → red)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.inspections import calculations as calc
from kaoping.inspections import jobs, services
from kaoping.inspections.models import Rectification, RectificationCheck
from kaoping.org.models import Role
from kaoping.tracking.models import Alert, Notification

DEADLINE = date(2022, 11, 30)
OPENED = date(2022, 10, 12)
Status = Rectification.Status


def open_one(insp: Any, **kwargs: Any) -> Rectification:
    finding = kwargs.pop("finding", None) or insp.finding()
    return services.rectification_open(
        actor=insp.inspector,
        finding=finding,
        deadline=kwargs.pop("deadline", DEADLINE),
        plan_text="补齐税收台账，建立月度核对机制",
        today=OPENED,
        **kwargs,
    )


def test_the_lifecycle_to_closure(insp: Any) -> None:
    users = insp.world.users
    r = open_one(insp)
    # the responsible person defaults from the assignment; the unit is told
    assert r.unit == insp.world.town_a and r.status == Status.OPEN
    assert r.responsible_person == insp.world.assignment_a.responsible_person
    assert Notification.objects.filter(dedupe_key=f"rectification:{r.pk}:opened").count() == 2
    services.rectification_update_progress(
        actor=users[Role.REPORTER],
        rectification=r,
        on=date(2022, 10, 20),
        text="已补齐9月台账",
        percent=40,
    )
    assert r.status == Status.IN_PROGRESS and r.percent == 40
    services.rectification_submit(actor=users[Role.UNIT_HEAD], rectification=r, note="全部完成")
    assert r.status == Status.SUBMITTED and r.percent == 100
    services.rectification_return(actor=insp.inspector, rectification=r, note="10月台账仍缺")
    assert r.status == Status.RETURNED
    services.rectification_update_progress(
        actor=users[Role.UNIT_HEAD],
        rectification=r,
        on=date(2022, 11, 2),
        text="补齐10月",
        percent=90,
    )
    services.rectification_submit(actor=users[Role.UNIT_HEAD], rectification=r)
    services.rectification_verify(actor=insp.inspector, rectification=r, note="复核通过")
    assert r.status == Status.VERIFIED and r.verified_at is not None
    services.rectification_close(actor=insp.office, rectification=r, note="销号")
    assert Rectification.objects.get(pk=r.pk).status == Status.CLOSED
    assert list(r.checks.values_list("result", flat=True)) == [
        RectificationCheck.Result.FAILED,
        RectificationCheck.Result.PASSED,
    ]
    assert r.progress.count() == 3  # two entries and the submission note
    assert list(
        AuditEvent.objects.filter(object_type="inspections.rectification")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "inspection.rectification_open",
        "inspection.rectification_progress",
        "inspection.rectification_submit",
        "inspection.rectification_return",
        "inspection.rectification_progress",
        "inspection.rectification_submit",
        "inspection.rectification_verify",
        "inspection.rectification_close",
    ]


def test_forbidden_transitions(insp: Any) -> None:
    users = insp.world.users
    r = open_one(insp)
    with pytest.raises(ApplicationError, match="Only a rectification submitted"):
        services.rectification_verify(actor=insp.inspector, rectification=r, note="x")
    with pytest.raises(ApplicationError, match="Only a verified"):
        services.rectification_close(actor=insp.office, rectification=r)
    with pytest.raises(ApplicationError, match="has a rectification already"):
        open_one(insp, finding=r.finding)
    services.rectification_submit(actor=users[Role.UNIT_HEAD], rectification=r)
    with pytest.raises(ApplicationError, match="only while the rectification is open"):
        services.rectification_update_progress(
            actor=users[Role.REPORTER], rectification=r, on=OPENED, text="x", percent=1
        )
    with pytest.raises(ApplicationError, match="verification note"):
        services.rectification_verify(actor=insp.inspector, rectification=r, note="")


def test_who_may_do_what(insp: Any) -> None:
    users = insp.world.users
    r = open_one(insp)
    for who in ("reporter_b", Role.LEADER, Role.OFFICE):
        with pytest.raises(PermissionDeniedError):
            services.rectification_update_progress(
                actor=users[who], rectification=r, on=OPENED, text="x", percent=10
            )
    with pytest.raises(PermissionDeniedError):  # the head submits, not a reporter
        services.rectification_submit(actor=users[Role.REPORTER], rectification=r)
    with pytest.raises(PermissionDeniedError):
        services.rectification_open(
            actor=users[Role.UNIT_HEAD],
            finding=insp.finding(title="另一问题"),
            deadline=DEADLINE,
            plan_text="x",
            today=OPENED,
        )
    services.rectification_submit(actor=users[Role.UNIT_HEAD], rectification=r)
    with pytest.raises(PermissionDeniedError):
        services.rectification_verify(actor=users[Role.UNIT_HEAD], rectification=r, note="x")
    services.rectification_verify(actor=insp.inspector, rectification=r, note="x")
    with pytest.raises(PermissionDeniedError):
        services.rectification_close(actor=insp.inspector, rectification=r)


def test_bad_input_is_refused(insp: Any) -> None:
    with pytest.raises(ApplicationError, match="in the past"):
        open_one(insp, deadline=OPENED - timedelta(days=1))
    r = open_one(insp)
    with pytest.raises(ApplicationError, match="between 0 and 100"):
        services.rectification_update_progress(
            actor=insp.world.users[Role.REPORTER], rectification=r, on=OPENED, text="x", percent=101
        )
    with pytest.raises(ConflictError):
        services.rectification_update_progress(
            actor=insp.world.users[Role.REPORTER],
            rectification=r,
            on=OPENED,
            text="x",
            percent=10,
            expected_version=r.row_version + 1,
        )


# --- escalation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "level"),
    [(-1, ""), (0, ""), (1, "blue"), (9, "blue"), (10, "yellow"), (19, "yellow"), (20, "red")],
)
def test_escalation_levels_by_days_overdue(days: int, level: str) -> None:
    assert calc.escalation_level(DEADLINE, DEADLINE + timedelta(days=days)) == level


def test_a_plan_may_set_its_own_thresholds() -> None:
    assert calc.escalation_days([3, 6, 9]) == (3, 6, 9)
    assert calc.escalation_days([3, 2, 9]) == calc.DEFAULT_ESCALATION_DAYS
    assert calc.escalation_days(None) == calc.DEFAULT_ESCALATION_DAYS


def test_overdue_rectifications_escalate_once_per_level(insp: Any) -> None:
    r = open_one(insp)
    later = open_one(insp, finding=insp.finding(title="另一问题"), deadline=date(2023, 6, 30))
    # not yet overdue on the deadline itself
    assert services.rectification_escalate_overdue(today=DEADLINE)["overdue"] == 0
    day1 = DEADLINE + timedelta(days=1)
    summary = services.rectification_escalate_overdue(today=day1)
    assert summary == {"overdue": 1, "alerts": 1, "escalated": 1, "notifications": 2}
    r.refresh_from_db()
    assert r.escalation_level == "blue" and r.escalated_on == day1
    blue = Notification.objects.filter(dedupe_key=f"rectification:{r.pk}:overdue:blue")
    assert {n.user.username for n in blue} == {"reporter_a", "head_a"}  # person and head
    alert = Alert.objects.get(kind=Alert.Kind.RECTIFICATION_OVERDUE)
    assert alert.unit == insp.world.town_a and alert.resolved_at is None
    # a second run the same day (or the next) adds nothing
    count = Notification.objects.count()
    again = services.rectification_escalate_overdue(today=day1 + timedelta(days=1))
    assert again == {"overdue": 1, "alerts": 0, "escalated": 0, "notifications": 0}
    assert Notification.objects.count() == count
    # yellow after 10 days: the responsible leader (王镇长, the head) is told too
    services.rectification_escalate_overdue(today=DEADLINE + timedelta(days=10))
    r.refresh_from_db()
    assert r.escalation_level == "yellow"
    # red after 20 days: the office as well
    services.rectification_escalate_overdue(today=DEADLINE + timedelta(days=25))
    r.refresh_from_db()
    assert r.escalation_level == "red"
    red = Notification.objects.filter(dedupe_key=f"rectification:{r.pk}:overdue:red")
    assert "office" in {n.user.username for n in red}
    later.refresh_from_db()
    assert later.escalation_level == ""
    assert AuditEvent.objects.filter(action="inspection.rectification_escalate").count() == 3
    # submitting resolves the alert
    services.rectification_submit(actor=insp.world.users[Role.UNIT_HEAD], rectification=r)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_a_red_escalation_at_once_when_found_long_overdue(insp: Any) -> None:
    r = open_one(insp)
    services.rectification_escalate_overdue(today=DEADLINE + timedelta(days=30))
    r.refresh_from_db()
    assert r.escalation_level == "red"
    assert not Notification.objects.filter(dedupe_key__endswith=":overdue:blue").exists()


def test_the_job_runs_the_sweep(insp: Any) -> None:
    open_one(insp)
    assert jobs.overdue_sweep(DEADLINE + timedelta(days=2))["escalated"] == 1
    assert jobs.overdue_sweep(DEADLINE + timedelta(days=2))["escalated"] == 0


def test_the_command_runs_the_sweep_as_of_a_day(insp: Any) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    open_one(insp)
    out = StringIO()
    call_command("rectificationsweep", "--date", "2022-12-25", stdout=out)
    assert out.getvalue().strip()  # the summary (in the site's language)
    assert Rectification.objects.get().escalation_level == "red"
    with pytest.raises(CommandError):
        call_command("rectificationsweep", "--date", "25/12/2022")


def test_the_overdue_alert_shows_on_the_tracking_alert_page(insp: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    open_one(insp, finding=insp.finding(indicator=None, title="台账缺失"))
    services.rectification_escalate_overdue(today=DEADLINE + timedelta(days=1))
    client = Client()
    client.force_login(insp.office)
    response = client.get(reverse("tracking:alert_list"))
    assert response.status_code == 200 and "台账缺失" in response.content.decode()
