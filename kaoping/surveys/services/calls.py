"""Telephone interviewing (CATI): staff, case assignment, call rules, reserve replacement,
interviews and supervisors' corrections. Every write in a transaction, audited.

- The office staffs a project with interviewers and supervisors; `cases_assign` hands every
  unassigned open case to the interviewers round-robin (stratum and position order, the least
  loaded first), so interviewers never choose whom they call.
- An interviewer dials only their own callable case, inside the project's calling hours and
  not before the spacing since the last attempt has passed (`call_dial`, which shows the
  clear number once, audited); each attempt's outcome is logged (`call_attempt_record`):
  non-contacts wait for the spacing and, after the project's maximum attempts, the case is
  replaced; a callback books a time; a refusal, break-off, wrong or dead number, language
  barrier or ineligible respondent replaces the case at once (`case_replace`: the stratum's
  next reserve in drawn order, or a final non-response when none is left).
- Answers are saved as the interview goes (`interview_save`) and completed once every
  required question that applies is answered (`interview_complete`), which also closes the
  case. A completed interview changes only by `interview_correct` (a project supervisor or
  the office, with a reason; before and after in the audit trail).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Role, User
from kaoping.surveys import flow
from kaoping.surveys.models import (
    Answer,
    CallAttempt,
    Case,
    Interview,
    Outcome,
    ProjectStaff,
    Question,
    Questionnaire,
    SurveyProject,
)
from kaoping.surveys.services.privacy import Revealed, reveal_respondent

NOTE_LIMIT = 500
REASON_LIMIT = 500
TEXT_LIMIT = 2000

CALLABLE = (Case.Status.OPEN, Case.Status.CALLBACK)
# Not reached: wait for the spacing, replace after the project's maximum attempts.
NON_CONTACT = frozenset(
    {
        Outcome.NO_ANSWER,
        Outcome.BUSY,
        Outcome.ANSWERING_MACHINE,
        Outcome.RESPONDENT_UNAVAILABLE,
    }
)
# The case ends with this attempt and is replaced from the reserve (an interview begun is kept
# as partial).
FINAL = frozenset(
    {
        Outcome.REFUSAL,
        Outcome.BREAK_OFF,
        Outcome.WRONG_NUMBER,
        Outcome.NOT_IN_SERVICE,
        Outcome.LANGUAGE,
        Outcome.INELIGIBLE,
    }
)
# What an interviewer may log on the call screen (a complete comes from the interview).
RECORDABLE = NON_CONTACT | FINAL | {Outcome.CALLBACK}


def _refuse() -> PermissionDeniedError:
    return PermissionDeniedError(_("You are not allowed to do this."))


def _is_office(actor: Any, project: SurveyProject) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.has_role(Role.OFFICE)
        and SurveyProject.objects.for_user(actor).filter(pk=project.pk).exists()
    )


def is_supervisor(actor: Any, project: SurveyProject) -> bool:
    """The office of the project's plan, or a supervisor staffed on the project."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    staffed = ProjectStaff.objects.filter(
        project=project, user=actor, role=ProjectStaff.StaffRole.SUPERVISOR
    ).exists()
    return staffed or _is_office(actor, project)


def _require_office(actor: Any, project: SurveyProject) -> None:
    if not _is_office(actor, project):
        raise _refuse()


def _require_fieldwork(project: SurveyProject) -> None:
    if project.status != SurveyProject.Status.FIELDWORK:
        raise ApplicationError(_("The survey is not in fieldwork."))


# --- calling hours --------------------------------------------------------------------------
def local_time(moment: datetime) -> datetime:
    """`moment` in the county's time zone (settings.TIME_ZONE)."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def within_calling_hours(project: SurveyProject, moment: datetime) -> bool:
    """Whether `moment` (local time) is inside the project's calling hours [start, end)."""
    start, end = _as_time(project.calling_hours_start), _as_time(project.calling_hours_end)
    clock = local_time(moment).time()
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end  # hours running past midnight


