"""Supervision: alerts, notifications and e-mail, escalation, explanations, 回头看, pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Person, Role
from kaoping.plans.models import Plan
from kaoping.tracking import jobs
from kaoping.tracking.models import (
    Alert,
    Explanation,
    Milestone,
    Notification,
    ProgressReport,
    Review,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from kaoping.tracking.services import supervision as services
from tests.factories import user_with_role

APPROVED = ProgressReport.Status.APPROVED
# Sweep days: a Friday after each quarter (no holidays recorded: weekends only).
AFTER_Q1, AFTER_Q2, AFTER_Q3 = date(2022, 4, 15), date(2022, 7, 15), date(2022, 10, 14)


@pytest.fixture
def county(world: Any) -> Any:
    """The world's plan published; town A's head and responsible person reachable by mail."""
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    world.plan.refresh_from_db()
    head = world.users[Role.UNIT_HEAD]
    head.email = "wang@example.gov.cn"
    head.save(update_fields=["email"])
    Person.objects.filter(pk=world.users[Role.REPORTER].person_id).update(
        email="zhao@example.gov.cn"
    )
    return world


def approve(
    world: Any,
    period: str,
    value: Any,
    *,
    indicator: Any = None,
    unit: Any = None,
    version: int = 1,
) -> ProgressReport:
    return ProgressReport.objects.create(
        indicator=indicator or world.indicator_a,
        unit=unit or world.town_a,
        period=period,
        version=version,
        status=APPROVED,
        value=D(str(value)),
    )


def sweep(day: date, capture: Any) -> services.SweepSummary:
    with capture(execute=True):
        return services.supervision_sweep(today=day)


# --- alerts and notifications ---------------------------------------------------------------
def test_a_red_item_alerts_its_people_once_in_app_and_by_mail(
    county, django_capture_on_commit_callbacks
) -> None:
    # given town A at 10 % of its target after Q1 (expected 25 %: 15 pp behind → red)
    approve(county, "2022Q1", 10)
    # when the daily sweep runs
    summary = sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    # then one alert, and its responsible person and leader (the head) are told once each
    alert = Alert.objects.get(kind=Alert.Kind.RED_STATUS)
    assert alert.unit == county.town_a and alert.period == "2022Q1"
    assert alert.dedupe_key == f"red_status:{county.town_a.pk}:{county.indicator_a.pk}::2022Q1"
    told = Notification.objects.filter(dedupe_key=alert.dedupe_key)
    assert {n.user.username for n in told} == {"head_a", "reporter_a"}
    assert sorted(m.to[0] for m in mail.outbox if m.body.startswith(alert.message)) == [
        "wang@example.gov.cn",
        "zhao@example.gov.cn",
    ]
    assert summary.alerts >= 1 and summary.notifications >= 2
    # when it runs again the same day, nothing new happens
    before = (
        Alert.objects.count(),
        Notification.objects.count(),
        len(mail.outbox),
        SupervisionNotice.objects.count(),
        Explanation.objects.count(),
    )
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    after = (
        Alert.objects.count(),
        Notification.objects.count(),
        len(mail.outbox),
        SupervisionNotice.objects.count(),
        Explanation.objects.count(),
    )
    assert before == after


def test_alert_is_resolved_when_the_item_recovers(
    county, django_capture_on_commit_callbacks
) -> None:
    approve(county, "2022Q1", 10)
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    approve(county, "2022Q2", 60)  # 60 % against 50 %: green
    summary = sweep(AFTER_Q2, django_capture_on_commit_callbacks)
    assert Alert.objects.get(kind=Alert.Kind.RED_STATUS).resolved_at is not None
    assert summary.resolved == 1


def test_overdue_milestone_alerts_and_resolves_when_done(
    county, django_capture_on_commit_callbacks
) -> None:
    task = Task.objects.create(
        assignment=county.assignment_a,
        unit=county.town_a,
        name="招商引资项目",
        deadline=date(2022, 12, 31),
        owner=Person.objects.get(name="赵干事"),
    )
    milestone = Milestone.objects.create(task=task, name="签约", due=date(2022, 4, 8))
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    alert = Alert.objects.get(kind=Alert.Kind.OVERDUE_MILESTONE)
    assert alert.milestone == milestone and alert.resolved_at is None
    assert Notification.objects.filter(dedupe_key=alert.dedupe_key).count() == 2
    Milestone.objects.filter(pk=milestone.pk).update(done_on=date(2022, 4, 12))
    sweep(date(2022, 4, 18), django_capture_on_commit_callbacks)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_reports_due_soon_are_reminded_and_late_ones_alerted(
    county, django_capture_on_commit_callbacks
) -> None:
    due_soon = ProgressReport.objects.create(
        indicator=county.indicator_a,
        unit=county.town_a,
        period="2022Q1",
        deadline=date(2022, 4, 20),
    )  # Wednesday: within 3 working days of Friday 15
    late = ProgressReport.objects.create(
        indicator=county.indicator_b,
        unit=county.town_b,
        period="2022Q1",
        deadline=date(2022, 4, 14),
        status=ProgressReport.Status.RETURNED,
    )
    ProgressReport.objects.create(
        indicator=county.indicator_a,
        unit=county.town_a,
        period="2022Q2",
        deadline=date(2022, 7, 20),
    )  # not yet
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    reminded = Notification.objects.filter(dedupe_key__startswith="report_due:")
    assert {n.user.username for n in reminded} == {"head_a", "reporter_a"}
    assert all(str(due_soon.pk) in n.dedupe_key for n in reminded)
    alert = Alert.objects.get(kind=Alert.Kind.LATE_REPORT)
    assert alert.unit == county.town_b and alert.indicator_id == late.indicator_id
    assert Notification.objects.get(dedupe_key=alert.dedupe_key).user.username == "reporter_b"


# --- escalation -------------------------------------------------------------------------------
def test_escalation_blue_yellow_red_over_three_red_periods(
    county, django_capture_on_commit_callbacks
) -> None:
    # given town B on schedule every quarter (no notice) and town A red quarter after quarter
    for period, value in (("2022Q1", 30), ("2022Q2", 55), ("2022Q3", 80)):
        approve(county, period, value, indicator=county.indicator_b, unit=county.town_b)
    levels = []
    for period, value, day in (
        ("2022Q1", 10, AFTER_Q1),
        ("2022Q2", 20, AFTER_Q2),
        ("2022Q3", 30, AFTER_Q3),
    ):
        approve(county, period, value)
        sweep(day, django_capture_on_commit_callbacks)
        notice = SupervisionNotice.objects.get(unit=county.town_a, period=period)
        levels.append((notice.level, notice.consecutive_red))
    assert levels == [("blue", 1), ("yellow", 2), ("red", 3)]
    red = SupervisionNotice.objects.get(period="2022Q3")
    assert red.addressed_to.name == "王镇长"  # the assignment's responsible leader
    assert red.status == SupervisionNotice.Status.OPEN
    assert not SupervisionNotice.objects.filter(unit=county.town_b).exists()
    assert Notification.objects.filter(
        dedupe_key=f"notice:{red.pk}:red", user__username="head_a"
    ).exists()
    assert AuditEvent.objects.filter(action="notice.issue").count() == 3


def test_a_corrected_earlier_period_upgrades_the_open_notice(
    county, django_capture_on_commit_callbacks
) -> None:
    approve(county, "2022Q1", 30)  # green
    approve(county, "2022Q2", 20)  # red
    sweep(AFTER_Q2, django_capture_on_commit_callbacks)
    notice = SupervisionNotice.objects.get()
    assert (notice.level, notice.consecutive_red) == ("blue", 1)
    # when Q1 is corrected down and approved, Q2 is the second red period in a row
    ProgressReport.objects.filter(period="2022Q1").update(is_current=False)
    approve(county, "2022Q1", 5, version=2)
    sweep(AFTER_Q2, django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    assert (notice.level, notice.consecutive_red) == ("yellow", 2)
    assert SupervisionNotice.objects.count() == 1  # notices follow the latest period only
    assert AuditEvent.objects.filter(action="notice.upgrade").count() == 1


def test_escalation_thresholds_come_from_the_plan(
    county, django_capture_on_commit_callbacks
) -> None:
    Plan.objects.filter(pk=county.plan.pk).update(status_rule={"escalation_periods": [2, 3, 4]})
    approve(county, "2022Q1", 10)
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    assert not SupervisionNotice.objects.exists()
    approve(county, "2022Q2", 20)
    sweep(AFTER_Q2, django_capture_on_commit_callbacks)
    assert SupervisionNotice.objects.get().level == "blue"


# --- explanations ---------------------------------------------------------------------------
@pytest.fixture
def explanation(county: Any, django_capture_on_commit_callbacks: Any) -> Explanation:
    approve(county, "2022Q1", 20)  # 5 pp behind: yellow
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    return Explanation.objects.get()


def test_lagging_unit_is_asked_to_explain_within_five_working_days(county, explanation) -> None:
    assert explanation.unit == county.town_a and explanation.period == "2022Q1"
    assert explanation.due == date(2022, 4, 22)  # Friday + 5 working days
    assert explanation.status == Explanation.Status.REQUESTED
    told = Notification.objects.filter(dedupe_key=f"explanation:{explanation.pk}:requested")
    assert {n.user.username for n in told} == {"head_a", "reporter_a"}
    assert not SupervisionNotice.objects.exists()  # yellow is no reason for a notice


def test_explanation_lifecycle(county, explanation) -> None:
    office, reporter = county.users[Role.OFFICE], county.users[Role.REPORTER]
    services.explanation_submit(
        actor=reporter,
        explanation=explanation,
        text="受疫情影响，重点企业停产",
        measures="十月底前复产",
    )
    assert explanation.status == Explanation.Status.SUBMITTED
    assert explanation.submitted_by == reporter
    with pytest.raises(ApplicationError):  # not waiting to be written any more
        services.explanation_submit(actor=reporter, explanation=explanation, text="再次")
    with pytest.raises(PermissionDeniedError):  # a reporter does not review
        services.explanation_accept(actor=reporter, explanation=explanation)
    with pytest.raises(ApplicationError):  # returning needs a note
        services.explanation_return(actor=office, explanation=explanation, note=" ")
    services.explanation_return(actor=office, explanation=explanation, note="请补充具体措施")
    assert explanation.status == Explanation.Status.RETURNED
    assert (
        Notification.objects.filter(
            user__username="reporter_a", title__contains=county.indicator_a.name
        ).count()
        >= 2
    )
    services.explanation_submit(
        actor=county.users[Role.UNIT_HEAD],
        explanation=explanation,
        text="受疫情影响",
        measures="十月底前复产，新增两个项目",
    )
    services.explanation_accept(actor=office, explanation=explanation, note="同意")
    explanation.refresh_from_db()
    assert explanation.status == Explanation.Status.ACCEPTED
    assert explanation.reviewed_by == office and explanation.review_note == "同意"
    with pytest.raises(ApplicationError):
        services.explanation_return(actor=office, explanation=explanation, note="晚了")
    actions = list(
        AuditEvent.objects.filter(object_type="tracking.explanation")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "explanation.request",
        "explanation.submit",
        "explanation.return",
        "explanation.submit",
        "explanation.accept",
    ]


def test_explanations_are_written_only_by_the_unit(county, explanation) -> None:
    for who in (county.users["reporter_b"], county.users[Role.LEADER], county.users[Role.OFFICE]):
        with pytest.raises(PermissionDeniedError):
            services.explanation_submit(actor=who, explanation=explanation, text="x")


def test_a_stale_form_cannot_decide_twice(county, explanation) -> None:
    from kaoping.core.errors import ConflictError

    services.explanation_submit(
        actor=county.users[Role.REPORTER], explanation=explanation, text="原因"
    )
    stale = Explanation.objects.get(pk=explanation.pk)
    services.explanation_accept(actor=county.users[Role.OFFICE], explanation=explanation)
    with pytest.raises(ConflictError):
        services.explanation_return(
            actor=county.users[Role.OFFICE],
            explanation=stale,
            note="x",
            expected_version=stale.row_version,
        )


def test_overdue_explanation_is_alerted(
    county, explanation, django_capture_on_commit_callbacks
) -> None:
    sweep(date(2022, 4, 25), django_capture_on_commit_callbacks)
    alert = Alert.objects.get(kind=Alert.Kind.EXPLANATION_DUE)
    assert alert.unit == county.town_a
    services.explanation_submit(
        actor=county.users[Role.REPORTER], explanation=explanation, text="原因"
    )
    alert.refresh_from_db()
    assert alert.resolved_at is not None


# --- notices and re-checks --------------------------------------------------------------------
@pytest.fixture
def notice(county: Any, django_capture_on_commit_callbacks: Any) -> SupervisionNotice:
    approve(county, "2022Q1", 10)
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    return SupervisionNotice.objects.get()


def test_notice_is_answered_by_the_unit_head_and_closed_by_the_office(county, notice) -> None:
    with pytest.raises(PermissionDeniedError):
        services.notice_answer(actor=county.users[Role.REPORTER], notice=notice, response="x")
    with pytest.raises(ApplicationError):
        services.notice_answer(actor=county.users[Role.UNIT_HEAD], notice=notice, response="")
    services.notice_answer(
        actor=county.users[Role.UNIT_HEAD], notice=notice, response="已召开专题会议，落实三项措施"
    )
    assert notice.status == SupervisionNotice.Status.ANSWERED
    assert Notification.objects.filter(
        user__username="office", dedupe_key__startswith=f"notice:{notice.pk}:answered"
    ).exists()
    with pytest.raises(ApplicationError):
        services.notice_answer(actor=county.users[Role.UNIT_HEAD], notice=notice, response="x")
    with pytest.raises(PermissionDeniedError):
        services.notice_close(actor=county.users[Role.UNIT_HEAD], notice=notice)
    services.notice_close(actor=county.users[Role.OFFICE], notice=notice)
    assert notice.status == SupervisionNotice.Status.CLOSED
    with pytest.raises(ApplicationError):
        services.notice_close(actor=county.users[Role.OFFICE], notice=notice)


def test_closing_an_unanswered_notice_needs_a_reason(county, notice) -> None:
    with pytest.raises(ApplicationError):
        services.notice_close(actor=county.users[Role.OFFICE], notice=notice)
    services.notice_close(actor=county.users[Role.OFFICE], notice=notice, reason="已整改到位")
    assert AuditEvent.objects.get(action="notice.close").reason == "已整改到位"


def test_recheck_is_recorded_by_office_or_inspector(county, notice) -> None:
    review = services.review_record(
        actor=county.users[Role.INSPECTOR],
        unit=county.town_a,
        reviewed_on=date(2022, 5, 10),
        findings="复核税收入库凭证，进度已追上",
        result=Review.Result.IMPROVING,
        notice=notice,
    )
    assert review.reviewer == county.users[Role.INSPECTOR]
    with pytest.raises(PermissionDeniedError):
        services.review_record(
            actor=county.users[Role.UNIT_HEAD],
            unit=county.town_a,
            reviewed_on=date(2022, 5, 10),
            findings="x",
            result=Review.Result.RESOLVED,
        )
    with pytest.raises(ApplicationError):  # the notice is town A's, not town B's
        services.review_record(
            actor=county.users[Role.OFFICE],
            unit=county.town_b,
            reviewed_on=date(2022, 5, 10),
            findings="x",
            result=Review.Result.RESOLVED,
            notice=notice,
        )


# --- jobs -------------------------------------------------------------------------------------
def test_recompute_job_alerts_at_once_and_is_idempotent(
    county, django_capture_on_commit_callbacks
) -> None:
    report = approve(county, "2022Q1", 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recompute_after_approval(report.pk, today=AFTER_Q1) == 1
        jobs.recompute_after_approval(report.pk, today=AFTER_Q1)
    assert TrackingResult.objects.get(period="2022Q1", unit=county.town_a).status == "red"
    assert Alert.objects.count() == 1 and SupervisionNotice.objects.count() == 1
    assert Explanation.objects.count() == 1
    draft = ProgressReport.objects.create(
        indicator=county.indicator_b, unit=county.town_b, period="2022Q1", value=D(1)
    )
    assert jobs.recompute_after_approval(draft.pk) == 0  # not approved: nothing to do


def test_daily_job_runs_the_sweep(county) -> None:
    assert jobs.daily_sweep(AFTER_Q1)["plans"] == 1
    assert AuditEvent.objects.filter(action="supervision.sweep").exists()


def test_sweep_command(county, capsys) -> None:
    from django.core.management import call_command

    approve(county, "2022Q1", 10)
    call_command("sweep", "--date", "2022-04-15")
    out = capsys.readouterr().out
    assert "1" in out and Alert.objects.count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sweep", "--date", "15/04/2022")


# --- pages --------------------------------------------------------------------------------------
@pytest.fixture
def supervised(county: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Town A red after Q1: an alert, a blue notice and an explanation request."""
    approve(county, "2022Q1", 10)
    sweep(AFTER_Q1, django_capture_on_commit_callbacks)
    return {
        "alert": Alert.objects.get(),
        "notice": SupervisionNotice.objects.get(),
        "explanation": Explanation.objects.get(),
        "other_head": user_with_role(Role.UNIT_HEAD, county.town_b, username="head_b"),
    }


