"""The office's survey project pages: who may open them, forms and their errors, stale edits,
the hub's checklist, the questionnaire builder and starting fieldwork, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, User
from kaoping.surveys.models import (
    Case,
    OptionSet,
    ProjectStaff,
    Question,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.surveys.views.projects import link
from tests.factories import make_unit, user_with_role
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db

OTHER_ROLES = (
    Role.REPORTER,
    Role.UNIT_HEAD,
    Role.LEADER,
    Role.INSPECTOR,
    Role.INTERVIEWER,
    Role.AUDITOR,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
)


def client_for(user: User | None, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def project_form_data(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "plan": world.plan.pk,
        "code": "2022-FG",
        "name": "非公经济发展服务环境专项评议",
        "kind": SurveyProject.Kind.SPECIAL,
        "units": [world.dept_a.pk, world.dept_b.pk],
        "weight_deputies_and_members": "0.3",
        "weight_residents": "0.5",
        "weight_cadres_and_business_owners": "0.2",
        "confidence": "0.950",
        "margin_of_error": "0.05",
        "max_attempts": "5",
        "attempt_spacing_minutes": "60",
        "calling_hours_start": "09:00",
        "calling_hours_end": "21:00",
        "retention_days": "180",
    }
    data.update(overrides)
    return data


def pages(project: SurveyProject) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, data) of every project page, each about `project`."""
    question = Question.objects.filter(questionnaire__project=project).order_by("number")[0]
    return [
        ("get", reverse("surveys:project_detail", args=[project.pk]), {}),
        ("get", reverse("surveys:project_edit", args=[project.pk]), {}),
        ("get", reverse("surveys:questionnaire", args=[project.pk]), {}),
        ("get", reverse("surveys:question_add", args=[project.pk]), {}),
        ("get", reverse("surveys:question_edit", args=[question.pk]), {}),
        ("post", reverse("surveys:question_move", args=[question.pk]), {"direction": "down"}),
        ("post", reverse("surveys:project_start", args=[project.pk]), {}),
        ("post", reverse("surveys:questionnaire_new_version", args=[project.pk]), {}),
        ("post", reverse("surveys:question_delete", args=[question.pk]), {}),
    ]


GENERAL_PAGES = ("project_list", "project_create", "option_sets", "option_set_create")


# --- permissions ------------------------------------------------------------------------------
def test_the_office_opens_every_page(project, world) -> None:
    client = client_for(world.users[Role.OFFICE])
    for method, url, data in pages(project):
        response = getattr(client, method)(url, data)
        assert response.status_code == (200 if method == "get" else 302), url
    for name in GENERAL_PAGES:
        assert client.get(reverse(f"surveys:{name}")).status_code == 200, name


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_gets_404(project, world, role) -> None:
    client = client_for(world.users[role])
    for method, url, data in pages(project):
        assert getattr(client, method)(url, data).status_code == 404, url
    for name in GENERAL_PAGES:
        assert client.get(reverse(f"surveys:{name}")).status_code == 404, name
    assert not AuditEvent.objects.filter(action__startswith="survey.").exists()


def test_another_countys_office_gets_404(project, world) -> None:
    other = make_unit("C02", "邻县", "county")
    client = client_for(user_with_role(Role.OFFICE, other, username="office_other"))
    for method, url, data in pages(project):
        assert getattr(client, method)(url, data).status_code == 404, url
    response = client.get(reverse("surveys:project_list"))
    assert "T-ZH" not in response.content.decode()
    create = client.get(reverse("surveys:project_create"))
    assert world.plan.name not in create.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="survey.").exists()