def _as_time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _hours_text(project: SurveyProject) -> str:
    start, end = _as_time(project.calling_hours_start), _as_time(project.calling_hours_end)
    return f"{start:%H:%M}–{end:%H:%M}"


def callback_due(case: Case, now: datetime) -> bool:
    return (
        case.status == Case.Status.CALLBACK
        and case.callback_at is not None
        and case.callback_at <= now
    )


def is_due(case: Case, now: datetime) -> bool:
    """Callable now: open or booked, and the spacing passed or the callback time reached."""
    if case.status not in CALLABLE:
        return False
    if callback_due(case, now):
        return True
    return case.next_call_after is None or case.next_call_after <= now


def _check_callable(case: Case, interviewer: Any, now: datetime) -> None:
    """The call rules every dial and every logged attempt must meet."""
    if interviewer is None or case.interviewer_id != getattr(interviewer, "pk", None):
        raise _refuse()
    _require_fieldwork(case.project)
    if case.status not in CALLABLE:
        raise ApplicationError(_("This case is closed; it cannot be called any more."))
    if not is_due(case, now):
        when = local_time(case.next_call_after or now)
        raise ApplicationError(
            _("Too early: this case may be called again from %(when)s.")
            % {"when": f"{when:%Y-%m-%d %H:%M}"}
        )
    if not within_calling_hours(case.project, now):
        raise ApplicationError(
            _("Outside the calling hours (%(hours)s).") % {"hours": _hours_text(case.project)}
        )


