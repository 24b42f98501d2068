"""Survey pages: the sample draw (office only).

`draw` (project pk): the frame per stratum, the sample-size calculator, a preview of what a
seed draws (GET, saves nothing), recording the draw (POST, with a confirmation and, for a
redraw, a reason) and the history of draws. `sample` (project pk): the draw in force, per
stratum the selected respondents and the reserves in drawn order, masked, with their cases'
status. Everyone but the office of the project's plan gets 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from kaoping.appraisal import survey_calculations as calc
from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.core.forms import BootstrapFormMixin
from kaoping.org.permissions import SURVEY_OFFICE_ROLES, roles_required
from kaoping.surveys import selectors
from kaoping.surveys.models import Case, SampleDraw, SurveyProject, stratum_label
from kaoping.surveys.services import sampling

STATUS_COLOURS: dict[str, str] = {
    Case.Status.RESERVE: "light",
    Case.Status.OPEN: "primary",
    Case.Status.CALLBACK: "info",
    Case.Status.COMPLETED: "success",
    Case.Status.FINAL_NONRESPONSE: "secondary",
    Case.Status.REPLACED: "warning",
}


class DrawForm(BootstrapFormMixin, forms.Form):
    """The parameters of a draw; blank seed: one is generated, blank total: the recommended
    size."""

    seed = forms.IntegerField(
        label=gettext_lazy("Seed"),
        required=False,
        min_value=0,
        max_value=sampling.SEED_LIMIT - 1,
        help_text=gettext_lazy("Leave blank to have a random seed generated and recorded."),
    )
    total = forms.IntegerField(
        label=gettext_lazy("Respondents to draw"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "From the lists drawn at random; blank: the recommended sample size."
        ),
    )
    minimum = forms.IntegerField(
        label=gettext_lazy("Minimum per stratum"), required=False, min_value=0, initial=0
    )
    ratio = forms.DecimalField(
        label=gettext_lazy("Reserves per selected respondent"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(int(sampling.MAX_RESERVE_RATIO)),
        decimal_places=2,
        initial=Decimal("1.0"),
    )


class RecordForm(DrawForm):
    """Recording a draw: the parameters previewed, a confirmation and, to redraw, a reason."""

    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked the preview: record this draw."),
        required=True,
        error_messages={"required": gettext_lazy("Confirm that the draw is to be recorded.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the redraw"), required=False, max_length=500
    )
    seen_current = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class SampleSizeForm(BootstrapFormMixin, forms.Form):
    """The sample-size calculator's inputs."""

    margin = forms.DecimalField(
        label=gettext_lazy("Margin of error"),
        min_value=Decimal("0.001"),
        max_value=Decimal("0.999"),
        decimal_places=3,
    )
    confidence = forms.DecimalField(
        label=gettext_lazy("Confidence level"),
        min_value=Decimal("0.5"),
        max_value=Decimal("0.999"),
        decimal_places=3,
    )
    population = forms.IntegerField(
        label=gettext_lazy("Population (N)"), required=False, min_value=1
    )


def _project_url(project: SurveyProject) -> str:
    """The project's hub page (the projects area's), or the project list before it exists."""
    try:
        return reverse("surveys:project_detail", args=[project.pk])
    except NoReverseMatch:
        return reverse("surveys:project_list")


def _draw_parameters(form: DrawForm) -> dict[str, Any]:
    data = form.cleaned_data
    ratio = data.get("ratio")
    return {
        "seed": data.get("seed"),
        "total": data.get("total"),
        "minimum": data.get("minimum") or 0,
        "reserve_ratio": float(ratio) if ratio is not None else 1.0,
    }


