"""Pages of the scoring app: runs, ranking tables, scorecards, comparison, the office's inputs
(vetoes, adjustments, tie decisions, component scores), accountability and Excel exports.

Views are thin: they check the role (roles_required answers 404 outside it), read through
kaoping.scoring.selectors (scope-filtered: drafts and what-ifs only for the office), call one
service for a write and render.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.org.models import Unit
from kaoping.org.permissions import (
    ACCOUNTABILITY_ROLES,
    SCORING_OFFICE_ROLES,
    SCORING_ROLES,
    roles_required,
)
from kaoping.plans.models import Indicator, Plan
from kaoping.scoring import exports, forms, services
from kaoping.scoring import selectors as reads
from kaoping.scoring.explanation_text import node_status_label, translate_explanation
from kaoping.scoring.inputs import current_official_run
from kaoping.scoring.models import ScoreRun, UnitResult
from kaoping.scoring.office_inputs import MAX_IMPORT_BYTES, plan_units, veto_conditions

COMPONENT_LABELS = {
    "indicators": gettext_lazy("Indicator assessment"),
    "public": gettext_lazy("Public appraisal"),
    "leader": gettext_lazy("Leader evaluation"),
}


# --- helpers ----------------------------------------------------------------------------------
def _choose_plan(request: HttpRequest) -> tuple[list[Plan], Plan | None]:
    plans = list(reads.plans_for_scoring(user=request.user))
    wanted = request.GET.get("plan") or request.POST.get("plan")
    if wanted:
        plan = next((p for p in plans if str(p.pk) == wanted), None)
        if plan is None:
            raise Http404
        return plans, plan
    county = [p for p in plans if p.kind == Plan.Kind.COUNTY]
    return plans, (county or plans or [None])[0]


def _office_plan(request: HttpRequest) -> tuple[list[Plan], Plan]:
    plans, plan = _choose_plan(request)
    if plan is None:
        raise Http404
    return plans, plan


def _deduction_url(pk: int) -> str:
    try:
        return reverse("inspections:deduction_detail", args=[pk])
    except NoReverseMatch:
        return ""


def _back(name: str, plan: Plan) -> HttpResponse:
    return redirect(f"{reverse(name)}?plan={plan.pk}")


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))


# --- runs ----------------------------------------------------------------------------
@require_safe
@roles_required(SCORING_ROLES)
def runs(request: HttpRequest) -> HttpResponse:
    """The plan's score runs: published results for everyone in scope; drafts and what-ifs,
    and the buttons to start them, for the office."""
    plans, plan = _choose_plan(request)
    office = reads.is_office(request.user)
    run_list = list(reads.runs_for_user(user=request.user, plan=plan)) if plan else []
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Score runs"),
            headers=[
                "#",
                _("Run"),
                _("Plan"),
                _("Status"),
                _("Figures as of"),
                _("Created"),
                _("Created by"),
                _("Published"),
                _("Published by"),
            ],
            rows=[
                [
                    r.pk,
                    r.label,
                    r.plan.name,
                    r.get_status_display(),
                    r.as_of_period,
                    r.created_at,
                    str(r.created_by) if r.created_by else "",
                    r.published_at,
                    str(r.published_by) if r.published_by else "",
                ]
                for r in run_list
            ],
            what="scoring.runs",
        )
    return render(
        request,
        "scoring/runs.html",
        {
            "plans": plans,
            "plan": plan,
            "runs": run_list,
            "office": office,
            "start_form": forms.RunStartForm() if office else None,
        },
    )


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def run_start(request: HttpRequest) -> HttpResponse:
    _plans, plan = _office_plan(request)
    form = forms.RunStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the period and label."))
        return _back("scoring:runs", plan)
    try:
        run = services.score_run_start(
            actor=request.user,
            plan=plan,
            as_of=form.cleaned_data["as_of"] or None,
            label=form.cleaned_data["label"],
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return _back("scoring:runs", plan)
    if run.status == ScoreRun.Status.FAILED:
        messages.error(request, _("The run failed: %(e)s") % {"e": run.error})
    else:
        messages.success(request, _("Run computed: check it, then publish it."))
    return redirect("scoring:run_detail", pk=run.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SCORING_OFFICE_ROLES)
def what_if(request: HttpRequest) -> HttpResponse:
    """Start a what-if run: weights, deductions or component scores changed."""
    plans, plan = _office_plan(request)
    base_runs = reads.runs_for_user(user=request.user, plan=plan).filter(
        status__in=[ScoreRun.Status.DONE, ScoreRun.Status.PUBLISHED]
    )
    initial: dict[str, Any] = {
        "weight_indicators": plan.weight_indicators,
        "weight_public": plan.weight_public,
        "weight_leader": plan.weight_leader,
    }
    based = request.GET.get("based_on")
    if based:
        initial["based_on"] = based
    form = forms.WhatIfForm(
        request.POST or None, request.FILES or None, runs=base_runs, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            overrides: dict[str, Any] = {}
            upload = data.get("file")
            if upload is not None:
                overrides.update(services.load_overrides(upload.read(1024 * 1024)))
            if data["settings"]:
                overrides.update(services.load_overrides(data["settings"]))
            weights = {
                "indicators": data["weight_indicators"],
                "public": data["weight_public"],
                "leader": data["weight_leader"],
            }
            current = {
                "indicators": plan.weight_indicators,
                "public": plan.weight_public,
                "leader": plan.weight_leader,
            }
            changed = {k: str(v) for k, v in weights.items() if v is not None and v != current[k]}
            if changed:
                overrides.setdefault("weights", {}).update(
                    {k: str(v if v is not None else current[k]) for k, v in weights.items()}
                )
            drop = [x.strip() for x in data["drop_deductions"].split(",") if x.strip()]
            if drop:
                try:
                    ids = [int(x) for x in drop]
                except ValueError:
                    raise ApplicationError(_("Deduction ids are whole numbers.")) from None
                overrides.setdefault("deductions", {}).setdefault("drop", []).extend(ids)
            run = services.what_if_run(
                actor=request.user,
                plan=plan,
                overrides=overrides,
                based_on=data["based_on"],
                label=data["label"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("scoring:run_detail", pk=run.pk)
    return render(request, "scoring/what_if.html", {"plans": plans, "plan": plan, "form": form})


@require_safe
@roles_required(SCORING_ROLES)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's ranking tables by group: score, grade, rank, veto, change, missing components."""
    run = reads.access_run(user=request.user, pk=pk)
    results = list(reads.results_for_user(user=request.user, run=run))
    fmt = table_exports.requested_format(request)
    if fmt:
        return _ranking_export(request, run, results, fmt)
    office = reads.is_office(request.user)
    tables = reads.ranking_tables(results)
    for n, table in enumerate(tables):
        if len(table.rows) > 1:
            table.chart = _ranking_chart(run, table.rows)
            table.chart_id = f"chart-group-{n}"
    return render(
        request,
        "scoring/run_detail.html",
        {
            "run": run,
            "tables": tables,
            "office": office,
            "publish_form": forms.PublishForm() if office else None,
            "current": current_official_run(run.plan) if office else None,
            "component_labels": COMPONENT_LABELS,
            "is_provincial": run.plan.kind == Plan.Kind.PROVINCIAL,
        },
    )


