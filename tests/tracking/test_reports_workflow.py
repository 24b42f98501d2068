"""The progress-report workflow: every transition, every forbidden one, who may take each,
locking of approved figures, correction versions, optimistic-locking conflicts, deadlines
and late marking, and evidence on drafts only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Role, RoleGrant
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking import report_selectors as selectors
from kaoping.tracking.models import Evidence, Holiday, ProgressReport
from kaoping.tracking.services import reports as services
from tests.factories import user_with_role

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
Status = ProgressReport.Status


def pdf(name: str = "佐证.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def events(report: ProgressReport, action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(object_type="tracking.progressreport", object_id=str(report.pk))
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("at", "id"))


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are matched in English, whatever the translations say."""
    with translation.override("en"):
        yield


@dataclass
class Actors:
    reporter: Any
    head: Any
    office: Any
    leader: Any
    inspector: Any
    auditor: Any
    reporter_b: Any


@pytest.fixture
def published(world: Any) -> Any:
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    return world


@pytest.fixture
def actors(published: Any) -> Actors:
    u = published.users
    return Actors(
        u[Role.REPORTER],
        u[Role.UNIT_HEAD],
        u[Role.OFFICE],
        u[Role.LEADER],
        u[Role.INSPECTOR],
        u[Role.AUDITOR],
        u["reporter_b"],
    )


@pytest.fixture
def draft(published: Any, actors: Actors) -> ProgressReport:
    report = services.report_create_draft(
        actor=actors.reporter,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022Q3",
        value="75.5",
        last_year_value="70",
        narrative="前三季度税收入库稳步推进。",
    )
    services.evidence_attach(actor=actors.reporter, report=report, upload=pdf())
    return report


def submit(report: ProgressReport, actors: Actors) -> ProgressReport:
    return services.report_submit(actor=actors.reporter, report=report)


def unit_approve(report: ProgressReport, actors: Actors) -> ProgressReport:
    return services.report_unit_approve(actor=actors.head, report=report)


def office_approve(report: ProgressReport, actors: Actors) -> ProgressReport:
    return services.report_office_approve(actor=actors.office, report=report)


def to_status(report: ProgressReport, actors: Actors, status: str) -> ProgressReport:
    """Walk a fresh draft along the workflow to a status (or to a superseded version)."""
    if status == Status.DRAFT:
        return report
    if status == Status.RETURNED:
        submit(report, actors)
        return services.report_return(
            actor=actors.head, report=report, reason="数据口径不一致", step="unit"
        )
    submit(report, actors)
    if status == Status.SUBMITTED:
        return report
    unit_approve(report, actors)
    if status == Status.UNIT_APPROVED:
        return report
    office_approve(report, actors)
    if status == Status.APPROVED:
        return report
    assert status == "superseded"
    services.report_correct(actor=actors.office, report=report, reason="统计局反馈数据有误")
    report.refresh_from_db()
    return report


# --- creating drafts ---------------------------------------------------------------------------
def test_a_reporter_starts_a_draft(published: Any, actors: Actors) -> None:
    report = services.report_create_draft(
        actor=actors.reporter,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022Q3",
        value="12.5",
    )
    assert (report.version, report.is_current, report.status) == (1, True, Status.DRAFT)
    assert report.value == Decimal("12.5")
    assert report.created_by == actors.reporter
    # 2022-09-30 is a Friday: five working days later (no holidays recorded) is 10-07
    assert report.deadline == date(2022, 10, 7)
    assert [e.action for e in events(report)] == ["report.create"]


