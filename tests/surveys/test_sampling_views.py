"""The draw and sample pages: who may see them, the calculator, previews, recording."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaoping.org.models import Role, Unit
from kaoping.surveys import crypto
from kaoping.surveys.models import Case, RespondentGroup, SampleDraw, SurveyProject
from kaoping.surveys.services import sampling
from tests.factories import make_unit, user_with_role
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db


def english_client(user: Any = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def framed(project: SurveyProject) -> SurveyProject:
    add_respondents(project, RespondentGroup.DEPUTY, {"东城镇": 3}, start=0)
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 40, "西山镇": 60}, start=100)
    return project


@pytest.fixture
def office(world: Any) -> Client:
    return english_client(world.users[Role.OFFICE])


PAGES = ["surveys:draw", "surveys:sample"]


@pytest.mark.parametrize("page", PAGES)
def test_the_office_sees_the_pages(framed: SurveyProject, office: Client, page: str) -> None:
    assert office.get(reverse(page, args=[framed.pk])).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "role",
    [
        Role.REPORTER,
        Role.UNIT_HEAD,
        Role.LEADER,
        Role.INSPECTOR,
        Role.INTERVIEWER,
        Role.AUDITOR,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
    ],
)
def test_other_roles_get_404(framed: SurveyProject, world: Any, page: str, role: str) -> None:
    client = english_client(world.users[role])
    assert client.get(reverse(page, args=[framed.pk])).status_code == 404
    if page == "surveys:draw":
        response = client.post(reverse(page, args=[framed.pk]), {"seed": "1", "confirm": "on"})
        assert response.status_code == 404
        assert not SampleDraw.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_another_countys_office_gets_404(framed: SurveyProject, page: str) -> None:
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    client = english_client(user_with_role(Role.OFFICE, other, username="office_c02"))
    assert client.get(reverse(page, args=[framed.pk])).status_code == 404
    response = client.post(reverse("surveys:draw", args=[framed.pk]), {"confirm": "on"})
    assert response.status_code == 404
    assert not SampleDraw.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(framed: SurveyProject, page: str) -> None:
    response = english_client().get(reverse(page, args=[framed.pk]))
    assert response.status_code == 302
    assert settings.LOGIN_URL in response["Location"]


def test_the_draw_page_shows_the_frame_and_the_calculator(
    framed: SurveyProject, office: Client
) -> None:
    response = office.get(reverse("surveys:draw", args=[framed.pk]))
    html = response.content.decode()
    assert "Residents · 西山镇" in html
    assert "NPC deputies · 东城镇" in html
    assert sampling.frame_entries(framed).digest in html
    # default calculator: the project's ±5% at 95% over the 100 residents drawn at random
    size = response.context["size"]
    assert size.population == 100 and size.draw == 80
    assert "n₀ = z² · p(1−p) / e²" in html
    assert "No draw yet" in html


def test_the_calculator_reproduces_the_published_table(
    framed: SurveyProject, office: Client
) -> None:
    url = reverse("surveys:draw", args=[framed.pk])
    response = office.get(url, {"margin": "0.05", "confidence": "0.95", "population": "20000"})
    assert response.context["size"].draw == 377
    assert "<strong>376.9</strong>" in response.content.decode()
    response = office.get(url, {"margin": "0.03", "confidence": "0.95", "population": ""})
    assert response.context["size"].draw == 1068
    response = office.get(url, {"margin": "2", "confidence": "0.95"})
    assert response.context["size"] is None
    assert response.context["calc_form"].errors


def test_a_preview_shows_the_allocation_and_saves_nothing(
    framed: SurveyProject, office: Client
) -> None:
    url = reverse("surveys:draw", args=[framed.pk])
    response = office.get(url, {"preview": "1", "seed": "2022", "total": "50", "ratio": "1"})
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.draw == sampling.preview_draw(project=framed, seed=2022, total=50)
    rows = {row["key"]: row for row in response.context["strata"]}
    assert rows["resident:东城镇"]["selected"] == 20
    assert rows["resident:西山镇"]["selected"] == 30
    assert rows["deputy:东城镇"]["selected"] == 3
    html = response.content.decode()
    assert "Record the draw" in html
    assert 'name="seed" value="2022"' in html
    assert not SampleDraw.objects.exists() and not Case.objects.exists()


def test_a_preview_without_a_seed_generates_one_to_record(
    framed: SurveyProject, office: Client
) -> None:
    url = reverse("surveys:draw", args=[framed.pk])
    response = office.get(url, {"preview": "1", "seed": "", "total": ""})
    plan = response.context["plan"]
    assert 0 <= plan.draw.seed < 2**31
    assert plan.recommended is not None and plan.total == 80
    assert f'name="seed" value="{plan.draw.seed}"' in response.content.decode()
    assert "the recommended size" in response.content.decode()
    assert "generated at random" in response.content.decode()


def test_a_bad_preview_says_why(framed: SurveyProject, office: Client) -> None:
    url = reverse("surveys:draw", args=[framed.pk])
    response = office.get(url, {"preview": "1", "seed": "1", "total": "500"})
    assert response.status_code == 200
    assert "Cannot draw 500: the lists drawn at random hold only 100" in response.content.decode()


def test_recording_needs_confirmation(framed: SurveyProject, office: Client) -> None:
    url = reverse("surveys:draw", args=[framed.pk])
    response = office.post(url, {"seed": "5", "total": "10", "minimum": "0", "ratio": "1"})
    assert response.status_code == 400
    assert "Confirm that the draw is to be recorded." in response.content.decode()
    assert not SampleDraw.objects.exists()


def test_recording_a_draw_and_redrawing_with_a_reason(
    framed: SurveyProject, office: Client, world: Any
) -> None:
    url = reverse("surveys:draw", args=[framed.pk])
    posted = {"seed": "5", "total": "10", "minimum": "0", "ratio": "1", "confirm": "on"}
    response = office.post(url, {**posted, "seen_current": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:sample", args=[framed.pk])
    first = SampleDraw.objects.get()
    assert first.seed == 5 and first.drawn_by == world.users[Role.OFFICE]
    assert Case.objects.filter(draw=first, is_reserve=False).count() == 13  # 10 + 3 deputies

    page = office.get(url, {"preview": "1", "seed": "6", "total": "10"})
    assert "Reason for the redraw" in page.content.decode()
    response = office.post(url, {**posted, "seed": "6", "seen_current": str(first.pk)})
    assert response.status_code == 400
    assert "A redraw needs a reason" in response.content.decode()
    response = office.post(
        url, {**posted, "seed": "6", "seen_current": str(first.pk), "reason": "名录有误，重新抽取"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.superseded_reason == "名录有误，重新抽取"
    history = office.get(url).content.decode()
    assert "Superseded" in history and "名录有误，重新抽取" in history and "In force" in history


def test_a_stale_page_cannot_record_over_a_newer_draw(
    framed: SurveyProject, office: Client, world: Any
) -> None:
    sampling.sample_draw(project=framed, actor=world.users[Role.OFFICE], seed=1, total=5)
    url = reverse("surveys:draw", args=[framed.pk])
    response = office.post(
        url, {"seed": "2", "total": "5", "confirm": "on", "seen_current": "0", "reason": "再抽一遍"}
    )
    assert response.status_code == 400
    assert "recorded meanwhile" in response.content.decode()
    assert SampleDraw.objects.count() == 1


def test_no_recording_once_fieldwork_started(framed: SurveyProject, office: Client) -> None:
    SurveyProject.objects.filter(pk=framed.pk).update(status=SurveyProject.Status.FIELDWORK)
    url = reverse("surveys:draw", args=[framed.pk])
    page = office.get(url, {"preview": "1", "seed": "1", "total": "5"})
    assert "Record the draw" not in page.content.decode()
    assert "Fieldwork has started" in page.content.decode()
    response = office.post(url, {"seed": "1", "total": "5", "confirm": "on"})
    assert response.status_code == 400
    assert not SampleDraw.objects.exists()


def test_the_sample_page_lists_cases_masked_in_drawn_order(
    framed: SurveyProject, office: Client, world: Any
) -> None:
    draw = sampling.sample_draw(
        project=framed, actor=world.users[Role.OFFICE], seed=8, total=20, reserve_ratio=0.5
    )
    with CaptureQueriesContext(connection) as queries:
        response = office.get(reverse("surveys:sample", args=[framed.pk]))
    assert response.status_code == 200
    assert len(queries) <= 12  # no query per case
    html = response.content.decode()
    strata = {s["key"]: s for s in response.context["strata"]}
    town = strata["resident:西山镇"]
    assert [row["case"].position for row in town["selected"]] == list(range(12))
    assert [row["case"].position for row in town["reserves"]] == list(range(12, 18))
    expected = list(Case.objects.filter(draw=draw, stratum="resident:西山镇").order_by("position"))
    assert [row["case"] for row in town["selected"] + town["reserves"]] == expected
    for respondent in framed.respondents.filter(cases__draw=draw):
        assert respondent.phone_masked in html
        assert crypto.decrypt(respondent.phone_encrypted) not in html
        assert crypto.decrypt(respondent.name_encrypted) not in html
    assert "To call" in html and "In reserve" in html


def test_the_sample_page_without_a_draw(framed: SurveyProject, office: Client) -> None:
    response = office.get(reverse("surveys:sample", args=[framed.pk]))
    assert "No sample drawn yet" in response.content.decode()


def test_recording_from_the_preview_records_exactly_what_was_previewed(
    framed: SurveyProject, world: Any
) -> None:
    # in Chinese, as users see it: the hidden fields must survive localisation
    client = Client()
    client.force_login(world.users[Role.OFFICE])
    url = reverse("surveys:draw", args=[framed.pk])
    page = client.get(
        url, {"preview": "1", "seed": "", "total": "", "minimum": "5", "ratio": "0.5"}
    )
    plan = page.context["plan"]
    form_html = page.content.decode().split(f'method="post" action="{url}"')[1].split("</form>")[0]
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form_html))
    assert hidden["total"] == ""  # the recommended size stays "recommended"
    response = client.post(url, {**hidden, "confirm": "on"})
    assert response.status_code == 302
    draw = SampleDraw.objects.get()
    assert draw.seed == plan.draw.seed
    assert draw.allocation == plan.draw.allocation
    assert draw.parameters == {**plan.parameters, "recommended": True}
    assert Case.objects.filter(draw=draw, is_reserve=True).count() == plan.reserve_count
