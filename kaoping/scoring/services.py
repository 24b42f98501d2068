"""Writes of the scoring app: score runs (official and what-if), publication, and the office's
inputs (vetoes, adjustments, tie decisions, component scores — kaoping.scoring.office_inputs).

A run reads its inputs once (kaoping.scoring.inputs), records them with the plan version,
computes with the pure engine (kaoping.scoring.calculations) and stores explained lines in
bulk. A published official run never changes: a newer official run may supersede it, with a
reason, and the old one stays readable. What-if runs never touch an official run.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.plans.models import Plan
from kaoping.scoring import calculations as calc
from kaoping.scoring import inputs as gathering
from kaoping.scoring.models import PointsLost, ScoreLine, ScoreRun, UnitResult
from kaoping.scoring.office_inputs import (
    ImportOutcome,
    adjustment_approve,
    adjustment_record,
    adjustment_withdraw,
    component_score_import,
    component_score_record,
    require_office,
    tie_decision_record,
    veto_approve,
    veto_propose,
    veto_withdraw,
)

__all__ = [
    "Computed",
    "ImportOutcome",
    "adjustment_approve",
    "adjustment_record",
    "adjustment_withdraw",
    "component_score_import",
    "component_score_record",
    "compute",
    "load_overrides",
    "score_preview",
    "score_run_compute",
    "score_run_delete",
    "score_run_publish",
    "score_run_start",
    "tie_decision_record",
    "veto_approve",
    "veto_propose",
    "veto_withdraw",
    "what_if_run",
]

PLACES = Decimal("0.000001")  # stored precision; display rounds half-up to 2 decimals


def _dec(value: Any) -> Decimal | None:
    """A float64 as a stored Decimal (6 places); NaN → None."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return Decimal(repr(number)).quantize(PLACES, rounding=ROUND_HALF_UP)


def _clean(value: Any) -> Any:
    """A JSON-able copy: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


# --- computing (no writes) --------------------------------------------------------------------
@dataclass
class UnitRow:
    """One unit's outcome, before it is stored (also what `kaoping score --json` prints)."""

    unit_id: int
    unit_code: str
    unit_name: str
    group_id: int | None
    group_code: str
    group_name: str
    indicators_points: Decimal | None
    indicators: Decimal | None
    public_appraisal: Decimal | None
    leader_evaluation: Decimal | None
    bonus: Decimal
    penalty: Decimal
    deductions: Decimal
    composite: Decimal | None
    failed: bool
    grade: str
    rank: int | None
    vetoed: bool
    veto_reason: str
    score_change: Decimal | None
    rank_change: int | None
    points_lost: Decimal
    components_missing: list[str]
    explanation: dict[str, Any]


@dataclass
class LineRow:
    """One node × unit line, before it is stored."""

    unit_id: int
    indicator_id: int
    points: Decimal
    score: Decimal | None
    status: str
    explanation: dict[str, Any]


@dataclass
class LostRow:
    """Points the county lost on a provincial indicator, attributed to one lead unit."""

    indicator_id: int | None
    lead_unit_id: int
    leader_id: int | None
    share: Decimal
    score_shortfall: Decimal
    deductions: Decimal
    points: Decimal


@dataclass
class Computed:
    """A computation's outcome: per unit, per line and the accountability rows."""

    units: list[UnitRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)
    lost: list[LostRow] = field(default_factory=list)


def _veto_reasons(raw: dict[str, Any]) -> dict[int, str]:
    found: dict[int, list[str]] = defaultdict(list)
    for v in raw["vetoes"]:
        found[v["unit_id"]].append(f"{v['condition_name']}：{v['reason']}")
    return {unit_id: "；".join(texts) for unit_id, texts in found.items()}


