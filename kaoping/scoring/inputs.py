"""Gathering a plan's scoring inputs from the other apps, and turning them into engine arrays.

Two steps, so that a run can record exactly what it read and be recomputed from it:

1. `gather(plan, as_of)` reads everything in a fixed number of queries and returns plain,
   JSON-able data: the plan version (`plan_snapshot`) and the raw inputs (`raw`): units and
   their groups, which nodes apply to which unit, each leaf's figures (the latest
   **office-approved** value up to `as_of`, the way kaoping.tracking reads them: the unit's own
   target first, last year's value at the same period), milestone counts, the inspection
   deductions (kaoping.inspections), leader scores (kaoping.appraisal), public appraisal
   (`public_appraisal_for_scoring`), approved adjustments and vetoes, the office's tie
   decisions, last year's official published run, and the points each unit lost the county in
   the latest published provincial run.
2. `build(snapshot, raw)` turns them into `calculations.ScoringInputs` (numpy arrays).

What-if changes (`apply_overrides`) act on the raw inputs between the two steps.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db.models import Sum
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period, PeriodError
from kaoping.org.models import Unit
from kaoping.plans.models import Assignment, Indicator, Plan, UnitGroup
from kaoping.plans.scoring_params import effective_params
from kaoping.scoring import calculations as calc
from kaoping.scoring.models import (
    PointsLost,
    ScoreAdjustment,
    ScoreRun,
    TieDecision,
    UnitResult,
    Veto,
)
from kaoping.scoring.office_inputs import veto_conditions
from kaoping.scoring.selectors import public_appraisal_for_scoring, public_appraisal_sources
from kaoping.tracking.obligations import obligations
from kaoping.tracking.services.results import load_inputs, reporting_periods

NAN = float("nan")


def _f(value: Any) -> float | None:
    """A stored number as a JSON float (None stays None)."""
    if value is None:
        return None
    return float(value)


def plain_decimal(value: Decimal) -> str:
    """A Decimal as canonical text (0.6000 and 0.6 both "0.6"), so hashes do not depend on
    whether a value was read back from the database."""
    return format(Decimal(value).normalize(), "f")


def canonical_hash(data: Any) -> str:
    """SHA-256 of a JSON-able value in canonical form (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the plan version -------------------------------------------------------------------------
def tree_order(indicators: Iterable[Indicator]) -> list[Indicator]:
    """The indicators depth-first, each parent before its children, siblings by order."""
    items = list(indicators)
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in items:
        children[ind.parent_id].append(ind)
    for kids in children.values():
        kids.sort(key=lambda i: (i.order, i.code))
    ordered: list[Indicator] = []
    stack = list(reversed(children[None]))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children[node.pk]))
    return ordered


def _json_params(rule: str, params: Mapping[str, Any] | None) -> dict[str, float | None]:
    return {k: _f(v) for k, v in effective_params(rule, params).items()}


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The plan version a run uses: weights, grades, veto rules and the indicator tree."""
    indicators = tree_order(plan.indicators.prefetch_related("groups"))
    groups = list(plan.groups.order_by("order", "code"))
    snap: dict[str, Any] = {
        "plan_id": plan.pk,
        "plan_code": plan.code,
        "plan_kind": plan.kind,
        "cycle": plan.cycle.year,
        "weights": {
            "indicators": plain_decimal(plan.weight_indicators),
            "public": plain_decimal(plan.weight_public),
            "leader": plain_decimal(plan.weight_leader),
        },
        "missing_component": plan.missing_component,
        "grade_rules": plan.grade_rules or [],
        "veto_rules": plan.veto_rules or [],
        "points_total": (
            plain_decimal(plan.points_total) if plan.points_total is not None else None
        ),
        "groups": [{"id": g.pk, "code": g.code, "name": g.name} for g in groups],
        "indicators": [
            {
                "id": ind.pk,
                "code": ind.code,
                "name": ind.name,
                "parent_id": ind.parent_id,
                "level": ind.level,
                "category": ind.category,
                "kind": ind.kind,
                "direction": ind.direction,
                "rule": ind.scoring_rule,
                "points": plain_decimal(ind.points),
                "params": _json_params(ind.scoring_rule, ind.scoring_params),
                "groups": sorted(g.pk for g in ind.groups.all()),
            }
            for ind in indicators
        ],
    }
    snap["hash"] = canonical_hash({k: v for k, v in snap.items() if k != "hash"})
    return snap


# --- the units --------------------------------------------------------------------------------
def evaluated_units(plan: Plan) -> list[tuple[Unit, UnitGroup | None]]:
    """The units a plan ranks, with their group: the groups' members; a plan without groups
    evaluates its owner (a provincial plan scores the county) or, for a county plan, the lead
    units of its assignments."""
    found: dict[int, tuple[Unit, UnitGroup | None]] = {}
    groups = list(plan.groups.prefetch_related("units").order_by("order", "code"))
    for group in groups:
        for unit in group.units.all():
            found.setdefault(unit.pk, (unit, group))
    if not found:
        if plan.kind == Plan.Kind.PROVINCIAL:
            return [(plan.owner, None)]
        leads = Unit.objects.filter(lead_assignments__indicator__plan=plan).distinct()
        found = {u.pk: (u, None) for u in leads}
        if not found:
            return [(plan.owner, None)]
    return sorted(found.values(), key=lambda pair: pair[0].path)


def _effective_groups(snapshot: dict[str, Any]) -> dict[int, set[int] | None]:
    """Each node's groups, inherited from the nearest ancestor that names some."""
    nodes = {n["id"]: n for n in snapshot["indicators"]}
    found: dict[int, set[int] | None] = {}
    for node in snapshot["indicators"]:  # tree order: parents first
        own = set(node["groups"])
        if own:
            found[node["id"]] = own
        else:
            parent = node["parent_id"]
            found[node["id"]] = found.get(parent) if parent in nodes else None
    return found


