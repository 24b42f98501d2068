"""Telephone interviewing pages: who sees what, masked numbers, the dial, the call form, the
answer screen, the supervise page and corrections."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, User
from kaoping.surveys.models import CallAttempt, Case, Interview, Outcome
from kaoping.surveys.services import calls
from tests.surveys.test_calls import MORNING, Fieldwork, build_fieldwork, full_answers

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def fw(world: Any, project: Any, monkeypatch: pytest.MonkeyPatch) -> Fieldwork:
    """Assigned fieldwork; the pages' clock is 10:00 local, inside the calling hours."""
    monkeypatch.setattr(timezone, "now", lambda: MORNING)
    fieldwork = build_fieldwork(world, project)
    calls.cases_assign(project=fieldwork.project, actor=fieldwork.office)
    return fieldwork


def own_case(fw: Fieldwork, user: User) -> Case:
    """The user's first resident case (interviewers[0] gets resident:T01 #1, 13900000000)."""
    case = (
        Case.objects.filter(interviewer=user, stratum__startswith="resident")
        .order_by("stratum", "position")
        .first()
    )
    assert case is not None
    return case


def post_form(client: Client, url: str, answers: dict[int, Any], **extra: str) -> Any:
    data: dict[str, str] = dict(extra)
    for number, value in answers.items():
        if isinstance(value, dict):
            for unit, label in value.items():
                data[f"q-{number}-u-{unit}"] = label
        else:
            data[f"q-{number}"] = value
    return client.post(url, data)