def _accountability(
    snapshot: dict[str, Any],
    raw: dict[str, Any],
    result: calc.ScoringResult,
) -> list[LostRow]:
    """谁丢分谁负责 for a provincial plan (the county is its only unit): each indicator's lost
    points split among its lead units by share, with their responsible leaders; deductions
    not tied to an indicator go to the unit the inspection held responsible."""
    nodes = snapshot["indicators"]
    col = {n["id"]: j for j, n in enumerate(nodes)}
    by_indicator: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in raw["assignments"]:
        if a["indicator_id"] in col:
            by_indicator[a["indicator_id"]].append(a)
    ids = [i for i in by_indicator if not np.isnan(result.node_score[0, col[i]])]
    rows: list[LostRow] = []
    if ids:
        leads = sorted({a["lead_unit_id"] for i in ids for a in by_indicator[i]})
        lead_col = {u: k for k, u in enumerate(leads)}
        shares = np.zeros((len(ids), len(leads)))
        for r, ind in enumerate(ids):
            for a in by_indicator[ind]:
                shares[r, lead_col[a["lead_unit_id"]]] += float(a["share"])
            total = shares[r].sum()
            if total > 0:
                shares[r] /= total
        points = [float(nodes[col[i]]["points"]) for i in ids]
        rule_scores = [result.node_rule_score[0, col[i]] for i in ids]
        finals = [result.node_score[0, col[i]] for i in ids]
        lost = calc.points_lost(points, rule_scores, finals, shares)
        for r, ind in enumerate(ids):
            shortfall = max(0.0, points[r] - float(rule_scores[r]))
            deducted = max(0.0, float(rule_scores[r]) - float(finals[r]))
            for a in by_indicator[ind]:
                k = lead_col[a["lead_unit_id"]]
                value = float(lost.matrix[r, k])
                if value <= 1e-12:
                    continue
                share = shares[r, k]
                rows.append(
                    LostRow(
                        indicator_id=ind,
                        lead_unit_id=a["lead_unit_id"],
                        leader_id=a["leader_id"],
                        share=Decimal(repr(round(float(share), 4))),
                        score_shortfall=_dec(shortfall * share) or Decimal(0),
                        deductions=_dec(deducted * share) or Decimal(0),
                        points=_dec(value) or Decimal(0),
                    )
                )
    for d in raw["deductions"]:
        if d["indicator_id"] in col or not d.get("responsible_unit_id"):
            continue
        points_value = Decimal(d["points"])
        if points_value > 0:
            rows.append(
                LostRow(
                    indicator_id=None,
                    lead_unit_id=d["responsible_unit_id"],
                    leader_id=d.get("responsible_leader_id"),
                    share=Decimal(1),
                    score_shortfall=Decimal(0),
                    deductions=points_value,
                    points=points_value,
                )
            )
    return rows


