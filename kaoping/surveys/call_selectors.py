"""Reads of telephone interviewing (CATI), by assignment or staffing, never by browsing.

An interviewer's cases are fetched with `interviewer=user` only; a project's supervision pages
by the office's data scope or the user's staffing as the project's supervisor. Anything else
is 404, so nobody learns what exists outside their work.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from kaoping.appraisal.survey_calculations import AaporRates, aapor_rates
from kaoping.org.models import Role, User
from kaoping.surveys import selectors
from kaoping.surveys.models import (
    AAPOR_CODE,
    CallAttempt,
    Case,
    Interview,
    Outcome,
    ProjectStaff,
    SurveyProject,
)
from kaoping.surveys.services.calls import (
    CALLABLE,
    callback_due,
    is_due,
    is_supervisor,
    within_calling_hours,
)

CLOSED = (Case.Status.COMPLETED, Case.Status.FINAL_NONRESPONSE, Case.Status.REPLACED)
REFUSALS = (Outcome.REFUSAL, Outcome.BREAK_OFF)


# --- an interviewer's cases -----------------------------------------------------------------
def case_for_interviewer(*, user: Any, pk: int) -> Case:
    """One of the interviewer's own cases (any other is 404)."""
    try:
        return Case.objects.select_related("project", "respondent", "draw").get(
            pk=pk,
            interviewer=user,
            project__status__in=[
                SurveyProject.Status.FIELDWORK,
                SurveyProject.Status.CLOSED,
            ],
        )
    except Case.DoesNotExist:
        raise Http404 from None


@dataclass
class CaseRow:
    """A line of the interviewer's list."""

    case: Case
    callable_now: bool
    callback_due: bool
    waiting_until: datetime | None
    in_hours: bool


@dataclass
class ProjectCases:
    """An interviewer's cases in one project in fieldwork."""

    project: SurveyProject
    rows: list[CaseRow] = field(default_factory=list)
    done: int = 0
    closed: int = 0
    in_hours: bool = True

    @property
    def callable_count(self) -> int:
        return sum(1 for r in self.rows if r.callable_now)


