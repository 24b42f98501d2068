"""Indicator catalogue, indicator detail and the office's plan editor.

Views parse input, check the role, call one selector or service and render. Reads outside
the user's scope answer 404; writes go through plans.services, whose ApplicationError is
shown in the form (a ConflictError keeps the user's input so nothing typed is lost).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError, ConflictError
from kaoping.org.models import Role
from kaoping.org.permissions import CATALOGUE_ROLES, PLAN_EDITOR_ROLES, roles_required
from kaoping.org.scopes import data_scope
from kaoping.org.selectors import units_for_user
from kaoping.plans import selectors, services
from kaoping.plans.catalogue import CatalogueFilters, catalogue_for, owner_lines, tree_order
from kaoping.plans.forms import (
    AssignmentForm,
    DeleteForm,
    GradeRuleFormSet,
    IndicatorForm,
    PlanCreateForm,
    PlanSettingsForm,
    PublishForm,
    grade_rule_initial,
)
from kaoping.plans.models import Indicator, Plan
from kaoping.plans.scoring_params import RULE_PARAMS, explain, param_rows

READ_WRITE = require_http_methods(["GET", "POST"])


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _form_error(form: Any, exc: ApplicationError) -> None:
    """Show a service's refusal on the form; a conflict also says the input is kept."""
    if isinstance(exc, ConflictError):
        form.add_error(
            None, _("%(message)s Your input is still in the form below.") % {"message": exc.message}
        )
    else:
        form.add_error(None, str(exc.message))


def _manages(user: Any, plan: Plan) -> bool:
    """Whether the user is an office member whose scope owns the plan."""
    scope = data_scope(user)
    return user.has_role(Role.OFFICE) and (scope.everything or plan.owner_id in scope.unit_ids)


def _read_only(request: HttpRequest, plan: Plan) -> HttpResponse | None:
    """A published plan cannot change: say so and go back to the plan."""
    if plan.status == Plan.Status.DRAFT:
        return None
    messages.warning(
        request,
        _("This plan is published and read-only. Changing its rules needs a new plan version."),
    )
    return redirect("plans:plan_detail", pk=plan.pk)


# --- catalogue and indicator pages ---------------------------------------------------------
@require_safe
@roles_required(CATALOGUE_ROLES)
def catalogue(request: HttpRequest) -> HttpResponse:
    """The indicator tree of a plan with filters and owners."""
    plans = list(selectors.plans_for_user(user=request.user))
    plan_id = _int_or_none(request.GET.get("plan"))
    plan = next((p for p in plans if p.pk == plan_id), None)
    if plan is None and plans:
        plan = sorted(plans, key=lambda p: (-p.cycle.year, p.kind, p.code))[0]
    category = request.GET.get("category", "")
    source = request.GET.get("source", "")
    filters = CatalogueFilters(
        category=category if category in Indicator.Category.values else "",
        source_level=source if source in Indicator.SourceLevel.values else "",
        query=request.GET.get("q", "").strip()[:100],
        lead_unit_id=_int_or_none(request.GET.get("unit")),
    )
    result = catalogue_for(user=request.user, plan=plan, filters=filters) if plan else None
    fmt = table_exports.requested_format(request)
    if fmt and plan is not None and result is not None:
        return _catalogue_export(request, plan, result.rows, fmt)
    return render(
        request,
        "plans/catalogue.html",
        {
            "plans": plans,
            "plan": plan,
            "catalogue": result,
            "filters": filters,
            "categories": Indicator.Category.choices,
            "sources": Indicator.SourceLevel.choices,
            "can_manage": plan is not None and _manages(request.user, plan),
        },
    )


@require_safe
@roles_required(CATALOGUE_ROLES)
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One indicator: its attributes, rule in words, children, owners and unit targets."""
    indicator = selectors.access_indicator(user=request.user, pk=pk)
    assignments = selectors.indicator_assignments(user=request.user, indicator=indicator)
    return render(
        request,
        "plans/indicator_detail.html",
        {
            "indicator": indicator,
            "plan": indicator.plan,
            "ancestors": selectors.indicator_ancestors(indicator=indicator),
            "owners": owner_lines(user=request.user, assignments=assignments),
            "children": indicator.children.order_by("order", "code"),
            "unit_targets": selectors.indicator_unit_targets(
                user=request.user, indicator=indicator
            ),
            "rule_text": explain(
                indicator.scoring_rule, indicator.scoring_params, indicator.points
            ),
            "rule_params": param_rows(indicator.scoring_rule, indicator.scoring_params),
            "can_manage": _manages(request.user, indicator.plan),
        },
    )


# --- the office's plan editor --------------------------------------------------------------
@require_safe
@roles_required(PLAN_EDITOR_ROLES)
def plan_list(request: HttpRequest) -> HttpResponse:
    """The office's plans by cycle, with their status and size."""
    plans = selectors.office_plans(user=request.user)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Plans"),
            headers=[
                _("Cycle"),
                _("Code"),
                _("Plan"),
                _("Owner"),
                _("Kind"),
                _("Indicators"),
                _("Weight of indicators"),
                _("Weight of public appraisal"),
                _("Weight of leader evaluation"),
                _("Status"),
                _("Updated"),
            ],
            rows=[
                [
                    str(p.cycle),
                    p.code,
                    p.name,
                    p.owner.name,
                    p.get_kind_display(),
                    p.indicator_count,
                    p.weight_indicators,
                    p.weight_public,
                    p.weight_leader,
                    p.get_status_display(),
                    p.updated_at,
                ]
                for p in plans
            ],
            what="plans.plans",
        )
    return render(request, "plans/plan_list.html", {"plans": plans})