def compute(snapshot: dict[str, Any], raw: dict[str, Any]) -> Computed:
    """Score a plan version on raw inputs and explain every line (pure of writes)."""
    engine_inputs = gathering.build(snapshot, raw)
    result = calc.score(engine_inputs)
    nodes = snapshot["indicators"]
    units = raw["units"]
    reports: dict[tuple[int, int], list[int]] = {}
    periods: dict[tuple[int, int], str | None] = {}
    for key, fig in raw["figures"].items():
        unit_id, indicator_id = (int(x) for x in key.split(":"))
        reports[(unit_id, indicator_id)] = [r for r in fig.get("reports", []) if r]
        periods[(unit_id, indicator_id)] = fig.get("period")
    deductions: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for d in raw["deductions"]:
        deductions[(d["unit_id"], d["indicator_id"])].append(d["id"])
    node_ids = {n["id"] for n in nodes}
    vetoes = _veto_reasons(raw)
    lost_points = raw["points_lost"]["units"]
    out = Computed()
    if snapshot["plan_kind"] == Plan.Kind.PROVINCIAL and units:
        out.lost = _accountability(snapshot, raw, result)
    for i, unit in enumerate(units):
        uid = unit["id"]
        for j, node in enumerate(nodes):
            if not engine_inputs.applicable[i, j]:
                continue
            explanation = _clean(calc.explain(engine_inputs, result, i, j))
            explanation["sources"] = {
                "reports": reports.get((uid, node["id"]), []),
                "period": periods.get((uid, node["id"])),
                "deductions": deductions.get((uid, node["id"]), []),
            }
            out.lines.append(
                LineRow(
                    unit_id=uid,
                    indicator_id=node["id"],
                    points=Decimal(node["points"]),
                    score=_dec(result.node_score[i, j]),
                    status=calc.NodeStatus(int(result.node_status[i, j])).label,
                    explanation=explanation,
                )
            )
        composite = _clean(calc.explain_composite(engine_inputs, result, i))
        composite["sources"] = {
            "public_appraisal": raw["public_appraisal"].get(str(uid)),
            "leader_evaluation": raw["leader_evaluation"].get(str(uid)),
            "adjustments": [a for a in raw["adjustments"] if a["unit_id"] == uid],
            "vetoes": [v for v in raw["vetoes"] if v["unit_id"] == uid],
            "deductions_unattached": [
                d["id"]
                for d in raw["deductions"]
                if d["unit_id"] == uid and d["indicator_id"] not in node_ids
            ],
            "last_year_run": raw["last_year"]["run_id"],
            "provincial_run": raw["points_lost"]["run_id"],
        }
        if snapshot["plan_kind"] == Plan.Kind.PROVINCIAL:
            lost = sum((r.points for r in out.lost), Decimal(0))
        else:
            lost = Decimal(lost_points.get(str(uid), "0"))
        rank = int(result.rank[i])
        rank_change = float(result.rank_change[i])
        out.units.append(
            UnitRow(
                unit_id=uid,
                unit_code=unit["code"],
                unit_name=unit["name"],
                group_id=unit["group_id"],
                group_code=unit["group_code"],
                group_name=unit["group_name"],
                indicators_points=_dec(result.indicators_points[i]),
                indicators=_dec(result.indicators_scaled[i]),
                public_appraisal=_dec(engine_inputs.public_appraisal[i]),
                leader_evaluation=_dec(engine_inputs.leader_evaluation[i]),
                bonus=_dec(engine_inputs.bonus[i]) or Decimal(0),
                penalty=_dec(engine_inputs.penalty[i]) or Decimal(0),
                deductions=_dec(result.deduction_total[i]) or Decimal(0),
                composite=_dec(result.composite[i]),
                failed=bool(result.failed[i]),
                grade=result.grade[i],
                rank=rank if rank > 0 else None,
                vetoed=bool(engine_inputs.vetoed[i]),
                veto_reason=vetoes.get(uid, ""),
                score_change=_dec(result.score_change[i]),
                rank_change=None if math.isnan(rank_change) else int(rank_change),
                points_lost=lost,
                components_missing=list(result.components_missing[i]),
                explanation=composite,
            )
        )
    return out


