"""Tasks and milestones: services, permissions, backward planning on the working calendar,
evidence, late versus missed, the task colour, and the official calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Role
from kaoping.tracking.calculations import Status
from kaoping.tracking.milestones import Standing, standing, task_status, warning_horizon
from kaoping.tracking.models import Evidence, Holiday, Milestone, Task
from kaoping.tracking.services import tasks as services
from kaoping.tracking.task_selectors import (
    access_task,
    task_row,
    tasks_for_user,
    work_calendar,
    years_without_holidays,
)
from kaoping.tracking.workdays import WorkCalendar
from tests.factories import PersonFactory

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
STEPS = [("方案制定", 3), ("设备采购", 5), ("认证验收", 2)]


@pytest.fixture(autouse=True)
def _english_messages():
    """The assertions below match the English message texts (msgids)."""
    with translation.override("en"):
        yield


def pdf(name: str = "验收报告.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def national_day(db: Any) -> None:
    """2022 National Day as the office would store it: 3–7 October off (1–2 October fall on
    the weekend), Saturday 8 and Sunday 9 October worked."""
    for day in range(3, 8):
        Holiday.objects.create(day=date(2022, 10, day), name="National Day")
    for day in (8, 9):
        Holiday.objects.create(day=date(2022, 10, day), is_working_day=True, name="National Day")


@pytest.fixture
def task(world: Any) -> Task:
    """A task of town A's assignment, created by the office."""
    return services.task_create(
        actor=world.users[Role.OFFICE],
        assignment=world.assignment_a,
        name="气象灾害应急准备认证",
        deadline=date(2022, 10, 14),
    )


def _fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


# --- creating and editing tasks -----------------------------------------------------------
def test_office_creates_a_task_for_the_lead_unit(world, task) -> None:
    assert task.unit == world.town_a
    assert task.status == Task.Status.NOT_STARTED
    event = AuditEvent.objects.get(action="task.create")
    assert event.object_id == str(task.pk)


def test_unit_head_creates_tasks_only_for_assignments_the_unit_leads(world) -> None:
    head = world.users[Role.UNIT_HEAD]
    own = services.task_create(
        actor=head, assignment=world.assignment_a, name="自查", deadline=date(2022, 11, 30)
    )
    assert own.unit == world.town_a
    with pytest.raises(PermissionDeniedError):
        services.task_create(
            actor=head, assignment=world.assignment_b, name="x", deadline=date(2022, 11, 30)
        )