def _client(world: Any, who: str, extra: dict[str, Any]) -> Any:
    from django.test import Client

    if who in extra:
        client = Client()
        client.force_login(extra[who])
        return client
    if who in world.users:
        client = Client()
        client.force_login(world.users[who])
        return client
    raise AssertionError(who)


PAGES = {
    "alerts": lambda s: reverse("tracking:alert_list"),
    "notices": lambda s: reverse("tracking:notice_list"),
    "notice": lambda s: reverse("tracking:notice_detail", args=[s["notice"].pk]),
    "explanations": lambda s: reverse("tracking:explanation_list"),
    "explanation": lambda s: reverse("tracking:explanation_detail", args=[s["explanation"].pk]),
    "reviews": lambda s: reverse("tracking:review_list"),
    "review_new": lambda s: reverse("tracking:review_create"),
    "notifications": lambda s: reverse("tracking:notification_list"),
}
# Who gets the page (200); everyone else 404. Town A's items are in the leader's portfolio.
ALLOWED = {
    "alerts": {"office", "leader", "inspector", "unit_head", "other_head"},
    "notices": {"office", "leader", "inspector", "unit_head", "other_head"},
    "notice": {"office", "leader", "inspector", "unit_head"},
    "explanations": {
        "office",
        "leader",
        "inspector",
        "unit_head",
        "reporter",
        "reporter_b",
        "other_head",
    },
    "explanation": {"office", "leader", "inspector", "unit_head", "reporter"},
    "reviews": {"office", "leader", "inspector", "unit_head", "other_head"},
    "review_new": {"office", "inspector"},
    "notifications": {
        "office",
        "leader",
        "inspector",
        "unit_head",
        "reporter",
        "reporter_b",
        "interviewer",
        "other_head",
    },
}
WHO = [
    "office",
    "leader",
    "inspector",
    "unit_head",
    "reporter",
    "reporter_b",
    "other_head",
    "interviewer",
    "auditor",
    "system_admin",
]


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("who", WHO)
def test_permission_matrix(county, supervised, page, who) -> None:
    response = _client(county, who, supervised).get(PAGES[page](supervised))
    assert response.status_code == (200 if who in ALLOWED[page] else 404), (page, who)