def _ranking_export(
    request: HttpRequest, run: ScoreRun, results: list[UnitResult], fmt: str
) -> HttpResponse:
    """The ranking as one table (group as a column), the rows the page shows."""
    headers = [
        _("Unit group"),
        _("Rank"),
        _("Unit code"),
        _("Unit"),
        _("Composite score"),
        _("Indicator assessment"),
        _("Public appraisal"),
        _("Leader evaluation"),
        _("Bonus"),
        _("Penalty"),
        _("Deductions"),
        _("Grade"),
        _("Vetoed"),
        _("Veto reason"),
        _("Change in score"),
        _("Change in rank"),
        _("Provincial points lost"),
        _("Missing components"),
    ]
    rows = [
        [
            r.group_name,
            r.rank,
            r.unit.code,
            r.unit.name,
            r.composite,
            r.indicators,
            r.public_appraisal,
            r.leader_evaluation,
            r.bonus,
            r.penalty,
            r.deductions,
            r.grade,
            r.vetoed,
            r.veto_reason,
            r.score_change,
            r.rank_change,
            r.points_lost,
            ", ".join(str(COMPONENT_LABELS.get(c, c)) for c in r.components_missing),
        ]
        for r in results
    ]
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{_('Ranking')}-{run.plan.code}-{run.pk}",
        headers=headers,
        rows=rows,
        what=f"scoring.ranking:{run.pk}",
    )