def _catalogue_export(request: HttpRequest, plan: Plan, rows: list[Any], fmt: str) -> HttpResponse:
    """The catalogue as shown (same selector, same filters), every indicator, as a file.

    Names of the responsible people only, never their phone numbers."""
    data = []
    for row in rows:
        ind = row.indicator
        assignments = [owner.assignment for owner in row.owners]
        data.append(
            [
                ind.code,
                ind.name,
                row.depth,
                ind.get_kind_display() if row.depth else ind.get_category_display(),
                ind.get_source_level_display(),
                ind.target if ind.target is not None else ind.target_text,
                ind.unit_of_measure,
                ind.points,
                ind.get_scoring_rule_display() if row.depth or not row.has_children else "",
                "" if row.has_children else ind.get_frequency_display(),
                "; ".join(a.lead_unit.name for a in assignments),
                "; ".join(a.responsible_leader.name for a in assignments if a.responsible_leader),
                "; ".join(a.responsible_person.name for a in assignments if a.responsible_person),
                row.matched,
            ]
        )
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=plan.name,
        headers=[
            _("Code"),
            _("Indicator"),
            _("Level"),
            _("Kind"),
            _("Source level"),
            _("Target"),
            _("Unit of measure"),
            _("Points"),
            _("Scoring rule"),
            _("Frequency"),
            _("Lead unit"),
            _("Responsible leader"),
            _("Responsible person"),
            _("Matches the filters"),
        ],
        rows=data,
        what=f"plans.catalogue:{plan.pk}",
    )


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def plan_create(request: HttpRequest) -> HttpResponse:
    """Start a draft plan for a cycle."""
    owners = units_for_user(user=request.user).exclude(kind="department")
    form = PlanCreateForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_draft_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("The draft plan “%(name)s” was created.") % {"name": plan.name}
            )
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(request, "plans/plan_create.html", {"form": form})