@pytest.mark.parametrize("who", ["head", "office", "leader", "inspector", "auditor", "reporter_b"])
def test_only_a_reporter_of_the_unit_starts_a_draft(
    published: Any, actors: Actors, who: str
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.report_create_draft(
            actor=getattr(actors, who),
            indicator=published.indicator_a,
            unit=published.town_a,
            period="2022Q3",
        )
    assert not ProgressReport.objects.exists()


def test_a_draft_needs_an_obligation_a_published_plan_and_a_period_of_the_indicator(
    published: Any, actors: Actors, monkeypatch: Any
) -> None:
    def create(**kwargs: Any) -> ProgressReport:
        args = {
            "actor": actors.reporter,
            "indicator": published.indicator_a,
            "unit": published.town_a,
            "period": "2022Q3",
            **kwargs,
        }
        return services.report_create_draft(**args)

    with pytest.raises(ApplicationError, match="does not report"):
        create(indicator=published.indicator_b)  # town B's indicator
    with pytest.raises(ApplicationError):
        create(period="2022-08")  # a quarterly indicator reports quarters
    with pytest.raises(ApplicationError):
        create(period="2021Q3")  # not the plan's year
    with pytest.raises(ApplicationError):
        create(period="2022Q5")
    monkeypatch.setattr(services, "_today", lambda: date(2022, 6, 30))
    with pytest.raises(ApplicationError, match="not begun"):
        create()
    published.plan.status = Plan.Status.DRAFT
    published.plan.save()
    with pytest.raises(ApplicationError, match="published"):
        create()
    assert not ProgressReport.objects.exists()


def test_a_monthly_indicator_reports_months(published: Any, actors: Actors) -> None:
    Indicator.objects.filter(pk=published.indicator_a.pk).update(
        frequency=Indicator.Frequency.MONTHLY
    )
    published.indicator_a.refresh_from_db()
    report = services.report_create_draft(
        actor=actors.reporter,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022-08",
    )
    assert report.period == "2022-08"


def test_a_second_draft_for_the_same_period_is_a_conflict(
    draft: ProgressReport, actors: Actors
) -> None:
    with pytest.raises(ConflictError) as caught:
        services.report_create_draft(
            actor=actors.reporter, indicator=draft.indicator, unit=draft.unit, period="2022Q3"
        )
    assert caught.value.extra["report_id"] == draft.pk


def test_numbers_are_checked(published: Any, actors: Actors) -> None:
    for bad in ("abc", "1.23456", "1e30", "NaN"):
        with pytest.raises(ApplicationError):
            services.report_create_draft(
                actor=actors.reporter,
                indicator=published.indicator_a,
                unit=published.town_a,
                period="2022Q3",
                value=bad,
            )


# --- editing and conflicts ----------------------------------------------------------------------
def test_a_draft_is_edited_from_the_version_read(draft: ProgressReport, actors: Actors) -> None:
    version = draft.row_version
    services.report_update_draft(
        actor=actors.reporter,
        report=draft,
        expected_version=version,
        value="80",
        last_year_value="70",
        narrative="更新",
    )
    draft.refresh_from_db()
    assert (draft.value, draft.narrative, draft.row_version) == (Decimal("80"), "更新", version + 1)
    change = events(draft, "report.update")[0]
    assert change.before == {"value": "75.5000", "narrative": "前三季度税收入库稳步推进。"}
    assert change.after == {"value": "80", "narrative": "更新"}


def test_saving_unchanged_values_writes_nothing(draft: ProgressReport, actors: Actors) -> None:
    version = draft.row_version
    services.report_update_draft(
        actor=actors.reporter,
        report=draft,
        expected_version=version,
        value=draft.value,
        last_year_value=draft.last_year_value,
        narrative=draft.narrative,
    )
    draft.refresh_from_db()
    assert draft.row_version == version
    assert not events(draft, "report.update")


def test_two_people_editing_the_same_draft_never_overwrite_each_other(
    draft: ProgressReport, actors: Actors
) -> None:
    # Given two reporters of the unit who opened the same version
    colleague = user_with_role(Role.REPORTER, draft.unit, username="reporter_a2")
    read_version = draft.row_version
    mine = ProgressReport.objects.get(pk=draft.pk)
    theirs = ProgressReport.objects.get(pk=draft.pk)
    # When the colleague saves first
    services.report_update_draft(
        actor=colleague,
        report=theirs,
        expected_version=read_version,
        value="90",
        narrative="同事的版本",
    )
    # Then my save, from the version I read, is refused and theirs stands
    with pytest.raises(ConflictError, match="Someone else changed this report"):
        services.report_update_draft(
            actor=actors.reporter,
            report=mine,
            expected_version=read_version,
            value="60",
            narrative="我的",
        )
    draft.refresh_from_db()
    assert (draft.value, draft.narrative) == (Decimal("90"), "同事的版本")
    assert len(events(draft, "report.update")) == 1


def test_a_workflow_step_from_a_stale_page_is_a_conflict(
    draft: ProgressReport, actors: Actors
) -> None:
    stale = draft.row_version
    services.report_update_draft(
        actor=actors.reporter, report=draft, expected_version=stale, value="99"
    )
    with pytest.raises(ConflictError):
        services.report_submit(actor=actors.reporter, report=draft, expected_version=stale)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# --- submitting ---------------------------------------------------------------------------------
def test_submitting_sends_the_report_to_the_unit_head(
    draft: ProgressReport, actors: Actors
) -> None:
    submit(draft, actors)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.submitted_by == actors.reporter
    assert draft.submitted_at is not None
    event = events(draft, "report.submit")[0]
    assert event.before["status"] == "draft"
    assert event.after["status"] == "submitted"


def test_a_second_submission_is_refused_without_a_second_event(
    draft: ProgressReport, actors: Actors
) -> None:
    submit(draft, actors)
    with pytest.raises(ApplicationError, match="already been submitted"):
        submit(draft, actors)
    with pytest.raises(ApplicationError, match="already been submitted"):
        services.report_submit(
            actor=actors.reporter, report=ProgressReport.objects.get(pk=draft.pk)
        )
    assert len(events(draft, "report.submit")) == 1


def test_a_submission_needs_the_value_and_evidence(published: Any, actors: Actors) -> None:
    report = services.report_create_draft(
        actor=actors.reporter,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022Q3",
    )
    with pytest.raises(ApplicationError) as caught:
        submit(report, actors)
    assert "cumulative value" in str(caught.value.message)
    assert "evidence" in str(caught.value.message)
    # A plan may do without evidence
    published.plan.status_rule = {"report_evidence_required": False}
    published.plan.save()
    services.report_update_draft(
        actor=actors.reporter, report=report, expected_version=report.row_version, value="1"
    )
    submit(report, actors)
    assert report.status == Status.SUBMITTED


def test_a_qualitative_indicator_needs_a_narrative(published: Any, actors: Actors) -> None:
    Indicator.objects.filter(pk=published.indicator_a.pk).update(kind=Indicator.Kind.QUALITATIVE)
    published.indicator_a.refresh_from_db()
    report = services.report_create_draft(
        actor=actors.reporter,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022Q3",
    )
    services.evidence_attach(actor=actors.reporter, report=report, upload=pdf())
    with pytest.raises(ApplicationError, match="narrative"):
        submit(report, actors)


# --- deadlines and lateness ---------------------------------------------------------------------
def test_the_deadline_counts_working_days_on_the_calendar(published: Any, actors: Actors) -> None:
    # Given the 2022 National Day holidays and the make-up working weekend
    for day in range(3, 8):
        Holiday.objects.create(day=date(2022, 10, day), name="国庆节")
    for day in (8, 9):
        Holiday.objects.create(day=date(2022, 10, day), is_working_day=True, name="国庆节")
    # 09-30 + 5 working days: 10-08, 10-09, 10-10, 10-11, 10-12
    report = services.report_create_draft(
        actor=actors.reporter,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022Q3",
    )
    assert report.deadline == date(2022, 10, 12)


def test_the_plan_sets_the_number_of_working_days(published: Any) -> None:
    from kaoping.core.periods import Period

    published.plan.status_rule = {"report_deadline_days": 10}
    assert selectors.reporting_deadline(published.plan, Period.parse("2022Q3")) == date(
        2022, 10, 14
    )
    published.plan.status_rule = {"report_deadline_days": "nonsense"}
    assert selectors.deadline_days(published.plan) == 5


@pytest.mark.parametrize(("today", "late"), [(date(2022, 10, 7), False), (date(2022, 10, 8), True)])
def test_the_first_submission_after_the_deadline_is_late(
    draft: ProgressReport, actors: Actors, monkeypatch: Any, today: date, late: bool
) -> None:
    monkeypatch.setattr(services, "_today", lambda: today)
    submit(draft, actors)
    draft.refresh_from_db()
    assert draft.is_late is late


def test_a_resubmission_keeps_the_first_submissions_lateness(
    draft: ProgressReport, actors: Actors, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "_today", lambda: date(2022, 10, 7))
    submit(draft, actors)
    services.report_return(actor=actors.head, report=draft, reason="补充佐证", step="unit")
    monkeypatch.setattr(services, "_today", lambda: date(2022, 11, 30))
    submit(draft, actors)
    draft.refresh_from_db()
    assert draft.is_late is False


# --- reviewing ------------------------------------------------------------------------------------
def test_the_full_workflow_to_approval(
    draft: ProgressReport, actors: Actors, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    recomputed: list[int] = []
    from kaoping.tracking.services import results

    monkeypatch.setattr(
        results,
        "recompute_for_report",
        lambda *, report, today=None: recomputed.append(report.pk) or 1,
    )
    submit(draft, actors)
    unit_approve(draft, actors)
    draft.refresh_from_db()
    assert (draft.status, draft.unit_approved_by) == (Status.UNIT_APPROVED, actors.head)
    with django_capture_on_commit_callbacks(execute=True):
        office_approve(draft, actors)
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Status.APPROVED, actors.office)
    assert draft.is_locked
    assert recomputed == [draft.pk]
    assert [e.action for e in events(draft)] == [
        "report.create",
        "report.evidence_attach",
        "report.submit",
        "report.unit_approve",
        "report.office_approve",
    ]


def test_an_approval_recomputes_the_tracking_figures(
    draft: ProgressReport, actors: Actors, django_capture_on_commit_callbacks: Any
) -> None:
    from kaoping.tracking.models import TrackingResult

    to_status(draft, actors, Status.UNIT_APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        office_approve(draft, actors)
    result = TrackingResult.objects.get(indicator=draft.indicator, unit=draft.unit, period="2022Q3")
    assert result.actual == Decimal("75.5")
    assert result.report_id == draft.pk


def test_a_failed_recompute_after_approval_is_handed_to_a_worker(
    draft: ProgressReport,
    actors: Actors,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The in-process recompute fails once (say, the database hiccups): the approval stands
    and the recompute is queued as a job, which the worker runs and records."""
    from kaoping.core.models import JobRun
    from kaoping.tracking.models import TrackingResult
    from kaoping.tracking.services import results

    original = results.recompute_for_report
    calls: list[int] = []

    def flaky(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("transient")
        return original(**kwargs)

    monkeypatch.setattr(results, "recompute_for_report", flaky)
    to_status(draft, actors, Status.UNIT_APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        office_approve(draft, actors)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert len(calls) == 2  # the failed try, then the job (run inline by the test settings)
    result = TrackingResult.objects.get(indicator=draft.indicator, unit=draft.unit, period="2022Q3")
    assert result.actual == Decimal("75.5")
    run = JobRun.objects.get(name__endswith="recompute_report_job")
    assert (run.state, run.args) == (JobRun.State.DONE, [draft.pk])


def test_returning_at_the_unit_step_and_resubmitting(draft: ProgressReport, actors: Actors) -> None:
    submit(draft, actors)
    services.report_return(actor=actors.head, report=draft, reason="请补充佐证材料", step="unit")
    draft.refresh_from_db()
    assert (draft.status, draft.returned_reason) == (Status.RETURNED, "请补充佐证材料")
    event = events(draft, "report.return")[0]
    assert (event.reason, event.after["step"]) == ("请补充佐证材料", "unit")
    # The unit fixes it and sends it again
    services.report_update_draft(
        actor=actors.reporter, report=draft, expected_version=draft.row_version, value="76"
    )
    submit(draft, actors)
    draft.refresh_from_db()
    assert (draft.status, draft.returned_reason) == (Status.SUBMITTED, "")


def test_returning_at_the_office_step(draft: ProgressReport, actors: Actors) -> None:
    to_status(draft, actors, Status.UNIT_APPROVED)
    services.report_return(
        actor=actors.office, report=draft, reason="与统计口径不符", step="office"
    )
    draft.refresh_from_db()
    assert draft.status == Status.RETURNED
    # Sent again, it goes through the unit head again
    submit(draft, actors)
    draft.refresh_from_db()
    assert (draft.status, draft.unit_approved_by) == (Status.SUBMITTED, None)


def test_a_return_needs_a_reason(draft: ProgressReport, actors: Actors) -> None:
    submit(draft, actors)
    for reason in ("", "   "):
        with pytest.raises(ApplicationError, match="reason"):
            services.report_return(actor=actors.head, report=draft, reason=reason, step="unit")
    with pytest.raises(ApplicationError):
        services.report_return(actor=actors.head, report=draft, reason="x", step="county")
    assert not events(draft, "report.return")


def test_nobody_approves_their_own_submission(published: Any, actors: Actors) -> None:
    # Given a unit head who is also a reporter of the unit and submits a report
    RoleGrant.objects.create(user=actors.head, role=Role.REPORTER, unit=published.town_a)
    actors.head.__dict__.pop("_roles_cache", None)
    report = services.report_create_draft(
        actor=actors.head,
        indicator=published.indicator_a,
        unit=published.town_a,
        period="2022Q3",
        value="1",
    )
    services.evidence_attach(actor=actors.head, report=report, upload=pdf())
    services.report_submit(actor=actors.head, report=report)
    with pytest.raises(PermissionDeniedError):
        services.report_unit_approve(actor=actors.head, report=report)
    # And an office member who approved as unit head does not approve again as the office
    other_head = user_with_role(Role.UNIT_HEAD, published.town_a, username="head_a2")
    RoleGrant.objects.create(user=other_head, role=Role.OFFICE, unit=published.county)
    services.report_unit_approve(actor=other_head, report=report)
    with pytest.raises(PermissionDeniedError):
        services.report_office_approve(actor=other_head, report=report)


# --- who may take each step -------------------------------------------------------------------
STEPS: dict[str, tuple[str, Callable[..., Any]]] = {
    "update": (
        Status.DRAFT,
        lambda actor, r: services.report_update_draft(
            actor=actor, report=r, expected_version=r.row_version, value="1"
        ),
    ),
    "submit": (Status.DRAFT, lambda actor, r: services.report_submit(actor=actor, report=r)),
    "attach": (
        Status.DRAFT,
        lambda actor, r: services.evidence_attach(
            actor=actor, report=r, upload=pdf("另一份.pdf", PDF + b"%2")
        ),
    ),
    "unit_approve": (
        Status.SUBMITTED,
        lambda actor, r: services.report_unit_approve(actor=actor, report=r),
    ),
    "return_unit": (
        Status.SUBMITTED,
        lambda actor, r: services.report_return(actor=actor, report=r, reason="理由", step="unit"),
    ),
    "office_approve": (
        Status.UNIT_APPROVED,
        lambda actor, r: services.report_office_approve(actor=actor, report=r),
    ),
    "return_office": (
        Status.UNIT_APPROVED,
        lambda actor, r: services.report_return(
            actor=actor, report=r, reason="理由", step="office"
        ),
    ),
    "correct": (
        Status.APPROVED,
        lambda actor, r: services.report_correct(actor=actor, report=r, reason="理由"),
    ),
}
ALLOWED = {
    "update": "reporter",
    "submit": "reporter",
    "attach": "reporter",
    "unit_approve": "head",
    "return_unit": "head",
    "office_approve": "office",
    "return_office": "office",
    "correct": "office",
}
WHO = ("reporter", "head", "office", "leader", "inspector", "auditor", "reporter_b")


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("who", WHO)
def test_each_step_is_taken_by_its_role_only(
    draft: ProgressReport, actors: Actors, step: str, who: str
) -> None:
    status, call = STEPS[step]
    to_status(draft, actors, status)
    draft.refresh_from_db()
    before = (draft.status, draft.row_version, len(events(draft)))
    if who == ALLOWED[step]:
        call(getattr(actors, who), draft)
        return
    with pytest.raises(PermissionDeniedError):
        call(getattr(actors, who), draft)
    draft.refresh_from_db()
    assert (draft.status, draft.row_version, len(events(draft))) == before


# --- every forbidden transition ------------------------------------------------------------------
STATES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.UNIT_APPROVED,
    Status.APPROVED,
    Status.RETURNED,
    "superseded",
)
PERMITTED = {
    Status.DRAFT: {"update", "submit", "attach"},
    Status.RETURNED: {"update", "submit", "attach"},
    Status.SUBMITTED: {"unit_approve", "return_unit"},
    Status.UNIT_APPROVED: {"office_approve", "return_office"},
    Status.APPROVED: {"correct"},
    "superseded": set(),
}
FORBIDDEN = [(state, step) for state in STATES for step in STEPS if step not in PERMITTED[state]]


@pytest.mark.parametrize(("state", "step"), FORBIDDEN)
def test_forbidden_transitions_change_nothing(
    draft: ProgressReport, actors: Actors, state: str, step: str
) -> None:
    to_status(draft, actors, state)
    draft.refresh_from_db()
    before = (
        draft.status,
        draft.is_current,
        draft.row_version,
        draft.value,
        len(events(draft)),
        draft.evidence.count(),
    )
    with pytest.raises(ApplicationError) as caught:
        STEPS[step][1](getattr(actors, ALLOWED[step]), draft)
    assert not isinstance(caught.value, PermissionDeniedError)
    draft.refresh_from_db()
    after = (
        draft.status,
        draft.is_current,
        draft.row_version,
        draft.value,
        len(events(draft)),
        draft.evidence.count(),
    )
    assert after == before


@pytest.mark.parametrize(("state", "step"), [(s, step) for s in STATES for step in PERMITTED[s]])
def test_permitted_transitions_succeed(
    draft: ProgressReport, actors: Actors, state: str, step: str
) -> None:
    to_status(draft, actors, state)
    draft.refresh_from_db()
    count = len(events(draft))
    STEPS[step][1](getattr(actors, ALLOWED[step]), draft)
    assert len(events(draft)) + (1 if step == "correct" else 0) == count + 1


def test_approved_figures_are_locked(draft: ProgressReport, actors: Actors) -> None:
    to_status(draft, actors, Status.APPROVED)
    with pytest.raises(ApplicationError, match="locked"):
        services.report_update_draft(
            actor=actors.reporter, report=draft, expected_version=draft.row_version, value="1"
        )
    evidence = draft.evidence.get()
    with pytest.raises(ApplicationError, match="locked"):
        services.evidence_remove(actor=actors.reporter, evidence=evidence)
    draft.refresh_from_db()
    assert draft.value == Decimal("75.5")
    assert draft.evidence.count() == 1


# --- corrections ----------------------------------------------------------------------------
def test_a_correction_is_a_new_version_and_the_history_stays(
    draft: ProgressReport, actors: Actors
) -> None:
    to_status(draft, actors, Status.APPROVED)
    correction = services.report_correct(
        actor=actors.office, report=draft, reason="统计局反馈数据有误"
    )
    draft.refresh_from_db()
    # The approved version stays as it was, no longer current
    assert (draft.status, draft.is_current, draft.value) == (
        Status.APPROVED,
        False,
        Decimal("75.5"),
    )
    # The correction is the current draft, with the figures, evidence and reason
    assert (correction.version, correction.is_current, correction.status) == (2, True, Status.DRAFT)
    assert correction.value == draft.value
    assert correction.correction_reason == "统计局反馈数据有误"
    assert [e.sha256 for e in correction.evidence.all()] == [e.sha256 for e in draft.evidence.all()]
    assert (
        ProgressReport.objects.filter(
            indicator=draft.indicator, unit=draft.unit, period=draft.period, is_current=True
        ).get()
        == correction
    )
    versions = selectors.report_versions(user=actors.office, report=correction)
    assert [v.version for v in versions] == [2, 1]
    assert events(correction, "report.correct")[0].reason == "统计局反馈数据有误"
    # The old version is never edited again
    with pytest.raises(ApplicationError, match="replaced"):
        services.report_update_draft(
            actor=actors.reporter, report=draft, expected_version=draft.row_version, value="1"
        )
    # The correction goes through the workflow and takes over once approved
    services.report_update_draft(
        actor=actors.reporter,
        report=correction,
        expected_version=correction.row_version,
        value="74.1",
    )
    submit(correction, actors)
    correction.refresh_from_db()
    assert correction.is_late == draft.is_late
    unit_approve(correction, actors)
    office_approve(correction, actors)
    correction.refresh_from_db()
    assert (correction.status, correction.value) == (Status.APPROVED, Decimal("74.1"))


def test_a_correction_needs_a_reason_and_the_current_version(
    draft: ProgressReport, actors: Actors
) -> None:
    to_status(draft, actors, Status.APPROVED)
    with pytest.raises(ApplicationError, match="reason"):
        services.report_correct(actor=actors.office, report=draft, reason=" ")
    stale = draft.row_version - 1
    with pytest.raises(ConflictError):
        services.report_correct(
            actor=actors.office, report=draft, reason="x", expected_version=stale
        )
    services.report_correct(actor=actors.office, report=draft, reason="第一次更正")
    with pytest.raises(ApplicationError, match="replaced"):
        services.report_correct(actor=actors.office, report=draft, reason="第二次更正")
    assert ProgressReport.objects.filter(unit=draft.unit).count() == 2


# --- evidence on drafts ---------------------------------------------------------------------------
def test_evidence_is_attached_once_and_recorded(draft: ProgressReport, actors: Actors) -> None:
    with pytest.raises(ApplicationError, match="already"):
        services.evidence_attach(actor=actors.reporter, report=draft, upload=pdf("重复.pdf"))
    item = draft.evidence.get()
    assert item.unit == draft.unit
    assert item.uploaded_by == actors.reporter
    assert item.file.name == f"evidence/{item.sha256[:2]}/{item.sha256}"
    attach = events(draft, "report.evidence_attach")[0]
    assert attach.after["sha256"] == item.sha256


def test_refused_files_attach_nothing(draft: ProgressReport, actors: Actors) -> None:
    with pytest.raises(ApplicationError):
        services.evidence_attach(
            actor=actors.reporter,
            report=draft,
            upload=SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script></html>"),
        )
    assert draft.evidence.count() == 1


def test_removing_evidence_from_a_draft(
    draft: ProgressReport, actors: Actors, django_capture_on_commit_callbacks: Any
) -> None:
    item = draft.evidence.get()
    name = item.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(actor=actors.reporter, evidence=item)
    assert not draft.evidence.exists()
    assert not default_storage.exists(name)
    assert events(draft, "report.evidence_remove")[0].before["sha256"] == item.sha256


def test_removed_evidence_still_used_elsewhere_keeps_its_bytes(
    draft: ProgressReport, actors: Actors, django_capture_on_commit_callbacks: Any
) -> None:
    to_status(draft, actors, Status.APPROVED)
    correction = services.report_correct(actor=actors.office, report=draft, reason="更正")
    copied = correction.evidence.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(actor=actors.reporter, evidence=copied)
    # The approved version's evidence is still there and readable
    kept = draft.evidence.get()
    assert default_storage.exists(kept.file.name)
    assert Evidence.objects.filter(report=draft).count() == 1
