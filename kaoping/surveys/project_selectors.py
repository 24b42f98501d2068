"""Reads of the survey project pages: the office's plans, questions in scope, option sets and
the figures of a project's hub (its checklist of steps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from kaoping.org.scopes import data_scope
from kaoping.plans.models import Plan
from kaoping.surveys.models import (
    Case,
    OptionSet,
    ProjectStaff,
    Question,
    Questionnaire,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
    SurveyResult,
)
from kaoping.surveys.services.projects import PRESET_OPTION_SETS, fieldwork_missing


def office_plans(*, user: Any) -> QuerySet[Plan]:
    """Plans owned by a unit in the office's own scope (not merely an ancestor's)."""
    qs = Plan.objects.for_user(user).select_related("cycle", "owner")
    scope = data_scope(user)
    if not scope.everything:
        qs = qs.filter(owner_id__in=scope.unit_ids)
    return qs.order_by("-cycle__year", "code")


def access_question(*, user: Any, pk: int) -> Question:
    """A question the user may read, or 404."""
    try:
        return (
            Question.objects.for_user(user)
            .select_related("questionnaire", "questionnaire__project", "option_set")
            .get(pk=pk)
        )
    except Question.DoesNotExist:
        raise Http404 from None


def current_questionnaire(*, project: SurveyProject) -> Questionnaire | None:
    """The newest questionnaire version, or None."""
    return project.questionnaires.order_by("-version").first()


def questionnaire_questions(*, questionnaire: Questionnaire) -> list[Question]:
    """The questions in order, with their option sets and skip-logic parents."""
    return list(
        questionnaire.questions.select_related("option_set", "show_if_question").order_by("number")
    )


def option_sets_for_user(*, user: Any) -> list[OptionSet]:
    """Presets first, then the custom sets, each with how many questions use it."""
    sets = list(OptionSet.objects.for_user(user).annotate(used=Count("questions")))
    return sorted(sets, key=lambda s: (s.code not in PRESET_OPTION_SETS, s.name))


@dataclass
class ProjectHub:
    """The figures of a project's hub page."""

    questionnaire: Questionnaire | None
    question_count: int
    respondents_by_group: list[tuple[str, int]]
    respondent_total: int
    draw: SampleDraw | None
    selected_cases: int
    reserve_cases: int
    interviewers: int
    supervisors: int
    completed_cases: int
    results: int
    missing: list[str] = field(default_factory=list)

    @property
    def locked(self) -> bool:
        return self.questionnaire is not None and self.questionnaire.locked_at is not None


def project_hub(*, project: SurveyProject) -> ProjectHub:
    """What has been prepared and done for a project, for its checklist."""
    questionnaire = current_questionnaire(project=project)
    labels = dict(RespondentGroup.choices)
    counts = dict(
        Respondent.objects.filter(project=project)
        .values_list("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )
    by_group = [(str(labels[g]), counts[g]) for g in RespondentGroup.values if counts.get(g)]
    draw = SampleDraw.objects.filter(project=project, superseded_at__isnull=True).first()
    cases = Case.objects.filter(draw=draw) if draw else Case.objects.none()
    staff = dict(
        ProjectStaff.objects.filter(project=project)
        .values_list("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    return ProjectHub(
        questionnaire=questionnaire,
        question_count=questionnaire.questions.count() if questionnaire else 0,
        respondents_by_group=by_group,
        respondent_total=sum(counts.values()),
        draw=draw,
        selected_cases=cases.filter(is_reserve=False).count(),
        reserve_cases=cases.filter(is_reserve=True).count(),
        interviewers=staff.get(ProjectStaff.StaffRole.INTERVIEWER, 0),
        supervisors=staff.get(ProjectStaff.StaffRole.SUPERVISOR, 0),
        completed_cases=cases.filter(status=Case.Status.COMPLETED).count(),
        results=SurveyResult.objects.filter(project=project).count(),
        missing=fieldwork_missing(project) if project.status == SurveyProject.Status.DRAFT else [],
    )