def _locked_case(case: Case) -> Case:
    """The case re-read under a row lock (concurrent attempts serialise on PostgreSQL)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("project", "respondent", "draw")
        .get(pk=case.pk)
    )


# --- staff and assignment -------------------------------------------------------------------
@transaction.atomic
def staff_add(*, project: SurveyProject, actor: Any, user: User, role: str) -> ProjectStaff:
    """The office adds an interviewer (an interviewer account) or a supervisor (an office
    user or an interviewer) to a project."""
    _require_office(actor, project)
    if role not in ProjectStaff.StaffRole.values:
        raise ApplicationError(_("Choose interviewer or supervisor."))
    if role == ProjectStaff.StaffRole.INTERVIEWER and not user.has_role(Role.INTERVIEWER):
        raise ApplicationError(_("Only an interviewer account can make calls."))
    if role == ProjectStaff.StaffRole.SUPERVISOR and not user.has_role(
        Role.INTERVIEWER, Role.OFFICE
    ):
        raise ApplicationError(_("A supervisor is an office user or an interviewer."))
    if not user.is_active:
        raise ApplicationError(_("This account is disabled."))
    if ProjectStaff.objects.filter(project=project, user=user).exists():
        raise ApplicationError(_("%(user)s already works on this survey.") % {"user": user})
    staff = ProjectStaff.objects.create(project=project, user=user, role=role)
    audit_event(
        actor=actor,
        action="survey.staff_added",
        obj=project,
        after={"user": user.pk, "username": user.get_username(), "role": role},
    )
    return staff


@transaction.atomic
def staff_remove(*, project: SurveyProject, actor: Any, user: User) -> int:
    """The office takes someone off a project; an interviewer's cases still being called go
    back to the pool for reassignment. Returns how many cases were returned."""
    _require_office(actor, project)
    staff = ProjectStaff.objects.filter(project=project, user=user).first()
    if staff is None:
        raise ApplicationError(_("%(user)s does not work on this survey.") % {"user": user})
    # Cases still being called go back to the pool; closed ones keep who worked them.
    returned = Case.objects.filter(project=project, interviewer=user, status__in=CALLABLE).update(
        interviewer=None, updated_at=timezone.now()
    )
    role = staff.role
    staff.delete()
    audit_event(
        actor=actor,
        action="survey.staff_removed",
        obj=project,
        before={"user": user.pk, "username": user.get_username(), "role": role},
        after={"cases_returned": returned},
    )
    return returned


def round_robin(cases: Sequence[int], loads: Mapping[int, int]) -> dict[int, int]:
    """Case id → interviewer id: each case in turn to the least-loaded interviewer (ties by
    id), so loads end as even as they can be. Pure and deterministic."""
    if not loads:
        return {}
    current = dict(loads)
    plan: dict[int, int] = {}
    for case_id in cases:
        chosen = min(current, key=lambda uid: (current[uid], uid))
        plan[case_id] = chosen
        current[chosen] += 1
    return plan


@transaction.atomic
def cases_assign(*, project: SurveyProject, actor: Any) -> int:
    """The office gives every unassigned open case to the project's interviewers, evenly and
    deterministically. Returns the number of cases assigned."""
    _require_office(actor, project)
    if project.status == SurveyProject.Status.CLOSED:
        raise ApplicationError(_("The survey is closed."))
    interviewers = list(
        ProjectStaff.objects.filter(
            project=project, role=ProjectStaff.StaffRole.INTERVIEWER, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if not interviewers:
        raise ApplicationError(_("Add interviewers to the survey first."))
    pending = list(
        Case.objects.select_for_update()
        .filter(
            project=project,
            interviewer__isnull=True,
            status__in=CALLABLE,
            draw__superseded_at__isnull=True,
        )
        .order_by("stratum", "position")
        .values_list("pk", flat=True)
    )
    counted = dict(
        Case.objects.filter(project=project, interviewer_id__in=interviewers)
        .exclude(status=Case.Status.RESERVE)
        .values("interviewer_id")
        .annotate(n=Count("pk"))
        .values_list("interviewer_id", "n")
    )
    loads = {uid: counted.get(uid, 0) for uid in interviewers}
    plan = round_robin(pending, loads)
    now = timezone.now()
    for uid in sorted(set(plan.values())):
        ids = [cid for cid, who in plan.items() if who == uid]
        Case.objects.filter(pk__in=ids).update(interviewer_id=uid, updated_at=now)
    audit_event(
        actor=actor,
        action="survey.cases_assigned",
        obj=project,
        after={
            "assigned": len(plan),
            "per_interviewer": {
                str(uid): sum(1 for who in plan.values() if who == uid) for uid in interviewers
            },
        },
    )
    return len(plan)


# --- calls ----------------------------------------------------------------------------------
@transaction.atomic
def call_dial(*, case: Case, interviewer: Any, now: datetime | None = None) -> Revealed:
    """The interviewer dials: the call rules are checked and the clear number is revealed for
    this call only (audited as personal data viewed with purpose "dial")."""
    now = now or timezone.now()
    case = _locked_case(case)
    _check_callable(case, interviewer, now)
    return reveal_respondent(user=interviewer, respondent=case.respondent, purpose="dial")


@transaction.atomic
def call_attempt_record(
    *,
    case: Case,
    interviewer: Any,
    outcome: str,
    callback_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
    started_at: datetime | None = None,
    expected_number: int | None = None,
) -> CallAttempt:
    """Log one call attempt of the assigned interviewer and apply the call rules.

    `expected_number` is the attempt number the form was shown with: a second submission of
    the same form is refused with a message instead of logging the call twice.
    """
    now = now or timezone.now()
    case = _locked_case(case)
    if outcome == Outcome.COMPLETE:
        raise ApplicationError(_("A complete is recorded by completing the interview."))
    if outcome not in RECORDABLE:
        raise ApplicationError(_("Choose the outcome of the call."))
    number = case.attempts + 1
    if expected_number is not None and expected_number != number:
        raise ApplicationError(_("This call was already recorded."))
    _check_callable(case, interviewer, now)
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ApplicationError(
            _("The note is too long (at most %(n)d characters).") % {"n": NOTE_LIMIT}
        )
    if outcome == Outcome.CALLBACK:
        if callback_at is None:
            raise ApplicationError(_("Give the date and time of the callback."))
        if callback_at <= now:
            raise ApplicationError(_("The callback must be in the future."))
        if not within_calling_hours(case.project, callback_at):
            raise ApplicationError(
                _("The callback must be inside the calling hours (%(hours)s).")
                % {"hours": _hours_text(case.project)}
            )
    else:
        callback_at = None
    try:
        with transaction.atomic():
            attempt = CallAttempt.objects.create(
                case=case,
                interviewer=interviewer,
                number=number,
                started_at=started_at if started_at and started_at <= now else now,
                ended_at=now,
                outcome=outcome,
                callback_at=callback_at,
                note=note,
            )
    except IntegrityError:
        raise ApplicationError(_("This call was already recorded.")) from None
    before = {"status": case.status, "attempts": case.attempts}
    case.attempts = number
    case.last_outcome = outcome
    fields = ["attempts", "last_outcome", "status", "next_call_after", "callback_at", "updated_at"]
    if outcome == Outcome.CALLBACK:
        case.status = Case.Status.CALLBACK
        case.callback_at = callback_at
        case.next_call_after = callback_at
    else:
        case.status = Case.Status.OPEN
        case.callback_at = None
        case.next_call_after = now + timedelta(minutes=case.project.attempt_spacing_minutes)
    case.save(update_fields=fields)
    audit_event(
        actor=interviewer,
        action="survey.call_recorded",
        obj=case,
        object_repr=f"{case.project.code} {case.stratum} #{case.position}",
        before=before,
        after={
            "attempt": number,
            "outcome": outcome,
            "callback_at": callback_at.isoformat() if callback_at else None,
        },
    )
    final = outcome in FINAL or (outcome in NON_CONTACT and number >= case.project.max_attempts)
    if final:
        Interview.objects.filter(case=case, status=Interview.Status.IN_PROGRESS).update(
            status=Interview.Status.PARTIAL, updated_at=now
        )
        case_replace(case=case, actor=interviewer, now=now)
    return attempt


@transaction.atomic
def case_replace(*, case: Case, actor: Any, now: datetime | None = None) -> Case | None:
    """Close a case that cannot be interviewed and release the next reserve of its stratum in
    drawn order to the same interviewer; without a reserve left (census strata never have
    one) the case is a final non-response and None is returned."""
    now = now or timezone.now()
    case = _locked_case(case)
    project = case.project
    may = case.interviewer_id == getattr(actor, "pk", None) or is_supervisor(actor, project)
    if not may:
        raise _refuse()
    if case.status not in CALLABLE:
        raise ApplicationError(_("Only a case still being called can be replaced."))
    reserve = (
        Case.objects.select_for_update()
        .filter(draw=case.draw, stratum=case.stratum, status=Case.Status.RESERVE)
        .order_by("position")
        .first()
    )
    before = {"status": case.status}
    case.closed_at = now
    case.next_call_after = None
    if reserve is None:
        case.status = Case.Status.FINAL_NONRESPONSE
        case.save(update_fields=["status", "closed_at", "next_call_after", "updated_at"])
    else:
        case.status = Case.Status.REPLACED
        case.save(update_fields=["status", "closed_at", "next_call_after", "updated_at"])
        reserve.status = Case.Status.OPEN
        reserve.released_at = now
        reserve.replaces = case
        reserve.interviewer_id = case.interviewer_id
        reserve.save(
            update_fields=["status", "released_at", "replaces", "interviewer", "updated_at"]
        )
    audit_event(
        actor=actor,
        action="survey.case_replaced",
        obj=case,
        object_repr=f"{project.code} {case.stratum} #{case.position}",
        before=before,
        after={
            "status": case.status,
            "last_outcome": case.last_outcome,
            "reserve": reserve.pk if reserve else None,
            "reserve_position": reserve.position if reserve else None,
        },
    )
    return reserve


# --- interviews -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AskedQuestion:
    """A question as the answer screen and the rules need it."""

    question: Question
    flow: flow.FlowQuestion
    scores: dict[str, Decimal | None]


def locked_questionnaire(project: SurveyProject) -> Questionnaire | None:
    """The project's latest locked questionnaire version (the one interviews use)."""
    return (
        Questionnaire.objects.filter(project=project, locked_at__isnull=False)
        .order_by("-version")
        .first()
    )