VETO_COLOUR, BAR_COLOUR = "#c62828", "#1d5fa8"


def _ranking_chart(run: ScoreRun, rows: list[Any]) -> dict[str, Any]:
    """ECharts options: the group's composite scores, best first; a click opens the
    unit's scorecard; vetoed units in red."""
    scored = [r for r in rows if r.composite is not None]
    return {
        "kpHeight": max(160, 22 * len(scored) + 60),
        "animation": False,
        "grid": {"left": 8, "right": 40, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {
            "type": "value",
            **({"max": 100} if all(r.composite <= 100 for r in scored) else {}),
        },
        "yAxis": {"type": "category", "inverse": True, "data": [r.unit.name for r in scored]},
        "series": [
            {
                "type": "bar",
                "name": str(_("Composite score")),
                "label": {"show": True, "position": "right"},
                "data": [
                    {
                        "value": float(round(r.composite, 2)),
                        "url": reverse("scoring:unit_scorecard", args=[run.pk, r.unit_id]),
                        "itemStyle": {"color": VETO_COLOUR if r.vetoed else BAR_COLOUR},
                    }
                    for r in scored
                ],
            }
        ],
    }


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = reads.access_run(user=request.user, pk=pk)
    form = forms.PublishForm(request.POST)
    form.is_valid()
    try:
        services.score_run_publish(
            actor=request.user, run=run, reason=form.cleaned_data.get("reason", "")
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Results published."))
    return redirect("scoring:run_detail", pk=run.pk)


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def run_delete(request: HttpRequest, pk: int) -> HttpResponse:
    run = reads.access_run(user=request.user, pk=pk)
    plan = run.plan
    try:
        services.score_run_delete(actor=request.user, run=run)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("scoring:run_detail", pk=run.pk)
    messages.success(request, _("Run deleted."))
    return _back("scoring:runs", plan)


@require_safe
@roles_required(SCORING_ROLES)
def unit_scorecard(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """A unit's scorecard: every component with its source, and the tree line by line."""
    run = reads.access_run(user=request.user, pk=pk)
    result = reads.access_result(user=request.user, run=run, unit_id=unit_id)
    tree = reads.scorecard_lines(user=request.user, run=run, unit=result.unit)
    for item in tree:
        sources = ((item.line.explanation if item.line else None) or {}).get("sources", {})
        item.report_urls = [  # type: ignore[attr-defined]
            (r, reverse("tracking:report_detail", args=[r])) for r in sources.get("reports", [])
        ]
        item.deduction_links = [  # type: ignore[attr-defined]
            (d, _deduction_url(d)) for d in sources.get("deductions", [])
        ]
    explanation = result.explanation or {}
    return render(
        request,
        "scoring/unit_scorecard.html",
        {
            "run": run,
            "result": result,
            "tree": tree,
            "components": [
                {**c, "label": COMPONENT_LABELS.get(c.get("name", ""), c.get("name"))}
                for c in explanation.get("components", [])
            ],
            "explanation": explanation,
            "sources": explanation.get("sources", {}),
            "unattached": [
                (d, _deduction_url(d))
                for d in explanation.get("sources", {}).get("deductions_unattached", [])
            ],
        },
    )


@require_safe
@roles_required(SCORING_ROLES)
def indicator_scorecard(request: HttpRequest, pk: int, indicator_id: int) -> HttpResponse:
    """How every unit in scope scored on one indicator in a run."""
    run = reads.access_run(user=request.user, pk=pk)
    indicator = Indicator.objects.filter(pk=indicator_id, plan_id=run.plan_id).first()
    if indicator is None:
        raise Http404
    lines = list(reads.indicator_lines(user=request.user, run=run, indicator=indicator))
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=f"{indicator.code} {indicator.name}",
            headers=[_("Unit code"), _("Unit"), _("Score"), _("Status"), _("Why this score")],
            rows=[
                [
                    line.unit.code,
                    line.unit.name,
                    line.score,
                    node_status_label(line.status),
                    translate_explanation(
                        (line.explanation or {}).get("arithmetic")
                        or (line.explanation or {}).get("reason")
                    ),
                ]
                for line in lines
            ],
            what=f"scoring.indicator:{run.pk}:{indicator.pk}",
        )
    return render(
        request,
        "scoring/indicator_scorecard.html",
        {
            "run": run,
            "indicator": indicator,
            "lines": lines,
            "indicators": list(reads.run_indicators(run)),
        },
    )


@require_safe
@roles_required(SCORING_ROLES)
def compare(request: HttpRequest) -> HttpResponse:
    """Two runs side by side: per unit the score, grade and rank, and the differences."""
    try:
        a_id, b_id = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        raise Http404 from None
    a = reads.access_run(user=request.user, pk=a_id)
    b = reads.access_run(user=request.user, pk=b_id)
    if a.plan_id != b.plan_id:
        messages.warning(request, _("The two runs are of different plans."))
    rows = reads.runs_compare(user=request.user, a=a, b=b)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Compare runs"),
            headers=[
                _("Unit"),
                _("Score A"),
                _("Score B"),
                _("Difference"),
                _("Grade A"),
                _("Grade B"),
                _("Rank A"),
                _("Rank B"),
            ],
            rows=[
                [
                    row.unit.name,
                    row.a.composite if row.a else None,
                    row.b.composite if row.b else None,
                    row.score_diff,
                    row.a.grade if row.a else "",
                    row.b.grade if row.b else "",
                    row.a.rank if row.a else None,
                    row.b.rank if row.b else None,
                ]
                for row in rows
            ],
            what=f"scoring.compare:{a.pk}:{b.pk}",
        )
    return render(
        request,
        "scoring/compare.html",
        {
            "a": a,
            "b": b,
            "rows": rows,
            "runs": list(reads.runs_for_user(user=request.user, plan=a.plan)),
        },
    )


# --- exports -----------------------------------------------------------------------------------
def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@roles_required(SCORING_ROLES)
def run_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking tables as a workbook, one sheet per group."""
    run = reads.access_run(user=request.user, pk=pk)
    results = list(reads.results_for_user(user=request.user, run=run))
    headers = [
        _("Rank"),
        _("Unit code"),
        _("Unit"),
        _("Composite score"),
        _("Indicator assessment"),
        _("Public appraisal"),
        _("Leader evaluation"),
        _("Bonus"),
        _("Penalty"),
        _("Deductions"),
        _("Grade"),
        _("Vetoed"),
        _("Veto reason"),
        _("Change in score"),
        _("Change in rank"),
        _("Provincial points lost"),
        _("Missing components"),
    ]
    sheets = [
        (
            table.name,
            headers,
            [
                [
                    r.rank,
                    r.unit.code,
                    r.unit.name,
                    r.composite,
                    r.indicators,
                    r.public_appraisal,
                    r.leader_evaluation,
                    r.bonus,
                    r.penalty,
                    r.deductions,
                    r.grade,
                    _("Yes") if r.vetoed else "",
                    r.veto_reason,
                    r.score_change,
                    r.rank_change,
                    r.points_lost,
                    ", ".join(str(COMPONENT_LABELS.get(c, c)) for c in r.components_missing),
                ]
                for r in table.rows
            ],
        )
        for table in reads.ranking_tables(results)
    ]
    if not sheets:
        sheets = [(_("Ranking"), headers, [])]
    exports_audit(request, run, "ranking")
    return _xlsx(exports.workbook(sheets), f"ranking-{run.plan.code}-{run.pk}.xlsx")


@require_safe
@roles_required(SCORING_ROLES)
def scorecard_export(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """A unit's scorecard as a workbook: components, then every line with its arithmetic."""
    run = reads.access_run(user=request.user, pk=pk)
    result = reads.access_result(user=request.user, run=run, unit_id=unit_id)
    tree = reads.scorecard_lines(user=request.user, run=run, unit=result.unit)
    explanation = result.explanation or {}
    summary = [
        [_("Unit"), result.unit.name],
        [_("Composite score"), result.composite],
        [_("Grade"), result.grade],
        [_("Rank"), result.rank],
        [_("Veto reason"), result.veto_reason],
        [_("Arithmetic"), translate_explanation(explanation.get("arithmetic", ""))],
    ]
    for c in explanation.get("components", []):
        summary.append([str(COMPONENT_LABELS.get(c.get("name"), c.get("name"))), c.get("value")])
    lines = [
        [
            item.indicator.code,
            item.indicator.name,
            item.line.points if item.line else None,
            item.line.score if item.line else None,
            node_status_label(item.line.status) if item.line else "",
            translate_explanation((item.line.explanation or {}).get("arithmetic", ""))
            if item.line
            else "",
            translate_explanation((item.line.explanation or {}).get("reason", ""))
            if item.line
            else "",
        ]
        for item in tree
    ]
    book = exports.workbook(
        [
            (_("Summary"), [_("Item"), _("Value")], summary),
            (
                _("Lines"),
                [
                    _("Code"),
                    _("Indicator"),
                    _("Points"),
                    _("Score"),
                    _("Status"),
                    _("Arithmetic"),
                    _("Reason"),
                ],
                lines,
            ),
        ]
    )
    exports_audit(request, run, f"scorecard:{result.unit.code}")
    return _xlsx(book, f"scorecard-{result.unit.code}-{run.pk}.xlsx")


def exports_audit(request: HttpRequest, run: ScoreRun, what: str) -> None:
    """Exports are audited (DESIGN.md: every export)."""
    from kaoping.audit.services import audit_event

    audit_event(actor=request.user, action="score_run.export", obj=run, after={"what": what})


# --- the office's inputs -------------------------------------------------------------------------
def _units_queryset(plan: Plan) -> Any:
    return Unit.objects.filter(pk__in=list(plan_units(plan))).order_by("path")


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SCORING_OFFICE_ROLES)
def vetoes(request: HttpRequest) -> HttpResponse:
    """Vetoes of a plan: propose one under a plan condition; approve (another user) or
    withdraw one."""
    plans, plan = _office_plan(request)
    conditions = [
        (code, str(rule.get("name", code))) for code, rule in veto_conditions(plan).items()
    ]
    fmt = table_exports.requested_format(request) if request.method != "POST" else None
    if fmt:
        names = dict(conditions)
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("One-vote vetoes"),
            headers=[_("Unit"), _("Condition"), _("Reason"), _("Evidence"), _("Status")],
            rows=[
                [
                    v.unit.name,
                    names.get(v.condition, v.condition),
                    v.reason,
                    v.evidence,
                    v.get_status_display(),
                ]
                for v in reads.vetoes_for_user(user=request.user, plan=plan)
            ],
            what=f"scoring.vetoes:{plan.pk}",
        )
    form = forms.VetoForm(request.POST or None, units=_units_queryset(plan), conditions=conditions)
    if request.method == "POST" and form.is_valid():
        try:
            services.veto_propose(
                actor=request.user,
                plan=plan,
                unit=form.cleaned_data["unit"],
                condition=form.cleaned_data["condition"],
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Veto proposed: another office user approves it."))
            return _back("scoring:vetoes", plan)
    candidates = []
    provincial = _provincial_run(plan)
    if provincial is not None and plan.kind == Plan.Kind.COUNTY:
        threshold = next(
            (
                Decimal(str(rule["min_points_lost"]))
                for rule in veto_conditions(plan).values()
                if rule.get("min_points_lost") is not None
            ),
            None,
        )
        if threshold is not None:
            lost = reads.points_lost_by_unit(provincial)
            evaluated = plan_units(plan)
            names = dict(Unit.objects.filter(pk__in=list(lost)).values_list("pk", "name"))
            candidates = [
                {"name": names.get(uid, uid), "points": pts}
                for uid, pts in sorted(lost.items(), key=lambda x: -x[1])
                if pts >= threshold and uid in evaluated
            ]
    return render(
        request,
        "scoring/vetoes.html",
        {
            "plans": plans,
            "plan": plan,
            "form": form,
            "vetoes": list(reads.vetoes_for_user(user=request.user, plan=plan)),
            "conditions": dict(conditions),
            "candidates": candidates,
            "reason_form": forms.ReasonForm(),
        },
    )


def _provincial_run(plan: Plan) -> ScoreRun | None:
    from kaoping.scoring.inputs import provincial_run_for

    return provincial_run_for(plan)


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def veto_approve(request: HttpRequest, pk: int) -> HttpResponse:
    veto = reads.access_veto(user=request.user, pk=pk)
    try:
        services.veto_approve(actor=request.user, veto=veto)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Veto approved."))
    return _back("scoring:vetoes", veto.plan)


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def veto_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    veto = reads.access_veto(user=request.user, pk=pk)
    try:
        services.veto_withdraw(actor=request.user, veto=veto, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Veto withdrawn."))
    return _back("scoring:vetoes", veto.plan)


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SCORING_OFFICE_ROLES)
def adjustments(request: HttpRequest) -> HttpResponse:
    """Composite bonus and penalty items of a plan; tie decisions beside them."""
    plans, plan = _office_plan(request)
    fmt = table_exports.requested_format(request) if request.method != "POST" else None
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Bonus and penalty items"),
            headers=[_("Unit"), _("Kind"), _("Points"), _("Reason"), _("Reference"), _("Status")],
            rows=[
                [
                    a.unit.name,
                    a.get_kind_display(),
                    a.points,
                    a.reason,
                    a.reference,
                    a.get_status_display(),
                ]
                for a in reads.adjustments_for_user(user=request.user, plan=plan)
            ],
            what=f"scoring.adjustments:{plan.pk}",
        )
    units = _units_queryset(plan)
    form = forms.AdjustmentForm(
        request.POST if request.POST.get("form") == "adjustment" else None, units=units
    )
    tie_form = forms.TieDecisionForm(
        request.POST if request.POST.get("form") == "tie" else None, units=units
    )
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                services.adjustment_record(actor=request.user, plan=plan, **form.cleaned_data)
                messages.success(
                    request, _("Adjustment recorded: another office user approves it.")
                )
                return _back("scoring:adjustments", plan)
            if tie_form.is_bound and tie_form.is_valid():
                services.tie_decision_record(actor=request.user, plan=plan, **tie_form.cleaned_data)
                messages.success(request, _("Tie decision recorded."))
                return _back("scoring:adjustments", plan)
        except ApplicationError as exc:
            (form if form.is_bound else tie_form).add_error(None, str(exc.message))
    return render(
        request,
        "scoring/adjustments.html",
        {
            "plans": plans,
            "plan": plan,
            "form": form,
            "tie_form": tie_form,
            "adjustments": list(reads.adjustments_for_user(user=request.user, plan=plan)),
            "ties": list(reads.tie_decisions_for_user(user=request.user, plan=plan)),
            "reason_form": forms.ReasonForm(),
        },
    )


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def adjustment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    item = reads.access_adjustment(user=request.user, pk=pk)
    try:
        services.adjustment_approve(actor=request.user, adjustment=item)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Adjustment approved."))
    return _back("scoring:adjustments", item.plan)


