"""The lists and respondents pages: office only, in its scope; masks everywhere, clear text
only through an audited reveal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, Unit, User
from kaoping.surveys.models import Frame, Respondent, RespondentGroup, SurveyProject
from tests.factories import PlanFactory, make_unit, user_with_role
from tests.surveys.conftest import add_respondents
from tests.surveys.test_frames import HEADER, residents, xlsx

pytestmark = pytest.mark.django_db


def english_client(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def office(world: Any) -> Client:
    return english_client(world.users[Role.OFFICE])


@pytest.fixture
def people(project: SurveyProject) -> list[Respondent]:
    return add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 3, "西山镇": 2})


def upload(client: Client, project: SurveyProject, data: bytes, **fields: Any) -> Any:
    payload = {
        "group": RespondentGroup.RESIDENT,
        "census": "auto",
        "file": SimpleUploadedFile(fields.pop("filename", "list.xlsx"), data),
        **fields,
    }
    return client.post(reverse("surveys:frames", args=[project.pk]), payload)


def test_upload_a_list_and_see_it(office: Client, project: SurveyProject) -> None:
    response = upload(office, project, xlsx([HEADER, *residents(4)]))
    frame = Frame.objects.get(project=project)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:frame_detail", args=[frame.pk])
    page = office.get(reverse("surveys:frames", args=[project.pk]))
    assert page.status_code == 200
    assert "list.xlsx" in page.content.decode()
    detail = office.get(response["Location"]).content.decode()
    assert "Every row of the file was imported." in detail


def test_a_refused_upload_lists_every_problem_and_saves_nothing(
    office: Client, project: SurveyProject
) -> None:
    data = xlsx([HEADER, *residents(2), ["9", "", "123", "东城镇", ""]])
    response = upload(office, project, data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "nothing was saved" in body
    assert "The name is missing." in body and "The phone number is malformed" in body
    assert not Frame.objects.exists()


def test_valid_rows_mode_shows_problems_on_the_list_page(
    office: Client, project: SurveyProject
) -> None:
    data = xlsx([HEADER, *residents(2), ["9", "", "123", "东城镇", ""]])
    response = upload(office, project, data, import_valid_rows="on")
    assert response.status_code == 302
    body = office.get(response["Location"]).content.decode()
    assert "The name is missing." in body
    assert Respondent.objects.filter(project=project).count() == 2


def test_upload_after_the_draw_says_why(
    office: Client, project: SurveyProject, people: Any
) -> None:
    from kaoping.surveys.models import SampleDraw

    SampleDraw.objects.create(project=project, seed=1, frame_digest="x")
    page = office.get(reverse("surveys:frames", args=[project.pk])).content.decode()
    assert "The sample has been drawn already" in page
    response = upload(office, project, xlsx([HEADER, *residents(2, start=50)]))
    assert response.status_code == 400
    assert "The sample has been drawn already" in response.content.decode()


def test_template_download(office: Client, project: SurveyProject) -> None:
    response = office.get(reverse("surveys:frame_template", args=[project.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["编号", "姓名", "手机号"]


def test_delete_a_list(office: Client, project: SurveyProject, people: Any) -> None:
    frame = people[0].frame
    response = office.post(reverse("surveys:frame_delete", args=[frame.pk]))
    assert response.status_code == 302
    assert not Frame.objects.filter(pk=frame.pk).exists()
    assert AuditEvent.objects.filter(action="survey.frame_deleted").count() == 1
    assert office.get(reverse("surveys:frame_delete", args=[frame.pk])).status_code == 405


def test_respondents_page_shows_masks_only(
    office: Client, project: SurveyProject, people: Any
) -> None:
    body = office.get(reverse("surveys:respondents", args=[project.pk])).content.decode()
    assert "139****0000" in body and "测*" in body
    assert "13900000000" not in body and "测试0" not in body


def test_respondents_filter_and_pages(office: Client, project: SurveyProject) -> None:
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 60, "西山镇": 5})
    add_respondents(project, RespondentGroup.DEPUTY, {"全县": 3}, start=1000)
    url = reverse("surveys:respondents", args=[project.pk])
    first = office.get(url, {"group": "resident", "stratum": "东城镇"})
    assert first.context["page"].paginator.count == 60
    assert len(first.context["page"].object_list) == 50
    second = office.get(url, {"group": "resident", "stratum": "东城镇", "page": 2})
    assert len(second.context["page"].object_list) == 10
    deputies = office.get(url, {"group": "deputy"})
    assert deputies.context["page"].paginator.count == 3
    assert deputies.context["strata"] == ["全县"]


def test_export_is_masked_escaped_and_audited(
    office: Client, project: SurveyProject, people: Any
) -> None:
    Respondent.objects.filter(pk=people[0].pk).update(external_ref="=HYPERLINK(1)")
    response = office.get(reverse("surveys:respondents_export", args=[project.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = " ".join(str(v) for row in values for v in row)
    assert "139****0000" in flat and "13900000000" not in flat and "测试0" not in flat
    assert "'=HYPERLINK(1)" in flat
    assert len(values) == 1 + len(people)
    event = AuditEvent.objects.get(action="survey.respondents_exported")
    assert event.after["rows"] == len(people)


def test_reveal_asks_why_then_shows_once_and_audits(
    office: Client, project: SurveyProject, people: Any
) -> None:
    respondent = people[0]
    url = reverse("surveys:respondent_reveal", args=[respondent.pk])
    form = office.get(url).content.decode()
    assert "13900000000" not in form and "139****0000" in form
    assert not AuditEvent.objects.filter(action="survey.personal_data_viewed").exists()
    response = office.post(url, {"purpose": "verify", "detail": "核对"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "13900000000" in body and "测试0" in body
    assert response["Cache-Control"] == "no-store"
    office.post(url, {"purpose": "callback"})
    events = AuditEvent.objects.filter(action="survey.personal_data_viewed").order_by("pk")
    assert events.count() == 2
    assert events[0].object_id == str(respondent.pk)
    assert events[0].reason == "Check an entry of the list: 核对"
    assert "13900000000" not in str(events[0].after)


def test_reveal_needs_a_reason_for_other(
    office: Client, project: SurveyProject, people: Any
) -> None:
    url = reverse("surveys:respondent_reveal", args=[people[0].pk])
    response = office.post(url, {"purpose": "other", "detail": ""})
    assert response.status_code == 400
    assert "13900000000" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="survey.personal_data_viewed").exists()


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.LEADER, Role.REPORTER, Role.AUDITOR])
def test_other_roles_get_404_everywhere(
    world: Any, project: SurveyProject, people: Any, role: str
) -> None:
    client = english_client(world.users[role])
    respondent = people[0]
    for name, arg in [
        ("frames", project.pk),
        ("frame_template", project.pk),
        ("frame_detail", respondent.frame_id),
        ("respondents", project.pk),
        ("respondents_export", project.pk),
        ("respondent_reveal", respondent.pk),
    ]:
        assert client.get(reverse(f"surveys:{name}", args=[arg])).status_code == 404, name
    reveal = client.post(
        reverse("surveys:respondent_reveal", args=[respondent.pk]), {"purpose": "verify"}
    )
    assert reveal.status_code == 404
    assert (
        client.post(reverse("surveys:frame_delete", args=[respondent.frame_id])).status_code == 404
    )
    assert not AuditEvent.objects.filter(action="survey.personal_data_viewed").exists()
    assert Frame.objects.filter(pk=respondent.frame_id).exists()


def test_another_countys_office_gets_404(world: Any, project: SurveyProject, people: Any) -> None:
    other_county = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    PlanFactory(owner=other_county, code="c02-2022", name="邻县方案")
    client = english_client(user_with_role(Role.OFFICE, other_county, username="office_c02"))
    respondent = people[0]
    assert client.get(reverse("surveys:respondents", args=[project.pk])).status_code == 404
    assert client.get(reverse("surveys:frames", args=[project.pk])).status_code == 404
    assert client.get(reverse("surveys:respondents_export", args=[project.pk])).status_code == 404
    reveal = client.post(
        reverse("surveys:respondent_reveal", args=[respondent.pk]), {"purpose": "verify"}
    )
    assert reveal.status_code == 404
    assert not AuditEvent.objects.filter(action="survey.personal_data_viewed").exists()


def test_pages_render_in_chinese(world: Any, project: SurveyProject, people: Any) -> None:
    client = Client()
    client.force_login(world.users[Role.OFFICE])
    for name, arg in [
        ("frames", project.pk),
        ("frame_detail", people[0].frame_id),
        ("respondents", project.pk),
        ("respondent_reveal", people[0].pk),
    ]:
        response = client.get(reverse(f"surveys:{name}", args=[arg]))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert '<html lang="zh-hans">' in body, name
        assert "13900000000" not in body, name