def asked_questions(questionnaire: Questionnaire) -> list[AskedQuestion]:
    """The questionnaire's questions with their flow data and option scores, by number."""
    questions = list(
        questionnaire.questions.select_related("option_set", "show_if_question").order_by("number")
    )
    asked = []
    for q in questions:
        scores: dict[str, Decimal | None] = {}
        if q.kind != Question.Kind.TEXT:
            if q.kind == Question.Kind.CHOICE and q.choices:
                scores = {str(label): None for label in q.choices}
            elif q.option_set is not None:
                scores = {
                    str(label): (None if score is None else Decimal(str(score)))
                    for label, score in q.option_set.options
                }
            elif q.choices:
                scores = {str(label): None for label in q.choices}
        asked.append(
            AskedQuestion(
                question=q,
                flow=flow.FlowQuestion(
                    number=q.number,
                    kind=q.kind,
                    groups=tuple(q.groups or ()),
                    show_if_question=q.show_if_question.number if q.show_if_question else None,
                    show_if_answers=tuple(str(a) for a in (q.show_if_answers or ())),
                    required=q.required,
                    options=tuple(scores),
                ),
                scores=scores,
            )
        )
    return asked


def project_unit_ids(project: SurveyProject) -> list[int]:
    return list(project.units.order_by("code").values_list("pk", flat=True))