def score_preview(
    *, plan: Plan, as_of: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Computed:
    """Compute a plan's results now without storing anything (for `kaoping score`)."""
    snapshot, raw = gathering.gather(plan, as_of)
    if overrides:
        snapshot, raw = gathering.apply_overrides(snapshot, raw, overrides)
    return compute(snapshot, raw)


# --- storing ----------------------------------------------------------------------------------
def _store(run: ScoreRun, computed: Computed) -> None:
    UnitResult.objects.bulk_create(
        [
            UnitResult(
                run=run,
                unit_id=u.unit_id,
                group_id=u.group_id,
                group_name=u.group_name,
                indicators_points=u.indicators_points,
                indicators=u.indicators,
                public_appraisal=u.public_appraisal,
                leader_evaluation=u.leader_evaluation,
                bonus=u.bonus,
                penalty=u.penalty,
                deductions=u.deductions,
                composite=u.composite,
                failed=u.failed,
                grade=u.grade,
                rank=u.rank,
                vetoed=u.vetoed,
                veto_reason=u.veto_reason,
                score_change=u.score_change,
                rank_change=u.rank_change,
                points_lost=u.points_lost,
                components_missing=u.components_missing,
                explanation=u.explanation,
            )
            for u in computed.units
        ],
        batch_size=500,
    )
    ScoreLine.objects.bulk_create(
        [
            ScoreLine(
                run=run,
                unit_id=line.unit_id,
                indicator_id=line.indicator_id,
                points=line.points,
                score=line.score,
                status=line.status,
                explanation=line.explanation,
            )
            for line in computed.lines
        ],
        batch_size=1000,
    )
    PointsLost.objects.bulk_create(
        [
            PointsLost(
                run=run,
                indicator_id=r.indicator_id,
                lead_unit_id=r.lead_unit_id,
                leader_id=r.leader_id,
                share=r.share,
                score_shortfall=r.score_shortfall,
                deductions=r.deductions,
                points=r.points,
            )
            for r in computed.lost
        ],
        batch_size=500,
    )


def _finish(run: ScoreRun) -> ScoreRun:
    """Compute a "computing" run from its recorded inputs and store its lines."""
    snapshot, raw = run.plan_snapshot, run.inputs
    try:
        computed = compute(snapshot, raw)
    except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
        run.status = ScoreRun.Status.FAILED
        run.error = str(exc)[:2000]
    else:
        _store(run, computed)
        run.status = ScoreRun.Status.DONE
        run.error = ""
    run.computed_at = timezone.now()
    run.save(update_fields=["status", "error", "computed_at", "updated_at"])
    return run


def _record(
    *,
    actor: Any,
    plan: Plan,
    kind: str,
    label: str,
    snapshot: dict[str, Any],
    raw: dict[str, Any],
    overrides: Mapping[str, Any] | None = None,
    based_on: ScoreRun | None = None,
) -> ScoreRun:
    return ScoreRun.objects.create(
        plan=plan,
        kind=kind,
        status=ScoreRun.Status.COMPUTING,
        label=(label or "").strip()[:200],
        as_of_period=raw["as_of"],
        plan_snapshot=snapshot,
        plan_hash=snapshot["hash"],
        inputs=raw,
        inputs_hash=gathering.canonical_hash(raw),
        overrides=_clean(dict(overrides or {})),
        based_on=based_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _audit_run(actor: Any, action: str, run: ScoreRun, **extra: Any) -> None:
    audit_event(
        actor=actor,
        action=action,
        obj=run,
        after={
            "plan": run.plan.code,
            "kind": run.kind,
            "status": run.status,
            "as_of": run.as_of_period,
            "plan_hash": run.plan_hash,
            "inputs_hash": run.inputs_hash,
            "units": run.results.count(),
            **extra,
        },
    )


@transaction.atomic
def score_run_start(
    *,
    actor: Any,
    plan: Plan,
    as_of: str | None = None,
    label: str = "",
    background: bool = False,
) -> ScoreRun:
    """Start an official (draft) run of a plan: record its inputs and compute it now, or
    leave it "computing" for the background job (a province-sized plan)."""
    require_office(actor, plan)
    if plan.status == Plan.Status.DRAFT:
        raise ApplicationError(_("A draft plan cannot be scored: publish it first."))
    snapshot, raw = gathering.gather(plan, as_of)
    run = _record(
        actor=actor,
        plan=plan,
        kind=ScoreRun.Kind.OFFICIAL,
        label=label,
        snapshot=snapshot,
        raw=raw,
    )
    if background:
        from kaoping.scoring.jobs import compute_run_job

        transaction.on_commit(lambda: compute_run_job(run.pk))
    else:
        _finish(run)
    _audit_run(actor, "score_run.start", run, background=background)
    return run


@transaction.atomic
def score_run_compute(*, run_id: int) -> ScoreRun:
    """Compute a run left "computing" (the background job); others are left as they are."""
    run = ScoreRun.objects.select_for_update().select_related("plan").get(pk=run_id)
    if run.status != ScoreRun.Status.COMPUTING:
        return run
    _finish(run)
    _audit_run(None, "score_run.compute", run)
    return run


@transaction.atomic
def score_run_fail(*, run_id: int, error: str) -> ScoreRun | None:
    """The background job gave up on a run: mark it failed with the error, if it is still
    "computing" (the system's write, audited; the office deletes it and starts anew)."""
    run = ScoreRun.objects.select_for_update().select_related("plan").filter(pk=run_id).first()
    if run is None or run.status != ScoreRun.Status.COMPUTING:
        return run
    run.status = ScoreRun.Status.FAILED
    run.error = error[:2000]
    run.computed_at = timezone.now()
    run.save(update_fields=["status", "error", "computed_at", "updated_at"])
    _audit_run(None, "score_run.fail", run, error=error[:200])
    return run


def load_overrides(text: str | bytes) -> dict[str, Any]:
    """What-if changes from a YAML or JSON document (JSON is YAML)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ApplicationError(
            _("The what-if file is not YAML or JSON: %(e)s") % {"e": exc}
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ApplicationError(_("The what-if file must hold a mapping of settings."))
    return data


@transaction.atomic
def what_if_run(
    *,
    actor: Any,
    plan: Plan,
    overrides: Mapping[str, Any],
    based_on: ScoreRun | None = None,
    as_of: str | None = None,
    label: str = "",
) -> ScoreRun:
    """A what-if run: the base run's recorded inputs (or the current ones) with changed
    weights, deductions or component scores. It never touches an official run."""
    require_office(actor, plan)
    if based_on is not None:
        if based_on.plan_id != plan.pk:
            raise ApplicationError(_("The base run is of another plan."))
        if based_on.status not in (ScoreRun.Status.DONE, ScoreRun.Status.PUBLISHED):
            raise ApplicationError(_("The base run has no results."))
        snapshot, raw = based_on.plan_snapshot, based_on.inputs
    else:
        snapshot, raw = gathering.gather(plan, as_of)
    settings = dict(overrides)
    label = label or str(settings.pop("label", "") or "")
    settings.pop("label", None)
    snapshot, raw = gathering.apply_overrides(snapshot, raw, settings)
    run = _record(
        actor=actor,
        plan=plan,
        kind=ScoreRun.Kind.WHAT_IF,
        label=label or _("What-if"),
        snapshot=snapshot,
        raw=raw,
        overrides=settings,
        based_on=based_on,
    )
    _finish(run)
    _audit_run(actor, "score_run.what_if", run, overrides=run.overrides)
    return run


@transaction.atomic
def score_run_publish(*, actor: Any, run: ScoreRun, reason: str = "") -> ScoreRun:
    """Publish an official run: it becomes the plan's result and never changes again. A run
    already published for the plan is superseded (kept, readable) — a reason is required."""
    run = ScoreRun.objects.select_for_update().select_related("plan").get(pk=run.pk)
    require_office(actor, run.plan)
    if run.kind != ScoreRun.Kind.OFFICIAL:
        raise ApplicationError(_("A what-if run cannot be published."))
    if run.status == ScoreRun.Status.PUBLISHED:
        raise ApplicationError(_("This run is already published."))
    if run.status != ScoreRun.Status.DONE:
        raise ApplicationError(_("Only a computed run can be published."))
    if gathering.plan_snapshot(run.plan)["hash"] != run.plan_hash:
        raise ApplicationError(
            _("The plan changed after this run was computed: start a new run and publish that.")
        )
    reason = (reason or "").strip()
    current = gathering.current_official_run(run.plan)
    now = timezone.now()
    if current is not None:
        if not reason:
            raise ApplicationError(
                _(
                    "Results are already published for this plan: give the reason for "
                    "publishing anew."
                )
            )
        current.superseded_by = run
        current.superseded_at = now
        current.supersede_reason = reason
        current.save(update_fields=["superseded_by", "superseded_at", "supersede_reason"])
        audit_event(
            actor=actor,
            action="score_run.supersede",
            obj=current,
            reason=reason,
            after={"superseded_by": run.pk},
        )
    run.status = ScoreRun.Status.PUBLISHED
    run.published_by = actor if getattr(actor, "is_authenticated", False) else None
    run.published_at = now
    run.publish_reason = reason
    run.row_version += 1
    run.save(
        update_fields=[
            "status",
            "published_by",
            "published_at",
            "publish_reason",
            "row_version",
            "updated_at",
        ]
    )
    _audit_run(actor, "score_run.publish", run, reason=reason)
    return run


@transaction.atomic
def score_run_delete(*, actor: Any, run: ScoreRun) -> None:
    """Delete a draft, failed or what-if run (a published one stays forever)."""
    run = ScoreRun.objects.select_related("plan").get(pk=run.pk)
    require_office(actor, run.plan)
    if run.status == ScoreRun.Status.PUBLISHED:
        raise ApplicationError(_("A published official score run cannot be changed."))
    if run.what_ifs.exists():
        run.what_ifs.update(based_on=None)
    audit_event(
        actor=actor,
        action="score_run.delete",
        obj=run,
        before={"plan": run.plan.code, "kind": run.kind, "status": run.status},
    )
    run.delete()


def overrides_text(overrides: Mapping[str, Any]) -> str:
    """A what-if's changes as readable JSON (for pages and the audit trail)."""
    return json.dumps(_clean(dict(overrides)), ensure_ascii=False, indent=2, sort_keys=True)