@require_POST
@roles_required(SCORING_OFFICE_ROLES)
def adjustment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = reads.access_adjustment(user=request.user, pk=pk)
    try:
        services.adjustment_withdraw(
            actor=request.user, adjustment=item, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Adjustment withdrawn."))
    return _back("scoring:adjustments", item.plan)


@require_http_methods(["GET", "HEAD", "POST"])
@roles_required(SCORING_OFFICE_ROLES)
def component_scores(request: HttpRequest) -> HttpResponse:
    """Public appraisal scores entered by the office, one by one or imported from a file."""
    plans, plan = _office_plan(request)
    which = request.POST.get("form")
    form = forms.ComponentScoreForm(
        request.POST if which == "entry" else None, units=_units_queryset(plan)
    )
    import_form = forms.ComponentImportForm(
        request.POST if which == "import" else None, request.FILES if which == "import" else None
    )
    row_errors: list[str] = []
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                services.component_score_record(actor=request.user, plan=plan, **form.cleaned_data)
                messages.success(request, _("Score saved."))
                return _back("scoring:component_scores", plan)
            if import_form.is_bound and import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                outcome = services.component_score_import(
                    actor=request.user,
                    plan=plan,
                    data=upload.read(MAX_IMPORT_BYTES + 1),
                    filename=upload.name,
                    source=import_form.cleaned_data["source"],
                )
                if outcome.errors:
                    row_errors = outcome.errors
                else:
                    messages.success(
                        request,
                        _("Imported: %(w)d written, %(u)d unchanged.")
                        % {"w": outcome.written, "u": outcome.unchanged},
                    )
                    return _back("scoring:component_scores", plan)
        except ApplicationError as exc:
            (form if form.is_bound else import_form).add_error(None, str(exc.message))
    scores = {s.unit_id: s for s in reads.component_scores_for_user(user=request.user, plan=plan)}
    return render(
        request,
        "scoring/component_scores.html",
        {
            "plans": plans,
            "plan": plan,
            "form": form,
            "import_form": import_form,
            "row_errors": row_errors,
            "rows": [(unit, scores.get(unit.pk)) for unit in _units_queryset(plan)],
        },
    )


@require_safe
@roles_required(ACCOUNTABILITY_ROLES)
def accountability(request: HttpRequest) -> HttpResponse:
    """谁丢分谁负责: the provincial points the county lost, by responsible unit and leader."""
    provincial_runs = reads.runs_for_user(user=request.user).filter(
        plan__kind=Plan.Kind.PROVINCIAL, kind=ScoreRun.Kind.OFFICIAL
    )
    wanted = request.GET.get("run")
    if wanted:
        try:
            run: ScoreRun | None = provincial_runs.get(pk=int(wanted))
        except (ValueError, ScoreRun.DoesNotExist):
            raise Http404 from None
    else:
        run = (
            provincial_runs.filter(status=ScoreRun.Status.PUBLISHED, superseded_by__isnull=True)
            .order_by("-plan__cycle__year", "-published_at")
            .first()
        )
    rows = list(reads.points_lost_for_user(user=request.user, run=run)) if run else []
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=str(_("Points lost")) + (f"-{run.pk}" if run else ""),
            headers=[
                _("Indicator code"),
                _("Indicator"),
                _("Lead unit"),
                _("Leader"),
                _("Share"),
                _("Short of full marks"),
                _("Deductions"),
                _("Points lost"),
            ],
            rows=[
                [
                    r.indicator.code if r.indicator else "",
                    r.indicator.name if r.indicator else _("(not tied to an indicator)"),
                    r.lead_unit.name,
                    r.leader.name if r.leader else "",
                    r.share,
                    r.score_shortfall,
                    r.deductions,
                    r.points,
                ]
                for r in rows
            ],
            what=f"scoring.points_lost:{run.pk if run else ''}",
        )
    by_unit, by_leader = reads.accountability(rows)
    return render(
        request,
        "scoring/accountability.html",
        {
            "run": run,
            "runs": list(provincial_runs[:50]),
            "rows": rows,
            "by_unit": by_unit,
            "by_leader": by_leader,
            "total": sum((r.points for r in rows), Decimal(0)),
        },
    )