def interview_answers(interview: Interview) -> dict[int, flow.AnswerValue]:
    """The saved answers keyed by question number (unit ratings: unit id → label)."""
    answers: dict[int, Any] = {}
    for a in interview.answers.select_related("question").order_by("question__number", "unit"):
        number = a.question.number
        if a.question.kind == Question.Kind.UNIT_RATING:
            answers.setdefault(number, {})[a.unit_id] = a.label
        elif a.question.kind == Question.Kind.TEXT:
            answers[number] = a.text
        else:
            answers[number] = a.label
    return answers


def _clean_answers(
    asked: Sequence[AskedQuestion],
    answers: Mapping[int, Any],
    *,
    group: str,
    units: Sequence[int],
) -> dict[int, flow.AnswerValue]:
    """Answers checked against the questions (known options, known units, lengths), with
    empty ones left out and those to questions that do not apply dropped."""
    by_number = {a.flow.number: a for a in asked}
    cleaned: dict[int, flow.AnswerValue] = {}
    for number, value in answers.items():
        item = by_number.get(number)
        if item is None:
            raise ApplicationError(_("Unknown question %(n)s.") % {"n": number})
        kind = item.flow.kind
        if kind == Question.Kind.UNIT_RATING:
            if not isinstance(value, Mapping):
                raise ApplicationError(_("Question %(n)s is answered per unit.") % {"n": number})
            ratings: dict[int, str] = {}
            for unit, label in value.items():
                label = (label or "").strip()
                if not label:
                    continue
                if unit not in units:
                    raise ApplicationError(_("Unknown unit in question %(n)s.") % {"n": number})
                if label not in item.scores:
                    raise ApplicationError(
                        _("“%(label)s” is not an answer of question %(n)s.")
                        % {"label": label, "n": number}
                    )
                ratings[unit] = label
            if ratings:
                cleaned[number] = ratings
            continue
        text = (value if isinstance(value, str) else "").strip()
        if not text:
            continue
        if kind == Question.Kind.TEXT:
            if len(text) > TEXT_LIMIT:
                raise ApplicationError(
                    _("The answer to question %(n)s is too long.") % {"n": number}
                )
        elif text not in item.scores:
            raise ApplicationError(
                _("“%(label)s” is not an answer of question %(n)s.") % {"label": text, "n": number}
            )
        cleaned[number] = text
    return flow.keep_applicable([a.flow for a in asked], group=group, answers=cleaned)


