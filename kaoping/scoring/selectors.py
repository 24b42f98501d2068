"""Reads of the scoring app, narrowed to the user's data scope.

The office sees every run of the plans in its scope (drafts and what-ifs included); unit
heads and reporters see only their own unit's results in published official runs; leaders
the units of their portfolio; inspectors published results in their scope. Out-of-scope
objects answer 404 (`access_*`). `public_appraisal_for_scoring` is the one place the public
appraisal component is read from, so the survey app can replace its source.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from kaoping.org.models import Role, Unit
from kaoping.plans.models import Indicator, Plan
from kaoping.scoring.models import (
    ComponentScore,
    PointsLost,
    ScoreAdjustment,
    ScoreLine,
    ScoreRun,
    TieDecision,
    UnitResult,
    Veto,
)
from kaoping.surveys.models import SurveyProject, SurveyResult


# --- inputs for scoring (no user: the services read them) --------------------------------------
def public_appraisal_for_scoring(*, plan: Plan) -> dict[int, Decimal]:
    """Each unit's public appraisal index A (0–100) for a plan, by unit id.

    When the plan has a closed survey project that feeds scoring, its frozen satisfaction
    index per unit (kaoping.surveys SurveyResult); otherwise the figures the office entered
    from the provincial survey centre (ComponentScore). A unit without a figure is absent
    (component missing).
    """
    survey = SurveyProject.objects.filter(
        plan=plan, feeds_scoring=True, status=SurveyProject.Status.CLOSED
    ).first()
    if survey is not None:
        return {
            unit_id: index
            for unit_id, index in SurveyResult.objects.filter(
                project=survey, index__isnull=False
            ).values_list("unit_id", "index")
            if index is not None
        }
    return dict(
        ComponentScore.objects.filter(
            plan=plan, component=ComponentScore.Component.PUBLIC_APPRAISAL
        ).values_list("unit_id", "score")
    )


def public_appraisal_sources(*, plan: Plan) -> dict[int, str]:
    """Where each unit's public appraisal figure comes from (shown beside the score): the
    closed survey project feeding the plan, else the office's note on each entered figure."""
    survey = SurveyProject.objects.filter(
        plan=plan, feeds_scoring=True, status=SurveyProject.Status.CLOSED
    ).first()
    if survey is not None:
        source = f"{survey.code} {survey.name}"
        return dict.fromkeys(
            SurveyResult.objects.filter(project=survey, index__isnull=False).values_list(
                "unit_id", flat=True
            ),
            source,
        )
    return dict(
        ComponentScore.objects.filter(
            plan=plan, component=ComponentScore.Component.PUBLIC_APPRAISAL
        ).values_list("unit_id", "source")
    )


# --- runs -----------------------------------------------------------------------------------------
def is_office(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role(Role.OFFICE))


def runs_for_user(*, user: Any, plan: Plan | None = None) -> QuerySet[ScoreRun]:
    """Score runs the user may read: all of the office's plans; others published official."""
    qs = ScoreRun.objects.for_user(user).select_related(
        "plan", "plan__cycle", "created_by", "published_by", "based_on", "superseded_by"
    )
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.order_by("-plan__cycle__year", "plan__code", "-created_at", "-pk")


def access_run(*, user: Any, pk: int) -> ScoreRun:
    """Fetch a run the user may read, or 404."""
    try:
        return runs_for_user(user=user).get(pk=pk)
    except ScoreRun.DoesNotExist:
        raise Http404 from None


def results_for_user(*, user: Any, run: ScoreRun) -> QuerySet[UnitResult]:
    """A run's unit results in the user's scope, by group then rank."""
    return (
        UnitResult.objects.for_user(user)
        .filter(run=run)
        .select_related("unit", "group")
        .order_by("group__order", "group_name", "rank", "unit__path")
    )


def access_result(*, user: Any, run: ScoreRun, unit_id: int) -> UnitResult:
    """A unit's result in a run, if the user may read it, or 404."""
    try:
        return results_for_user(user=user, run=run).get(unit_id=unit_id)
    except UnitResult.DoesNotExist:
        raise Http404 from None


@dataclass
class GroupTable:
    """One group's ranking table in a run (and, set by the view, its chart's options)."""

    name: str
    rows: list[UnitResult] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    chart_id: str = ""


def ranking_tables(results: list[UnitResult]) -> list[GroupTable]:
    """The results split by group (already ordered by group and rank)."""
    tables: dict[str, GroupTable] = {}
    for row in results:
        name = row.group_name or "—"
        tables.setdefault(name, GroupTable(name)).rows.append(row)
    return list(tables.values())


