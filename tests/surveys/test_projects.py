"""Survey projects: creating and changing them (validation, unique code, one scoring survey
per plan, stale edits, limits once fieldwork started) and starting fieldwork."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

import pytest

from kaoping.appraisal.survey_calculations import DEFAULT_GROUP_WEIGHTS
from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Role
from kaoping.surveys.models import (
    Case,
    ProjectStaff,
    Question,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.surveys.services.projects import (
    ProjectSettings,
    project_create,
    project_start_fieldwork,
    project_update,
    questionnaire_current,
)
from tests.factories import make_unit, user_with_role
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db


def create(world: Any, code: str = "2022-FG", **settings: Any) -> SurveyProject:
    name = settings.pop("name", "非公经济发展服务环境专项评议")
    return project_create(
        actor=world.users[Role.OFFICE],
        plan=world.plan,
        code=code,
        settings=ProjectSettings(name=name, **settings),
    )


def ready_for_fieldwork(project: SurveyProject, world: Any) -> None:
    """A current draw with cases and an interviewer on the staff."""
    people = add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 3})
    draw = SampleDraw.objects.create(project=project, seed=7, frame_digest="x" * 64)
    for position, person in enumerate(people):
        Case.objects.create(
            draw=draw,
            project=project,
            respondent=person,
            stratum="resident:东城镇",
            position=position,
        )
    ProjectStaff.objects.create(project=project, user=world.users[Role.INTERVIEWER])


# --- create -----------------------------------------------------------------------------------
def test_a_new_project_takes_the_plans_towns_and_departments_and_default_weights(world) -> None:
    project = create(world)
    assert set(project.units.all()) == {world.town_a, world.town_b, world.dept_a, world.dept_b}
    assert project.group_weights == DEFAULT_GROUP_WEIGHTS
    assert project.status == SurveyProject.Status.DRAFT
    questionnaire = questionnaire_current(project)
    assert (questionnaire.version, questionnaire.title) == (1, project.name)
    event = AuditEvent.objects.get(action="survey.project_created")
    assert event.after["code"] == "2022-FG"
    assert sorted(event.after["units"]) == sorted(
        u.pk for u in (world.town_a, world.town_b, world.dept_a, world.dept_b)
    )


def test_chosen_units_must_be_the_plans(world) -> None:
    project = create(world, units=[world.town_a])
    assert list(project.units.all()) == [world.town_a]
    elsewhere = make_unit("C02", "邻县", "county")
    town = make_unit("C02T1", "邻镇", "town", elsewhere)
    with pytest.raises(ApplicationError, match="not towns or departments of the plan"):
        create(world, code="X-1", units=[town])
    with pytest.raises(ApplicationError, match="not towns or departments of the plan"):
        create(world, code="X-2", units=[world.county])


def test_the_code_is_unique(project, world) -> None:
    with pytest.raises(ApplicationError, match="already used by another survey"):
        create(world, code="t-zh")
    with pytest.raises(ApplicationError, match=r"e\.g\. 2022-ZH"):
        create(world, code="2022 综合")


def test_only_one_project_of_a_plan_feeds_the_score(project, world) -> None:
    with pytest.raises(ApplicationError, match="T-ZH already feeds this plan"):
        create(world, feeds_scoring=True)
    other = create(world)
    with pytest.raises(ApplicationError, match="T-ZH already feeds this plan"):
        project_update(
            actor=world.users[Role.OFFICE],
            project=other,
            settings=ProjectSettings(name=other.name, feeds_scoring=True),
        )
    assert SurveyProject.objects.filter(feeds_scoring=True).count() == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"group_weights": {"residents": -1}}, "cannot be negative"),
        (
            {"group_weights": dict.fromkeys(DEFAULT_GROUP_WEIGHTS, 0)},
            "at least one respondent group needs a positive weight",
        ),
        ({"group_weights": {"youth": 1}}, "Unknown respondent group weight"),
        ({"confidence": Decimal("0.8")}, "90%, 95% or 99%"),
        ({"margin_of_error": Decimal("0.5")}, "between 0.01 and 0.20"),
        ({"max_attempts": 0}, "between 1 and 20"),
        ({"calling_hours_start": time(21), "calling_hours_end": time(9)}, "start before"),
        ({"retention_days": 0}, "between 1 and 3650"),
    ],
)
def test_settings_are_validated(world, settings, message) -> None:
    with pytest.raises(ApplicationError, match=f"(?i){message}"):
        create(world, **settings)
    assert not SurveyProject.objects.exists()


def test_only_the_plans_office_creates(world) -> None:
    other = make_unit("C02", "邻县", "county")
    stranger = user_with_role(Role.OFFICE, other, username="office_other")
    for user in (stranger, world.users[Role.INTERVIEWER], world.users[Role.LEADER]):
        with pytest.raises(PermissionDeniedError):
            project_create(
                actor=user, plan=world.plan, code="X", settings=ProjectSettings(name="x")
            )


# --- update -----------------------------------------------------------------------------------
def test_an_update_is_audited_with_before_and_after(project, world) -> None:
    project_update(
        actor=world.users[Role.OFFICE],
        project=project,
        settings=ProjectSettings(name="新名称", feeds_scoring=True, max_attempts=7),
        expected_version=project.row_version,
    )
    project.refresh_from_db()
    assert (project.name, project.max_attempts, project.row_version) == ("新名称", 7, 2)
    event = AuditEvent.objects.get(action="survey.project_updated")
    assert event.before["name"] == "示范县2022年度综合评议"
    assert event.after["name"] == "新名称"
    assert (event.before["max_attempts"], event.after["max_attempts"]) == (5, 7)


def test_a_stale_edit_is_a_conflict(project, world) -> None:
    office = world.users[Role.OFFICE]
    stale = SurveyProject.objects.get(pk=project.pk)
    project_update(actor=office, project=project, settings=ProjectSettings(name="第一"))
    with pytest.raises(ConflictError, match="Someone else changed this"):
        project_update(
            actor=office,
            project=stale,
            settings=ProjectSettings(name="第二"),
            expected_version=1,
        )
    project.refresh_from_db()
    assert project.name == "第一"


def test_after_fieldwork_starts_only_name_and_retention_change(project, world) -> None:
    office = world.users[Role.OFFICE]
    ready_for_fieldwork(project, world)
    project_start_fieldwork(project=project, actor=office)
    project.refresh_from_db()
    same = {
        "kind": project.kind,
        "units": list(project.units.all()),
        "feeds_scoring": True,
        "group_weights": project.group_weights,
    }
    with pytest.raises(ApplicationError, match="only the name and the retention period"):
        project_update(
            actor=office,
            project=project,
            settings=ProjectSettings(name="x", max_attempts=9, **same),
        )
    project_update(
        actor=office,
        project=project,
        settings=ProjectSettings(name="改名", retention_days=30, **same),
    )
    project.refresh_from_db()
    assert (project.name, project.retention_days, project.max_attempts) == ("改名", 30, 5)


# --- start of fieldwork -----------------------------------------------------------------------
def test_fieldwork_needs_questions(world) -> None:
    project = create(world)
    ready_for_fieldwork(project, world)
    with pytest.raises(ApplicationError, match="the questionnaire has no question"):
        project_start_fieldwork(project=project, actor=world.users[Role.OFFICE])


def test_a_scoring_project_needs_a_unit_rating_question(project, world) -> None:
    ready_for_fieldwork(project, world)
    Question.objects.filter(questionnaire__project=project).update(kind=Question.Kind.RATING)
    with pytest.raises(ApplicationError, match="rates no unit"):
        project_start_fieldwork(project=project, actor=world.users[Role.OFFICE])


def test_fieldwork_needs_a_current_draw_with_cases(project, world) -> None:
    office = world.users[Role.OFFICE]
    ProjectStaff.objects.create(project=project, user=world.users[Role.INTERVIEWER])
    with pytest.raises(ApplicationError, match="no sample has been drawn"):
        project_start_fieldwork(project=project, actor=office)
    SampleDraw.objects.create(project=project, seed=1, frame_digest="0" * 64)
    with pytest.raises(ApplicationError, match="the sample draw has no cases"):
        project_start_fieldwork(project=project, actor=office)


def test_a_superseded_draw_does_not_count(project, world) -> None:
    ready_for_fieldwork(project, world)
    SampleDraw.objects.filter(project=project).update(superseded_at="2022-01-01T00:00:00Z")
    with pytest.raises(ApplicationError, match="no sample has been drawn"):
        project_start_fieldwork(project=project, actor=world.users[Role.OFFICE])


def test_fieldwork_needs_an_interviewer(project, world) -> None:
    ready_for_fieldwork(project, world)
    staff = ProjectStaff.objects.get(project=project)
    staff.role = ProjectStaff.StaffRole.SUPERVISOR
    staff.save()
    with pytest.raises(ApplicationError, match="no interviewer is on the staff"):
        project_start_fieldwork(project=project, actor=world.users[Role.OFFICE])


def test_starting_fieldwork_locks_the_questionnaire_once(project, world) -> None:
    office = world.users[Role.OFFICE]
    ready_for_fieldwork(project, world)
    project_start_fieldwork(project=project, actor=office)
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.FIELDWORK
    assert project.fieldwork_started_at is not None
    assert questionnaire_current(project).locked_at is not None
    event = AuditEvent.objects.get(action="survey.fieldwork_started")
    assert event.after["questionnaire_version"] == 1
    with pytest.raises(ApplicationError, match="already started"):
        project_start_fieldwork(project=project, actor=office)
    assert AuditEvent.objects.filter(action="survey.fieldwork_started").count() == 1


def test_the_missing_steps_are_named_together(world) -> None:
    project = create(world)
    with pytest.raises(ApplicationError) as info:
        project_start_fieldwork(project=project, actor=world.users[Role.OFFICE])
    message = str(info.value.message)
    for missing in ("no question", "no sample", "no interviewer"):
        assert missing in message