def _write_answers(
    interview: Interview, asked: Sequence[AskedQuestion], answers: Mapping[int, Any]
) -> None:
    by_number = {a.flow.number: a for a in asked}
    interview.answers.all().delete()
    rows = []
    for number, value in sorted(answers.items()):
        item = by_number[number]
        q = item.question
        if isinstance(value, Mapping):
            for unit, label in sorted(value.items()):
                rows.append(
                    Answer(
                        interview=interview,
                        question=q,
                        unit_id=unit,
                        label=label,
                        score=item.scores.get(label),
                    )
                )
        elif q.kind == Question.Kind.TEXT:
            rows.append(Answer(interview=interview, question=q, text=value))
        else:
            rows.append(
                Answer(interview=interview, question=q, label=value, score=item.scores.get(value))
            )
    Answer.objects.bulk_create(rows)


def _json_answers(answers: Mapping[int, Any]) -> dict[str, Any]:
    return {
        str(n): ({str(u): lab for u, lab in v.items()} if isinstance(v, Mapping) else v)
        for n, v in sorted(answers.items())
    }


@transaction.atomic
def interview_start(*, case: Case, interviewer: Any, now: datetime | None = None) -> Interview:
    """Begin (or resume) the interview of the interviewer's callable case with the project's
    locked questionnaire."""
    now = now or timezone.now()
    case = _locked_case(case)
    if case.interviewer_id != getattr(interviewer, "pk", None):
        raise _refuse()
    existing = Interview.objects.filter(case=case).first()
    if existing is not None and existing.status == Interview.Status.COMPLETE:
        raise ApplicationError(_("This interview is already complete."))
    _require_fieldwork(case.project)
    if case.status not in CALLABLE:
        raise ApplicationError(_("This case is closed; it cannot be called any more."))
    if existing is not None:
        if existing.interviewer_id != interviewer.pk:
            # the case was reassigned: its new interviewer carries on with the answers so far
            existing.interviewer = interviewer
            existing.save(update_fields=["interviewer", "updated_at"])
        return existing
    questionnaire = locked_questionnaire(case.project)
    if questionnaire is None:
        raise ApplicationError(_("The survey has no locked questionnaire."))
    interview = Interview.objects.create(
        case=case, questionnaire=questionnaire, interviewer=interviewer, started_at=now
    )
    audit_event(
        actor=interviewer,
        action="survey.interview_started",
        obj=interview,
        object_repr=f"{case.project.code} {case.stratum} #{case.position}",
        after={"questionnaire": questionnaire.pk, "version": questionnaire.version},
    )
    return interview


def _locked_interview(interview: Interview) -> Interview:
    return (
        Interview.objects.select_for_update(of=("self",))
        .select_related("case", "case__project", "case__respondent", "questionnaire")
        .get(pk=interview.pk)
    )


def _require_own_open(interview: Interview, interviewer: Any) -> None:
    if interview.interviewer_id != getattr(interviewer, "pk", None) or (
        interview.case.interviewer_id != getattr(interviewer, "pk", None)
    ):
        raise _refuse()
    if interview.status == Interview.Status.COMPLETE:
        raise ApplicationError(
            _("This interview is already complete; only a supervisor can correct it.")
        )
    if interview.case.status not in CALLABLE:
        raise ApplicationError(_("This case is closed; it cannot be called any more."))


@transaction.atomic
def interview_save(
    *, interview: Interview, interviewer: Any, answers: Mapping[int, Any]
) -> Interview:
    """Save the answers so far (the interview stays in progress); answers to questions that
    skip logic hides are dropped."""
    interview = _locked_interview(interview)
    _require_own_open(interview, interviewer)
    case = interview.case
    asked = asked_questions(interview.questionnaire)
    cleaned = _clean_answers(
        asked, answers, group=case.respondent.group, units=project_unit_ids(case.project)
    )
    _write_answers(interview, asked, cleaned)
    interview.status = Interview.Status.IN_PROGRESS
    interview.save(update_fields=["status", "updated_at"])
    return interview