@dataclass
class TreeLine:
    """A node of a unit's scorecard: the indicator, the line (None: not applicable), depth."""

    indicator: Indicator
    line: ScoreLine | None
    depth: int


def scorecard_lines(*, user: Any, run: ScoreRun, unit: Unit) -> list[TreeLine]:
    """A unit's lines in a run, in tree order (2 queries)."""
    from kaoping.scoring.inputs import tree_order

    lines = {
        line.indicator_id: line
        for line in ScoreLine.objects.for_user(user).filter(run=run, unit=unit)
    }
    ordered = tree_order(Indicator.objects.filter(plan_id=run.plan_id))
    return [TreeLine(ind, lines.get(ind.pk), ind.level - 1) for ind in ordered if ind.pk in lines]


def indicator_lines(*, user: Any, run: ScoreRun, indicator: Indicator) -> QuerySet[ScoreLine]:
    """How every unit in scope scored on one indicator in a run, best first."""
    return (
        ScoreLine.objects.for_user(user)
        .filter(run=run, indicator=indicator)
        .select_related("unit")
        .order_by("-score", "unit__path")
    )


def run_indicators(run: ScoreRun) -> QuerySet[Indicator]:
    return Indicator.objects.filter(plan_id=run.plan_id).order_by("order", "code")


@dataclass
class CompareRow:
    """A unit in two runs: scores, grades, ranks and their differences."""

    unit: Unit
    a: UnitResult | None
    b: UnitResult | None

    @property
    def score_diff(self) -> Decimal | None:
        if self.a is None or self.b is None or self.a.composite is None:
            return None
        if self.b.composite is None:
            return None
        return self.b.composite - self.a.composite

    @property
    def rank_diff(self) -> int | None:
        if self.a is None or self.b is None or self.a.rank is None or self.b.rank is None:
            return None
        return self.a.rank - self.b.rank  # positive: moved up in b

    @property
    def grade_changed(self) -> bool:
        return (self.a.grade if self.a else "") != (self.b.grade if self.b else "")


def runs_compare(*, user: Any, a: ScoreRun, b: ScoreRun) -> list[CompareRow]:
    """Per unit in scope: each run's result and the differences (b against a)."""
    first = {r.unit_id: r for r in results_for_user(user=user, run=a)}
    second = {r.unit_id: r for r in results_for_user(user=user, run=b)}
    units = {r.unit_id: r.unit for r in [*first.values(), *second.values()]}
    rows = [CompareRow(units[uid], first.get(uid), second.get(uid)) for uid in units]
    rows.sort(
        key=lambda r: (
            (r.b or r.a).group_name if (r.b or r.a) else "",  # type: ignore[union-attr]
            (r.b.rank if r.b and r.b.rank else 10**6),
            r.unit.path,
        )
    )
    return rows


# --- accountability ----------------------------------------------------------------------------
@dataclass
class Responsible:
    """Points a lead unit (and leader) lost the county, and on which indicators."""

    name: str
    points: Decimal
    items: list[PointsLost] = field(default_factory=list)


def points_lost_for_user(*, user: Any, run: ScoreRun) -> QuerySet[PointsLost]:
    return (
        PointsLost.objects.for_user(user)
        .filter(run=run)
        .select_related("indicator", "lead_unit", "leader")
        .order_by("-points", "indicator__order")
    )


def accountability(rows: list[PointsLost]) -> tuple[list[Responsible], list[Responsible]]:
    """Points lost summed by responsible unit and by responsible leader, most first."""
    by_unit: dict[int, Responsible] = {}
    by_leader: dict[int | None, Responsible] = {}
    for row in rows:
        unit = by_unit.setdefault(row.lead_unit_id, Responsible(row.lead_unit.name, Decimal(0)))
        unit.points += row.points
        unit.items.append(row)
        name = row.leader.name if row.leader else "—"
        leader = by_leader.setdefault(row.leader_id, Responsible(name, Decimal(0)))
        leader.points += row.points
        leader.items.append(row)
    ordered = [sorted(d.values(), key=lambda r: -r.points) for d in (by_unit, by_leader)]
    return ordered[0], ordered[1]


def points_lost_by_unit(run: ScoreRun) -> dict[int, Decimal]:
    return {
        row["lead_unit_id"]: row["total"]
        for row in PointsLost.objects.filter(run=run)
        .values("lead_unit_id")
        .annotate(total=Sum("points"))
    }


