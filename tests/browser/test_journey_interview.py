"""Journey 6: an interviewer completes a telephone interview through the real pages.

The survey is prepared with the services (project, questionnaire, respondents, draw, staff,
fieldwork, assignment); the interviewer opens "my cases", dials the first case (the clear
number shows once and the view is audited), starts the interview, answers with the keyboard
only (keys 1–9 choose an option in the focused row, Enter moves on), sees the skip-logic
question appear with its triggering answer, and completes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kaoping.appraisal.survey_calculations import FIVE_LEVEL
from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.surveys import crypto
from kaoping.surveys.models import Answer, Case, Interview, OptionSet, Question, RespondentGroup
from kaoping.surveys.services import calls, projects, sampling
from tests.browser.support import no_errors, sign_in
from tests.surveys.conftest import add_respondents

# Inside the default calling hours (09:00–21:00 in the county's time zone).
MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass
class Survey:
    project: Any
    case: Case
    phone: str
    rating: Question
    trigger: Question
    follow_up: Question


def five_level() -> OptionSet:
    """The five-level preset (a data migration's row, which a live-server flush removes)."""
    option_set, _created = OptionSet.objects.get_or_create(
        code=FIVE_LEVEL.code,
        defaults={
            "name": "五级满意度",
            "options": [[label, score] for label, score in FIVE_LEVEL.options],
        },
    )
    return option_set


@pytest.fixture
def survey(world: Any, monkeypatch: pytest.MonkeyPatch) -> Survey:
    """A survey in fieldwork rating two towns, its two drawn cases assigned to the world's
    interviewer; the clock (also the live server's) is 10:00 local, inside the calling hours."""
    monkeypatch.setattr(timezone, "now", lambda: MORNING)
    office = world.users[Role.OFFICE]
    project = projects.project_create(
        actor=office,
        plan=world.plan,
        code="B-ZH",
        settings=projects.ProjectSettings(
            name="示范县2022年度群众评议", units=[world.town_a, world.town_b]
        ),
    )
    questionnaire = projects.questionnaire_current(project)
    five = five_level()
    rating = projects.question_add(
        actor=office,
        questionnaire=questionnaire,
        data=projects.QuestionInput(
            kind=Question.Kind.UNIT_RATING, text="您对该单位的工作是否满意？", option_set=five
        ),
    )
    trigger = projects.question_add(
        actor=office,
        questionnaire=questionnaire,
        data=projects.QuestionInput(
            kind=Question.Kind.CHOICE, text="您是否办理过企业登记？", choices=["是", "否"]
        ),
    )
    follow_up = projects.question_add(
        actor=office,
        questionnaire=questionnaire,
        data=projects.QuestionInput(
            kind=Question.Kind.RATING,
            text="您对办理速度是否满意？",
            option_set=five,
            show_if_question=trigger,
            show_if_answers=["是"],
        ),
    )
    add_respondents(project, RespondentGroup.RESIDENT, {"T01": 4})
    sampling.sample_draw(project=project, actor=office, seed=2022, total=2, reserve_ratio=0.0)
    interviewer = world.users[Role.INTERVIEWER]
    calls.staff_add(project=project, actor=office, user=interviewer, role="interviewer")
    project = projects.project_start_fieldwork(project=project, actor=office)
    assert calls.cases_assign(project=project, actor=office) == 2
    case = (
        Case.objects.select_related("respondent")
        .filter(project=project, interviewer=interviewer)
        .order_by("stratum", "position")
        .first()
    )
    assert case is not None
    assert calls.locked_questionnaire(project) is not None
    phone = crypto.decrypt(case.respondent.phone_encrypted)
    return Survey(project, case, phone, rating, trigger, follow_up)


def test_an_interviewer_dials_and_completes_an_interview_by_keyboard(
    page: Any, shot: Any, world: Any, survey: Survey
) -> None:
    case = survey.case
    masked = case.respondent.phone_masked
    assert masked != survey.phone

    # Given the interviewer's list of cases, numbers masked
    sign_in(page, "interviewer")
    page.goto(reverse("surveys:my_cases"))
    main = page.locator("main")
    expect(main).to_contain_text(survey.project.name)
    expect(main).to_contain_text(masked)
    assert survey.phone not in main.inner_text()

    # When they open the first case (the list puts the due cases first, in draw order)
    page.locator(f'a[href="{reverse("surveys:call", args=[case.pk])}"]').click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/call/$"))
    expect(page.locator("#kp-clear-phone")).to_have_count(0)
    assert not AuditEvent.objects.filter(action="survey.personal_data_viewed").exists()

    # and press Dial: the clear number shows, once, and the view is audited
    page.locator('form:has(input[name="action"][value="dial"]) button').click()
    clear = page.locator("#kp-clear-phone")
    expect(clear).to_have_text(survey.phone)
    assert page.locator("main").inner_text().count(survey.phone) == 1
    viewed = AuditEvent.objects.filter(action="survey.personal_data_viewed")
    assert viewed.count() == 1
    event = viewed.get()
    assert event.actor_id == world.users[Role.INTERVIEWER].pk
    assert event.reason == "dial"
    assert event.after == {"project": survey.project.code, "purpose": "dial"}

    # and start the interview
    page.locator('form:has(input[name="action"][value="interview"]) button').click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/interview/$"))
    interview = Interview.objects.get(case=case)
    assert interview.status == Interview.Status.IN_PROGRESS
    follow_up = page.locator(f'.kp-question[data-number="{survey.follow_up.number}"]')
    expect(follow_up).to_be_hidden()

    # Then they answer with the keyboard only: the first row has the focus on load
    a, b = world.town_a, world.town_b
    row_a = page.locator(f'input[name="q-{survey.rating.number}-u-{a.pk}"]')
    row_b = page.locator(f'input[name="q-{survey.rating.number}-u-{b.pk}"]')
    trigger = page.locator(f'input[name="q-{survey.trigger.number}"]')
    expect(row_a.first).to_be_focused()
    page.keyboard.press("1")  # 很满意
    expect(row_a.nth(0)).to_be_checked()
    page.keyboard.press("Enter")
    expect(row_b.first).to_be_focused()
    page.keyboard.press("3")  # 基本满意
    expect(row_b.nth(2)).to_be_checked()
    expect(row_b.nth(0)).not_to_be_checked()
    page.keyboard.press("Enter")
    expect(trigger.first).to_be_focused()
    page.keyboard.press("2")  # 否: the follow-up stays hidden
    expect(trigger.nth(1)).to_be_checked()
    expect(follow_up).to_be_hidden()
    page.keyboard.press("1")  # 是: the follow-up appears
    expect(trigger.nth(0)).to_be_checked()
    expect(follow_up).to_be_visible()
    page.keyboard.press("0")  # cleared: hidden again
    expect(trigger.nth(0)).not_to_be_checked()
    expect(follow_up).to_be_hidden()
    page.keyboard.press("1")
    expect(follow_up).to_be_visible()
    page.keyboard.press("Enter")
    follow_up_radios = page.locator(f'input[name="q-{survey.follow_up.number}"]')
    expect(follow_up_radios.first).to_be_focused()
    page.keyboard.press("2")  # 满意
    expect(follow_up_radios.nth(1)).to_be_checked()
    # Keys beyond the options change nothing
    page.keyboard.press("9")
    expect(follow_up_radios.nth(1)).to_be_checked()
    shot(page, "answer-screen")

    # and complete it (the confirm() dialog is accepted)
    page.locator('button[name="action"][value="complete"]').click()
    expect(page.locator('button[name="action"][value="complete"]')).to_have_count(0)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETE
    assert interview.completed_at == MORNING
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    scores = {
        (answer.question_id, answer.unit_id): (answer.label, answer.score)
        for answer in Answer.objects.filter(interview=interview)
    }
    assert scores == {
        (survey.rating.pk, a.pk): ("很满意", Decimal("100.00")),
        (survey.rating.pk, b.pk): ("基本满意", Decimal("60.00")),
        (survey.trigger.pk, None): ("是", None),
        (survey.follow_up.pk, None): ("满意", Decimal("80.00")),
    }
    # The number is masked again after the call
    assert survey.phone not in page.locator("main").inner_text()
    no_errors(page)