def applicability(
    snapshot: dict[str, Any],
    units: list[dict[str, Any]],
    lead_pairs: set[tuple[int, int]],
    provincial: bool,
) -> list[list[bool]]:
    """Which node applies to which unit: a leaf to the members of the groups it (or its
    nearest ancestor naming groups) applies to and to its lead units, as tracking's
    obligations; a parent wherever a child applies. A provincial plan applies whole to the
    county; a county plan without groups applies each leaf to its lead units only."""
    nodes = snapshot["indicators"]
    index = {n["id"]: j for j, n in enumerate(nodes)}
    children: dict[int, list[int]] = defaultdict(list)
    for n in nodes:
        if n["parent_id"] in index:
            children[n["parent_id"]].append(n["id"])
    groups_of = _effective_groups(snapshot)
    any_groups = bool(snapshot["groups"])
    matrix = [[False] * len(nodes) for _ in units]
    for i, unit in enumerate(units):
        row = matrix[i]
        for node in reversed(nodes):  # children before parents
            j = index[node["id"]]
            kids = children.get(node["id"])
            if kids:
                row[j] = any(row[index[k]] for k in kids)
                continue
            if provincial or (node["id"], unit["id"]) in lead_pairs:
                row[j] = True
            elif any_groups:
                allowed = groups_of[node["id"]]
                row[j] = allowed is None or unit["group_id"] in allowed
    return matrix


# --- figures ----------------------------------------------------------------------------------
def _figures(plan: Plan, at: Period, provincial: bool, owner_id: int) -> dict[str, Any]:
    """Each leaf's latest approved figure up to `at`, per unit (the county for a provincial
    plan, reported by the lead unit), with last year's value at the same period, the target
    and the milestone counts; keyed "unit_id:indicator_id"."""
    items = obligations(plan)
    if not items:
        return {}
    loaded = load_inputs(plan, items, unit_ids=None)
    as_of: date = at.end
    found: dict[str, Any] = {}
    for item in items:
        indicator, unit_id = item.indicator, item.unit.pk
        target_unit = owner_id if provincial else unit_id
        key = f"{target_unit}:{indicator.pk}"
        if indicator.kind == Indicator.Kind.MILESTONE:
            milestones = loaded.milestones.get((indicator.pk, unit_id), [])
            on_time = sum(1 for m in milestones if m.done_on and m.done_on <= min(m.due, as_of))
            late = sum(1 for m in milestones if m.done_on and m.due < m.done_on <= as_of)
            entry = found.setdefault(
                key,
                {"milestones": [0, 0, 0], "reports": [], "reported_by": []},
            )
            counts = entry["milestones"]
            entry["milestones"] = [
                counts[0] + on_time,
                counts[1] + late,
                counts[2] + len(milestones),
            ]
            entry["reported_by"].append(unit_id)
            continue
        spec = loaded.spec(indicator, unit_id)
        series = loaded.series(indicator, unit_id)
        periods = [p for p in reporting_periods(indicator, at.year) if p.end <= at.end]
        chosen = next((p for p in reversed(periods) if str(p) in series.current), None)
        if key in found and found[key].get("actual") is not None:
            continue  # a provincial figure already read from another lead unit
        entry = {
            "actual": _f(series.current.get(str(chosen))) if chosen else None,
            "target": _f(spec.target),
            "last_year": (
                _f(series.last_year.get(str(chosen.same_period_last_year()))) if chosen else None
            ),
            "period": str(chosen) if chosen else None,
            "reports": [loaded.report_id(indicator, unit_id, chosen)] if chosen else [],
            "reported_by": [unit_id],
        }
        found[key] = entry
    return found