def test_interviewer_scope(fw: Fieldwork) -> None:
    me, other = fw.interviewers
    client = client_for(me)
    theirs = own_case(fw, other)
    assert client.get(reverse("surveys:call", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("surveys:call", args=[theirs.pk]), {"action": "dial"}).status_code
        == 404
    )
    assert client.get(reverse("surveys:interview", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("surveys:call", args=[own_case(fw, me).pk])).status_code == 200
    # office pages and other projects' supervision are not theirs
    assert client.get(reverse("surveys:staff", args=[fw.project.pk])).status_code == 404
    assert client.get(reverse("surveys:supervise", args=[fw.project.pk])).status_code == 404
    assert client.get(reverse("surveys:project_list")).status_code == 404
    # and the office has no interviewer pages
    office = client_for(fw.office)
    assert office.get(reverse("surveys:my_cases")).status_code == 404
    assert office.get(reverse("surveys:call", args=[theirs.pk])).status_code == 404
    # someone without a survey role sees nothing
    reporter = client_for(fw.world.users[Role.REPORTER])
    assert reporter.get(reverse("surveys:supervise", args=[fw.project.pk])).status_code == 404


def test_my_cases_masks_and_lists_only_own(fw: Fieldwork) -> None:
    me = fw.interviewers[0]
    response = client_for(me).get(reverse("surveys:my_cases"))
    html = response.content.decode()
    assert response.status_code == 200
    mine = Case.objects.filter(interviewer=me).select_related("respondent")
    theirs = Case.objects.filter(interviewer=fw.interviewers[1]).select_related("respondent")
    for case in mine:
        assert case.respondent.phone_masked in html
        assert reverse("surveys:call", args=[case.pk]) in html
    for case in theirs:
        assert reverse("surveys:call", args=[case.pk]) not in html
    assert "13900000000" not in html and "测试0" not in html
    assert "to call now" in html


def test_dial_shows_the_number_once_and_audits(fw: Fieldwork) -> None:
    me = fw.interviewers[0]
    case = own_case(fw, me)
    client = client_for(me)
    url = reverse("surveys:call", args=[case.pk])
    clear = "13900000000"
    page = client.get(url)
    assert clear not in page.content.decode()
    assert case.respondent.phone_masked in page.content.decode()
    dialled = client.post(url, {"action": "dial"})
    assert dialled.status_code == 200
    assert clear in dialled.content.decode()
    assert "no-store" in dialled["Cache-Control"]
    event = AuditEvent.objects.get(action="survey.personal_data_viewed")
    assert (event.actor_id, event.reason) == (me.pk, "dial")
    again = client.get(url)
    assert clear not in again.content.decode()


def test_logging_a_call_and_a_double_submission(fw: Fieldwork) -> None:
    me = fw.interviewers[0]
    case = own_case(fw, me)
    client = client_for(me)
    url = reverse("surveys:call", args=[case.pk])
    client.post(url, {"action": "dial"})
    form = {
        "action": "record",
        "attempt": "1",
        "outcome": Outcome.CALLBACK,
        "callback_at": "2026-11-30T19:30",
        "note": "晚上再打",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    attempt = CallAttempt.objects.get(case=case)
    assert attempt.callback_at is not None
    assert timezone.localtime(attempt.callback_at).strftime("%H:%M") == "19:30"
    again = client.post(url, form)
    assert again.status_code == 400
    assert "This call was already recorded." in again.content.decode()
    assert CallAttempt.objects.filter(case=case).count() == 1
    bad = client.post(url, {**form, "attempt": "2", "callback_at": "2026-11-30T23:00"})
    assert "inside the calling hours" in bad.content.decode()


def test_answer_screen_save_and_complete(fw: Fieldwork) -> None:
    me = fw.interviewers[0]
    case = own_case(fw, me)
    client = client_for(me)
    started = client.post(reverse("surveys:call", args=[case.pk]), {"action": "interview"})
    url = reverse("surveys:interview", args=[case.pk])
    assert started.status_code == 302 and started["Location"] == url
    page = client.get(url).content.decode()
    assert f'name="q-1-u-{fw.world.town_a.pk}"' in page
    assert 'data-show-if="3"' in page  # question 4 depends on 3
    assert 'name="q-6"' not in page  # a deputies' question
    answers = full_answers(fw.project)
    saved = post_form(client, url, {3: "否"}, action="save")
    assert saved.status_code == 302
    assert Interview.objects.get(case=case).status == Interview.Status.IN_PROGRESS
    missing = post_form(client, url, {3: "是"}, action="complete")
    assert missing.status_code == 400
    assert "Answer every required question first: 1, 2, 4." in missing.content.decode()
    done = post_form(client, url, answers, action="complete")
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    twice = post_form(client, url, answers, action="complete")
    assert twice.status_code == 400
    assert "already complete" in twice.content.decode()
    # another interviewer cannot open it
    assert client_for(fw.interviewers[1]).get(url).status_code == 404


def test_supervise_page(fw: Fieldwork) -> None:
    me = fw.interviewers[0]
    case = own_case(fw, me)
    calls.call_attempt_record(case=case, interviewer=me, outcome=Outcome.REFUSAL, now=MORNING)
    url = reverse("surveys:supervise", args=[fw.project.pk])
    for user in (fw.office, fw.supervisor):
        response = client_for(user).get(url)
        assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 15s"' in html
    assert reverse("surveys:supervise_live", args=[fw.project.pk]) in html
    live = client_for(fw.supervisor).get(reverse("surveys:supervise_live", args=[fw.project.pk]))
    fragment = live.content.decode()
    assert "<html" not in fragment
    assert 'data-stratum="resident:T01"' in fragment
    assert 'data-outcome="refusal"' in fragment
    assert 'data-kp="rr1">0.0%' in fragment
    assert 'data-kp="ref1">100.0%' in fragment
    assert "13900000000" not in html


def test_correction_page(fw: Fieldwork) -> None:
    me = fw.interviewers[0]
    case = own_case(fw, me)
    interview = calls.interview_start(case=case, interviewer=me)
    calls.interview_complete(interview=interview, interviewer=me, answers=full_answers(fw.project))
    url = reverse("surveys:interview_correct", args=[interview.pk])
    assert client_for(me).get(url).status_code == 404
    assert client_for(fw.interviewers[1]).get(url).status_code == 404
    supervisor = client_for(fw.supervisor)
    assert supervisor.get(url).status_code == 200
    fixed = full_answers(fw.project)
    fixed[3] = "是"
    fixed[4] = "不满意"
    no_reason = post_form(supervisor, url, fixed)
    assert no_reason.status_code == 400
    assert "Give the reason for the correction." in no_reason.content.decode()
    ok = post_form(supervisor, url, fixed, reason="录音复核")
    assert ok.status_code == 302
    assert AuditEvent.objects.get(action="survey.interview_corrected").reason == "录音复核"
    supervise = supervisor.get(reverse("surveys:supervise", args=[fw.project.pk]))
    assert url in supervise.content.decode()


def test_staff_page(fw: Fieldwork, world: Any) -> None:
    from tests.factories import user_with_role

    newcomer = user_with_role(Role.INTERVIEWER, None, username="newcomer")
    client = client_for(fw.office)
    url = reverse("surveys:staff", args=[fw.project.pk])
    page = client.get(url)
    assert page.status_code == 200 and "newcomer" in page.content.decode()
    added = client.post(url, {"action": "add", "user": newcomer.pk, "role": "interviewer"})
    assert added.status_code == 302
    removed = client.post(url, {"action": "remove", "user": fw.interviewers[0].pk}, follow=True)
    assert "cases returned for reassignment" in removed.content.decode()
    assigned = client.post(url, {"action": "assign"}, follow=True)
    assert "cases assigned." in assigned.content.decode()
    assert Case.objects.filter(interviewer=newcomer).exists()
    refused = client.post(
        url,
        {"action": "add", "user": fw.world.users[Role.LEADER].pk, "role": "interviewer"},
        follow=True,
    )
    assert "Only an interviewer account can make calls." in refused.content.decode()


def test_pages_keep_a_query_budget(fw: Fieldwork, django_assert_max_num_queries: Any) -> None:
    me = fw.interviewers[0]
    client = client_for(me)
    client.get(reverse("surveys:my_cases"))  # warm the session
    with django_assert_max_num_queries(8):
        assert client.get(reverse("surveys:my_cases")).status_code == 200
    supervisor = client_for(fw.supervisor)
    live = reverse("surveys:supervise_live", args=[fw.project.pk])
    supervisor.get(live)
    with django_assert_max_num_queries(16):
        assert supervisor.get(live).status_code == 200


def test_a_supervisor_finds_the_supervise_page(fw: Fieldwork) -> None:
    html = client_for(fw.supervisor).get(reverse("surveys:my_cases")).content.decode()
    assert reverse("surveys:supervise", args=[fw.project.pk]) in html
    other = client_for(fw.interviewers[0]).get(reverse("surveys:my_cases")).content.decode()
    assert reverse("surveys:supervise", args=[fw.project.pk]) not in other


ROLES = [
    Role.OFFICE,
    Role.REPORTER,
    Role.UNIT_HEAD,
    Role.LEADER,
    Role.INSPECTOR,
    Role.INTERVIEWER,
    Role.AUDITOR,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
]


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(fw: Fieldwork, role: str) -> None:
    """Who opens which page: the office its project's staff, supervision and corrections; the
    world's interviewer (staffed as interviewer, not supervisor) only their cases."""
    me = fw.interviewers[0]
    case = own_case(fw, me)
    interview = calls.interview_start(case=case, interviewer=me)
    calls.interview_complete(interview=interview, interviewer=me, answers=full_answers(fw.project))
    pk = fw.project.pk
    expected = {
        reverse("surveys:staff", args=[pk]): role == Role.OFFICE,
        reverse("surveys:supervise", args=[pk]): role == Role.OFFICE,
        reverse("surveys:supervise_live", args=[pk]): role == Role.OFFICE,
        reverse("surveys:interview_correct", args=[interview.pk]): role == Role.OFFICE,
        reverse("surveys:my_cases"): role == Role.INTERVIEWER,
        reverse("surveys:call", args=[case.pk]): role == Role.INTERVIEWER,
        reverse("surveys:interview", args=[case.pk]): role == Role.INTERVIEWER,
    }
    client = client_for(fw.world.users[role])
    for url, allowed in expected.items():
        assert client.get(url).status_code == (200 if allowed else 404), (role, url)
    anonymous = Client()
    assert anonymous.get(reverse("surveys:my_cases")).status_code == 302