def my_cases(*, user: Any, now: datetime) -> list[ProjectCases]:
    """The interviewer's cases to call per project in fieldwork: callbacks due first, then
    open cases whose spacing has passed, then those still waiting; with what is done."""
    cases = (
        Case.objects.filter(
            interviewer=user,
            project__status=SurveyProject.Status.FIELDWORK,
        )
        .exclude(status=Case.Status.RESERVE)
        .select_related("project", "respondent")
        .order_by("project__code", "stratum", "position")
    )
    projects: dict[int, ProjectCases] = {}
    for case in cases:
        entry = projects.get(case.project_id)
        if entry is None:
            entry = ProjectCases(
                project=case.project, in_hours=within_calling_hours(case.project, now)
            )
            projects[case.project_id] = entry
        if case.status == Case.Status.COMPLETED:
            entry.done += 1
            continue
        if case.status not in CALLABLE:
            entry.closed += 1
            continue
        due = is_due(case, now)
        entry.rows.append(
            CaseRow(
                case=case,
                callable_now=due and entry.in_hours,
                callback_due=callback_due(case, now),
                waiting_until=None if due else case.next_call_after,
                in_hours=entry.in_hours,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)

    def order(r: CaseRow) -> tuple[int, datetime, str, int]:
        c = r.case
        if r.callback_due:
            return (0, c.callback_at or far, c.stratum, c.position)
        if r.waiting_until is None:
            return (1, far, c.stratum, c.position)
        return (2, c.callback_at or c.next_call_after or far, c.stratum, c.position)

    for entry in projects.values():
        entry.rows.sort(key=order)
    return sorted(projects.values(), key=lambda e: e.project.code)


def attempts_of(case: Case) -> QuerySet[CallAttempt]:
    return case.call_attempts.order_by("number")


def interview_of(case: Case) -> Interview | None:
    return Interview.objects.filter(case=case).select_related("questionnaire").first()


# --- supervision ----------------------------------------------------------------------------
def access_supervised_project(*, user: Any, pk: int) -> SurveyProject:
    """A project the user supervises: the office in scope or a staffed supervisor; else 404."""
    project = SurveyProject.objects.filter(pk=pk).select_related("plan").first()
    if project is None or not is_supervisor(user, project):
        raise Http404
    return project


def access_interview_for_correction(*, user: Any, pk: int) -> Interview:
    """A completed interview of a project the user supervises, or 404."""
    interview = (
        Interview.objects.select_related(
            "case", "case__project", "case__respondent", "questionnaire", "interviewer"
        )
        .filter(pk=pk)
        .first()
    )
    if interview is None or not is_supervisor(user, interview.case.project):
        raise Http404
    return interview


@dataclass
class StratumProgress:
    stratum: str
    allocated: int = 0
    completed: int = 0
    in_progress: int = 0
    callbacks: int = 0
    nonresponse: int = 0
    replaced: int = 0
    reserves_left: int = 0


@dataclass
class InterviewerProgress:
    user: User
    cases: int = 0
    open: int = 0
    attempts: int = 0
    completes: int = 0
    refusals: int = 0


@dataclass
class Progress:
    strata: list[StratumProgress]
    interviewers: list[InterviewerProgress]
    outcomes: list[tuple[str, str, int]]  # (code, label, count of attempts)
    closed_codes: dict[str, int]
    rates: AaporRates
    totals: StratumProgress

    @property
    def rates_percent(self) -> dict[str, str]:
        """The AAPOR rates as percentages with one decimal ("—" when not defined yet)."""
        values: dict[str, float | None] = {
            "rr1": self.rates["rr1"],
            "coop1": self.rates["coop1"],
            "ref1": self.rates["ref1"],
        }
        return {
            name: "—" if value is None else f"{value * 100:.1f}%" for name, value in values.items()
        }

    @property
    def attempts_total(self) -> int:
        return sum(n for _code, _label, n in self.outcomes)


def progress(*, project: SurveyProject) -> Progress:
    """Quotas and calls of a project's current draw, per stratum and per interviewer, with the
    outcome counts and the AAPOR rates of the cases closed so far."""
    cases = Case.objects.filter(project=project, draw__superseded_at__isnull=True)
    draw = project.draws.filter(superseded_at__isnull=True).first()
    allocation: dict[str, Any] = dict(draw.allocation) if draw else {}
    strata: dict[str, StratumProgress] = {}

    def row(stratum: str) -> StratumProgress:
        if stratum not in strata:
            strata[stratum] = StratumProgress(stratum=stratum)
        return strata[stratum]

    counts = cases.values("stratum", "status", "is_reserve").annotate(n=Count("pk"))
    for item in counts:
        r = row(item["stratum"])
        n = item["n"]
        status = item["status"]
        if not item["is_reserve"]:
            r.allocated += n
        if status == Case.Status.COMPLETED:
            r.completed += n
        elif status in CALLABLE:
            r.in_progress += n
            if status == Case.Status.CALLBACK:
                r.callbacks += n
        elif status == Case.Status.FINAL_NONRESPONSE:
            r.nonresponse += n
        elif status == Case.Status.REPLACED:
            r.replaced += n
        elif status == Case.Status.RESERVE:
            r.reserves_left += n
    for stratum, planned in allocation.items():
        if isinstance(planned, int):
            row(stratum).allocated = planned
    ordered = [strata[k] for k in sorted(strata)]
    totals = StratumProgress(stratum="")
    for line in ordered:
        for name in (
            "allocated",
            "completed",
            "in_progress",
            "callbacks",
            "nonresponse",
            "replaced",
            "reserves_left",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(line, name))

    staff_ids = list(
        ProjectStaff.objects.filter(
            project=project, role=ProjectStaff.StaffRole.INTERVIEWER
        ).values_list("user_id", flat=True)
    )
    case_counts = dict(
        cases.exclude(status=Case.Status.RESERVE)
        .exclude(interviewer__isnull=True)
        .values("interviewer_id")
        .annotate(n=Count("pk"))
        .values_list("interviewer_id", "n")
    )
    open_counts = dict(
        cases.filter(status__in=CALLABLE)
        .exclude(interviewer__isnull=True)
        .values("interviewer_id")
        .annotate(n=Count("pk"))
        .values_list("interviewer_id", "n")
    )
    attempts = CallAttempt.objects.filter(case__project=project)
    per_user = (
        attempts.values("interviewer_id")
        .annotate(
            n=Count("pk"),
            completes=Count("pk", filter=Q(outcome=Outcome.COMPLETE)),
            refusals=Count("pk", filter=Q(outcome__in=REFUSALS)),
        )
        .values_list("interviewer_id", "n", "completes", "refusals")
    )
    call_counts = {uid: (n, c, r) for uid, n, c, r in per_user}
    user_ids = set(staff_ids) | set(case_counts) | set(call_counts)
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    interviewers = []
    for uid in sorted(user_ids, key=lambda i: users[i].get_username()):
        n, c, refused = call_counts.get(uid, (0, 0, 0))
        interviewers.append(
            InterviewerProgress(
                user=users[uid],
                cases=case_counts.get(uid, 0),
                open=open_counts.get(uid, 0),
                attempts=n,
                completes=c,
                refusals=refused,
            )
        )

    by_outcome = Counter(dict(attempts.values_list("outcome").annotate(n=Count("pk"))))
    outcomes = [(code, str(label), by_outcome[code]) for code, label in Outcome.choices]
    closed: Counter[str] = Counter()
    for last, n in (
        cases.filter(status__in=CLOSED)
        .exclude(last_outcome="")
        .values_list("last_outcome")
        .annotate(n=Count("pk"))
    ):
        code = AAPOR_CODE.get(last)
        if code is not None:
            closed[code] += n
    return Progress(
        strata=ordered,
        interviewers=interviewers,
        outcomes=outcomes,
        closed_codes=dict(closed),
        rates=aapor_rates(closed),
        totals=totals,
    )


# --- staff ----------------------------------------------------------------------------------
def project_for_office(*, user: Any, pk: int) -> SurveyProject:
    return selectors.access_project(user=user, pk=pk)


def staff_of(*, project: SurveyProject) -> dict[str, list[ProjectStaff]]:
    """The project's interviewers and supervisors, by username."""
    grouped: dict[str, list[ProjectStaff]] = defaultdict(list)
    for s in (
        ProjectStaff.objects.filter(project=project)
        .select_related("user")
        .order_by("user__username")
    ):
        grouped[s.role].append(s)
    return grouped


def staff_candidates(*, project: SurveyProject, role: str) -> QuerySet[User]:
    """Active accounts that may join the project in `role` and are not on it yet."""
    roles = (
        [Role.INTERVIEWER]
        if role == ProjectStaff.StaffRole.INTERVIEWER
        else [Role.INTERVIEWER, Role.OFFICE]
    )
    return (
        User.objects.filter(is_active=True, role_grants__role__in=roles)
        .exclude(survey_staffing__project=project)
        .distinct()
        .order_by("username")
    )


def unassigned_count(*, project: SurveyProject) -> int:
    return Case.objects.filter(
        project=project,
        interviewer__isnull=True,
        status__in=CALLABLE,
        draw__superseded_at__isnull=True,
    ).count()


def completed_interviews(*, project: SurveyProject, limit: int = 50) -> QuerySet[Interview]:
    """The project's latest completed interviews (for checks and corrections)."""
    return (
        Interview.objects.filter(case__project=project, status=Interview.Status.COMPLETE)
        .select_related("case", "case__respondent", "interviewer")
        .order_by("-completed_at", "-pk")[:limit]
    )


def supervised_projects(*, user: Any) -> QuerySet[SurveyProject]:
    """Projects in fieldwork the user is staffed on as a supervisor."""
    return SurveyProject.objects.filter(
        staff__user=user,
        staff__role=ProjectStaff.StaffRole.SUPERVISOR,
        status=SurveyProject.Status.FIELDWORK,
    ).order_by("code")