def _calculator(project: SurveyProject, request: HttpRequest, population: int) -> dict[str, Any]:
    """The calculator's form and result (the project's margin and confidence by default)."""
    initial = {
        "margin": project.margin_of_error,
        "confidence": project.confidence,
        "population": population or None,
    }
    asked = "margin" in request.GET
    form = SampleSizeForm(request.GET if asked else None, initial=initial)
    values = form.cleaned_data if asked and form.is_valid() else (None if asked else initial)
    result = None
    if values is not None:
        try:
            result = calc.sample_size(
                float(values["margin"]),
                confidence=float(values["confidence"]),
                population=values.get("population") or None,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
    return {"calc_form": form, "size": result}


def _strata_rows(
    plan_frame: sampling.SamplingFrame, draw: calc.Draw | None
) -> list[dict[str, Any]]:
    sizes = plan_frame.sizes
    weights = plan_frame.weights
    return [
        {
            "key": key,
            "label": stratum_label(key),
            "size": size,
            "weight": weights[key],
            "census": key in plan_frame.census,
            "selected": draw.allocation.get(key, 0) if draw else None,
            "reserves": len(draw.reserves.get(key, ())) if draw else None,
        }
        for key, size in sizes.items()
    ]


def _draw_page(
    request: HttpRequest,
    project: SurveyProject,
    *,
    record_form: RecordForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    frame = sampling.frame_entries(project)
    current = sampling.current_draw(project)
    if request.method == "POST":
        asked: Any = request.POST
    else:
        asked = request.GET if "preview" in request.GET else None
    previewing = asked is not None
    draw_form = DrawForm(asked)
    plan = None
    preview_error = ""
    seed_generated = False
    if previewing and draw_form.is_valid():
        params = _draw_parameters(draw_form)
        seed_generated = params["seed"] is None
        if seed_generated:
            params["seed"] = sampling.generate_seed()
        try:
            plan = sampling.draw_plan(project=project, **params)
        except ApplicationError as exc:
            preview_error = str(exc.message)
        if plan is not None and record_form is None:
            record_form = RecordForm(initial={"seen_current": current.pk if current else 0})
    history = [
        {"draw": d, "selected": sum(d.allocation.values())}
        for d in SampleDraw.objects.filter(project=project)
        .select_related("drawn_by")
        .order_by("-created_at", "-pk")
    ]
    return render(
        request,
        "surveys/draw.html",
        {
            "project": project,
            "project_url": _project_url(project),
            "frame": frame,
            "strata": _strata_rows(frame, plan.draw if plan else None),
            "respondent_count": len(frame.entries),
            "census_count": len(frame.entries) - frame.sampled_population,
            "sampled_population": frame.sampled_population,
            "current": current,
            "draw_form": draw_form,
            "plan": plan,
            "preview_error": preview_error,
            "seed_generated": seed_generated,
            "record_form": record_form,
            "can_draw": project.status == SurveyProject.Status.DRAFT,
            "history": history,
            "error": error,
            **_calculator(project, request, frame.sampled_population),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(SURVEY_OFFICE_ROLES)
def draw(request: HttpRequest, pk: int) -> HttpResponse:
    """The frame, the calculator, a preview (GET) and recording the draw (POST)."""
    project = selectors.access_project(user=request.user, pk=pk)
    if request.method == "GET":
        return _draw_page(request, project)
    form = RecordForm(request.POST)
    if not form.is_valid():
        return _draw_page(request, project, record_form=form, status=400)
    params = _draw_parameters(form)
    try:
        recorded = sampling.sample_draw(
            project=project,
            actor=request.user,
            reason=form.cleaned_data.get("reason") or "",
            seen_current=form.cleaned_data.get("seen_current"),
            **params,
        )
    except ApplicationError as exc:
        return _draw_page(
            request, project, record_form=form, error=str(exc.message), status=exc.status_code
        )
    messages.success(
        request,
        _("Draw no. %(id)d recorded with seed %(seed)d.")
        % {"id": recorded.pk, "seed": recorded.seed},
    )
    return redirect("surveys:sample", pk=project.pk)


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def sample(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw in force: per stratum the selected and the reserves in drawn order, masked."""
    project = selectors.access_project(user=request.user, pk=pk)
    current = sampling.current_draw(project)
    strata: list[dict[str, Any]] = []
    totals = {"selected": 0, "reserves": 0}
    if current is not None:
        cases = (
            Case.objects.filter(draw=current)
            .select_related("respondent", "interviewer")
            .order_by("stratum", "position")
        )
        by_stratum: dict[str, dict[str, Any]] = {}
        for case in cases:
            row = by_stratum.setdefault(
                case.stratum,
                {
                    "key": case.stratum,
                    "label": stratum_label(case.stratum),
                    "allocated": current.allocation.get(case.stratum, 0),
                    "census": case.stratum in current.parameters.get("census", []),
                    "selected": [],
                    "reserves": [],
                },
            )
            row["reserves" if case.is_reserve else "selected"].append(
                {"case": case, "colour": STATUS_COLOURS.get(case.status, "secondary")}
            )
        strata = [by_stratum[key] for key in sorted(by_stratum)]
        totals = {
            "selected": sum(len(s["selected"]) for s in strata),
            "reserves": sum(len(s["reserves"]) for s in strata),
        }
    fmt = table_exports.requested_format(request)
    if fmt:
        return _sample_export(request, project, strata, fmt)
    return render(
        request,
        "surveys/sample.html",
        {
            "project": project,
            "project_url": _project_url(project),
            "current": current,
            "strata": strata,
            "totals": totals,
        },
    )


def _sample_export(
    request: HttpRequest, project: SurveyProject, strata: list[dict[str, Any]], fmt: str
) -> HttpResponse:
    """The draw in force as shown: names and phone numbers masked, never in clear."""
    rows = [
        [
            str(s["label"]),
            row["case"].position + 1,
            row["case"].respondent.name_masked,
            row["case"].respondent.phone_masked,
            _("Reserve") if row["case"].is_reserve else _("Selected"),
            row["case"].get_status_display(),
            str(row["case"].interviewer) if row["case"].interviewer else "",
        ]
        for s in strata
        for row in [*s["selected"], *s["reserves"]]
    ]
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{project.code} {_('Sample')}",
        headers=[
            _("Stratum"),
            "#",
            _("Name"),
            _("Phone"),
            _("Drawn as"),
            _("Status"),
            _("Interviewer"),
        ],
        rows=rows,
        what=f"surveys.sample:{project.pk}",
    )


urlpatterns: list[URLPattern] = [
    path("<int:pk>/draw/", draw, name="draw"),
    path("<int:pk>/sample/", sample, name="sample"),
]