def test_lists_show_only_items_in_scope(county, supervised) -> None:
    office = _client(county, "office", supervised).get(reverse("tracking:alert_list"))
    assert county.indicator_a.name in office.content.decode()
    other = _client(county, "other_head", supervised).get(reverse("tracking:notice_list"))
    assert county.indicator_a.name not in other.content.decode()
    mine = _client(county, "reporter", supervised).get(reverse("tracking:explanation_list"))
    assert county.indicator_a.name in mine.content.decode()
    theirs = _client(county, "reporter_b", supervised).get(reverse("tracking:explanation_list"))
    assert county.indicator_a.name not in theirs.content.decode()


def test_notifications_page_marks_read_and_opens_the_link(county, supervised) -> None:
    client = _client(county, "unit_head", supervised)
    page = client.get(reverse("tracking:notification_list"))
    assert page.context["unread"] >= 1
    mine = Notification.objects.filter(user__username="head_a", read_at__isnull=True).first()
    response = client.post(reverse("tracking:notification_read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == mine.url
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs = Notification.objects.filter(user__username="reporter_a").first()
    assert client.post(reverse("tracking:notification_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("tracking:notification_read_all"))
    assert not Notification.objects.filter(user__username="head_a", read_at__isnull=True).exists()


def test_answering_and_closing_through_the_pages(county, supervised) -> None:
    notice = supervised["notice"]
    url = reverse("tracking:notice_answer", args=[notice.pk])
    detail = _client(county, "unit_head", supervised).get(
        reverse("tracking:notice_detail", args=[notice.pk])
    )
    assert detail.context["can_answer"] and not detail.context["can_close"]
    refused = _client(county, "leader", supervised).post(
        url, {"version": notice.row_version, "response": "x"}
    )
    assert refused.status_code == 400  # in scope, but not theirs to answer
    ok = _client(county, "unit_head", supervised).post(
        url, {"version": notice.row_version, "response": "已落实整改"}
    )
    assert ok.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "answered"
    closed = _client(county, "office", supervised).post(
        reverse("tracking:notice_close", args=[notice.pk]), {"version": notice.row_version}
    )
    assert closed.status_code == 302
    assert SupervisionNotice.objects.get().status == "closed"
    assert (
        _client(county, "other_head", supervised)
        .post(url, {"version": 1, "response": "x"})
        .status_code
        == 404
    )


def test_explanation_through_the_pages(county, supervised) -> None:
    explanation = supervised["explanation"]
    submit = reverse("tracking:explanation_submit", args=[explanation.pk])
    empty = _client(county, "reporter", supervised).post(
        submit, {"version": explanation.row_version, "text": ""}
    )
    assert empty.status_code == 400
    ok = _client(county, "reporter", supervised).post(
        submit, {"version": explanation.row_version, "text": "原因", "measures": "措施"}
    )
    assert ok.status_code == 302
    explanation.refresh_from_db()
    review = reverse("tracking:explanation_review", args=[explanation.pk])
    no_note = _client(county, "office", supervised).post(
        review, {"version": explanation.row_version, "decision": "return", "note": ""}
    )
    assert no_note.status_code == 400
    assert (
        _client(county, "office", supervised)
        .post(review, {"version": explanation.row_version, "decision": "accept"})
        .status_code
        == 302
    )
    assert Explanation.objects.get().status == "accepted"


def test_recording_a_recheck_through_the_page(county, supervised) -> None:
    notice = supervised["notice"]
    client = _client(county, "inspector", supervised)
    form = client.get(reverse("tracking:review_create") + f"?notice={notice.pk}")
    assert form.context["form"].initial["notice"] == notice.pk
    response = client.post(
        reverse("tracking:review_create"),
        {
            "unit": county.town_a.pk,
            "notice": notice.pk,
            "reviewed_on": "2022-05-10",
            "findings": "复核入库凭证",
            "result": "improving",
        },
    )
    assert response.status_code == 302
    assert Review.objects.get().notice == notice
    # a unit outside the inspector's scope cannot even be chosen
    from tests.factories import make_unit

    elsewhere = make_unit("X01", "外县", "county")
    assert (
        client.post(
            reverse("tracking:review_create"),
            {
                "unit": elsewhere.pk,
                "reviewed_on": "2022-05-10",
                "findings": "x",
                "result": "resolved",
            },
        ).status_code
        == 404
    )


def test_list_pages_have_a_query_budget(county, supervised, django_assert_max_num_queries) -> None:
    from tests.factories import IndicatorFactory

    for n in range(10):  # ten more red items of town A, each with its alert, notice, …
        indicator = IndicatorFactory(plan=county.plan, parent=county.category, code=f"A9{n}")
        notice = SupervisionNotice.objects.create(
            indicator=indicator,
            unit=county.town_a,
            period="2022Q1",
            level="blue",
            consecutive_red=1,
        )
        Alert.objects.create(
            kind=Alert.Kind.RED_STATUS,
            unit=county.town_a,
            indicator=indicator,
            period="2022Q1",
            message="m",
            dedupe_key=f"k{n}",
        )
        Explanation.objects.create(
            indicator=indicator, unit=county.town_a, period="2022Q1", due=date(2022, 4, 22)
        )
        Review.objects.create(
            unit=county.town_a,
            notice=notice,
            reviewed_on=date(2022, 5, 1),
            findings="f",
            result="resolved",
            reviewer=county.users[Role.OFFICE],
        )
        Notification.objects.create(user=county.users[Role.OFFICE], title=f"t{n}")
    client = _client(county, "office", supervised)
    for page in ("alerts", "notices", "explanations", "reviews", "notifications"):
        with django_assert_max_num_queries(12):
            assert client.get(PAGES[page](supervised)).status_code == 200


def test_queued_jobs_run_through_huey(county, django_capture_on_commit_callbacks) -> None:
    report = approve(county, "2022Q1", 10)
    with django_capture_on_commit_callbacks(execute=True):
        result = jobs.recompute_report_job(report.pk)  # immediate mode in the tests
    assert result.get() >= 1
    assert TrackingResult.objects.filter(unit=county.town_a, period="2022Q1").exists()