urlpatterns = [
    path("", runs, name="runs"),
    path("runs/start/", run_start, name="run_start"),
    path("runs/what-if/", what_if, name="what_if"),
    path("runs/compare/", compare, name="compare"),
    path("runs/<int:pk>/", run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", run_publish, name="run_publish"),
    path("runs/<int:pk>/delete/", run_delete, name="run_delete"),
    path("runs/<int:pk>/export.xlsx", run_export, name="run_export"),
    path("runs/<int:pk>/units/<int:unit_id>/", unit_scorecard, name="unit_scorecard"),
    path(
        "runs/<int:pk>/units/<int:unit_id>/export.xlsx", scorecard_export, name="scorecard_export"
    ),
    path(
        "runs/<int:pk>/indicators/<int:indicator_id>/",
        indicator_scorecard,
        name="indicator_scorecard",
    ),
    path("vetoes/", vetoes, name="vetoes"),
    path("vetoes/<int:pk>/approve/", veto_approve, name="veto_approve"),
    path("vetoes/<int:pk>/withdraw/", veto_withdraw, name="veto_withdraw"),
    path("adjustments/", adjustments, name="adjustments"),
    path("adjustments/<int:pk>/approve/", adjustment_approve, name="adjustment_approve"),
    path("adjustments/<int:pk>/withdraw/", adjustment_withdraw, name="adjustment_withdraw"),
    path("component-scores/", component_scores, name="component_scores"),
    path("accountability/", accountability, name="accountability"),
]