# --- everything -------------------------------------------------------------------------------
def _deductions(plan: Plan, owner_id: int | None = None) -> list[dict[str, Any]]:
    """The inspections' deductions; a provincial plan's all count against the county
    (`owner_id`), whichever unit the finding names."""
    try:
        from kaoping.inspections.selectors import deductions_for_scoring
    except ImportError:  # the inspections app is not there yet
        return []
    return [
        {
            "id": d.deduction_id,
            "unit_id": owner_id or d.unit_id,
            "indicator_id": d.indicator_id,
            "category": d.category,
            "points": str(d.points),
            "responsible_unit_id": d.responsible_unit_id,
            "responsible_leader_id": d.responsible_leader_id,
            "appeal_pending": d.appeal_pending,
        }
        for d in deductions_for_scoring(plan=plan, include_pending_appeals=True)
    ]


def _leader_scores(plan: Plan) -> dict[str, Any]:
    try:
        from kaoping.appraisal.selectors import leader_scores_for_scoring
    except ImportError:  # the appraisal app is not there yet
        return {}
    return {
        str(unit_id): {
            "score": str(s.score) if s.score is not None else None,
            "valid_ballots": s.valid_ballots,
            "trimmed": s.trimmed,
            "round_id": s.round_id,
            "final": s.final,
        }
        for unit_id, s in leader_scores_for_scoring(plan=plan).items()
    }


def previous_plan(plan: Plan) -> Plan | None:
    """Last cycle's plan of the same owner and kind (the same code preferred)."""
    candidates = list(
        Plan.objects.filter(
            cycle__year=plan.cycle.year - 1, owner_id=plan.owner_id, kind=plan.kind
        ).order_by("code")
    )
    candidates.sort(key=lambda p: p.code != plan.code)
    return candidates[0] if candidates else None


def current_official_run(plan: Plan | None) -> ScoreRun | None:
    """A plan's official result in force: published and not superseded."""
    if plan is None:
        return None
    return (
        ScoreRun.objects.filter(
            plan=plan,
            kind=ScoreRun.Kind.OFFICIAL,
            status=ScoreRun.Status.PUBLISHED,
            superseded_by__isnull=True,
        )
        .order_by("-published_at", "-pk")
        .first()
    )


def _last_year(plan: Plan) -> dict[str, Any]:
    run = current_official_run(previous_plan(plan))
    if run is None:
        return {"run_id": None, "units": {}}
    rows = UnitResult.objects.filter(run=run).values_list("unit_id", "composite", "rank")
    return {
        "run_id": run.pk,
        "units": {
            str(unit_id): {"score": _f(composite), "rank": rank}
            for unit_id, composite, rank in rows
        },
    }


def provincial_run_for(plan: Plan) -> ScoreRun | None:
    """The latest published provincial run of the same cycle and owner (for 谁丢分谁负责)."""
    provincial = Plan.objects.filter(
        cycle_id=plan.cycle_id, owner_id=plan.owner_id, kind=Plan.Kind.PROVINCIAL
    ).order_by("code")
    return current_official_run(provincial.first()) if provincial.exists() else None


def _points_lost(plan: Plan) -> dict[str, Any]:
    if plan.kind == Plan.Kind.PROVINCIAL:
        return {"run_id": None, "units": {}}
    run = provincial_run_for(plan)
    if run is None:
        return {"run_id": None, "units": {}}
    totals = PointsLost.objects.filter(run=run).values("lead_unit_id").annotate(total=Sum("points"))
    return {
        "run_id": run.pk,
        "units": {str(row["lead_unit_id"]): str(row["total"]) for row in totals},
    }