@pytest.mark.parametrize("role", [Role.REPORTER, Role.LEADER, Role.INSPECTOR, Role.AUDITOR])
def test_other_roles_cannot_create_tasks(world, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.task_create(
            actor=world.users[role],
            assignment=world.assignment_a,
            name="x",
            deadline=date(2022, 11, 30),
        )
    assert not Task.objects.exists()


def test_a_task_belongs_to_the_lead_or_a_supporting_unit(world) -> None:
    office = world.users[Role.OFFICE]
    with pytest.raises(ApplicationError, match="supporting unit"):
        services.task_create(
            actor=office,
            assignment=world.assignment_a,
            unit=world.dept_b,
            name="x",
            deadline=date(2022, 11, 30),
        )
    world.assignment_a.supporting_units.add(world.dept_b)
    task = services.task_create(
        actor=office,
        assignment=world.assignment_a,
        unit=world.dept_b,
        name="配合",
        deadline=date(2022, 11, 30),
    )
    assert task.unit == world.dept_b


def test_the_responsible_person_works_for_the_unit(world) -> None:
    stranger = PersonFactory(unit=world.town_b)
    with pytest.raises(ApplicationError, match="must work for"):
        services.task_create(
            actor=world.users[Role.OFFICE],
            assignment=world.assignment_a,
            name="x",
            deadline=date(2022, 11, 30),
            owner=stranger,
        )


def test_task_update_is_optimistic(world, task) -> None:
    office = world.users[Role.OFFICE]
    version = task.row_version
    services.task_update(actor=office, task=task, expected_version=version, name="改名一")
    stale = Task.objects.get(pk=task.pk)
    stale.row_version = version
    with pytest.raises(ConflictError):
        services.task_update(actor=office, task=stale, expected_version=version, name="改名二")
    assert _fresh(task).name == "改名一"


def test_task_update_refuses_a_deadline_before_open_milestones(world, task) -> None:
    office = world.users[Role.OFFICE]
    services.milestone_add(actor=office, task=task, name="节点", due=date(2022, 10, 10))
    with pytest.raises(ApplicationError, match="after the new deadline"):
        services.task_update(
            actor=office, task=task, expected_version=task.row_version, deadline=date(2022, 10, 1)
        )


def test_task_status_rules(world, task) -> None:
    office = world.users[Role.OFFICE]
    services.milestone_add(actor=office, task=task, name="节点", due=date(2022, 10, 10))
    with pytest.raises(ApplicationError, match="all its milestones"):
        services.task_set_status(actor=office, task=task, status=Task.Status.DONE)
    with pytest.raises(ApplicationError, match="why"):
        services.task_set_status(actor=office, task=task, status=Task.Status.CANCELLED)
    services.task_set_status(
        actor=office, task=task, status=Task.Status.CANCELLED, reason="指标调整"
    )
    assert _fresh(task).status == Task.Status.CANCELLED
    assert AuditEvent.objects.get(action="task.status").reason == "指标调整"


# --- backward planning (倒排) on the working calendar ------------------------------------
def test_plan_backward_across_the_2022_national_day_holiday(world, task, national_day) -> None:
    """Deadline Friday 14 October: the acceptance (2 days) is due that day, the purchase
    (5 days) on Wednesday 12 October, and the plan (3 days) before the five purchase days:
    11, 10, Sunday 9 and Saturday 8 October (worked) and Friday 30 September, past the
    holiday week."""
    milestones = services.task_plan_backward(actor=world.users[Role.OFFICE], task=task, steps=STEPS)
    assert [(m.name, m.working_days, m.due) for m in milestones] == [
        ("方案制定", 3, date(2022, 9, 30)),
        ("设备采购", 5, date(2022, 10, 12)),
        ("认证验收", 2, date(2022, 10, 14)),
    ]
    assert [m.order for m in milestones] == [1, 2, 3]
    event = AuditEvent.objects.get(action="task.plan_backward")
    assert len(event.after["milestones"]) == 3


def test_without_the_holiday_rows_only_weekends_are_skipped(world, task) -> None:
    milestones = services.task_plan_backward(actor=world.users[Role.OFFICE], task=task, steps=STEPS)
    assert milestones[0].due == date(2022, 10, 5)
    assert years_without_holidays([2022]) == [2022]


def test_the_official_calendar_gives_the_same_plan(world, task) -> None:
    assert services.holidays_seed_official(actor=world.users[Role.OFFICE], year=2022) == 25
    milestones = services.task_plan_backward(actor=world.users[Role.OFFICE], task=task, steps=STEPS)
    assert [m.due for m in milestones] == [
        date(2022, 9, 30),
        date(2022, 10, 12),
        date(2022, 10, 14),
    ]


def test_a_deadline_on_a_holiday_moves_back_and_moves_the_task(world, task, national_day) -> None:
    milestones = services.task_plan_backward(
        actor=world.users[Role.OFFICE], task=task, steps=[("上报", 1)], deadline=date(2022, 10, 6)
    )
    assert milestones[0].due == date(2022, 9, 30)
    assert _fresh(task).deadline == date(2022, 10, 6)


def test_planning_again_replaces_the_milestones_until_one_is_started(world, task) -> None:
    office = world.users[Role.OFFICE]
    services.task_plan_backward(actor=office, task=task, steps=STEPS)
    again = services.task_plan_backward(actor=office, task=task, steps=[("一步到位", 4)])
    assert list(Milestone.objects.filter(task=task)) == again
    services.milestone_start(
        actor=world.users[Role.REPORTER], milestone=again[0], started_on=date(2022, 9, 1)
    )
    with pytest.raises(ApplicationError, match="already started"):
        services.task_plan_backward(actor=office, task=_fresh(task), steps=STEPS)
    assert Milestone.objects.filter(task=task).count() == 1


def test_planning_is_optimistic(world, task) -> None:
    office = world.users[Role.OFFICE]
    version = task.row_version
    services.task_plan_backward(actor=office, task=task, steps=STEPS, expected_version=version)
    with pytest.raises(ConflictError):
        services.task_plan_backward(
            actor=office, task=_fresh(task), steps=STEPS, expected_version=version
        )


def test_reporters_cannot_plan(world, task) -> None:
    with pytest.raises(PermissionDeniedError):
        services.task_plan_backward(actor=world.users[Role.REPORTER], task=task, steps=STEPS)


def test_planning_refuses_bad_steps(world, task) -> None:
    office = world.users[Role.OFFICE]
    with pytest.raises(ApplicationError):
        services.task_plan_backward(actor=office, task=task, steps=[])
    with pytest.raises(ApplicationError):
        services.task_plan_backward(actor=office, task=task, steps=[("零天", 0)])
    with pytest.raises(ApplicationError):
        services.task_plan_backward(actor=office, task=task, steps=[("  ", 2)])
    assert not Milestone.objects.exists()


# --- milestones: start, done with evidence, late, missed, reopen ---------------------------
@pytest.fixture
def planned(world, task, national_day) -> list[Milestone]:
    return services.task_plan_backward(actor=world.users[Role.OFFICE], task=task, steps=STEPS)


def test_a_milestone_is_done_only_with_evidence(world, planned) -> None:
    reporter = world.users[Role.REPORTER]
    first = planned[0]
    with pytest.raises(ApplicationError, match="evidence"):
        services.milestone_complete(actor=reporter, milestone=first, done_on=date(2022, 9, 29))
    assert _fresh(first).done_on is None
    services.milestone_complete(
        actor=reporter, milestone=first, done_on=date(2022, 9, 29), files=[pdf()]
    )
    first = _fresh(first)
    assert first.done_on == date(2022, 9, 29)
    assert first.started_on == date(2022, 9, 29)
    evidence = Evidence.objects.get(milestone=first)
    assert evidence.unit == world.town_a
    assert evidence.content_type == "application/pdf"
    assert evidence.original_name == "验收报告.pdf"
    assert evidence.file.read() == PDF
    assert _fresh(first.task).status == Task.Status.IN_PROGRESS
    event = AuditEvent.objects.get(action="milestone.complete")
    assert event.after["late"] is False
    assert event.after["evidence"][0]["sha256"] == evidence.sha256


def test_evidence_attached_before_is_enough(world, planned) -> None:
    first = planned[0]
    Evidence.objects.create(
        milestone=first,
        unit=world.town_a,
        file="evidence/aa/x",
        original_name="会议纪要.pdf",
        content_type="application/pdf",
        size=10,
        sha256="a" * 64,
    )
    services.milestone_complete(
        actor=world.users[Role.UNIT_HEAD], milestone=first, done_on=date(2022, 9, 30)
    )
    assert _fresh(first).done_on == date(2022, 9, 30)


def test_evidence_must_be_a_document_or_picture(world, planned) -> None:
    first = planned[0]
    for bad in (
        SimpleUploadedFile("说明.pdf", b"just text pretending", content_type="application/pdf"),
        SimpleUploadedFile("空.pdf", b"", content_type="application/pdf"),
    ):
        with pytest.raises(ApplicationError):
            services.milestone_complete(
                actor=world.users[Role.REPORTER],
                milestone=first,
                done_on=date(2022, 9, 29),
                files=[bad],
            )
    assert _fresh(first).done_on is None
    assert not Evidence.objects.exists()


def test_done_dates_cannot_be_in_the_future_or_before_the_start(world, planned) -> None:
    reporter = world.users[Role.REPORTER]
    first = planned[0]
    with pytest.raises(ApplicationError, match="future"):
        services.milestone_complete(
            actor=reporter, milestone=first, done_on=date(2999, 1, 1), files=[pdf()]
        )
    services.milestone_start(actor=reporter, milestone=first, started_on=date(2022, 9, 20))
    with pytest.raises(ApplicationError, match="started on"):
        services.milestone_complete(
            actor=reporter, milestone=_fresh(first), done_on=date(2022, 9, 19), files=[pdf()]
        )


def test_only_the_units_people_and_the_office_work_on_milestones(world, planned) -> None:
    first = planned[0]
    for who in ("reporter_b", Role.LEADER, Role.INSPECTOR):
        with pytest.raises(PermissionDeniedError):
            services.milestone_start(actor=world.users[who], milestone=first)
        with pytest.raises(PermissionDeniedError):
            services.milestone_complete(
                actor=world.users[who], milestone=first, done_on=date(2022, 9, 29), files=[pdf()]
            )
    assert not Evidence.objects.exists()
    services.milestone_start(actor=world.users[Role.OFFICE], milestone=first)
    assert _fresh(first).started_on is not None


def test_late_versus_missed(world, planned) -> None:
    """Done after the due date is late; not done after it is missed (overdue)."""
    reporter = world.users[Role.REPORTER]
    first, second, _third = planned
    services.milestone_complete(
        actor=reporter, milestone=first, done_on=date(2022, 9, 30), files=[pdf()]
    )
    services.milestone_complete(
        actor=reporter, milestone=second, done_on=date(2022, 10, 13), files=[pdf("b.pdf")]
    )
    today = date(2022, 10, 17)
    row = task_row(
        access_task(user=world.users[Role.OFFICE], pk=first.task_id),
        today=today,
        calendar=work_calendar(),
    )
    assert [m.standing for m in row.milestones] == [
        Standing.DONE_ON_TIME,
        Standing.DONE_LATE,
        Standing.OVERDUE,
    ]
    assert row.status == Status.RED
    assert row.done_count == 2 and row.overdue_count == 1
    late_event = AuditEvent.objects.filter(action="milestone.complete").order_by("pk").last()
    assert late_event is not None and late_event.after["late"] is True


def test_the_last_milestone_done_finishes_the_task_and_reopening_resumes_it(world, planned) -> None:
    reporter, office = world.users[Role.REPORTER], world.users[Role.OFFICE]
    for index, milestone in enumerate(planned):
        services.milestone_complete(
            actor=reporter,
            milestone=milestone,
            done_on=milestone.due,
            files=[pdf(f"{index}.pdf", PDF + bytes([index]))],
        )
    task = _fresh(planned[0].task)
    assert task.status == Task.Status.DONE
    last = _fresh(planned[-1])
    with pytest.raises(PermissionDeniedError):
        services.milestone_reopen(actor=world.users[Role.UNIT_HEAD], milestone=last, reason="x")
    with pytest.raises(ApplicationError, match="why"):
        services.milestone_reopen(actor=office, milestone=last, reason=" ")
    services.milestone_reopen(actor=office, milestone=last, reason="佐证材料不全")
    assert _fresh(last).done_on is None
    assert _fresh(task).status == Task.Status.IN_PROGRESS
    assert Evidence.objects.filter(milestone=last).count() == 1
    assert AuditEvent.objects.get(action="milestone.reopen").reason == "佐证材料不全"


def test_same_file_twice_is_stored_once(world, planned) -> None:
    reporter = world.users[Role.REPORTER]
    services.milestone_complete(
        actor=reporter, milestone=planned[0], done_on=date(2022, 9, 30), files=[pdf()]
    )
    services.milestone_complete(
        actor=reporter, milestone=planned[1], done_on=date(2022, 10, 12), files=[pdf("副本.pdf")]
    )
    names = set(Evidence.objects.values_list("file", flat=True))
    assert len(names) == 1


def test_milestone_update_is_optimistic_and_done_ones_are_frozen(world, planned) -> None:
    office = world.users[Role.OFFICE]
    first = planned[0]
    version = first.row_version
    services.milestone_update(
        actor=office, milestone=first, expected_version=version, due=date(2022, 9, 29)
    )
    with pytest.raises(ConflictError):
        services.milestone_update(
            actor=office, milestone=_fresh(first), expected_version=version, name="旧版本"
        )
    with pytest.raises(ApplicationError, match="deadline"):
        services.milestone_update(
            actor=office,
            milestone=_fresh(first),
            expected_version=version + 1,
            due=date(2022, 12, 1),
        )
    services.milestone_complete(
        actor=world.users[Role.REPORTER],
        milestone=_fresh(first),
        done_on=date(2022, 9, 29),
        files=[pdf()],
    )
    done = _fresh(first)
    with pytest.raises(ApplicationError, match="reopen"):
        services.milestone_update(
            actor=office, milestone=done, expected_version=done.row_version, name="改"
        )


def test_concurrent_completion_conflicts(world, planned) -> None:
    first = planned[0]
    version = first.row_version
    services.milestone_start(
        actor=world.users[Role.REPORTER],
        milestone=first,
        started_on=date(2022, 9, 1),
        expected_version=version,
    )
    with pytest.raises(ConflictError):
        services.milestone_complete(
            actor=world.users[Role.UNIT_HEAD],
            milestone=_fresh(first),
            done_on=date(2022, 9, 30),
            files=[pdf()],
            expected_version=version,
        )
    assert _fresh(first).done_on is None


def test_a_milestone_with_evidence_cannot_be_removed(world, planned) -> None:
    office = world.users[Role.OFFICE]
    services.milestone_remove(actor=office, milestone=planned[2])
    assert Milestone.objects.filter(task=planned[0].task).count() == 2
    services.milestone_start(actor=office, milestone=planned[0])
    with pytest.raises(ApplicationError):
        services.milestone_remove(actor=office, milestone=_fresh(planned[0]))


# --- the task colour (calculations.milestone_status) at a given day -----------------------
def _colour(world: Any, task: Task, today: date) -> Status:
    fresh = access_task(user=world.users[Role.OFFICE], pk=task.pk)
    return task_row(fresh, today=today, calendar=work_calendar()).status


def test_status_red_yellow_green(world, task, national_day) -> None:
    office = world.users[Role.OFFICE]
    assert _colour(world, task, date(2022, 9, 1)) == Status.NOT_COMPARABLE
    milestone = services.milestone_add(
        actor=office, task=task, name="设备到货", due=date(2022, 10, 10)
    )
    # Thursday 29 September: the next five working days are 30 September, 8, 9, 10 and
    # 11 October (the holiday week does not count), so 10 October is within reach: yellow.
    assert _colour(world, task, date(2022, 9, 29)) == Status.YELLOW
    assert _colour(world, task, date(2022, 9, 20)) == Status.GREEN
    assert _colour(world, task, date(2022, 10, 11)) == Status.RED
    services.milestone_start(actor=office, milestone=milestone, started_on=date(2022, 9, 1))
    assert _colour(world, task, date(2022, 9, 29)) == Status.GREEN
    assert _colour(world, task, date(2022, 10, 11)) == Status.RED


def test_without_holidays_the_same_day_is_green(world, task) -> None:
    services.milestone_add(
        actor=world.users[Role.OFFICE], task=task, name="设备到货", due=date(2022, 10, 10)
    )
    assert _colour(world, task, date(2022, 9, 29)) == Status.GREEN


def test_the_plan_sets_the_warning_horizon(world, task) -> None:
    world.plan.status_rule = {"milestone_warn_days": 10}
    world.plan.save()
    services.milestone_add(
        actor=world.users[Role.OFFICE], task=task, name="设备到货", due=date(2022, 10, 10)
    )
    assert _colour(world, task, date(2022, 9, 29)) == Status.YELLOW


def test_standing_is_a_pure_function() -> None:
    calendar = WorkCalendar()
    today = date(2022, 6, 1)  # a Wednesday
    horizon = warning_horizon(calendar, today)
    assert horizon == date(2022, 6, 8)

    class M:
        def __init__(self, due: date, started_on: date | None = None, done_on=None) -> None:
            self.due, self.started_on, self.done_on = due, started_on, done_on

    assert standing(M(date(2022, 6, 8)), today, horizon) == Standing.DUE_SOON
    assert standing(M(date(2022, 6, 9)), today, horizon) == Standing.OPEN
    assert standing(M(date(2022, 6, 8), today), today, horizon) == Standing.IN_PROGRESS
    assert standing(M(date(2022, 5, 31)), today, horizon) == Standing.OVERDUE
    assert standing(M(date(2022, 5, 31), done_on=date(2022, 5, 31)), today, horizon) == (
        Standing.DONE_ON_TIME
    )
    assert task_status([M(date(2022, 6, 8))], today, calendar) == Status.YELLOW


# --- reads ---------------------------------------------------------------------------------
def test_tasks_for_user_follows_the_data_scope(world, task) -> None:
    other = services.task_create(
        actor=world.users[Role.OFFICE],
        assignment=world.assignment_b,
        name="西山镇任务",
        deadline=date(2022, 12, 1),
    )
    assert set(tasks_for_user(user=world.users[Role.OFFICE])) == {task, other}
    assert list(tasks_for_user(user=world.users[Role.REPORTER])) == [task]
    assert list(tasks_for_user(user=world.users["reporter_b"])) == [other]
    assert list(tasks_for_user(user=world.users[Role.LEADER])) == [task]  # town A in portfolio
    assert list(tasks_for_user(user=world.users[Role.AUDITOR])) == []
    assert list(tasks_for_user(user=world.users[Role.OFFICE], query="西山")) == [other]


# --- the working calendar ------------------------------------------------------------------
def test_seeding_an_unknown_year_returns_zero_without_error(world) -> None:
    assert services.holidays_seed_official(actor=world.users[Role.OFFICE], year=2031) == 0
    assert not Holiday.objects.exists()
    assert years_without_holidays([2031]) == [2031]


def test_seeding_keeps_the_offices_own_days(world) -> None:
    office = world.users[Role.OFFICE]
    services.holiday_set(
        actor=office, day=date(2022, 10, 3), is_working_day=False, name="国庆节（本县）"
    )
    assert services.holidays_seed_official(actor=office, year=2022) == 24
    assert Holiday.objects.get(day=date(2022, 10, 3)).name == "国庆节（本县）"
    assert Holiday.objects.filter(day__year=2022, source="official").count() == 24
    # Loading again changes nothing and says the same.
    assert services.holidays_seed_official(actor=office, year=2022) == 24
    assert Holiday.objects.filter(day__year=2022).count() == 25
    calendar = work_calendar()
    assert not calendar.is_working_day(date(2022, 10, 4))
    assert calendar.is_working_day(date(2022, 10, 8))


def test_holiday_set_and_delete(world) -> None:
    office = world.users[Role.OFFICE]
    with pytest.raises(ApplicationError, match="weekday"):
        services.holiday_set(actor=office, day=date(2027, 10, 4), is_working_day=True)
    with pytest.raises(ApplicationError, match="weekend"):
        services.holiday_set(actor=office, day=date(2027, 10, 2), is_working_day=False)
    services.holiday_set(actor=office, day=date(2027, 10, 4), is_working_day=False, name="国庆节")
    services.holiday_set(actor=office, day=date(2027, 9, 26), is_working_day=True, name="国庆节")
    calendar = work_calendar()
    assert not calendar.is_working_day(date(2027, 10, 4))
    assert calendar.is_working_day(date(2027, 9, 26))  # a Sunday
    services.holiday_delete(actor=office, day=date(2027, 10, 4))
    assert work_calendar().is_working_day(date(2027, 10, 4))
    with pytest.raises(ApplicationError):
        services.holiday_delete(actor=office, day=date(2027, 10, 4))
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("holiday.set") == 2 and "holiday.delete" in actions


@pytest.mark.parametrize("role", [Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.AUDITOR])
def test_only_the_office_keeps_the_calendar(world, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.holiday_set(actor=world.users[role], day=date(2027, 10, 4), is_working_day=False)
    with pytest.raises(PermissionDeniedError):
        services.holidays_seed_official(actor=world.users[role], year=2022)
    assert not Holiday.objects.exists()


def test_the_holidays_command(world, capsys) -> None:
    from django.core.management import call_command

    call_command("holidays", "--year", "2022", "--year", "2031")
    out = capsys.readouterr().out
    assert "2022: loaded 25" in out
    assert "2022-10-08 worked" in out
    assert "2031: chinese-calendar has no data" in out
    assert Holiday.objects.filter(day__year=2022).count() == 25
