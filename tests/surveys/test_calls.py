"""Telephone interviewing services (kaoping.surveys.services.calls): staffing, assignment, call
rules, reserve replacement, interviews and corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Role, User
from kaoping.surveys import call_selectors
from kaoping.surveys.models import (
    Answer,
    CallAttempt,
    Case,
    Interview,
    OptionSet,
    Outcome,
    ProjectStaff,
    Question,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.surveys.services import calls
from tests.factories import user_with_role
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # inside the default 09:00–21:00


@dataclass
class Fieldwork:
    """A project in fieldwork: residents in strata T01 (3 drawn + 3 reserves) and T02
    (2 + 2), deputies taken whole (2, no reserve), two interviewers and a supervisor."""

    world: Any
    project: SurveyProject
    draw: SampleDraw
    interviewers: list[User]
    supervisor: User

    @property
    def office(self) -> User:
        return self.world.users[Role.OFFICE]

    def cases(self, stratum: str, **filters: Any) -> list[Case]:
        return list(
            Case.objects.filter(project=self.project, stratum=stratum, **filters).order_by(
                "position"
            )
        )

    def case(self, stratum: str = "resident:T01", position: int = 1) -> Case:
        return Case.objects.select_related("project", "respondent").get(
            project=self.project, stratum=stratum, position=position
        )


def make_cases(
    project: SurveyProject,
    draw: SampleDraw,
    group: str,
    drawn: dict[str, int],
    reserves: dict[str, int],
    *,
    start: int,
) -> None:
    strata = {s: drawn[s] + reserves.get(s, 0) for s in drawn}
    people = add_respondents(project, group, strata, start=start)
    by_stratum: dict[str, list[Any]] = {}
    for person in people:
        by_stratum.setdefault(person.stratum, []).append(person)
    for stratum, members in by_stratum.items():
        for position, person in enumerate(members, start=1):
            reserve = position > drawn[stratum]
            Case.objects.create(
                draw=draw,
                project=project,
                respondent=person,
                stratum=f"{group}:{stratum}",
                position=position,
                is_reserve=reserve,
                status=Case.Status.RESERVE if reserve else Case.Status.OPEN,
            )


def build_fieldwork(world: Any, project: SurveyProject) -> Fieldwork:
    draw = SampleDraw.objects.create(
        project=project,
        seed=2022,
        allocation={"resident:T01": 3, "resident:T02": 2, "deputy:人大": 2},
        frame_digest="x" * 64,
        drawn_by=world.users[Role.OFFICE],
    )
    make_cases(
        project, draw, RespondentGroup.RESIDENT, {"T01": 3, "T02": 2}, {"T01": 3, "T02": 2}, start=0
    )
    make_cases(project, draw, RespondentGroup.DEPUTY, {"人大": 2}, {}, start=100)
    questionnaire = project.questionnaires.get()
    five = OptionSet.objects.get(code="five_level")
    q3 = Question.objects.create(
        questionnaire=questionnaire,
        number=3,
        text="您是否办理过企业登记？",
        kind=Question.Kind.CHOICE,
        choices=["是", "否"],
    )
    Question.objects.create(
        questionnaire=questionnaire,
        number=4,
        text="您对办理速度是否满意？",
        kind=Question.Kind.RATING,
        option_set=five,
        show_if_question=q3,
        show_if_answers=["是"],
    )
    Question.objects.create(
        questionnaire=questionnaire,
        number=5,
        text="您还有什么意见建议？",
        kind=Question.Kind.TEXT,
        required=False,
    )
    Question.objects.create(
        questionnaire=questionnaire,
        number=6,
        text="人大代表专项题",
        kind=Question.Kind.CHOICE,
        choices=["是", "否"],
        groups=[RespondentGroup.DEPUTY],
    )
    questionnaire.locked_at = MORNING - timedelta(days=1)
    questionnaire.save(update_fields=["locked_at"])
    project.status = SurveyProject.Status.FIELDWORK
    project.fieldwork_started_at = MORNING - timedelta(days=1)
    project.save(update_fields=["status", "fieldwork_started_at"])
    interviewers = [
        world.users[Role.INTERVIEWER],
        user_with_role(Role.INTERVIEWER, None, username="interviewer2"),
    ]
    supervisor = user_with_role(Role.INTERVIEWER, None, username="supervisor")
    office = world.users[Role.OFFICE]
    for user in interviewers:
        calls.staff_add(project=project, actor=office, user=user, role="interviewer")
    calls.staff_add(project=project, actor=office, user=supervisor, role="supervisor")
    return Fieldwork(world, project, draw, interviewers, supervisor)


@pytest.fixture
def fw(world: Any, project: SurveyProject) -> Fieldwork:
    return build_fieldwork(world, project)


@pytest.fixture
def assigned(fw: Fieldwork) -> Fieldwork:
    calls.cases_assign(project=fw.project, actor=fw.office)
    return fw


def ratings(label: str, project: SurveyProject) -> dict[int, str]:
    return dict.fromkeys(project.units.values_list("pk", flat=True), label)


def full_answers(project: SurveyProject) -> dict[int, Any]:
    return {1: ratings("满意", project), 2: ratings("很满意", project), 3: "否"}


# --- staff and assignment -------------------------------------------------------------------
def test_staff_rules(fw: Fieldwork) -> None:
    reporter = fw.world.users[Role.REPORTER]
    with pytest.raises(ApplicationError, match="Only an interviewer account"):
        calls.staff_add(project=fw.project, actor=fw.office, user=reporter, role="interviewer")
    with pytest.raises(ApplicationError, match="office user or an interviewer"):
        calls.staff_add(project=fw.project, actor=fw.office, user=reporter, role="supervisor")
    with pytest.raises(ApplicationError, match="already works"):
        calls.staff_add(
            project=fw.project, actor=fw.office, user=fw.interviewers[0], role="interviewer"
        )
    with pytest.raises(PermissionDeniedError):
        calls.staff_add(
            project=fw.project, actor=fw.interviewers[0], user=fw.office, role="supervisor"
        )
    staff = calls.staff_add(project=fw.project, actor=fw.office, user=fw.office, role="supervisor")
    assert staff.role == ProjectStaff.StaffRole.SUPERVISOR
    assert AuditEvent.objects.filter(action="survey.staff_added").count() == 4


def test_assignment_is_even_and_deterministic(fw: Fieldwork) -> None:
    assert calls.cases_assign(project=fw.project, actor=fw.office) == 7
    first = dict(Case.objects.filter(project=fw.project).values_list("pk", "interviewer_id"))
    a, b = (u.pk for u in fw.interviewers)
    ordered = Case.objects.filter(project=fw.project).exclude(status=Case.Status.RESERVE)
    # round-robin in stratum/position order, the lowest id first on ties
    expected_order = [a, b] * 4
    assert [c.interviewer_id for c in ordered.order_by("stratum", "position")] == (
        expected_order[:7]
    )
    loads = [ordered.filter(interviewer_id=uid).count() for uid in (a, b)]
    assert sorted(loads) == [3, 4]
    # reserves are not handed out
    assert not Case.objects.filter(status=Case.Status.RESERVE, interviewer__isnull=False).exists()
    # again: nothing left, nothing changes
    assert calls.cases_assign(project=fw.project, actor=fw.office) == 0
    assert dict(Case.objects.filter(project=fw.project).values_list("pk", "interviewer_id")) == (
        first
    )
    assert AuditEvent.objects.filter(action="survey.cases_assigned").count() == 2


def test_round_robin_balances_current_loads() -> None:
    plan = calls.round_robin([1, 2, 3, 4, 5], {7: 3, 8: 0, 9: 1})
    assert plan == {1: 8, 2: 8, 3: 9, 4: 8, 5: 9}
    assert calls.round_robin([1], {}) == {}


def test_assignment_needs_interviewers_and_the_office(fw: Fieldwork) -> None:
    with pytest.raises(PermissionDeniedError):
        calls.cases_assign(project=fw.project, actor=fw.interviewers[0])
    for user in fw.interviewers:
        calls.staff_remove(project=fw.project, actor=fw.office, user=user)
    with pytest.raises(ApplicationError, match="Add interviewers"):
        calls.cases_assign(project=fw.project, actor=fw.office)


def test_removing_an_interviewer_returns_open_cases(assigned: Fieldwork) -> None:
    fw = assigned
    leaving = fw.interviewers[0]
    own = Case.objects.filter(interviewer=leaving).order_by("stratum", "position")
    done = own.first()
    assert done is not None
    Case.objects.filter(pk=done.pk).update(status=Case.Status.COMPLETED)
    open_before = own.exclude(status=Case.Status.COMPLETED).count()
    returned = calls.staff_remove(project=fw.project, actor=fw.office, user=leaving)
    assert returned == open_before > 0
    assert list(Case.objects.filter(interviewer=leaving).values_list("pk", flat=True)) == [done.pk]
    # the remaining interviewer takes them over
    assert calls.cases_assign(project=fw.project, actor=fw.office) == returned
    event = AuditEvent.objects.get(action="survey.staff_removed")
    assert event.after == {"cases_returned": returned}


# --- call rules -----------------------------------------------------------------------------
def record(case: Case, user: User, outcome: str, now: datetime, **kw: Any) -> CallAttempt:
    return calls.call_attempt_record(case=case, interviewer=user, outcome=outcome, now=now, **kw)


def test_only_the_assigned_interviewer_calls(assigned: Fieldwork) -> None:
    case = assigned.case()
    other = next(u for u in assigned.interviewers if u.pk != case.interviewer_id)
    with pytest.raises(PermissionDeniedError):
        record(case, other, Outcome.NO_ANSWER, MORNING)
    with pytest.raises(PermissionDeniedError):
        calls.call_dial(case=case, interviewer=other, now=MORNING)


def test_dial_reveals_the_number_and_audits(assigned: Fieldwork) -> None:
    case = assigned.case()
    revealed = calls.call_dial(case=case, interviewer=case.interviewer, now=MORNING)
    assert revealed.phone == "13900000000"
    event = AuditEvent.objects.get(action="survey.personal_data_viewed")
    assert event.reason == "dial"
    assert event.actor_id == case.interviewer_id


def test_no_answer_waits_for_the_spacing(assigned: Fieldwork) -> None:
    case = assigned.case()
    user = case.interviewer
    attempt = record(case, user, Outcome.NO_ANSWER, MORNING, note="无人接听")
    assert attempt.number == 1
    case.refresh_from_db()
    assert case.attempts == 1
    assert case.status == Case.Status.OPEN
    assert case.next_call_after == MORNING + timedelta(minutes=60)
    with pytest.raises(ApplicationError, match="Too early"):
        record(case, user, Outcome.BUSY, MORNING + timedelta(minutes=59))
    with pytest.raises(ApplicationError, match="Too early"):
        calls.call_dial(case=case, interviewer=user, now=MORNING + timedelta(minutes=30))
    second = record(case, user, Outcome.BUSY, MORNING + timedelta(minutes=60))
    assert second.number == 2
    assert AuditEvent.objects.filter(action="survey.call_recorded").count() == 2


def test_calling_hours(assigned: Fieldwork) -> None:
    case = assigned.case()
    night = datetime(2026, 11, 30, 21, 0, tzinfo=TZ)  # the end is excluded
    early = datetime(2026, 11, 30, 8, 59, tzinfo=TZ)
    for moment in (night, early):
        with pytest.raises(ApplicationError, match="Outside the calling hours"):
            record(case, case.interviewer, Outcome.NO_ANSWER, moment)
        with pytest.raises(ApplicationError, match="Outside the calling hours"):
            calls.call_dial(case=case, interviewer=case.interviewer, now=moment)
    # 09:00 local is 01:00 UTC: the local clock counts
    utc_nine = datetime(2026, 11, 30, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert record(case, case.interviewer, Outcome.NO_ANSWER, utc_nine).number == 1


def test_max_attempts_replace_the_case_from_the_reserve(assigned: Fieldwork) -> None:
    fw = assigned
    SurveyProject.objects.filter(pk=fw.project.pk).update(max_attempts=3)
    case = fw.case()
    user = case.interviewer
    moment = MORNING
    for _ in range(3):
        record(case, user, Outcome.NO_ANSWER, moment)
        moment += timedelta(minutes=61)
    case.refresh_from_db()
    assert case.status == Case.Status.REPLACED
    assert case.attempts == 3
    released = Case.objects.get(replaces=case)
    assert (released.stratum, released.position) == ("resident:T01", 4)
    assert released.status == Case.Status.OPEN
    assert released.interviewer_id == user.pk
    assert released.released_at == moment - timedelta(minutes=61)
    with pytest.raises(ApplicationError, match="This call was already recorded"):
        record(case, user, Outcome.NO_ANSWER, moment, expected_number=3)
    with pytest.raises(ApplicationError, match="closed"):
        record(case, user, Outcome.NO_ANSWER, moment)
    assert AuditEvent.objects.filter(action="survey.case_replaced").count() == 1


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome.REFUSAL,
        Outcome.BREAK_OFF,
        Outcome.WRONG_NUMBER,
        Outcome.NOT_IN_SERVICE,
        Outcome.LANGUAGE,
        Outcome.INELIGIBLE,
    ],
)
def test_final_outcomes_replace_at_once(assigned: Fieldwork, outcome: str) -> None:
    case = assigned.case("resident:T02", 2)
    record(case, case.interviewer, outcome, MORNING)
    case.refresh_from_db()
    assert case.status == Case.Status.REPLACED
    assert case.last_outcome == outcome
    assert case.replaced_by.position == 3  # type: ignore[attr-defined]


def test_reserves_are_used_in_drawn_order_then_nonresponse(assigned: Fieldwork) -> None:
    fw = assigned
    stratum = "resident:T02"
    released = []
    case: Case | None = fw.case(stratum, 1)
    while case is not None:
        record(case, case.interviewer, Outcome.REFUSAL, MORNING)
        case.refresh_from_db()
        nxt = Case.objects.filter(replaces=case).first()
        if nxt is None:
            assert case.status == Case.Status.FINAL_NONRESPONSE
            break
        assert case.status == Case.Status.REPLACED
        released.append(nxt.position)
        case = nxt
    assert released == [3, 4]
    assert not fw.cases(stratum, status=Case.Status.RESERVE)
    # other strata keep their reserves
    assert len(fw.cases("resident:T01", status=Case.Status.RESERVE)) == 3


def test_census_strata_have_no_replacement(assigned: Fieldwork) -> None:
    case = assigned.case("deputy:人大", 1)
    assert calls.case_replace(case=case, actor=assigned.office) is None
    case.refresh_from_db()
    assert case.status == Case.Status.FINAL_NONRESPONSE
    assert case.closed_at is not None


def test_case_replace_permissions(assigned: Fieldwork) -> None:
    case = assigned.case()
    other = next(u for u in assigned.interviewers if u.pk != case.interviewer_id)
    with pytest.raises(PermissionDeniedError):
        calls.case_replace(case=case, actor=other)
    assert calls.case_replace(case=case, actor=assigned.supervisor) is not None
    with pytest.raises(ApplicationError, match="still being called"):
        calls.case_replace(case=case, actor=assigned.office)


def test_callback_rules(assigned: Fieldwork) -> None:
    case = assigned.case()
    user = case.interviewer
    with pytest.raises(ApplicationError, match="date and time of the callback"):
        record(case, user, Outcome.CALLBACK, MORNING)
    with pytest.raises(ApplicationError, match="in the future"):
        record(case, user, Outcome.CALLBACK, MORNING, callback_at=MORNING - timedelta(hours=1))
    with pytest.raises(ApplicationError, match="inside the calling hours"):
        record(
            case,
            user,
            Outcome.CALLBACK,
            MORNING,
            callback_at=datetime(2026, 11, 30, 22, 30, tzinfo=TZ),
        )
    assert not CallAttempt.objects.exists()
    later = datetime(2026, 11, 30, 19, 30, tzinfo=TZ)
    record(case, user, Outcome.CALLBACK, MORNING, callback_at=later)
    case.refresh_from_db()
    assert (case.status, case.callback_at) == (Case.Status.CALLBACK, later)
    with pytest.raises(ApplicationError, match="Too early"):
        record(case, user, Outcome.NO_ANSWER, later - timedelta(minutes=1))
    assert calls.callback_due(case, later)
    record(case, user, Outcome.NO_ANSWER, later)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and case.callback_at is None


def test_complete_is_not_logged_by_hand(assigned: Fieldwork) -> None:
    case = assigned.case()
    with pytest.raises(ApplicationError, match="completing the interview"):
        record(case, case.interviewer, Outcome.COMPLETE, MORNING)


def test_double_submission_is_a_message(assigned: Fieldwork) -> None:
    case = assigned.case()
    record(
        case,
        case.interviewer,
        Outcome.CALLBACK,
        MORNING,
        expected_number=1,
        callback_at=MORNING + timedelta(hours=2),
    )
    with pytest.raises(ApplicationError, match="already recorded"):
        record(
            case,
            case.interviewer,
            Outcome.CALLBACK,
            MORNING,
            expected_number=1,
            callback_at=MORNING + timedelta(hours=2),
        )
    assert CallAttempt.objects.filter(case=case).count() == 1


def test_not_in_fieldwork_no_calls(assigned: Fieldwork) -> None:
    SurveyProject.objects.filter(pk=assigned.project.pk).update(status="closed")
    case = assigned.case()
    with pytest.raises(ApplicationError, match="not in fieldwork"):
        record(case, case.interviewer, Outcome.NO_ANSWER, MORNING)


# --- interviews -----------------------------------------------------------------------------
def start(fw: Fieldwork, stratum: str = "resident:T01", position: int = 1) -> Interview:
    case = fw.case(stratum, position)
    return calls.interview_start(case=case, interviewer=case.interviewer, now=MORNING)


def test_interview_uses_the_locked_questionnaire(assigned: Fieldwork) -> None:
    interview = start(assigned)
    assert interview.questionnaire.locked_at is not None
    assert interview.status == Interview.Status.IN_PROGRESS
    # resuming gives the same interview
    assert start(assigned).pk == interview.pk


def test_save_partial_drops_hidden_answers(assigned: Fieldwork) -> None:
    fw = assigned
    interview = start(fw)
    user = interview.interviewer
    calls.interview_save(
        interview=interview,
        interviewer=user,
        answers={1: {fw.world.town_a.pk: "满意"}, 3: "否", 4: "很满意"},
    )
    saved = calls.interview_answers(interview)
    assert saved == {1: {fw.world.town_a.pk: "满意"}, 3: "否"}  # 4 shows only after 是
    interview.refresh_from_db()
    assert interview.status == Interview.Status.IN_PROGRESS
    with pytest.raises(ApplicationError, match="not an answer"):
        calls.interview_save(interview=interview, interviewer=user, answers={3: "也许"})


def test_complete_checks_required_applicable_answers(assigned: Fieldwork) -> None:
    fw = assigned
    interview = start(fw)
    user = interview.interviewer
    answers = full_answers(fw.project)
    answers[3] = "是"  # now 4 applies and is required
    with pytest.raises(ApplicationError, match="required question first: 4") as info:
        calls.interview_complete(
            interview=interview, interviewer=user, answers=answers, now=MORNING
        )
    assert info.value.extra == {"missing": [4]}
    partial = {**answers, 1: {fw.world.town_a.pk: "满意"}, 4: "满意"}
    with pytest.raises(ApplicationError, match="required question first: 1"):
        calls.interview_complete(
            interview=interview, interviewer=user, answers=partial, now=MORNING
        )
    answers[4] = "基本满意"
    done = calls.interview_complete(
        interview=interview, interviewer=user, answers=answers, now=MORNING
    )
    assert done.status == Interview.Status.COMPLETE
    case = Case.objects.get(pk=interview.case_id)
    assert (case.status, case.last_outcome, case.attempts) == ("completed", "complete", 1)
    attempt = CallAttempt.objects.get(case=case)
    assert attempt.outcome == Outcome.COMPLETE and attempt.number == 1
    # scores copied from the option set; a choice question has none
    scores = {
        (a.question.number, a.unit_id): a.score
        for a in Answer.objects.filter(interview=interview).select_related("question")
    }
    assert scores[(1, fw.world.town_a.pk)] == Decimal("80")
    assert scores[(2, fw.world.dept_b.pk)] == Decimal("100")
    assert scores[(4, None)] == Decimal("60")
    assert scores[(3, None)] is None
    assert len(scores) == 4 + 4 + 2


def test_double_completion_is_a_message(assigned: Fieldwork) -> None:
    fw = assigned
    interview = start(fw)
    user = interview.interviewer
    calls.interview_complete(
        interview=interview, interviewer=user, answers=full_answers(fw.project), now=MORNING
    )
    with pytest.raises(ApplicationError, match="already complete"):
        calls.interview_complete(
            interview=interview, interviewer=user, answers=full_answers(fw.project), now=MORNING
        )
    with pytest.raises(ApplicationError, match="already complete"):
        calls.interview_save(interview=interview, interviewer=user, answers={3: "是"})
    with pytest.raises(ApplicationError, match="already complete"):
        start(fw)
    assert CallAttempt.objects.filter(outcome=Outcome.COMPLETE).count() == 1


def test_group_questions_for_deputies(assigned: Fieldwork) -> None:
    fw = assigned
    interview = start(fw, "deputy:人大", 1)
    with pytest.raises(ApplicationError, match="required question first: 6"):
        calls.interview_complete(
            interview=interview,
            interviewer=interview.interviewer,
            answers=full_answers(fw.project),
            now=MORNING,
        )
    calls.interview_complete(
        interview=interview,
        interviewer=interview.interviewer,
        answers={**full_answers(fw.project), 6: "是"},
        now=MORNING,
    )
    assert Answer.objects.filter(interview=interview, question__number=6).exists()


def test_another_interviewer_cannot_touch_the_interview(assigned: Fieldwork) -> None:
    interview = start(assigned)
    other = next(u for u in assigned.interviewers if u.pk != interview.interviewer_id)
    with pytest.raises(PermissionDeniedError):
        calls.interview_save(interview=interview, interviewer=other, answers={3: "是"})
    with pytest.raises(PermissionDeniedError):
        calls.interview_start(case=interview.case, interviewer=other)


# --- corrections ----------------------------------------------------------------------------
def completed(fw: Fieldwork) -> Interview:
    interview = start(fw)
    return calls.interview_complete(
        interview=interview,
        interviewer=interview.interviewer,
        answers=full_answers(fw.project),
        now=MORNING,
    )


def test_correction_by_a_supervisor_with_a_reason(assigned: Fieldwork) -> None:
    fw = assigned
    interview = completed(fw)
    fixed = full_answers(fw.project)
    fixed[1] = {**fixed[1], fw.world.town_a.pk: "不满意"}
    with pytest.raises(PermissionDeniedError):
        calls.interview_correct(
            interview=interview, actor=interview.interviewer, answers=fixed, reason="录音复核"
        )
    with pytest.raises(ApplicationError, match="reason"):
        calls.interview_correct(
            interview=interview, actor=fw.supervisor, answers=fixed, reason="  "
        )
    calls.interview_correct(
        interview=interview, actor=fw.supervisor, answers=fixed, reason="录音复核：误选"
    )
    interview.refresh_from_db()
    assert interview.correction_reason == "录音复核：误选" and interview.corrected_at
    answer = Answer.objects.get(interview=interview, question__number=1, unit=fw.world.town_a)
    assert (answer.label, answer.score) == ("不满意", Decimal("0"))
    event = AuditEvent.objects.get(action="survey.interview_corrected")
    town = str(fw.world.town_a.pk)
    assert event.before["answers"]["1"][town] == "满意"
    assert event.after["answers"]["1"][town] == "不满意"
    assert event.reason == "录音复核：误选"
    # the office may correct too; nothing changed is refused
    with pytest.raises(ApplicationError, match="Nothing was changed"):
        calls.interview_correct(interview=interview, actor=fw.office, answers=fixed, reason="复核")


def test_only_completed_interviews_are_corrected(assigned: Fieldwork) -> None:
    interview = start(assigned)
    with pytest.raises(ApplicationError, match="Only a completed interview"):
        calls.interview_correct(
            interview=interview,
            actor=assigned.office,
            answers=full_answers(assigned.project),
            reason="x",
        )


# --- reads ----------------------------------------------------------------------------------
def test_my_cases_order_and_scope(assigned: Fieldwork) -> None:
    fw = assigned
    user = fw.interviewers[0]
    own = list(Case.objects.filter(interviewer=user).order_by("stratum", "position"))
    first, second = own[0], own[1]
    record(first, user, Outcome.NO_ANSWER, MORNING)
    record(second, user, Outcome.CALLBACK, MORNING, callback_at=MORNING + timedelta(minutes=30))
    later = MORNING + timedelta(minutes=40)
    (entry,) = call_selectors.my_cases(user=user, now=later)
    rows = entry.rows
    assert rows[0].case.pk == second.pk and rows[0].callback_due
    assert rows[-1].case.pk == first.pk and not rows[-1].callable_now
    assert {r.case.interviewer_id for r in rows} == {user.pk}
    assert entry.callable_count == len(own) - 1
    night = datetime(2026, 11, 30, 22, 0, tzinfo=TZ)
    (entry,) = call_selectors.my_cases(user=user, now=night)
    assert entry.callable_count == 0 and not entry.in_hours


def test_progress_numbers(assigned: Fieldwork) -> None:
    fw = assigned
    a, b = fw.interviewers
    completed(fw)  # T01#1
    t02 = fw.case("resident:T02", 1)
    record(t02, t02.interviewer, Outcome.REFUSAL, MORNING)  # T02#1 replaced by #3
    deputy = fw.case("deputy:人大", 2)
    record(deputy, deputy.interviewer, Outcome.WRONG_NUMBER, MORNING)  # no reserve
    t01 = fw.case("resident:T01", 2)
    record(
        t01, t01.interviewer, Outcome.CALLBACK, MORNING, callback_at=MORNING + timedelta(hours=1)
    )
    progress = call_selectors.progress(project=fw.project)
    strata = {s.stratum: s for s in progress.strata}
    assert vars(strata["resident:T01"]) == {
        "stratum": "resident:T01",
        "allocated": 3,
        "completed": 1,
        "in_progress": 2,
        "callbacks": 1,
        "nonresponse": 0,
        "replaced": 0,
        "reserves_left": 3,
    }
    assert vars(strata["resident:T02"]) == {
        "stratum": "resident:T02",
        "allocated": 2,
        "completed": 0,
        "in_progress": 2,
        "callbacks": 0,
        "nonresponse": 0,
        "replaced": 1,
        "reserves_left": 1,
    }
    assert (strata["deputy:人大"].nonresponse, strata["deputy:人大"].reserves_left) == (1, 0)
    outcomes = {code: n for code, _label, n in progress.outcomes}
    assert outcomes["complete"] == outcomes["refusal"] == outcomes["wrong_number"] == 1
    assert outcomes["callback"] == 1 and progress.attempts_total == 4
    # closed cases: I (complete), R (refusal), UO (wrong number)
    assert progress.closed_codes == {"I": 1, "R": 1, "UO": 1}
    assert progress.rates["rr1"] == pytest.approx(1 / 3)
    assert progress.rates["coop1"] == pytest.approx(1 / 2)
    assert progress.rates_percent["ref1"] == "33.3%"
    per_user = {p.user.pk: p for p in progress.interviewers}
    assert sum(p.attempts for p in per_user.values()) == 4
    assert sum(p.completes for p in per_user.values()) == 1
    assert per_user[t02.interviewer_id].refusals == 1
    assert per_user[a.pk].cases + per_user[b.pk].cases == 8  # 7 drawn + 1 released reserve


def test_break_off_keeps_the_interview_as_partial(assigned: Fieldwork) -> None:
    interview = start(assigned)
    user = interview.interviewer
    calls.interview_save(interview=interview, interviewer=user, answers={3: "否"})
    record(interview.case, user, Outcome.BREAK_OFF, MORNING)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.PARTIAL
    assert Case.objects.get(pk=interview.case_id).status == Case.Status.REPLACED
    with pytest.raises(ApplicationError, match="closed"):
        calls.interview_save(interview=interview, interviewer=user, answers={3: "是"})
    with pytest.raises(ApplicationError, match="closed"):
        start(assigned)


@given(
    st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=40),
)
def test_round_robin_evens_out_loads(start_loads: list[int], count: int) -> None:
    loads = dict(enumerate(start_loads, start=1))
    cases = list(range(100, 100 + count))
    plan = calls.round_robin(cases, loads)
    assert plan == calls.round_robin(cases, loads)  # deterministic
    assert set(plan) == set(cases)
    final = dict(loads)
    for uid in plan.values():
        final[uid] += 1
    # nobody gets a case while someone else has fewer; the spread shrinks to at most one
    # once enough cases were handed out
    if count >= sum(max(loads.values()) - n for n in loads.values()):
        assert max(final.values()) - min(final.values()) <= 1
    else:
        assert max(final.values()) == max(loads.values())


def test_concurrent_attempt_number_is_a_message(assigned: Fieldwork) -> None:
    case = assigned.case()
    # another request logged attempt 1 meanwhile, before this one saw the case updated
    CallAttempt.objects.create(
        case=case,
        interviewer=case.interviewer,
        number=1,
        started_at=MORNING,
        outcome=Outcome.BUSY,
    )
    with pytest.raises(ApplicationError, match="already recorded"):
        record(case, case.interviewer, Outcome.NO_ANSWER, MORNING)
    case.refresh_from_db()
    assert case.attempts == 0


def test_a_reassigned_case_keeps_its_interview(assigned: Fieldwork) -> None:
    fw = assigned
    interview = start(fw)
    first = interview.interviewer
    calls.interview_save(interview=interview, interviewer=first, answers={3: "否"})
    calls.staff_remove(project=fw.project, actor=fw.office, user=first)
    calls.cases_assign(project=fw.project, actor=fw.office)
    case = Case.objects.get(pk=interview.case_id)
    successor = case.interviewer
    assert successor is not None and successor.pk != first.pk
    resumed = calls.interview_start(case=case, interviewer=successor, now=MORNING)
    assert resumed.pk == interview.pk and resumed.interviewer_id == successor.pk
    assert calls.interview_answers(resumed) == {3: "否"}