@transaction.atomic
def interview_complete(
    *,
    interview: Interview,
    interviewer: Any,
    answers: Mapping[int, Any],
    now: datetime | None = None,
    started_at: datetime | None = None,
) -> Interview:
    """Complete the interview: every required question that applies answered; the options'
    scores are copied; the case is completed with a `complete` call attempt."""
    now = now or timezone.now()
    interview = _locked_interview(interview)
    _require_own_open(interview, interviewer)
    case = _locked_case(interview.case)
    asked = asked_questions(interview.questionnaire)
    units = project_unit_ids(case.project)
    group = case.respondent.group
    cleaned = _clean_answers(asked, answers, group=group, units=units)
    missing = flow.missing_required(
        [a.flow for a in asked], group=group, answers=cleaned, units=units
    )
    if missing:
        raise ApplicationError(
            _("Answer every required question first: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)},
            extra={"missing": missing},
        )
    _write_answers(interview, asked, cleaned)
    number = case.attempts + 1
    try:
        with transaction.atomic():
            CallAttempt.objects.create(
                case=case,
                interviewer=interviewer,
                number=number,
                started_at=started_at if started_at and started_at <= now else interview.started_at,
                ended_at=now,
                outcome=Outcome.COMPLETE,
            )
    except IntegrityError:
        raise ApplicationError(_("This interview is already complete.")) from None
    interview.status = Interview.Status.COMPLETE
    interview.completed_at = now
    interview.save(update_fields=["status", "completed_at", "updated_at"])
    case.status = Case.Status.COMPLETED
    case.attempts = number
    case.last_outcome = Outcome.COMPLETE
    case.closed_at = now
    case.next_call_after = None
    case.callback_at = None
    case.save(
        update_fields=[
            "status",
            "attempts",
            "last_outcome",
            "closed_at",
            "next_call_after",
            "callback_at",
            "updated_at",
        ]
    )
    audit_event(
        actor=interviewer,
        action="survey.interview_completed",
        obj=interview,
        object_repr=f"{case.project.code} {case.stratum} #{case.position}",
        after={"answers": len(cleaned), "attempt": number},
    )
    return interview


@transaction.atomic
def interview_correct(
    *, interview: Interview, actor: Any, answers: Mapping[int, Any], reason: str
) -> Interview:
    """A project supervisor or the office corrects a completed interview, with a reason; the
    answers before and after go to the audit trail."""
    interview = _locked_interview(interview)
    project = interview.case.project
    if not is_supervisor(actor, project):
        raise _refuse()
    if interview.status != Interview.Status.COMPLETE:
        raise ApplicationError(_("Only a completed interview is corrected."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the correction."))
    if len(reason) > REASON_LIMIT:
        raise ApplicationError(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_LIMIT}
        )
    asked = asked_questions(interview.questionnaire)
    units = project_unit_ids(project)
    group = interview.case.respondent.group
    cleaned = _clean_answers(asked, answers, group=group, units=units)
    missing = flow.missing_required(
        [a.flow for a in asked], group=group, answers=cleaned, units=units
    )
    if missing:
        raise ApplicationError(
            _("Answer every required question first: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)},
            extra={"missing": missing},
        )
    before = interview_answers(interview)
    if _json_answers(before) == _json_answers(cleaned):
        raise ApplicationError(_("Nothing was changed."))
    _write_answers(interview, asked, cleaned)
    interview.corrected_at = timezone.now()
    interview.correction_reason = reason
    interview.save(update_fields=["corrected_at", "correction_reason", "updated_at"])
    audit_event(
        actor=actor,
        action="survey.interview_corrected",
        obj=interview,
        object_repr=f"{project.code} {interview.case.stratum} #{interview.case.position}",
        reason=reason,
        before={"answers": _json_answers(before)},
        after={"answers": _json_answers(cleaned)},
    )
    return interview