def test_anonymous_users_are_sent_to_sign_in(project) -> None:
    response = client_for(None).get(reverse("surveys:project_detail", args=[project.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- project form -----------------------------------------------------------------------------
def test_creating_a_project(world) -> None:
    client = client_for(world.users[Role.OFFICE])
    page = client.get(reverse("surveys:project_create")).content.decode()
    assert "县发展和改革局" in page and "<optgroup" in page
    response = client.post(reverse("surveys:project_create"), project_form_data(world))
    project = SurveyProject.objects.get(code="2022-FG")
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:project_detail", args=[project.pk])
    assert set(project.units.all()) == {world.dept_a, world.dept_b}
    assert project.kind == SurveyProject.Kind.SPECIAL
    assert project.group_weights == {
        "deputies_and_members": 0.3,
        "residents": 0.5,
        "cadres_and_business_owners": 0.2,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "T-ZH"}, "The code T-ZH is already used by another survey."),
        ({"feeds_scoring": "on"}, "Survey T-ZH already feeds this plan"),
        ({"calling_hours_end": "08:00"}, "Calling hours must end after they start."),
        (
            {
                "weight_deputies_and_members": "0",
                "weight_residents": "0",
                "weight_cadres_and_business_owners": "0",
            },
            "At least one respondent group needs a positive weight.",
        ),
        ({"weight_residents": "-1"}, "greater than or equal to 0"),
        ({"confidence": "0.800"}, "Select a valid choice"),
    ],
)
def test_project_form_errors_are_shown(project, world, overrides, message) -> None:
    client = client_for(world.users[Role.OFFICE])
    response = client.post(reverse("surveys:project_create"), project_form_data(world, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SurveyProject.objects.count() == 1


def test_a_stale_edit_keeps_the_users_input(project, world) -> None:
    client = client_for(world.users[Role.OFFICE])
    url = reverse("surveys:project_edit", args=[project.pk])
    stale = project_form_data(world, name="我的修改", version="1", units=[world.town_a.pk])
    SurveyProject.objects.filter(pk=project.pk).update(row_version=2, name="别人的修改")
    response = client.post(url, stale)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Someone else changed this in the meantime" in page
    assert 'value="我的修改"' in page
    project.refresh_from_db()
    assert project.name == "别人的修改"


def test_an_edit_saves(project, world) -> None:
    client = client_for(world.users[Role.OFFICE])
    url = reverse("surveys:project_edit", args=[project.pk])
    response = client.post(
        url, project_form_data(world, name="新名称", version="1", feeds_scoring="on")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.code, project.row_version) == ("新名称", "T-ZH", 2)


def test_after_fieldwork_the_form_says_why_and_keeps_other_settings(project, world) -> None:
    SurveyProject.objects.filter(pk=project.pk).update(status=SurveyProject.Status.FIELDWORK)
    client = client_for(world.users[Role.OFFICE])
    url = reverse("surveys:project_edit", args=[project.pk])
    page = client.get(url).content.decode()
    assert "only the name and the retention period can change" in page
    response = client.post(
        url,
        project_form_data(world, name="改名", retention_days="30", max_attempts="9", version="1"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.retention_days, project.max_attempts) == ("改名", 30, 5)


# --- hub --------------------------------------------------------------------------------------
def test_the_hub_shows_the_steps(project, world) -> None:
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 2})
    add_respondents(project, RespondentGroup.DEPUTY, {"县": 1}, start=100)
    client = client_for(world.users[Role.OFFICE])
    page = client.get(reverse("surveys:project_detail", args=[project.pk])).content.decode()
    assert "2 questions · version 1" in page
    assert "NPC deputies 1 · Residents 2" in page
    assert reverse("surveys:questionnaire", args=[project.pk]) in page
    assert reverse("surveys:project_start", args=[project.pk]) in page
    assert "no sample has been drawn" in page
    for name in ("frames", "draw", "staff", "supervise", "results"):
        url = link(name, project.pk)
        if url is not None:
            assert url in page, name


def test_link_is_none_for_a_page_that_does_not_exist() -> None:
    assert link("no_such_page", 1) is None
    assert link("project_detail", 1) == reverse("surveys:project_detail", args=[1])


def test_the_project_list_links_to_the_hub(project, world) -> None:
    client = client_for(world.users[Role.OFFICE])
    page = client.get(reverse("surveys:project_list")).content.decode()
    assert reverse("surveys:project_detail", args=[project.pk]) in page
    assert reverse("surveys:project_create") in page


# --- questionnaire pages ----------------------------------------------------------------------
def test_adding_a_question_with_skip_logic(project, world) -> None:
    client = client_for(world.users[Role.OFFICE])
    first = Question.objects.get(questionnaire__project=project, number=1)
    response = client.post(
        reverse("surveys:question_add", args=[project.pk]),
        {
            "kind": Question.Kind.TEXT,
            "text": "您不满意的主要原因是？",
            "weight": "1",
            "groups": [RespondentGroup.RESIDENT],
            "show_if_question": first.pk,
            "show_if_answers": "不太满意、不满意",
            "required": "on",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(questionnaire__project=project, number=3)
    assert question.show_if_answers == ["不太满意", "不满意"]
    assert question.groups == ["resident"]
    page = client.get(reverse("surveys:questionnaire", args=[project.pk])).content.decode()
    assert "您不满意的主要原因是？" in page
    assert "Only if question 1 was answered" in page


def test_question_form_errors_are_shown(project, world) -> None:
    client = client_for(world.users[Role.OFFICE])
    first = Question.objects.get(questionnaire__project=project, number=1)
    response = client.post(
        reverse("surveys:question_add", args=[project.pk]),
        {
            "kind": Question.Kind.CHOICE,
            "text": "职业",
            "choices": "居民\n干部",
            "weight": "1",
            "show_if_question": first.pk,
            "show_if_answers": "好极了",
        },
    )
    assert response.status_code == 400
    assert "is not an answer of question 1" in response.content.decode()
    assert not Question.objects.filter(number=3).exists()


def test_a_locked_questionnaire_is_read_only(project, world) -> None:
    questionnaire = project.questionnaires.get()
    questionnaire.locked_at = "2022-06-01T00:00:00Z"
    questionnaire.save()
    client = client_for(world.users[Role.OFFICE])
    page = client.get(reverse("surveys:questionnaire", args=[project.pk])).content.decode()
    assert "This version is locked" in page
    assert reverse("surveys:question_add", args=[project.pk]) not in page
    response = client.get(reverse("surveys:question_add", args=[project.pk]), follow=True)
    assert "The questionnaire is locked" in response.content.decode()
    question = questionnaire.questions.get(number=1)
    response = client.post(reverse("surveys:question_delete", args=[question.pk]), follow=True)
    assert "is locked" in response.content.decode()
    assert questionnaire.questions.count() == 2


def test_creating_an_option_set(world) -> None:
    client = client_for(world.users[Role.OFFICE])
    data = {"name": "三级", "label_0": "好", "score_0": "100", "label_1": "差", "score_1": "0"}
    data |= {"label_2": "说不清"}
    response = client.post(reverse("surveys:option_set_create"), data)
    assert response.status_code == 302
    assert OptionSet.objects.get(name="三级").options == [
        ["好", 100.0],
        ["差", 0.0],
        ["说不清", None],
    ]
    bad = client.post(
        reverse("surveys:option_set_create"), {"name": "坏", "label_0": "好", "score_0": "1"}
    )
    assert bad.status_code == 400
    assert "at least two answers with a score" in bad.content.decode()
    page = client.get(reverse("surveys:option_sets")).content.decode()
    assert "三级" in page and "很满意" in page


# --- starting fieldwork -----------------------------------------------------------------------
def test_starting_fieldwork_twice_says_it_has_started(project, world) -> None:
    people = add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 2})
    draw = SampleDraw.objects.create(project=project, seed=3, frame_digest="f" * 64)
    for n, person in enumerate(people):
        Case.objects.create(
            draw=draw, project=project, respondent=person, stratum="resident:东城镇", position=n
        )
    client = client_for(world.users[Role.OFFICE])
    url = reverse("surveys:project_start", args=[project.pk])
    refused = client.post(url, follow=True).content.decode()
    assert "Fieldwork cannot start yet: no interviewer is on the staff." in refused
    ProjectStaff.objects.create(project=project, user=world.users[Role.INTERVIEWER])
    started = client.post(url, follow=True)
    assert "Fieldwork has started" in started.content.decode()
    again = client.post(url, follow=True)
    assert again.status_code == 200
    assert "Fieldwork of this survey has already started." in again.content.decode()
    project.refresh_from_db()
    assert project.status == SurveyProject.Status.FIELDWORK


# --- Chinese ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["project_detail", "questionnaire", "project_edit"])
def test_pages_render_in_chinese(project, world, name) -> None:
    client = client_for(world.users[Role.OFFICE], language="zh-hans")
    response = client.get(reverse(f"surveys:{name}", args=[project.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "示范县2022年度综合评议" in page
    assert 'lang="zh-hans"' in page or 'lang="zh-Hans"' in page
    for broken in ("{%", "{{", "TemplateSyntaxError", "VariableDoesNotExist"):
        assert broken not in page


# --- query budgets ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["project_detail", "questionnaire"])
def test_pages_keep_a_query_budget(project, world, name, django_assert_max_num_queries) -> None:
    questionnaire = project.questionnaires.get()
    for n in range(3, 13):
        Question.objects.create(questionnaire=questionnaire, number=n, text=f"题{n}", kind="text")
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 5, "西山镇": 5})
    client = client_for(world.users[Role.OFFICE])
    url = reverse(f"surveys:{name}", args=[project.pk])
    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200
