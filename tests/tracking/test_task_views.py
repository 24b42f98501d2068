"""Task, milestone and working-calendar pages: the permission matrix over the `world` roles,
out-of-scope 404s, the planning and evidence flows, and the task list's query budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, Unit
from kaoping.tracking.models import Evidence, Holiday, Milestone, Task
from kaoping.tracking.services import tasks as services
from tests.factories import AssignmentFactory, IndicatorFactory, PlanFactory, make_unit

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ANON = "anonymous"
ROLES = (
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
)
EVERYONE = (*ROLES, ANON)


@dataclass
class Tasks:
    """Tasks of town A (planned, one milestone done with evidence), town B and another
    county that nobody in `world` may see."""

    task_a: Task
    open_milestone: Milestone
    done_milestone: Milestone
    evidence: Evidence
    task_b: Task
    other_task: Task
    other_milestone: Milestone


def _pdf(name: str = "纪要.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def tasks(world: Any) -> Tasks:
    office = world.users[Role.OFFICE]
    task_a = services.task_create(
        actor=office,
        assignment=world.assignment_a,
        name="应急准备认证",
        deadline=date(2022, 10, 14),
    )
    first, second = services.task_plan_backward(
        actor=office, task=task_a, steps=[("方案制定", 3), ("认证验收", 5)]
    )
    services.milestone_complete(
        actor=office, milestone=first, done_on=date(2022, 9, 30), files=[_pdf()]
    )
    task_b = services.task_create(
        actor=office, assignment=world.assignment_b, name="西山镇任务", deadline=date(2022, 12, 1)
    )
    county = make_unit("C99", "邻县", Unit.Kind.COUNTY)
    town = make_unit("T99", "邻县北镇", Unit.Kind.TOWN, county)
    plan = PlanFactory(owner=county, code="other-2022")
    indicator = IndicatorFactory(plan=plan, code="X01")
    assignment = AssignmentFactory(indicator=indicator, lead_unit=town)
    other_task = services.task_create(
        actor=None, assignment=assignment, name="邻县任务", deadline=date(2022, 12, 1)
    )
    other_milestone = services.milestone_add(
        actor=None, task=other_task, name="邻县节点", due=date(2022, 11, 1)
    )
    return Tasks(
        task_a=Task.objects.get(pk=task_a.pk),
        open_milestone=Milestone.objects.get(pk=second.pk),
        done_milestone=Milestone.objects.get(pk=first.pk),
        evidence=Evidence.objects.get(milestone=first),
        task_b=task_b,
        other_task=other_task,
        other_milestone=other_milestone,
    )


def _client(world: Any, who: str) -> Client:
    return Client() if who == ANON else world.client_for(who)


READERS = {Role.OFFICE: 200, Role.REPORTER: 200, Role.UNIT_HEAD: 200, Role.LEADER: 200}
EDITORS_A = {Role.OFFICE: 200, Role.UNIT_HEAD: 200}
WORKERS_A = {Role.OFFICE: 200, Role.UNIT_HEAD: 200, Role.REPORTER: 200}
OFFICE = {Role.OFFICE: 200}

# (url name, object attribute of Tasks or None, who gets 200; everyone else 404)
GET_MATRIX: tuple[tuple[str, str | None, dict[str, int]], ...] = (
    ("tracking:task_list", None, {**READERS, "reporter_b": 200}),
    ("tracking:task_create", None, EDITORS_A),
    ("tracking:task_detail", "task_a", READERS),
    ("tracking:task_detail", "task_b", {Role.OFFICE: 200, "reporter_b": 200}),
    ("tracking:task_detail", "other_task", {}),
    ("tracking:task_edit", "task_a", EDITORS_A),
    ("tracking:task_edit", "task_b", OFFICE),
    ("tracking:task_edit", "other_task", {}),
    ("tracking:task_plan", "task_a", EDITORS_A),
    ("tracking:task_plan", "other_task", {}),
    ("tracking:milestone_create", "task_a", EDITORS_A),
    ("tracking:milestone_edit", "open_milestone", EDITORS_A),
    ("tracking:milestone_edit", "other_milestone", {}),
    ("tracking:milestone_complete", "open_milestone", WORKERS_A),
    ("tracking:milestone_complete", "other_milestone", {}),
    ("tracking:milestone_reopen", "done_milestone", OFFICE),
    ("tracking:milestone_evidence", "evidence", READERS),
    ("tracking:holiday_list", None, OFFICE),
)
POST_ONLY = (
    ("tracking:task_status", "task_a"),
    ("tracking:milestone_start", "open_milestone"),
    ("tracking:holiday_set", None),
    ("tracking:holiday_delete", None),
    ("tracking:holiday_seed", None),
)


def _url(name: str, attr: str | None, tasks: Tasks) -> str:
    kwargs = {"pk": getattr(tasks, attr).pk} if attr else {}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(
    ("name", "attr", "expect"),
    GET_MATRIX,
    ids=[f"{n}[{a}]" if a else n for n, a, _e in GET_MATRIX],
)
def test_get_matrix(world, tasks, name: str, attr: str | None, expect: dict[str, int]) -> None:
    url = _url(name, attr, tasks)
    for who in EVERYONE:
        response = _client(world, who).get(url)
        expected = 302 if who == ANON else expect.get(who, 404)
        assert response.status_code == expected, f"{who} GET {url}"
        if who == ANON:
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "attr"), POST_ONLY)
def test_post_only_endpoints_refuse_get(world, tasks, name: str, attr: str | None) -> None:
    for who in (Role.OFFICE, Role.REPORTER, ANON):
        assert _client(world, who).get(_url(name, attr, tasks)).status_code == 405


def test_evidence_download(world, tasks) -> None:
    response = world.client_for(Role.REPORTER).get(
        reverse("tracking:milestone_evidence", kwargs={"pk": tasks.evidence.pk})
    )
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


def test_menu_entries(world) -> None:
    tasks_url, calendar_url = reverse("tracking:task_list"), reverse("tracking:holiday_list")
    office = world.client_for(Role.OFFICE).get(reverse("org:no_work")).content.decode()
    assert tasks_url in office and calendar_url in office
    for role in (Role.REPORTER, Role.UNIT_HEAD, Role.LEADER):
        page = world.client_for(role).get(reverse("org:no_work")).content.decode()
        assert tasks_url in page and calendar_url not in page
    auditor = world.client_for(Role.AUDITOR).get(reverse("org:no_work")).content.decode()
    assert tasks_url not in auditor


# --- writes by the wrong people change nothing --------------------------------------------
def _state() -> tuple[Any, ...]:
    return (
        tuple(Task.objects.order_by("pk").values_list("pk", "row_version", "status")),
        tuple(Milestone.objects.order_by("pk").values_list("pk", "row_version", "done_on")),
        Evidence.objects.count(),
        Holiday.objects.count(),
        AuditEvent.objects.count(),
    )


def _posts(world: Any, tasks: Tasks) -> list[tuple[str, str | None, dict[str, Any], set[str]]]:
    """(url name, object, data, who may) for each write."""
    task, milestone = tasks.task_a, tasks.open_milestone
    return [
        (
            "tracking:task_create",
            None,
            {
                "assignment": world.assignment_a.pk,
                "name": "新任务",
                "deadline": "2022-12-01",
            },
            {Role.OFFICE, Role.UNIT_HEAD},
        ),
        (
            "tracking:task_edit",
            "task_a",
            {
                "row_version": task.row_version,
                "name": "改名",
                "deadline": "2022-10-14",
            },
            {Role.OFFICE, Role.UNIT_HEAD},
        ),
        (
            "tracking:task_status",
            "task_a",
            {
                "row_version": task.row_version,
                "status": "cancelled",
                "reason": "调整",
            },
            {Role.OFFICE, Role.UNIT_HEAD},
        ),
        (
            "tracking:milestone_create",
            "task_a",
            {
                "name": "新节点",
                "due": "2022-10-13",
                "working_days": 2,
            },
            {Role.OFFICE, Role.UNIT_HEAD},
        ),
        (
            "tracking:milestone_start",
            "open_milestone",
            {"row_version": milestone.row_version},
            {Role.OFFICE, Role.UNIT_HEAD, Role.REPORTER},
        ),
        (
            "tracking:milestone_complete",
            "open_milestone",
            {
                "row_version": milestone.row_version,
                "done_on": "2022-10-14",
                "evidence": _pdf(),
            },
            {Role.OFFICE, Role.UNIT_HEAD, Role.REPORTER},
        ),
        (
            "tracking:milestone_reopen",
            "done_milestone",
            {
                "row_version": tasks.done_milestone.row_version,
                "reason": "材料不全",
            },
            {Role.OFFICE},
        ),
        (
            "tracking:holiday_set",
            None,
            {"day": "2027-10-04", "kind": "off", "name": "国庆节"},
            {Role.OFFICE},
        ),
        ("tracking:holiday_seed", None, {"year": 2022}, {Role.OFFICE}),
    ]


WRITE_NAMES = [
    "task_create",
    "task_edit",
    "task_status",
    "milestone_create",
    "milestone_start",
    "milestone_complete",
    "milestone_reopen",
    "holiday_set",
    "holiday_seed",
]


@pytest.mark.parametrize("index", range(len(WRITE_NAMES)), ids=WRITE_NAMES)
def test_writes_by_role(world, tasks, index: int) -> None:
    for who in EVERYONE:
        name, attr, data, allowed = _posts(world, tasks)[index]
        client = _client(world, who)  # signing in is audited too: before the snapshot
        before = _state()
        response = client.post(_url(name, attr, tasks), data)
        if who in allowed:
            assert response.status_code == 302, (who, response.content.decode()[:3000])
            assert _state() != before, who
            # Undo the write so the next role starts from the same state.
            Task.objects.filter(name="新任务").delete()
            Milestone.objects.filter(name="新节点").delete()
            Evidence.objects.filter(milestone=tasks.open_milestone).delete()
            Holiday.objects.all().delete()
            Task.objects.filter(pk=tasks.task_a.pk).update(
                name=tasks.task_a.name,
                status=tasks.task_a.status,
                row_version=tasks.task_a.row_version,
            )
            for m in (tasks.open_milestone, tasks.done_milestone):
                Milestone.objects.filter(pk=m.pk).update(
                    started_on=m.started_on, done_on=m.done_on, row_version=m.row_version
                )
        else:
            expected = 302 if who == ANON else 404
            assert response.status_code == expected, who
            assert _state() == before, who


def test_out_of_scope_writes_answer_404(world, tasks) -> None:
    office = world.client_for(Role.OFFICE)
    reporter_b = world.client_for("reporter_b")
    before = _state()
    response = office.post(
        reverse("tracking:milestone_start", kwargs={"pk": tasks.other_milestone.pk}),
        {"row_version": 1},
    )
    assert response.status_code == 404
    response = reporter_b.post(
        reverse("tracking:milestone_start", kwargs={"pk": tasks.open_milestone.pk}),
        {"row_version": tasks.open_milestone.row_version},
    )
    assert response.status_code == 404
    assert _state() == before


# --- flows ---------------------------------------------------------------------------------
def _plan_data(task: Task, action: str, steps: list[tuple[str, int]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "row_version": task.row_version,
        "deadline": "2022-10-14",
        "action": action,
        "step-TOTAL_FORMS": len(steps) + 1,
        "step-INITIAL_FORMS": 0,
    }
    for index, (name, days) in enumerate(steps):
        data[f"step-{index}-name"] = name
        data[f"step-{index}-working_days"] = days
    return data


def test_plan_preview_then_confirm(world, tasks) -> None:
    for day in range(3, 8):
        Holiday.objects.create(day=date(2022, 10, day), name="National Day")
    for day in (8, 9):
        Holiday.objects.create(day=date(2022, 10, day), is_working_day=True)
    task = tasks.task_b
    client = world.client_for(Role.OFFICE)
    url = reverse("tracking:task_plan", kwargs={"pk": task.pk})
    steps = [("方案制定", 3), ("设备采购", 5), ("认证验收", 2)]
    preview = client.get(url)
    assert preview.status_code == 200
    response = client.post(url, _plan_data(task, "preview", steps))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2022-09-30" in page and "2022-10-12" in page and "2022-10-14" in page
    assert not Milestone.objects.filter(task=task).exists()
    response = client.post(url, _plan_data(task, "confirm", steps))
    assert response.status_code == 302
    assert list(
        Milestone.objects.filter(task=task).order_by("order").values_list("due", flat=True)
    ) == [date(2022, 9, 30), date(2022, 10, 12), date(2022, 10, 14)]
    # The same form posted again is stale: the task's version moved.
    response = client.post(url, _plan_data(task, "confirm", [("一步", 1)]))
    assert response.status_code == 200
    assert Milestone.objects.filter(task=task).count() == 3


def test_plan_preview_warns_about_a_year_without_holidays(world, tasks) -> None:
    client = world.client_for(Role.OFFICE)
    task = tasks.task_b
    Task.objects.filter(pk=task.pk).update(deadline=date(2031, 6, 30))
    task.refresh_from_db()
    data = _plan_data(task, "preview", [("实施", 10)])
    data["deadline"] = "2031-06-30"
    response = client.post(reverse("tracking:task_plan", kwargs={"pk": task.pk}), data)
    assert response.status_code == 200
    assert "2031-06-30" in response.content.decode()
    assert response.context["warnings"]


def test_completing_needs_evidence_on_the_page(world, tasks) -> None:
    client = world.client_for(Role.REPORTER)
    url = reverse("tracking:milestone_complete", kwargs={"pk": tasks.open_milestone.pk})
    data = {"row_version": tasks.open_milestone.row_version, "done_on": "2022-10-17"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Milestone.objects.get(pk=tasks.open_milestone.pk).done_on is None
    response = client.post(url, {**data, "evidence": [_pdf("a.pdf"), _pdf("b.pdf", PDF + b"1")]})
    assert response.status_code == 302
    milestone = Milestone.objects.get(pk=tasks.open_milestone.pk)
    assert milestone.done_on == date(2022, 10, 17)  # late: due 14 October
    assert milestone.evidence.count() == 2
    assert Task.objects.get(pk=tasks.task_a.pk).status == Task.Status.DONE


def test_a_stale_edit_keeps_the_input(world, tasks) -> None:
    client = world.client_for(Role.OFFICE)
    url = reverse("tracking:task_edit", kwargs={"pk": tasks.task_a.pk})
    stale = tasks.task_a.row_version
    Task.objects.filter(pk=tasks.task_a.pk).update(row_version=stale + 1)
    response = client.post(
        url, {"row_version": stale, "name": "我的改动", "deadline": "2022-10-14"}
    )
    assert response.status_code == 200
    assert "我的改动" in response.content.decode()
    assert response.context["form"].non_field_errors()


def test_calendar_page_and_seeding(world) -> None:
    client = world.client_for(Role.OFFICE)
    response = client.post(reverse("tracking:holiday_seed"), {"year": 2031}, follow=True)
    assert response.status_code == 200
    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["warning"]
    assert not Holiday.objects.exists()
    response = client.post(reverse("tracking:holiday_seed"), {"year": 2022}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert len(response.context["days"]) == 25
    assert "2022-10-08" in response.content.decode()
    response = client.post(
        reverse("tracking:holiday_set"), {"day": "2022-10-10", "kind": "work"}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    client.post(reverse("tracking:holiday_delete"), {"day": "2022-10-08"})
    assert not Holiday.objects.filter(day=date(2022, 10, 8)).exists()


# --- query budget --------------------------------------------------------------------------
def _add_tasks(world: Any, count: int) -> None:
    office = world.users[Role.OFFICE]
    for n in range(count):
        task = services.task_create(
            actor=office,
            assignment=world.assignment_a if n % 2 else world.assignment_b,
            name=f"任务{n}",
            deadline=date(2022, 12, 30),
        )
        services.task_plan_backward(
            actor=office, task=task, steps=[("一", 2), ("二", 3), ("三", 1)]
        )


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("tracking:task_list"))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", [Role.OFFICE, Role.REPORTER, Role.LEADER])
def test_task_list_query_budget(world, role: str) -> None:
    client = world.client_for(role)
    _add_tasks(world, 4)
    small = _list_queries(client)
    _add_tasks(world, 20)
    large = _list_queries(client)
    assert large == small
    assert large <= 14