# --- the office's inputs ---------------------------------------------------------------------
def plans_for_scoring(*, user: Any) -> QuerySet[Plan]:
    from kaoping.plans.selectors import plans_for_user

    return plans_for_user(user=user)


def vetoes_for_user(*, user: Any, plan: Plan) -> QuerySet[Veto]:
    return (
        Veto.objects.for_user(user)
        .filter(plan=plan)
        .select_related("unit", "proposed_by", "approved_by")
        .order_by("status", "unit__path", "-pk")
    )


def adjustments_for_user(*, user: Any, plan: Plan) -> QuerySet[ScoreAdjustment]:
    return (
        ScoreAdjustment.objects.for_user(user)
        .filter(plan=plan)
        .select_related("unit", "recorded_by", "approved_by")
        .order_by("status", "unit__path", "-pk")
    )


def tie_decisions_for_user(*, user: Any, plan: Plan) -> QuerySet[TieDecision]:
    return (
        TieDecision.objects.for_user(user)
        .filter(plan=plan)
        .select_related("unit", "recorded_by")
        .order_by("order")
    )


def component_scores_for_user(*, user: Any, plan: Plan) -> QuerySet[ComponentScore]:
    return (
        ComponentScore.objects.for_user(user)
        .filter(plan=plan)
        .select_related("unit", "entered_by")
        .order_by("component", "unit__path")
    )


def access_veto(*, user: Any, pk: int) -> Veto:
    try:
        return Veto.objects.for_user(user).select_related("plan").get(pk=pk)
    except Veto.DoesNotExist:
        raise Http404 from None


def access_adjustment(*, user: Any, pk: int) -> ScoreAdjustment:
    try:
        return ScoreAdjustment.objects.for_user(user).select_related("plan").get(pk=pk)
    except ScoreAdjustment.DoesNotExist:
        raise Http404 from None


def line_sources(lines: list[ScoreLine]) -> dict[str, list[int]]:
    """The report and deduction ids every line names (for links)."""
    found: dict[str, list[int]] = defaultdict(list)
    for line in lines:
        sources = (line.explanation or {}).get("sources", {})
        found["reports"].extend(sources.get("reports", []))
        found["deductions"].extend(sources.get("deductions", []))
    return found


def prefetch_lines(run: ScoreRun) -> Prefetch:
    return Prefetch("lines", queryset=ScoreLine.objects.filter(run=run))


# --- `kaoping score --json` ---------------------------------------------------------------------
COMPONENT_KEYS = {
    "indicators": "indicators",
    "public": "public_appraisal",
    "leader": "leader_evaluation",
}


def _two(value: Decimal | None) -> float | None:
    """Rounded half-up to 2 decimals, once, at the edge (docs/score-json.md)."""
    if value is None:
        return None
    from decimal import ROUND_HALF_UP

    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def score_json_row(row: Any, *, plan_code: str, run_id: int | None) -> dict[str, Any]:
    """One unit's result as `kaoping score --json` prints it (a computed UnitRow or a stored
    UnitResult)."""
    if isinstance(row, UnitResult):
        unit_code, unit_name, group = row.unit.code, row.unit.name, row.group_name
    else:
        unit_code, unit_name, group = row.unit_code, row.unit_name, row.group_name
    return {
        "plan_code": plan_code,
        "run_id": run_id,
        "unit_code": unit_code,
        "unit_name": unit_name,
        "group": group or None,
        "score": _two(row.composite),
        "components": {
            "indicators": _two(row.indicators),
            "public_appraisal": _two(row.public_appraisal),
            "leader_evaluation": _two(row.leader_evaluation),
            "bonus": _two(row.bonus),
            "penalty": _two(row.penalty),
            "deductions": _two(row.deductions),
        },
        "indicator_points": _two(row.indicators_points),
        "components_missing": [COMPONENT_KEYS.get(c, c) for c in row.components_missing],
        "failed": row.failed,
        "grade": row.grade or None,
        "rank": row.rank,
        "vetoed": row.vetoed,
        "veto_reason": row.veto_reason or None,
        "score_change": _two(row.score_change),
        "rank_change": row.rank_change,
        "points_lost": _two(row.points_lost),
    }


def stored_json_rows(run: ScoreRun) -> list[dict[str, Any]]:
    """A stored run's results as JSON rows, by group and rank (for scripts: no user)."""
    return [
        score_json_row(r, plan_code=run.plan.code, run_id=run.pk)
        for r in UnitResult.objects.filter(run=run)
        .select_related("unit", "group")
        .order_by("group__order", "group_name", "rank", "unit__path")
    ]
