"""Survey pages of the office: a project's settings (`project_create`, `project_edit`), its hub
(`project_detail`, a checklist of the steps with links to each area's page), the
questionnaire builder (`questionnaire`, `question_add`, `question_edit`, `question_delete`,
`question_move`, `questionnaire_new_version`), option sets (`option_sets`,
`option_set_create`) and the start of fieldwork (`project_start`). Everyone but the office
gets 404, as does anything outside the office's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.org.models import Unit
from kaoping.org.permissions import SURVEY_OFFICE_ROLES, roles_required
from kaoping.surveys import project_selectors, selectors
from kaoping.surveys.forms import (
    OptionSetForm,
    ProjectForm,
    QuestionForm,
    QuestionnaireForm,
    project_initial,
    question_initial,
)
from kaoping.surveys.models import Question, Questionnaire, RespondentGroup, SurveyProject
from kaoping.surveys.services import projects as services

STATUS_COLOURS = {"draft": "secondary", "fieldwork": "primary", "closed": "dark"}


def link(name: str, *args: Any) -> str | None:
    """The URL of `surveys:<name>`, or None while that page does not exist yet."""
    try:
        return reverse(f"surveys:{name}", args=args)
    except NoReverseMatch:
        return None


def _appraisable(plans: Any) -> list[Unit]:
    units: dict[int, Unit] = {}
    for plan in plans:
        for unit in services.appraisable_units(plan=plan):
            units.setdefault(unit.pk, unit)
    return list(units.values())


# --- projects -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def project_create(request: HttpRequest) -> HttpResponse:
    """Open a new survey of one of the office's plans."""
    plans = project_selectors.office_plans(user=request.user)
    units = _appraisable(plans)
    initial: dict[str, Any] = {}
    if len(plans) == 1:
        initial = {"plan": plans[0].pk, "units": [str(u.pk) for u in units]}
    form = ProjectForm(request.POST or None, plans=plans, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                actor=request.user,
                plan=form.cleaned_data["plan"],
                code=form.cleaned_data["code"],
                settings=form.settings(),
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The survey was created. Now build its questionnaire."))
            return redirect("surveys:project_detail", pk=project.pk)
    return render(
        request,
        "surveys/project_form.html",
        {"form": form, "project": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a project's settings (after fieldwork starts: name and retention only)."""
    project = selectors.access_project(user=request.user, pk=pk)
    plans = project_selectors.office_plans(user=request.user).filter(pk=project.plan_id)
    form = ProjectForm(
        request.POST or None,
        plans=plans,
        units=services.appraisable_units(plan=project.plan),
        project=project,
        initial=project_initial(project),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                actor=request.user,
                project=project,
                settings=form.settings(),
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("surveys:project_detail", pk=project.pk)
    return render(
        request,
        "surveys/project_form.html",
        {"form": form, "project": project},
        status=400 if form.errors else 200,
    )


@dataclass
class Step:
    """One line of the hub's checklist."""

    title: str
    detail: str
    url: str | None
    done: bool
    icon: str


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's hub: status, key figures and the steps from questionnaire to results."""
    project = selectors.access_project(user=request.user, pk=pk)
    hub = project_selectors.project_hub(project=project)
    questionnaire = hub.questionnaire
    steps = [
        Step(
            gettext_lazy("Questionnaire"),
            (
                _("%(n)d questions · version %(v)d")
                % {"n": hub.question_count, "v": questionnaire.version}
                + (" · " + _("locked") if hub.locked else "")
            )
            if questionnaire
            else _("not started"),
            link("questionnaire", project.pk),
            hub.question_count > 0,
            "ui-checks",
        ),
        Step(
            gettext_lazy("Respondent lists"),
            " · ".join(f"{g} {n}" for g, n in hub.respondents_by_group)
            or _("no list imported yet"),
            link("frames", project.pk),
            hub.respondent_total > 0,
            "people",
        ),
        Step(
            gettext_lazy("Sample draw"),
            _("%(selected)d drawn, %(reserve)d in reserve · seed %(seed)s")
            % {"selected": hub.selected_cases, "reserve": hub.reserve_cases, "seed": hub.draw.seed}
            if hub.draw
            else _("not drawn yet"),
            link("sample", project.pk) if hub.draw else link("draw", project.pk),
            hub.draw is not None and hub.selected_cases > 0,
            "shuffle",
        ),
        Step(
            gettext_lazy("Interviewers and supervisors"),
            _("%(i)d interviewers, %(s)d supervisors")
            % {"i": hub.interviewers, "s": hub.supervisors},
            link("staff", project.pk),
            hub.interviewers > 0,
            "headset",
        ),
        Step(
            gettext_lazy("Fieldwork"),
            _("%(done)d of %(total)d cases completed")
            % {"done": hub.completed_cases, "total": hub.selected_cases}
            if project.status != SurveyProject.Status.DRAFT
            else _("not started"),
            link("supervise", project.pk),
            project.status == SurveyProject.Status.CLOSED,
            "telephone-outbound",
        ),
        Step(
            gettext_lazy("Results"),
            _("frozen for %d units") % hub.results
            if project.status == SurveyProject.Status.CLOSED
            else _("computed from the interviews so far"),
            link("results", project.pk),
            project.status == SurveyProject.Status.CLOSED,
            "bar-chart",
        ),
    ]
    return render(
        request,
        "surveys/project_detail.html",
        {
            "project": project,
            "hub": hub,
            "steps": steps,
            "units": project.units.order_by("path"),
            "status_colours": STATUS_COLOURS,
            "close_url": link("project_close", project.pk),
            "is_draft": project.status == SurveyProject.Status.DRAFT,
            "in_fieldwork": project.status == SurveyProject.Status.FIELDWORK,
        },
    )


@require_POST
@roles_required(SURVEY_OFFICE_ROLES)
def project_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start fieldwork (a second submission only says it has started)."""
    project = selectors.access_project(user=request.user, pk=pk)
    try:
        services.project_start_fieldwork(project=project, actor=request.user)
    except ApplicationError as exc:
        messages.warning(request, str(exc.message))
    else:
        messages.success(
            request, _("Fieldwork has started; the questionnaire is locked for the interviews.")
        )
    return redirect("surveys:project_detail", pk=project.pk)


# --- questionnaire ----------------------------------------------------------------------------
def _questionnaire_page(
    request: HttpRequest,
    project: SurveyProject,
    questionnaire: Questionnaire | None,
    *,
    form: QuestionnaireForm | None = None,
    status: int = 200,
) -> HttpResponse:
    questions = (
        project_selectors.questionnaire_questions(questionnaire=questionnaire)
        if questionnaire
        else []
    )
    labels = dict(RespondentGroup.choices)
    for question in questions:
        question.group_labels = [str(labels.get(g, g)) for g in question.groups]  # type: ignore[attr-defined]
    versions = list(project.questionnaires.order_by("-version"))
    if form is None and questionnaire is not None:
        form = QuestionnaireForm(
            initial={
                "title": questionnaire.title,
                "introduction": questionnaire.introduction,
                "version": questionnaire.row_version,
            }
        )
    return render(
        request,
        "surveys/questionnaire.html",
        {
            "project": project,
            "questionnaire": questionnaire,
            "questions": questions,
            "versions": versions,
            "form": form,
            "editable": questionnaire is not None and questionnaire.locked_at is None,
            "can_new_version": project.status == SurveyProject.Status.DRAFT
            and questionnaire is not None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    """The questionnaire builder: title, introduction and the questions in order."""
    project = selectors.access_project(user=request.user, pk=pk)
    current = project_selectors.current_questionnaire(project=project)
    if request.method == "POST" and current is not None:
        form = QuestionnaireForm(request.POST)
        if form.is_valid():
            try:
                services.questionnaire_update(
                    actor=request.user,
                    questionnaire=current,
                    title=form.cleaned_data["title"],
                    introduction=form.cleaned_data["introduction"],
                    expected_version=form.cleaned_data["version"],
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The questionnaire was saved."))
                return redirect("surveys:questionnaire", pk=project.pk)
        return _questionnaire_page(request, project, current, form=form, status=400)
    return _questionnaire_page(request, project, current)


@require_POST
@roles_required(SURVEY_OFFICE_ROLES)
def questionnaire_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy the current questionnaire into a new version."""
    project = selectors.access_project(user=request.user, pk=pk)
    try:
        copy = services.questionnaire_new_version(project=project, actor=request.user)
    except ApplicationError as exc:
        messages.warning(request, str(exc.message))
    else:
        messages.success(request, _("Version %d was created as a copy.") % copy.version)
    return redirect("surveys:questionnaire", pk=project.pk)


def _question_page(
    request: HttpRequest,
    project: SurveyProject,
    questionnaire: Questionnaire,
    form: QuestionForm,
    question: Question | None,
) -> HttpResponse:
    return render(
        request,
        "surveys/question_form.html",
        {
            "project": project,
            "questionnaire": questionnaire,
            "form": form,
            "question": question,
            "earlier": [(q, services.question_labels(q)) for q in form.earlier],
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Append a question to the current questionnaire version."""
    project = selectors.access_project(user=request.user, pk=pk)
    current = project_selectors.current_questionnaire(project=project)
    if current is None or current.locked_at is not None:
        messages.warning(request, _("The questionnaire is locked: fieldwork was started with it."))
        return redirect("surveys:questionnaire", pk=project.pk)
    form = QuestionForm(request.POST or None, questionnaire=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(
                actor=request.user, questionnaire=current, data=form.question_input()
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The question was added."))
            if "another" in request.POST:
                return redirect("surveys:question_add", pk=project.pk)
            return redirect("surveys:questionnaire", pk=project.pk)
    return _question_page(request, project, current, form, None)


@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a question of the current, unlocked questionnaire."""
    question = project_selectors.access_question(user=request.user, pk=pk)
    questionnaire = question.questionnaire
    project = questionnaire.project
    if questionnaire.locked_at is not None:
        messages.warning(request, _("The questionnaire is locked: fieldwork was started with it."))
        return redirect("surveys:questionnaire", pk=project.pk)
    form = QuestionForm(
        request.POST or None,
        questionnaire=questionnaire,
        question=question,
        initial=question_initial(question),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                actor=request.user,
                question=question,
                data=form.question_input(),
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The question was saved."))
            return redirect("surveys:questionnaire", pk=project.pk)
    return _question_page(request, project, questionnaire, form, question)


@require_POST
@roles_required(SURVEY_OFFICE_ROLES)
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a question of the current, unlocked questionnaire."""
    question = project_selectors.access_question(user=request.user, pk=pk)
    project_pk = question.questionnaire.project_id
    try:
        services.question_delete(actor=request.user, question=question)
    except ApplicationError as exc:
        messages.warning(request, str(exc.message))
    else:
        messages.success(request, _("The question was removed."))
    return redirect("surveys:questionnaire", pk=project_pk)


@require_POST
@roles_required(SURVEY_OFFICE_ROLES)
def question_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a question one place up or down."""
    question = project_selectors.access_question(user=request.user, pk=pk)
    project_pk = question.questionnaire.project_id
    try:
        services.question_move(
            actor=request.user, question=question, up=request.POST.get("direction") != "down"
        )
    except ApplicationError as exc:
        messages.warning(request, str(exc.message))
    return redirect("surveys:questionnaire", pk=project_pk)


# --- option sets ------------------------------------------------------------------------------
@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def option_sets(request: HttpRequest) -> HttpResponse:
    """The preset and custom option sets with their scores."""
    sets = project_selectors.option_sets_for_user(user=request.user)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Option sets"),
            headers=[_("Option set"), _("Kind"), _("Answer"), _("Score"), _("Used by questions")],
            rows=[
                [
                    s.name,
                    _("Preset") if s.code in services.PRESET_OPTION_SETS else _("Custom"),
                    label,
                    score,
                    s.used,
                ]
                for s in sets
                for label, score in s.options
            ],
            what="surveys.option_sets",
        )
    return render(
        request,
        "surveys/option_sets.html",
        {"option_sets": sets, "presets": services.PRESET_OPTION_SETS},
    )


@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def option_set_create(request: HttpRequest) -> HttpResponse:
    """A custom option set: answers from the best to the worst with their scores."""
    form = OptionSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.option_set_create(
                actor=request.user, name=form.cleaned_data["name"], options=form.options()
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The option set was created."))
            return redirect("surveys:option_sets")
    return render(
        request,
        "surveys/option_set_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("new/", project_create, name="project_create"),
    path("<int:pk>/", project_detail, name="project_detail"),
    path("<int:pk>/edit/", project_edit, name="project_edit"),
    path("<int:pk>/start/", project_start, name="project_start"),
    path("<int:pk>/questionnaire/", questionnaire, name="questionnaire"),
    path(
        "<int:pk>/questionnaire/new-version/",
        questionnaire_new_version,
        name="questionnaire_new_version",
    ),
    path("<int:pk>/questions/add/", question_add, name="question_add"),
    path("questions/<int:pk>/", question_edit, name="question_edit"),
    path("questions/<int:pk>/delete/", question_delete, name="question_delete"),
    path("questions/<int:pk>/move/", question_move, name="question_move"),
    path("option-sets/", option_sets, name="option_sets"),
    path("option-sets/new/", option_set_create, name="option_set_create"),
]