@require_safe
@roles_required(PLAN_EDITOR_ROLES)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's settings and its indicator tree with the editing actions."""
    plan = selectors.access_office_plan(user=request.user, pk=pk)
    indicators = list(selectors.plan_indicators(plan=plan))
    parents = {i.parent_id for i in indicators if i.parent_id}
    tree = [
        {"indicator": i, "depth": d, "has_children": i.pk in parents}
        for i, d in tree_order(indicators)
    ]
    top_points = sum((i.points for i in indicators if i.parent_id is None), start=0)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "tree": tree,
            "editable": plan.status == Plan.Status.DRAFT,
            "top_points": top_points,
            "publish_form": PublishForm(initial={"row_version": plan.row_version}),
        },
    )


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft plan's weights, grade rules and missing-component policy."""
    plan = selectors.access_office_plan(user=request.user, pk=pk)
    if (stop := _read_only(request, plan)) is not None:
        return stop
    initial = {
        name: getattr(plan, name)
        for name in (
            "name",
            "description",
            "weight_indicators",
            "weight_public",
            "weight_leader",
            "missing_component",
            "points_total",
        )
    }
    for name in ("weight_indicators", "weight_public", "weight_leader", "points_total"):
        if initial[name] is not None:  # 0.6000 → 0.6 in the form
            initial[name] = initial[name].normalize()
    form = PlanSettingsForm(
        request.POST or None, initial={**initial, "row_version": plan.row_version}
    )
    # Bound without `initial`: a row equal to its initial value must still count as filled.
    grades = (
        GradeRuleFormSet(request.POST, prefix="grade")
        if request.method == "POST"
        else GradeRuleFormSet(prefix="grade", initial=grade_rule_initial(plan))
    )
    if request.method == "POST" and form.is_valid() & grades.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("row_version")
        try:
            services.plan_update(
                actor=request.user,
                plan=plan,
                expected_version=version,
                grade_rules=grades.rules(),  # type: ignore[attr-defined]
                **data,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The plan settings were saved."))
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(request, "plans/plan_edit.html", {"plan": plan, "form": form, "grades": grades})


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then publish a draft plan (its rules freeze)."""
    plan = selectors.access_office_plan(user=request.user, pk=pk)
    if (stop := _read_only(request, plan)) is not None:
        return stop
    form = PublishForm(request.POST or None, initial={"row_version": plan.row_version})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_publish(
                actor=request.user, plan=plan, expected_version=form.cleaned_data["row_version"]
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The plan “%(name)s” is published.") % {"name": plan.name})
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(
        request,
        "plans/plan_publish.html",
        {"plan": plan, "form": form, "indicator_count": getattr(plan, "indicator_count", 0)},
    )


def _indicator_page(
    request: HttpRequest, form: IndicatorForm, plan: Plan, indicator: Indicator | None
) -> HttpResponse:
    return render(
        request,
        "plans/indicator_form.html",
        {
            "form": form,
            "plan": plan,
            "indicator": indicator,
            "rule_params": {
                rule: [
                    {
                        "key": p.key,
                        "label": str(p.label),
                        "default": str(p.default) if p.default is not None else "",
                        "required": p.required,
                    }
                    for p in specs
                ]
                for rule, specs in RULE_PARAMS.items()
            },
        },
    )


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def indicator_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an indicator to a draft plan (under `?parent=` when given)."""
    plan = selectors.access_office_plan(user=request.user, pk=pk)
    if (stop := _read_only(request, plan)) is not None:
        return stop
    initial: dict[str, Any] = {}
    parent_id = _int_or_none(request.GET.get("parent"))
    parent = plan.indicators.filter(pk=parent_id).first() if parent_id else None
    if parent is not None:
        initial = {
            "parent": parent.pk,
            "category": parent.category,
            "source_level": parent.source_level,
            "frequency": parent.frequency,
        }
    form = IndicatorForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(
                actor=request.user,
                plan=plan,
                code=form.cleaned_data["code"],
                parent=form.cleaned_data["parent"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        except ValidationError as exc:  # the model's own checks, run by the service
            form.add_error(None, "; ".join(exc.messages))
        else:
            messages.success(request, _("Indicator %(code)s was added.") % {"code": indicator.code})
            return redirect("plans:plan_detail", pk=plan.pk)
    return _indicator_page(request, form, plan, None)


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit every attribute of an indicator of a draft plan, or move it under another."""
    indicator = selectors.access_office_indicator(user=request.user, pk=pk)
    plan = indicator.plan
    if (stop := _read_only(request, plan)) is not None:
        return stop
    form = IndicatorForm(
        request.POST or None,
        plan=plan,
        instance=indicator,
        initial=IndicatorForm.initial_for(indicator),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(
                actor=request.user,
                indicator=indicator,
                expected_version=form.cleaned_data["row_version"],
                parent=form.cleaned_data["parent"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            messages.success(request, _("Indicator %(code)s was saved.") % {"code": indicator.code})
            return redirect("plans:plan_detail", pk=plan.pk)
    return _indicator_page(request, form, plan, indicator)


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete an indicator and its sub-indicators from a draft plan."""
    indicator = selectors.access_office_indicator(user=request.user, pk=pk)
    plan = indicator.plan
    if (stop := _read_only(request, plan)) is not None:
        return stop
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_delete(
                actor=request.user, indicator=indicator, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Indicator %(code)s was deleted.") % {"code": indicator.code}
            )
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(
        request,
        "plans/indicator_delete.html",
        {
            "form": form,
            "plan": plan,
            "indicator": indicator,
            "descendants": selectors.indicator_descendant_count(indicator=indicator),
        },
    )


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign an indicator to a lead unit with its leader, person and supporting units."""
    indicator = selectors.access_office_indicator(user=request.user, pk=pk)
    plan = indicator.plan
    if (stop := _read_only(request, plan)) is not None:
        return stop
    form = AssignmentForm(
        request.POST or None,
        units=selectors.plan_units(plan=plan),
        persons=selectors.plan_persons(plan=plan),
        indicator=indicator,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_upsert(
                actor=request.user, indicator=indicator, **form.service_fields()
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The assignment was saved."))
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(
        request,
        "plans/assignment_form.html",
        {"form": form, "plan": plan, "indicator": indicator, "assignment": None},
    )


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change who answers for an indicator."""
    assignment = selectors.access_office_assignment(user=request.user, pk=pk)
    plan = assignment.indicator.plan
    if (stop := _read_only(request, plan)) is not None:
        return stop
    form = AssignmentForm(
        request.POST or None,
        units=selectors.plan_units(plan=plan),
        persons=selectors.plan_persons(plan=plan),
        indicator=assignment.indicator,
        assignment=assignment,
        initial=AssignmentForm.initial_for(assignment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_update(
                actor=request.user,
                assignment=assignment,
                expected_version=form.cleaned_data["row_version"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The assignment was saved."))
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(
        request,
        "plans/assignment_form.html",
        {"form": form, "plan": plan, "indicator": assignment.indicator, "assignment": assignment},
    )


@READ_WRITE
@roles_required(PLAN_EDITOR_ROLES)
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove an assignment."""
    assignment = selectors.access_office_assignment(user=request.user, pk=pk)
    plan = assignment.indicator.plan
    if (stop := _read_only(request, plan)) is not None:
        return stop
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_delete(
                actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The assignment was removed."))
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(
        request,
        "plans/assignment_delete.html",
        {"form": form, "plan": plan, "assignment": assignment},
    )