def parse_period(plan: Plan, as_of: str | None) -> Period:
    """The period the run reads figures up to (default: the whole cycle year)."""
    text = as_of or str(plan.cycle.year)
    try:
        period = Period.parse(text)
    except PeriodError:
        raise ApplicationError(_("“%(p)s” is not a period.") % {"p": text}) from None
    if period.year != plan.cycle.year:
        raise ApplicationError(
            _("The period %(period)s is not in the %(year)d cycle.")
            % {"period": period, "year": plan.cycle.year}
        )
    return period


def gather(plan: Plan, as_of: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The plan version and the raw inputs of a run, read in a fixed number of queries."""
    at = parse_period(plan, as_of)
    snapshot = plan_snapshot(plan)
    provincial = plan.kind == Plan.Kind.PROVINCIAL
    pairs = evaluated_units(plan)
    units = [
        {
            "id": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "group_id": group.pk if group else None,
            "group_code": group.code if group else "",
            "group_name": group.name if group else "",
        }
        for unit, group in pairs
    ]
    assignments = list(
        Assignment.objects.filter(indicator__plan=plan).values_list(
            "indicator_id", "lead_unit_id", "responsible_leader_id", "share"
        )
    )
    lead_pairs = {(ind, unit) for ind, unit, _leader, _share in assignments}
    applicable = applicability(snapshot, units, lead_pairs, provincial)
    public = public_appraisal_for_scoring(plan=plan)
    public_sources = public_appraisal_sources(plan=plan)
    rules = veto_conditions(plan)
    vetoes = [
        {
            "id": v.pk,
            "unit_id": v.unit_id,
            "condition": v.condition,
            "condition_name": str(rules.get(v.condition, {}).get("name", v.condition)),
            "cap_grade": rules.get(v.condition, {}).get("cap_grade"),
            "reason": v.reason,
        }
        for v in Veto.objects.filter(plan=plan, status=Veto.Status.APPROVED).order_by("pk")
    ]
    adjustments = [
        {
            "id": a.pk,
            "unit_id": a.unit_id,
            "kind": a.kind,
            "points": str(a.points),
            "reason": a.reason,
        }
        for a in ScoreAdjustment.objects.filter(
            plan=plan, status=ScoreAdjustment.Status.APPROVED
        ).order_by("pk")
    ]
    raw = {
        "as_of": str(at),
        "units": units,
        "applicable": applicable,
        "figures": _figures(plan, at, provincial, plan.owner_id),
        "assignments": [
            {"indicator_id": ind, "lead_unit_id": unit, "leader_id": leader, "share": str(share)}
            for ind, unit, leader, share in assignments
        ],
        "deductions": _deductions(plan, owner_id=plan.owner_id if provincial else None),
        "public_appraisal": {
            str(unit_id): {"score": str(score), "source": public_sources.get(unit_id, "")}
            for unit_id, score in public.items()
        },
        "leader_evaluation": _leader_scores(plan),
        "adjustments": adjustments,
        "vetoes": vetoes,
        "tie_order": {
            str(unit_id): order
            for unit_id, order in TieDecision.objects.filter(plan=plan).values_list(
                "unit_id", "order"
            )
        },
        "last_year": _last_year(plan),
        "points_lost": _points_lost(plan),
    }
    return snapshot, raw


# --- what-if changes --------------------------------------------------------------------------
def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("%(what)s: “%(value)s” is not a number.") % {"what": what, "value": value}
        ) from None
    if not number.is_finite():
        raise ApplicationError(_("%(what)s must be a finite number.") % {"what": what})
    return number


OVERRIDE_KEYS = frozenset(
    {"label", "weights", "deductions", "component_scores", "missing_component"}
)


def apply_overrides(
    snapshot: dict[str, Any], raw: dict[str, Any], overrides: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The snapshot and raw inputs with a what-if's changes (new dicts; the inputs untouched).

    `weights`: {indicators, public, leader} summing to 1; `deductions`: {drop: [ids], change:
    {id: points}}; `component_scores`: {public_appraisal|leader_evaluation: {unit code: score}};
    `missing_component`: renormalise|fail.
    """
    unknown = set(overrides) - OVERRIDE_KEYS
    if unknown:
        raise ApplicationError(
            _("Unknown what-if settings: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
        )
    snap = json.loads(json.dumps(snapshot))
    data = json.loads(json.dumps(raw))
    weights = overrides.get("weights")
    if weights is not None:
        if not isinstance(weights, Mapping) or set(weights) - set(calc.COMPONENTS):
            raise ApplicationError(_("weights takes indicators, public and leader."))
        merged = {**snap["weights"], **{k: str(_decimal(v, k)) for k, v in weights.items()}}
        if any(Decimal(v) < 0 for v in merged.values()):
            raise ApplicationError(_("A weight cannot be negative."))
        if sum(Decimal(v) for v in merged.values()) != 1:
            raise ApplicationError(_("The weights must add up to 1."))
        snap["weights"] = merged
    mode = overrides.get("missing_component")
    if mode is not None:
        if mode not in (calc.RENORMALISE, calc.FAIL):
            raise ApplicationError(_("missing_component is renormalise or fail."))
        snap["missing_component"] = mode
    changes = overrides.get("deductions") or {}
    if changes:
        if not isinstance(changes, Mapping) or set(changes) - {"drop", "change"}:
            raise ApplicationError(_("deductions takes drop and change."))
        known = {d["id"] for d in data["deductions"]}
        drop = {int(x) for x in changes.get("drop") or []}
        change = {
            int(k): _decimal(v, "deduction") for k, v in (changes.get("change") or {}).items()
        }
        missing = (drop | set(change)) - known
        if missing:
            raise ApplicationError(
                _("No counted deduction has the id %(ids)s.")
                % {"ids": ", ".join(str(m) for m in sorted(missing))}
            )
        if any(v < 0 for v in change.values()):
            raise ApplicationError(_("A deduction cannot be negative."))
        rows = []
        for d in data["deductions"]:
            if d["id"] in drop:
                continue
            if d["id"] in change:
                d["points"] = str(change[d["id"]])
                d["changed"] = True
            rows.append(d)
        data["deductions"] = rows
    scores = overrides.get("component_scores") or {}
    if scores:
        by_code = {u["code"]: u["id"] for u in data["units"]}
        for component, values in scores.items():
            if component not in ("public_appraisal", "leader_evaluation"):
                raise ApplicationError(
                    _("component_scores takes public_appraisal and leader_evaluation.")
                )
            for code, value in (values or {}).items():
                if code not in by_code:
                    raise ApplicationError(
                        _("No unit with the code %(code)s is evaluated.") % {"code": code}
                    )
                score = None if value is None else _decimal(value, code)
                if score is not None and not 0 <= score <= 100:
                    raise ApplicationError(_("A score is between 0 and 100."))
                entry = data[component].setdefault(str(by_code[code]), {})
                entry["score"] = None if score is None else str(score)
                entry["source"] = _("what-if")
    return snap, data


# --- arrays -----------------------------------------------------------------------------------
def _num(value: Any) -> float:
    return NAN if value is None else float(value)


def build(snapshot: dict[str, Any], raw: dict[str, Any]) -> calc.ScoringInputs:
    """The engine's arrays from a snapshot and raw inputs (pure; no database)."""
    nodes_data = snapshot["indicators"]
    units = raw["units"]
    n, m = len(units), len(nodes_data)
    col = {node["id"]: j for j, node in enumerate(nodes_data)}
    row = {u["id"]: i for i, u in enumerate(units)}
    by_id = {node["id"]: node for node in nodes_data}
    nodes = [
        calc.IndicatorNode(
            key=node["code"],
            parent=by_id[node["parent_id"]]["code"] if node["parent_id"] in by_id else None,
            category=node["category"],
            rule=node["rule"],
            points=float(node["points"]),
            params={k: v for k, v in node["params"].items() if v is not None},
            direction=node["direction"],
        )
        for node in nodes_data
    ]
    shape = (n, m)
    actual = np.full(shape, NAN)
    target = np.full(shape, NAN)
    last_year = np.full(shape, NAN)
    on_time = np.zeros(shape)
    late = np.zeros(shape)
    total = np.zeros(shape)
    bonus_items = np.zeros(shape)
    for key, fig in raw["figures"].items():
        unit_id, indicator_id = (int(x) for x in key.split(":"))
        if unit_id not in row or indicator_id not in col:
            continue
        i, j = row[unit_id], col[indicator_id]
        if "milestones" in fig:
            on_time[i, j], late[i, j], total[i, j] = fig["milestones"]
            continue
        actual[i, j] = _num(fig.get("actual"))
        target[i, j] = _num(fig.get("target"))
        last_year[i, j] = _num(fig.get("last_year"))
        if by_id[indicator_id]["rule"] == calc.BONUS and fig.get("actual") is not None:
            bonus_items[i, j] = float(fig["actual"])
    deductions = np.zeros(shape)
    unattached = np.zeros(n)
    for d in raw["deductions"]:
        if d["unit_id"] not in row:
            continue
        i = row[d["unit_id"]]
        if d["indicator_id"] in col:
            deductions[i, col[d["indicator_id"]]] += float(d["points"])
        else:
            unattached[i] += float(d["points"])
    public = np.full(n, NAN)
    leader = np.full(n, NAN)
    for component, target_array in (("public_appraisal", public), ("leader_evaluation", leader)):
        for unit_id, entry in raw[component].items():
            if int(unit_id) in row and entry.get("score") is not None:
                target_array[row[int(unit_id)]] = float(entry["score"])
    bonus = np.zeros(n)
    penalty = np.zeros(n)
    for a in raw["adjustments"]:
        if a["unit_id"] in row:
            (bonus if a["kind"] == "bonus" else penalty)[row[a["unit_id"]]] += float(a["points"])
    grades = grade_rules(snapshot)
    names = {g.name for g in grades}
    vetoed = np.zeros(n, dtype=bool)
    veto_grade: list[str | None] = [None] * n
    for v in raw["vetoes"]:
        if v["unit_id"] in row:
            i = row[v["unit_id"]]
            cap = v.get("cap_grade")
            cap = cap if cap in names else None
            veto_grade[i] = _worse(grades, veto_grade[i], cap) if vetoed[i] else cap
            vetoed[i] = True
    last_score = np.full(n, NAN)
    last_rank = np.full(n, NAN)
    for unit_id, entry in raw["last_year"]["units"].items():
        if int(unit_id) in row:
            last_score[row[int(unit_id)]] = _num(entry.get("score"))
            last_rank[row[int(unit_id)]] = _num(entry.get("rank"))
    codes = {u["id"]: u["code"] for u in units}
    weights = snapshot["weights"]
    return calc.ScoringInputs(
        units=[u["code"] for u in units],
        groups=[u["group_code"] or "-" for u in units],
        nodes=nodes,
        applicable=np.array(raw["applicable"], dtype=bool).reshape(shape),
        actual=actual,
        target=target,
        last_year=last_year,
        milestones_on_time=on_time,
        milestones_late=late,
        milestones_total=total,
        bonus_items=bonus_items,
        deductions=deductions,
        deductions_unattached=unattached,
        public_appraisal=public,
        leader_evaluation=leader,
        bonus=bonus,
        penalty=penalty,
        vetoed=vetoed,
        veto_grade=veto_grade,
        weights=(
            float(weights["indicators"]),
            float(weights["public"]),
            float(weights["leader"]),
        ),
        missing_component=snapshot["missing_component"],
        points_total=float(snapshot["points_total"] or 0),
        grades=grades,
        last_year_score=last_score,
        last_year_rank=last_rank,
        tie_order={codes[int(k)]: v for k, v in raw["tie_order"].items() if int(k) in codes},
    )


def _worse(grades: list[calc.GradeRule], a: str | None, b: str | None) -> str | None:
    """Of two veto caps, the lower grade (None: the lowest grade)."""
    if a is None or b is None:
        return None
    order = [g.name for g in grades]
    return a if order.index(a) >= order.index(b) else b


def grade_rules(snapshot: dict[str, Any]) -> list[calc.GradeRule]:
    """The plan's grades, best first (DOMAIN.md defaults when it sets none)."""
    rules = []
    for rule in snapshot.get("grade_rules") or []:
        if isinstance(rule, Mapping) and rule.get("name") is not None:
            quota = rule.get("quota")
            rules.append(
                calc.GradeRule(
                    str(rule["name"]),
                    float(rule.get("min_score") or 0),
                    float(quota) if quota is not None else None,
                )
            )
    if not rules:
        return list(calc.DEFAULT_GRADES)
    return sorted(rules, key=lambda g: -g.min_score)
