"""The scoring engine: indicator scores, roll-up, composite, grades, ranks and explanations.

Pure and vectorised (DOMAIN.md "Indicator scores" and "Composite score and results"): numpy
and the standard library only — no ORM, no request, no clock. The caller (the scoring app's
services) loads a plan and its figures into a `ScoringInputs` of plain arrays, with every rule
parameter already filled with its default (`kaoping.plans.scoring_params.effective_params`),
calls `score()`, and stores the `ScoringResult`. `explain()` and `explain_composite()` rebuild
the arithmetic of one line on demand, as JSON-serialisable dicts.

Everything is computed in float64; `round_half_up()` is for display only. The developer
documentation, with every formula and choice, is docs/scoring-engine.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Scoring rules: the values of kaoping.plans.models.Indicator.ScoringRule (kept as plain
# strings so that this module never imports Django).
TARGET_COMPLETION = "target_completion"
THRESHOLD = "threshold"
LINEAR = "linear"
EFFICACY = "efficacy"
RATIO_TO_BEST = "ratio_to_best"
LOWER_BETTER = "lower_better"
GROWTH_RATE = "growth_rate"
RANKING = "ranking"
MILESTONES = "milestones"
DEDUCTION_ONLY = "deduction_only"
BONUS = "bonus"
SUM_CHILDREN = "sum_children"
RULES = (
    TARGET_COMPLETION,
    THRESHOLD,
    LINEAR,
    EFFICACY,
    RATIO_TO_BEST,
    LOWER_BETTER,
    GROWTH_RATE,
    RANKING,
    MILESTONES,
    DEDUCTION_ONLY,
    BONUS,
    SUM_CHILDREN,
)

# The category whose subtotal takes the deductions not tied to an indicator
# (Indicator.Category.EXECUTIVE, 效能建设 / 机关执行力).
EXECUTIVE_CATEGORY = "executive"

# Composite components, named as the plan's `weights` keys.
COMPONENTS = ("indicators", "public", "leader")

# Plan.MissingComponent values.
RENORMALISE = "renormalise"
FAIL = "fail"

# Scores equal to this many decimal places are tied (ranking) and meet a grade threshold
# they fall short of only by float noise.
TIE_DECIMALS = 9


class NodeStatus(IntEnum):
    """Why a node × unit has the score it has (stored as int8 in `ScoringResult.node_status`)."""

    SCORED = 0
    MISSING_INPUT = 1  # the unit reported nothing needed: it earns 0 for the item
    NOT_APPLICABLE = 2  # the item does not apply to the unit: no score (NaN), no full points
    NOT_COMPARABLE = 3  # target / base zero, negative or missing: 0 points, reason explained

    @property
    def label(self) -> str:
        """The status as the lower-case string used in explanations and JSON."""
        return self.name.lower()


class GradeReason:
    """Why a unit has its grade (`ScoringResult.grade_reason`)."""

    THRESHOLD = "threshold"  # the best grade its score reaches, quota permitting
    QUOTA = "quota"  # a better grade's quota was full: fell to the next grade
    QUOTA_TIE = "quota_tie"  # an unbreakable tie straddled a quota line: the whole tie fell
    VETO = "veto"  # capped by a veto
    FAILED = "failed"  # not scored (missing component in "fail" mode): no grade


@dataclass(frozen=True)
class IndicatorNode:
    """One node of the plan's indicator tree, as the engine needs it.

    `params` holds the rule's parameters with the plan's values or their defaults already
    filled in (floats; a parameter that is None may be left out). A node with children is
    always the sum of its children (its rule should be "sum_children"; another rule on a
    parent is ignored). `direction` ("higher" | "lower" | "none"; "none" counts as higher)
    steers threshold, linear, ranking and target_completion when the node says "lower".
    """

    key: str
    parent: str | None
    category: str
    rule: str
    points: float
    params: Mapping[str, float | None] = field(default_factory=dict)
    direction: str = "higher"


@dataclass(frozen=True)
class GradeRule:
    """One grade (等次), best first: its name, lowest composite score and optional quota.

    `quota` is the largest share of a group that may get this grade (0 < q ≤ 1, rounded down,
    by rank); None means no quota.
    """

    name: str
    min_score: float
    quota: float | None = None


DEFAULT_GRADES: tuple[GradeRule, ...] = (
    GradeRule("优秀", 90.0, 0.3),
    GradeRule("良好", 80.0),
    GradeRule("一般", 60.0),
    GradeRule("较差", 0.0),
)


@dataclass
class ScoringInputs:
    """Everything one scoring run needs, as arrays over n units × m nodes.

    Units are rows (in any order: the result does not depend on it); nodes are columns, in
    tree order with every parent before its children. Missing numbers are NaN.

    - `applicable[u, j]`: the node applies to the unit (a node whose parent does not apply
      does not apply either).
    - `actual`, `target`: reported value and the unit's target (leaves; growth_rate takes the
      target rate g* in %). `last_year`: same-period last-year cumulative value (growth_rate).
    - `milestones_*`: counts for milestones nodes. `bonus_items`: raw bonus sum (bonus nodes).
    - `deductions[u, j]`: inspection deduction points tied to the node; `deductions_unattached`:
      those tied to no indicator, taken off the executive category.
    - `public_appraisal`, `leader_evaluation`: components A and L (0–100).
    - `bonus`, `penalty`: composite bonus and penalty points. `vetoed`, `veto_grade`: veto and
      the grade it caps at (None: the lowest grade).
    - `weights`: (w_I, w_P, w_L), summing to 1. `missing_component`: "renormalise" | "fail".
    - `points_total`: the tree's full points (0: the sum of the top-level full points).
    - `grades`: best first. `last_year_score`, `last_year_rank`: last year's official run.
    - `tie_order`: the office's recorded decision for ties no rule breaks, unit key → order
      (lower wins); units not listed come after listed ones and stay tied among themselves.
    - `difficulty`: optional per-unit difficulty coefficients k (n, m) for ratio_to_best; NaN
      or None means the node's `difficulty` parameter.
    """

    units: Sequence[str]
    groups: Sequence[str]
    nodes: Sequence[IndicatorNode]
    applicable: BoolArray
    actual: FloatArray
    target: FloatArray
    last_year: FloatArray
    milestones_on_time: FloatArray
    milestones_late: FloatArray
    milestones_total: FloatArray
    bonus_items: FloatArray
    deductions: FloatArray
    deductions_unattached: FloatArray
    public_appraisal: FloatArray
    leader_evaluation: FloatArray
    bonus: FloatArray
    penalty: FloatArray
    vetoed: BoolArray
    veto_grade: Sequence[str | None]
    weights: tuple[float, float, float] = (0.6, 0.3, 0.1)
    missing_component: str = RENORMALISE
    points_total: float = 0.0
    grades: Sequence[GradeRule] = DEFAULT_GRADES
    last_year_score: FloatArray | None = None
    last_year_rank: FloatArray | None = None
    tie_order: Mapping[str, int] = field(default_factory=dict)
    difficulty: FloatArray | None = None


@dataclass
class ScoringResult:
    """The outcome of `score()`: per node × unit, per unit, and the tree's shape.

    Per node × unit (n, m): `node_score` (NaN where not applicable), `node_rule_score` (the
    score by the rule before inspection deductions; for a parent, its remainder plus the sum of
    its children), `node_status` (`NodeStatus` codes, int8), `node_full` (the points the unit
    could earn on the node, bonus excluded; 0 where not applicable), `peer_reference` (the best
    peer's x × k for ratio_to_best, the rank r for ranking; NaN elsewhere).

    Per unit (n,): `indicators_points` (sum of the top-level scores), `indicators_full` (its
    full points), `indicators_scaled` (I on 0–100), `composite` (S; NaN when failed),
    `components_missing` (names from COMPONENTS), `failed`, `grade` ("" when failed),
    `grade_by_score` (the grade by thresholds alone), `grade_reason` (GradeReason values),
    `rank` (competition ranking within the group after tie-breaks; 0 when failed),
    `score_change` and `rank_change` (NaN without last year; rank change positive = moved up),
    `deduction_total` (deductions on applicable nodes plus unattached ones, as recorded).

    `children[j]`: the column indexes of node j's children.
    """

    node_score: FloatArray
    node_rule_score: FloatArray
    node_status: npt.NDArray[np.int8]
    node_full: FloatArray
    peer_reference: FloatArray
    indicators_points: FloatArray
    indicators_full: FloatArray
    indicators_scaled: FloatArray
    composite: FloatArray
    components_missing: list[tuple[str, ...]]
    failed: BoolArray
    grade: list[str]
    grade_by_score: list[str]
    grade_reason: list[str]
    rank: IntArray
    score_change: FloatArray
    rank_change: FloatArray
    deduction_total: FloatArray
    children: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class PointsLost:
    """Points the county lost on its provincial indicators, and who answers for them.

    `per_indicator` (k,): points lost on each indicator; `per_unit` (u,): attributed to each
    lead unit by the assignment shares; `matrix` (k, u): the attribution itself;
    `unattributed` (k,): the part of each indicator's loss no share covers.
    """

    per_indicator: FloatArray
    per_unit: FloatArray
    matrix: FloatArray
    unattributed: FloatArray


# --------------------------------------------------------------------------------------------
# Defaults and small helpers
# --------------------------------------------------------------------------------------------

# The defaults of kaoping.plans.scoring_params.RULE_PARAMS, used only when the caller leaves a
# parameter out (the caller is expected to fill them). Required parameters have none: a node
# missing one is not comparable.
PARAM_DEFAULTS: dict[str, dict[str, float]] = {
    TARGET_COMPLETION: {"cap": 1.0, "floor": 0.6},
    LOWER_BETTER: {"cap": 1.0, "floor": 0.6},
    RATIO_TO_BEST: {"difficulty": 1.0},
    GROWTH_RATE: {"band": 10.0},
    RANKING: {"step": 0.05},
    MILESTONES: {"late_credit": 0.5},
}

# Comparisons at a rule's discontinuity (completion vs floor, growth vs target rate, a grade's
# minimum) allow this much float noise, so that 0.6 computed as 0.59999999999999998 still
# reaches a 0.6 floor. The Decimal reference in the tests applies the same tolerance.
BOUNDARY_TOLERANCE = 1e-9

_STATUS_SCORED = np.int8(NodeStatus.SCORED)
_STATUS_MISSING = np.int8(NodeStatus.MISSING_INPUT)
_STATUS_NA = np.int8(NodeStatus.NOT_APPLICABLE)
_STATUS_NC = np.int8(NodeStatus.NOT_COMPARABLE)


def _param(node: IndicatorNode, key: str) -> float:
    """A node's parameter as a float: the plan's value, else the engine default, else NaN."""
    value = node.params.get(key)
    if value is None:
        return PARAM_DEFAULTS.get(node.rule, {}).get(key, float("nan"))
    return float(value)


def _bonus_cap(node: IndicatorNode) -> float:
    """A bonus node's cap: its `cap`, else its points (plan-format.md), else no cap if P = 0."""
    value = node.params.get("cap")
    if value is not None and not np.isnan(float(value)):
        return float(value)
    return float(node.points) if node.points > 0 else float("inf")


def _is_lower(node: IndicatorNode) -> bool:
    return node.rule == LOWER_BETTER or node.direction == "lower"


@dataclass(frozen=True)
class _Tree:
    """The plan's tree as index arrays."""

    index: dict[str, int]
    parent: tuple[int, ...]  # -1 for a top-level node
    children: tuple[tuple[int, ...], ...]
    nominal_full: FloatArray  # (m,) full points with every node applicable
    remainder: FloatArray  # (m,) points a parent keeps beyond its children's (deduction-only)


def _tree(nodes: Sequence[IndicatorNode]) -> _Tree:
    index: dict[str, int] = {}
    parent: list[int] = []
    for j, node in enumerate(nodes):
        if node.key in index:
            raise ValueError(f"Indicator {node.key!r} appears twice.")
        if node.rule not in RULES:
            raise ValueError(f"Indicator {node.key!r} has an unknown scoring rule {node.rule!r}.")
        if node.parent is None:
            parent.append(-1)
        elif node.parent not in index:
            raise ValueError(f"Indicator {node.key!r} comes before its parent {node.parent!r}.")
        else:
            parent.append(index[node.parent])
        index[node.key] = j
    m = len(nodes)
    kids: list[list[int]] = [[] for _ in range(m)]
    for j, p in enumerate(parent):
        if p >= 0:
            kids[p].append(j)
    nominal = np.zeros(m)
    remainder = np.zeros(m)
    for j in reversed(range(m)):
        node = nodes[j]
        if kids[j]:
            below = float(sum(nominal[c] for c in kids[j]))
            remainder[j] = max(0.0, node.points - below) if node.points > 0 else 0.0
            nominal[j] = remainder[j] + below
        else:
            nominal[j] = 0.0 if node.rule == BONUS else float(node.points)
    return _Tree(index, tuple(parent), tuple(tuple(k) for k in kids), nominal, remainder)


def _floats(value: Any, shape: tuple[int, ...], name: str) -> FloatArray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{name} has shape {array.shape}, expected {shape}.")
    return array


def _group_ids(groups: Sequence[str]) -> IntArray:
    """Each unit's group as 0, 1, … in order of first appearance."""
    codes: dict[str, int] = {}
    return np.array([codes.setdefault(g, len(codes)) for g in groups], dtype=np.int64)


def _quota_size(quota: float, members: int) -> int:
    """floor(quota × members), exact for decimal quotas such as 0.29 (no float rounding)."""
    return math.floor(Decimal(repr(float(quota))) * members)


# --------------------------------------------------------------------------------------------
# Leaf rules: each takes the columns of its rule and returns (rule score, status)
# --------------------------------------------------------------------------------------------


def _completion(
    actual: FloatArray, target: FloatArray, lower: BoolArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """Completion c (actual/target; lower is better: target/actual) and the status it implies.

    Higher is better: not comparable if the target is missing or ≤ 0. Lower is better: not
    comparable if the target is missing or either value is negative; an actual of 0 is the best
    possible value, c = +inf (the rule's cap then applies).
    """
    status = np.full(actual.shape, _STATUS_SCORED, dtype=np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        higher_c = actual / target
        lower_c = np.where(actual == 0, np.inf, target / actual)
    c = np.where(lower, lower_c, higher_c)
    bad_target = np.isnan(target) | np.where(lower, (target < 0) | (actual < 0), target <= 0)
    status[bad_target] = _STATUS_NC
    status[np.isnan(actual)] = _STATUS_MISSING
    return c, status


def _rule_target_completion(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray, points: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    lower = np.array([_is_lower(nodes[j]) for j in cols])
    cap = np.array([_param(nodes[j], "cap") for j in cols])
    floor = np.array([_param(nodes[j], "floor") for j in cols])
    c, status = _completion(inputs.actual[:, cols], inputs.target[:, cols], lower)
    with np.errstate(invalid="ignore"):
        reached = c >= floor - BOUNDARY_TOLERANCE
        value = np.where(reached, points * np.maximum(np.minimum(c, cap), 0.0), 0.0)
    return np.where(status == _STATUS_SCORED, value, 0.0), status


def _rule_threshold(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray, points: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    lower = np.array([_is_lower(nodes[j]) for j in cols])
    actual, target = inputs.actual[:, cols], inputs.target[:, cols]
    status = np.full(actual.shape, _STATUS_SCORED, dtype=np.int8)
    status[np.isnan(target)] = _STATUS_NC
    status[np.isnan(actual)] = _STATUS_MISSING
    with np.errstate(invalid="ignore"):
        met = np.where(lower, actual <= target, actual >= target)
    return np.where((status == _STATUS_SCORED) & met, points, 0.0), status


def _rule_linear(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray, points: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    lower = np.array([_is_lower(nodes[j]) for j in cols])
    base = np.array([_param(nodes[j], "base") for j in cols])
    step = np.array([_param(nodes[j], "step") for j in cols])
    ucap = np.array([_param(nodes[j], "bonus_cap") for j in cols])
    c, status = _completion(inputs.actual[:, cols], inputs.target[:, cols], lower)
    status[:, np.isnan(base) | np.isnan(step) | np.isnan(ucap)] = _STATUS_NC
    with np.errstate(invalid="ignore", over="ignore"):
        diff = step * (c - 1.0) * 100.0
        best = np.where(step > 0, ucap, 0.0)  # an actual of 0, lower is better: c = +inf
        above = np.where(np.isinf(c), best, np.minimum(ucap, diff))
        value = np.where(c >= 1.0, base + above, np.maximum(0.0, base + diff))
    return np.where(status == _STATUS_SCORED, value, 0.0), status


def _rule_efficacy(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray, points: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    x_h = np.array([_param(nodes[j], "satisfactory") for j in cols])
    x_s = np.array([_param(nodes[j], "not_allowed") for j in cols])
    actual = inputs.actual[:, cols]
    status = np.full(actual.shape, _STATUS_SCORED, dtype=np.int8)
    status[:, np.isnan(x_h) | np.isnan(x_s) | (x_h == x_s)] = _STATUS_NC
    status[np.isnan(actual)] = _STATUS_MISSING
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.clip(60.0 + 40.0 * (actual - x_s) / (x_h - x_s), 0.0, 100.0)
        value = d * points / 100.0
    return np.where(status == _STATUS_SCORED, value, 0.0), status


def _difficulty(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray
) -> FloatArray:
    k = np.array([_param(nodes[j], "difficulty") for j in cols])[None, :]
    k = np.broadcast_to(k, (len(inputs.units), len(cols)))
    if inputs.difficulty is not None:
        per_unit = np.asarray(inputs.difficulty, dtype=np.float64)[:, cols]
        k = np.where(np.isnan(per_unit), k, per_unit)
    return np.asarray(k, dtype=np.float64)


def _group_max(values: FloatArray, gid: IntArray, groups: int) -> FloatArray:
    """Each row's group maximum of `values` (n, k), ignoring NaN (all-NaN → -inf)."""
    order = np.argsort(gid, kind="stable")
    counts = np.bincount(gid, minlength=groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    filled = np.where(np.isnan(values), -np.inf, values)[order]
    present = counts > 0
    best = np.full((groups, values.shape[1]), -np.inf)
    if filled.shape[0]:
        best[present] = np.maximum.reduceat(filled, starts[present], axis=0)
    return best[gid]


def _rule_ratio_to_best(
    nodes: Sequence[IndicatorNode],
    inputs: ScoringInputs,
    cols: IntArray,
    points: FloatArray,
    gid: IntArray,
    groups: int,
    applicable: BoolArray,
) -> tuple[FloatArray, npt.NDArray[np.int8], FloatArray]:
    actual = inputs.actual[:, cols]
    v = actual * _difficulty(nodes, inputs, cols)
    peers = np.where(applicable[:, cols], v, np.nan)
    best = _group_max(peers, gid, groups)
    status = np.full(actual.shape, _STATUS_SCORED, dtype=np.int8)
    status[~(best > 0)] = _STATUS_NC
    status[np.isnan(actual)] = _STATUS_MISSING
    with np.errstate(invalid="ignore", divide="ignore"):
        value = points * np.clip(v / best, 0.0, 1.0)
    reference = np.where(np.isfinite(best), best, np.nan)
    return np.where(status == _STATUS_SCORED, value, 0.0), status, reference


def _group_rank(keys: FloatArray, gid: IntArray, groups: int) -> FloatArray:
    """Competition rank ("1224") of each row within its group, per column; smaller key wins.

    `keys` (n, k) with +inf for rows that must not count as better than anyone.
    """
    ranks = np.empty(keys.shape)
    for g in range(groups):
        rows = np.flatnonzero(gid == g)
        if not rows.size:
            continue
        block = keys[rows]
        order = np.argsort(block, axis=0, kind="stable")
        ordered = np.take_along_axis(block, order, axis=0)
        new = np.ones(ordered.shape, dtype=bool)
        new[1:] = ordered[1:] != ordered[:-1]
        pos = np.broadcast_to(np.arange(rows.size)[:, None], ordered.shape)
        run_start = np.maximum.accumulate(np.where(new, pos, 0), axis=0)
        block_rank = np.empty(ordered.shape)
        np.put_along_axis(block_rank, order, run_start + 1.0, axis=0)
        ranks[rows] = block_rank
    return ranks


def _rule_ranking(
    nodes: Sequence[IndicatorNode],
    inputs: ScoringInputs,
    cols: IntArray,
    points: FloatArray,
    gid: IntArray,
    groups: int,
    applicable: BoolArray,
) -> tuple[FloatArray, npt.NDArray[np.int8], FloatArray]:
    lower = np.array([_is_lower(nodes[j]) for j in cols])
    step = np.array([_param(nodes[j], "step") for j in cols])
    actual = inputs.actual[:, cols]
    valid = applicable[:, cols] & ~np.isnan(actual)
    keys = np.where(valid, np.where(lower, actual, -actual), np.inf)
    r = _group_rank(keys, gid, groups)
    status = np.full(actual.shape, _STATUS_SCORED, dtype=np.int8)
    status[np.isnan(actual)] = _STATUS_MISSING
    value = points * np.maximum(0.0, 1.0 - step * (r - 1.0))
    reference = np.where(valid, r, np.nan)
    return np.where(status == _STATUS_SCORED, value, 0.0), status, reference


def _rule_growth(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray, points: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    band = np.array([_param(nodes[j], "band") for j in cols])
    actual, target = inputs.actual[:, cols], inputs.target[:, cols]
    base = inputs.last_year[:, cols]
    status = np.full(actual.shape, _STATUS_SCORED, dtype=np.int8)
    with np.errstate(invalid="ignore", divide="ignore"):
        status[np.isnan(target) | ~(base > 0)] = _STATUS_NC
        status[:, ~(band > 0)] = _STATUS_NC
        status[np.isnan(actual)] = _STATUS_MISSING
        g = (actual / base - 1.0) * 100.0
        short = target - g
        value = np.where(
            short <= BOUNDARY_TOLERANCE, points, points * np.maximum(0.0, 1.0 - short / band)
        )
    return np.where(status == _STATUS_SCORED, value, 0.0), status


def _rule_milestones(
    nodes: Sequence[IndicatorNode], inputs: ScoringInputs, cols: IntArray, points: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    credit = np.array([_param(nodes[j], "late_credit") for j in cols])
    total = np.asarray(inputs.milestones_total, dtype=np.float64)[:, cols]
    on_time = np.nan_to_num(np.asarray(inputs.milestones_on_time, dtype=np.float64)[:, cols])
    late = np.nan_to_num(np.asarray(inputs.milestones_late, dtype=np.float64)[:, cols])
    status = np.full(total.shape, _STATUS_SCORED, dtype=np.int8)
    with np.errstate(invalid="ignore", divide="ignore"):
        status[~(total > 0)] = _STATUS_NC
        status[np.isnan(total)] = _STATUS_MISSING
        value = points * np.clip((on_time + credit * late) / total, 0.0, 1.0)
    return np.where(status == _STATUS_SCORED, value, 0.0), status


# --------------------------------------------------------------------------------------------
# score()
# --------------------------------------------------------------------------------------------


_GRID_FIELDS = (
    "actual",
    "target",
    "last_year",
    "milestones_on_time",
    "milestones_late",
    "milestones_total",
    "bonus_items",
    "deductions",
)
_UNIT_FIELDS = (
    "deductions_unattached",
    "public_appraisal",
    "leader_evaluation",
    "bonus",
    "penalty",
)


def score(inputs: ScoringInputs) -> ScoringResult:
    """Score every node for every unit, roll up, and compute composite, grade and rank.

    Raises ValueError on malformed inputs (shapes, unknown rule, parent after child, weights
    not summing to 1, unknown grade name in `veto_grade`).
    """
    nodes = list(inputs.nodes)
    tree = _tree(nodes)
    n, m = len(inputs.units), len(nodes)
    if len(inputs.groups) != n or len(inputs.veto_grade) != n:
        raise ValueError("units, groups and veto_grade must have the same length.")
    # Plain lists are accepted too: every array field becomes a float64 array of its shape.
    converted: dict[str, Any] = {
        name: _floats(getattr(inputs, name), (n, m), name) for name in _GRID_FIELDS
    }
    converted.update({name: _floats(getattr(inputs, name), (n,), name) for name in _UNIT_FIELDS})
    for name in ("last_year_score", "last_year_rank"):
        if getattr(inputs, name) is not None:
            converted[name] = _floats(getattr(inputs, name), (n,), name)
    if inputs.difficulty is not None:
        converted["difficulty"] = _floats(inputs.difficulty, (n, m), "difficulty")
    converted["vetoed"] = np.asarray(inputs.vetoed, dtype=bool).reshape(n)
    inputs = replace(inputs, **converted)
    applicable_in = np.asarray(inputs.applicable, dtype=bool)
    if applicable_in.shape != (n, m):
        raise ValueError(f"applicable has shape {applicable_in.shape}, expected {(n, m)}.")
    weights = np.asarray(inputs.weights, dtype=np.float64)
    if weights.shape != (3,) or np.any(weights < 0) or abs(weights.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"weights {inputs.weights} must be three non-negative numbers adding to 1."
        )
    if inputs.missing_component not in (RENORMALISE, FAIL):
        raise ValueError(f"missing_component {inputs.missing_component!r} is not known.")
    grades = list(inputs.grades)
    grade_names = [g.name for g in grades]
    for cap in inputs.veto_grade:
        if cap is not None and cap not in grade_names:
            raise ValueError(f"veto_grade {cap!r} is not a grade of the plan.")

    # Applicability flows down: a node applies only where its parent does.
    applicable = applicable_in.copy()
    for j, p in enumerate(tree.parent):
        if p >= 0:
            applicable[:, j] &= applicable[:, p]

    gid = _group_ids(inputs.groups)
    n_groups = int(gid.max()) + 1 if n else 0
    points = np.array([float(node.points) for node in nodes])
    rule_score = np.zeros((n, m))
    status = np.zeros((n, m), dtype=np.int8)
    peer_reference = np.full((n, m), np.nan)

    # Leaves, one vectorised pass per rule.
    by_rule: dict[str, list[int]] = {}
    for j, node in enumerate(nodes):
        if not tree.children[j]:
            by_rule.setdefault(node.rule, []).append(j)
    for rule, col_list in by_rule.items():
        cols = np.array(col_list, dtype=np.int64)
        pts = points[cols]
        if rule in (TARGET_COMPLETION, LOWER_BETTER):
            value, st = _rule_target_completion(nodes, inputs, cols, pts)
        elif rule == THRESHOLD:
            value, st = _rule_threshold(nodes, inputs, cols, pts)
        elif rule == LINEAR:
            value, st = _rule_linear(nodes, inputs, cols, pts)
        elif rule == EFFICACY:
            value, st = _rule_efficacy(nodes, inputs, cols, pts)
        elif rule == RATIO_TO_BEST:
            value, st, ref = _rule_ratio_to_best(
                nodes, inputs, cols, pts, gid, n_groups, applicable
            )
            peer_reference[:, cols] = ref
        elif rule == RANKING:
            value, st, ref = _rule_ranking(nodes, inputs, cols, pts, gid, n_groups, applicable)
            peer_reference[:, cols] = ref
        elif rule == GROWTH_RATE:
            value, st = _rule_growth(nodes, inputs, cols, pts)
        elif rule == MILESTONES:
            value, st = _rule_milestones(nodes, inputs, cols, pts)
        elif rule == DEDUCTION_ONLY:
            value = np.broadcast_to(pts, (n, cols.size)).copy()
            st = np.zeros((n, cols.size), dtype=np.int8)
        elif rule == BONUS:
            caps = np.array([_bonus_cap(nodes[j]) for j in cols])
            items = np.nan_to_num(np.asarray(inputs.bonus_items, dtype=np.float64)[:, cols])
            value = np.minimum(caps, np.maximum(items, 0.0))
            st = np.zeros((n, cols.size), dtype=np.int8)
        else:  # a childless sum_children node: nothing to sum, nothing earned
            value = np.zeros((n, cols.size))
            st = np.full((n, cols.size), _STATUS_NC, dtype=np.int8)
        rule_score[:, cols] = value
        status[:, cols] = st

    deductions = np.maximum(np.nan_to_num(np.asarray(inputs.deductions, dtype=np.float64)), 0.0)
    deductions = np.where(applicable, deductions, 0.0)
    unattached = np.maximum(
        np.nan_to_num(_floats(inputs.deductions_unattached, (n,), "deductions_unattached")), 0.0
    )

    # The executive category taking each unit's unattached deductions: the first applicable
    # top-level node of that category.
    executive_col = np.full(n, -1, dtype=np.int64)
    for j, node in enumerate(nodes):
        if tree.parent[j] < 0 and node.category == EXECUTIVE_CATEGORY and node.rule != BONUS:
            executive_col[(executive_col < 0) & applicable[:, j]] = j
    extra = np.zeros((n, m))
    has_exec = executive_col >= 0
    extra[np.flatnonzero(has_exec), executive_col[has_exec]] = unattached[has_exec]

    # Roll-up, children before parents. The working arrays are node-major (m, n) so that each
    # node's row is contiguous, and hold 0 where not applicable.
    app_t = np.ascontiguousarray(applicable.T)
    taken_t = np.ascontiguousarray((deductions + extra).T)
    rule_t = np.where(app_t, rule_score.T, 0.0)
    leaf_full = np.where([node.rule == BONUS for node in nodes], 0.0, points)
    full_t = np.where(app_t, leaf_full[:, None], 0.0)
    final_t = np.maximum(0.0, rule_t - taken_t)  # right for leaves; parents redone below
    for j in reversed(range(m)):
        kids = tree.children[j]
        if kids:
            rows = list(kids)
            rule_t[j] = np.where(app_t[j], tree.remainder[j] + final_t[rows].sum(axis=0), 0.0)
            full_t[j] = np.where(app_t[j], tree.remainder[j] + full_t[rows].sum(axis=0), 0.0)
            final_t[j] = np.maximum(0.0, rule_t[j] - taken_t[j])
    rule_score, final, full = rule_t.T, final_t.T, full_t.T

    top = [j for j in range(m) if tree.parent[j] < 0]
    indicators_points = final[:, top].sum(axis=1) if top else np.zeros(n)
    # No executive category for the unit: unattached deductions come off the total instead.
    indicators_points = np.where(
        has_exec, indicators_points, np.maximum(0.0, indicators_points - unattached)
    )
    indicators_full = full[:, top].sum(axis=1) if top else np.zeros(n)
    if inputs.points_total and inputs.points_total > 0:
        nominal_total = float(tree.nominal_full[top].sum()) if top else 0.0
        indicators_full = float(inputs.points_total) - (nominal_total - indicators_full)
    with np.errstate(invalid="ignore", divide="ignore"):
        indicators_scaled = np.where(
            indicators_full > 0, indicators_points / indicators_full * 100.0, np.nan
        )

    node_status = np.where(applicable, status, _STATUS_NA).astype(np.int8)
    node_score = np.where(applicable, final, np.nan)
    node_rule_score = np.where(applicable, rule_score, np.nan)
    deduction_total = deductions.sum(axis=1) + unattached

    composite, components_missing, failed = _composite(inputs, indicators_scaled, weights)
    rank = _rank(inputs, gid, composite, indicators_scaled, deduction_total, failed)
    grade, grade_by_score, grade_reason = _grade(inputs, gid, n_groups, composite, rank, failed)

    last_score = (
        np.full(n, np.nan)
        if inputs.last_year_score is None
        else _floats(inputs.last_year_score, (n,), "last_year_score")
    )
    last_rank = (
        np.full(n, np.nan)
        if inputs.last_year_rank is None
        else _floats(inputs.last_year_rank, (n,), "last_year_rank")
    )
    score_change = composite - last_score
    rank_change = np.where(rank > 0, last_rank - rank, np.nan)

    return ScoringResult(
        node_score=node_score,
        node_rule_score=node_rule_score,
        node_status=node_status,
        node_full=full,
        peer_reference=peer_reference,
        indicators_points=indicators_points,
        indicators_full=indicators_full,
        indicators_scaled=indicators_scaled,
        composite=composite,
        components_missing=components_missing,
        failed=failed,
        grade=grade,
        grade_by_score=grade_by_score,
        grade_reason=grade_reason,
        rank=rank,
        score_change=score_change,
        rank_change=rank_change,
        deduction_total=deduction_total,
        children=tree.children,
    )


def _components(inputs: ScoringInputs, indicators_scaled: FloatArray) -> FloatArray:
    n = len(inputs.units)
    return np.column_stack(
        (
            indicators_scaled,
            _floats(inputs.public_appraisal, (n,), "public_appraisal"),
            _floats(inputs.leader_evaluation, (n,), "leader_evaluation"),
        )
    )


def _composite(
    inputs: ScoringInputs, indicators_scaled: FloatArray, weights: FloatArray
) -> tuple[FloatArray, list[tuple[str, ...]], BoolArray]:
    """S = Σ w_c × c + bonus − penalty, with missing components re-normalised or failing."""
    n = len(inputs.units)
    comps = _components(inputs, indicators_scaled)
    present = ~np.isnan(comps)
    missing = ~present & (weights > 0)
    present_weight = (present * weights).sum(axis=1)
    if inputs.missing_component == FAIL:
        failed = missing.any(axis=1) | ~(present_weight > 0)
    else:
        failed = ~(present_weight > 0)
    # Re-normalise only where a weighted component is missing (weights add up to 1 otherwise).
    divisor = np.where(missing.any(axis=1), present_weight, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = (np.where(present, comps, 0.0) * weights).sum(axis=1) / divisor
    bonus = np.nan_to_num(_floats(inputs.bonus, (n,), "bonus"))
    penalty = np.nan_to_num(_floats(inputs.penalty, (n,), "penalty"))
    composite = np.where(failed, np.nan, weighted + bonus - penalty)
    codes = (missing * np.array([1, 2, 4])).sum(axis=1)
    patterns = [
        tuple(name for bit, name in zip((1, 2, 4), COMPONENTS, strict=True) if code & bit)
        for code in range(8)
    ]
    return composite, [patterns[c] for c in codes.tolist()], failed


def _sort_keys(
    inputs: ScoringInputs,
    composite: FloatArray,
    indicators_scaled: FloatArray,
    deduction_total: FloatArray,
    failed: BoolArray,
) -> list[FloatArray]:
    """The ranking keys, most significant first, each ascending = better.

    Composite and I are compared to TIE_DECIMALS places; NaN counts lowest.
    """
    n = len(inputs.units)
    public = _floats(inputs.public_appraisal, (n,), "public_appraisal")
    tie = (
        np.array([float(inputs.tie_order.get(u, np.inf)) for u in inputs.units])
        if inputs.tie_order
        else np.full(n, np.inf)
    )
    return [
        np.where(failed, np.inf, -np.round(np.nan_to_num(composite, nan=-np.inf), TIE_DECIMALS)),
        -np.round(np.nan_to_num(indicators_scaled, nan=-np.inf), TIE_DECIMALS),
        np.round(deduction_total, TIE_DECIMALS),
        -np.nan_to_num(public, nan=-np.inf),
        tie,
    ]


TIE_BREAKS = ("composite", "indicators", "deductions", "public", "tie_order")


def _rank(
    inputs: ScoringInputs,
    gid: IntArray,
    composite: FloatArray,
    indicators_scaled: FloatArray,
    deduction_total: FloatArray,
    failed: BoolArray,
) -> IntArray:
    """Competition rank within the group after the tie-breaks; 0 for failed units."""
    n = len(inputs.units)
    if not n:
        return np.zeros(0, dtype=np.int64)
    keys = _sort_keys(inputs, composite, indicators_scaled, deduction_total, failed)
    order = np.lexsort((*reversed(keys), gid))
    g_sorted = gid[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g_sorted[1:] != g_sorted[:-1]
    new_run = new_group.copy()
    for key in keys:
        k_sorted = key[order]
        new_run[1:] |= k_sorted[1:] != k_sorted[:-1]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = run_start - group_start + 1
    rank[failed] = 0
    return rank


def _grade(
    inputs: ScoringInputs,
    gid: IntArray,
    n_groups: int,
    composite: FloatArray,
    rank: IntArray,
    failed: BoolArray,
) -> tuple[list[str], list[str], list[str]]:
    """Grades by threshold and quota per group (in rank order), then veto caps."""
    n = len(inputs.units)
    grades = list(inputs.grades)
    if not grades:
        empty = [""] * n
        return empty, list(empty), [GradeReason.FAILED if f else "" for f in failed.tolist()]
    last = len(grades) - 1
    names = [g.name for g in grades]
    vetoed = np.asarray(inputs.vetoed, dtype=bool).reshape(n)
    s = np.nan_to_num(composite, nan=-np.inf)
    by_score = np.full(n, last, dtype=np.int64)
    for i in reversed(range(len(grades))):
        by_score[s >= grades[i].min_score - BOUNDARY_TOLERANCE] = i
    assigned = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, GradeReason.THRESHOLD, dtype=object)
    for g in range(n_groups):
        members = np.flatnonzero((gid == g) & ~failed)
        if not members.size:
            continue
        size = members.size
        open_ = members[~vetoed[members]]
        for i, rule in enumerate(grades):
            cand = open_[(assigned[open_] < 0) & (by_score[open_] <= i)]
            if not cand.size:
                continue
            if rule.quota is None or i == last:
                assigned[cand] = i
                continue
            limit = _quota_size(rule.quota, size)
            cand = cand[np.argsort(rank[cand], kind="stable")]
            r = rank[cand]
            up_to = np.searchsorted(r, r, side="right")  # candidates ranked at or above
            before = np.searchsorted(r, r, side="left")  # candidates ranked strictly above
            take = up_to <= limit
            assigned[cand[take]] = i
            denied = cand[~take]
            first_denial = reason[denied] == GradeReason.THRESHOLD
            tie = before[~take] < limit
            reason[denied[first_denial & tie]] = GradeReason.QUOTA_TIE
            reason[denied[first_denial & ~tie]] = GradeReason.QUOTA
    cap = np.array(
        [last if c is None else names.index(c) for c in inputs.veto_grade], dtype=np.int64
    )
    assigned = np.where(vetoed, np.maximum(by_score, cap), assigned)
    assigned = np.where(assigned < 0, last, assigned)
    reason[vetoed] = GradeReason.VETO
    reason[failed] = GradeReason.FAILED
    grade = [names[i] for i in assigned.tolist()]
    by_score_names = [names[i] for i in by_score.tolist()]
    for u in np.flatnonzero(failed).tolist():
        grade[u] = ""
        by_score_names[u] = ""
    return grade, by_score_names, [str(x) for x in reason.tolist()]


# --------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------


def _zero(x: Any) -> float:
    """A float, 0 for NaN (a scalar np.nan_to_num, without its overhead)."""
    value = float(x)
    return 0.0 if value != value else value


def _num(x: Any) -> float | None:
    """A float for JSON: None for NaN / None, plain float otherwise."""
    if x is None:
        return None
    value = float(x)
    return None if value != value else value


def _fmt(x: float) -> str:
    """A number as people write it: at most 6 decimals, no trailing zeros, inf as ∞."""
    if x != x:
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_NOT_COMPARABLE_REASONS = {
    TARGET_COMPLETION: "the target is missing or not positive, so completion cannot be computed",
    LOWER_BETTER: "the target is missing or a value is negative, so completion cannot be computed",
    THRESHOLD: "there is no target to compare with",
    LINEAR: "the target is missing or not positive, or a parameter (base, step, bonus_cap) is "
    "missing",
    EFFICACY: "the satisfactory and not-allowed values are missing or equal",
    RATIO_TO_BEST: "no peer in the group has a positive value to compare with",
    GROWTH_RATE: "last year's value is missing or not positive, or there is no target rate",
    RANKING: "the unit cannot be ranked",
    MILESTONES: "the unit has no milestones to count",
    SUM_CHILDREN: "the indicator has no sub-indicators",
}


def _leaf_arithmetic(
    inputs: ScoringInputs, result: ScoringResult, u: int, j: int
) -> tuple[dict[str, Any], str]:
    """The figures a scored leaf used and its arithmetic, rebuilt for one cell."""
    node = inputs.nodes[j]
    p = float(node.points)
    a = float(inputs.actual[u, j])
    t = float(inputs.target[u, j])
    rule = node.rule
    lower = _is_lower(node)
    rs = float(result.node_rule_score[u, j])
    if rule in (TARGET_COMPLETION, LOWER_BETTER, LINEAR):
        if lower:
            c = np.inf if a == 0 else t / a
            c_text = (
                "actual 0 is the best possible value (lower is better): c = ∞"
                if a == 0
                else f"c = target ÷ actual = {_fmt(t)} ÷ {_fmt(a)} = {_fmt(c)}"
            )
        else:
            c = a / t
            c_text = f"c = actual ÷ target = {_fmt(a)} ÷ {_fmt(t)} = {_fmt(c)}"
        figures: dict[str, Any] = {
            "actual": a,
            "target": t,
            "completion": _num(c) if np.isfinite(c) else None,
        }
        if rule != LINEAR:
            cap, floor = _param(node, "cap"), _param(node, "floor")
            figures.update(cap=cap, floor=floor)
            if c < floor - BOUNDARY_TOLERANCE:
                return figures, f"{c_text}; c < floor {_fmt(floor)} → 0"
            return figures, (
                f"{c_text}; P × min(c, cap) = {_fmt(p)} × min({_fmt(c)}, {_fmt(cap)}) = {_fmt(rs)}"
            )
        base, step, ucap = _param(node, "base"), _param(node, "step"), _param(node, "bonus_cap")
        figures.update(base=base, step=step, bonus_cap=ucap)
        if np.isinf(c):
            return (
                figures,
                f"{c_text}; B + u = {_fmt(base)} + {_fmt(ucap if step > 0 else 0.0)} = {_fmt(rs)}",
            )
        pct = (c - 1.0) * 100.0
        figures["percent_from_target"] = pct
        if c >= 1.0:
            return figures, (
                f"{c_text}; {_fmt(pct)}% above target; B + min(u, a × {_fmt(pct)}) = "
                f"{_fmt(base)} + min({_fmt(ucap)}, {_fmt(step)} × {_fmt(pct)}) = {_fmt(rs)}"
            )
        return figures, (
            f"{c_text}; {_fmt(-pct)}% below target; max(0, B − a × {_fmt(-pct)}) = "
            f"max(0, {_fmt(base)} − {_fmt(step)} × {_fmt(-pct)}) = {_fmt(rs)}"
        )
    if rule == THRESHOLD:
        sign = "≤" if lower else "≥"
        met = a <= t if lower else a >= t
        verdict = f"met → P = {_fmt(p)}" if met else "not met → 0"
        return {"actual": a, "target": t}, f"actual {_fmt(a)} {sign} target {_fmt(t)}? {verdict}"
    if rule == EFFICACY:
        x_h, x_s = _param(node, "satisfactory"), _param(node, "not_allowed")
        d_raw = 60.0 + 40.0 * (a - x_s) / (x_h - x_s)
        d = min(100.0, max(0.0, d_raw))
        return {"actual": a, "satisfactory": x_h, "not_allowed": x_s, "d": d}, (
            f"d = 60 + 40 × (x − x_s) ÷ (x_h − x_s) = 60 + 40 × ({_fmt(a)} − {_fmt(x_s)}) ÷ "
            f"({_fmt(x_h)} − {_fmt(x_s)}) = {_fmt(d_raw)}; within [0, 100]: {_fmt(d)}; "
            f"d × P ÷ 100 = {_fmt(d)} × {_fmt(p)} ÷ 100 = {_fmt(rs)}"
        )
    if rule == RATIO_TO_BEST:
        k = _param(node, "difficulty")
        if inputs.difficulty is not None and not np.isnan(inputs.difficulty[u, j]):
            k = float(inputs.difficulty[u, j])
        best = float(result.peer_reference[u, j])
        return {"actual": a, "difficulty": k, "best_peer": best}, (
            f"P × (x × k) ÷ best peer's (x × k) = {_fmt(p)} × ({_fmt(a)} × {_fmt(k)}) ÷ "
            f"{_fmt(best)} = {_fmt(rs)}"
        )
    if rule == RANKING:
        step = _param(node, "step")
        r = float(result.peer_reference[u, j])
        return {
            "actual": a,
            "rank": r,
            "step": step,
            "direction": "lower" if lower else "higher",
        }, (
            f"rank r = {_fmt(r)} in the group; P × max(0, 1 − step × (r − 1)) = {_fmt(p)} × "
            f"max(0, 1 − {_fmt(step)} × {_fmt(r - 1)}) = {_fmt(rs)}"
        )
    if rule == GROWTH_RATE:
        base = float(inputs.last_year[u, j])
        band = _param(node, "band")
        g = (a / base - 1.0) * 100.0
        figures = {"actual": a, "last_year": base, "growth": g, "target_rate": t, "band": band}
        g_text = (
            f"g = (actual ÷ last year − 1) × 100 = ({_fmt(a)} ÷ {_fmt(base)} − 1) × 100 = {_fmt(g)}"
        )
        if t - g <= BOUNDARY_TOLERANCE:
            return figures, f"{g_text}; g ≥ g* = {_fmt(t)} → P = {_fmt(p)}"
        return figures, (
            f"{g_text}; below g* = {_fmt(t)}: P × max(0, 1 − (g* − g) ÷ band) = {_fmt(p)} × "
            f"max(0, 1 − {_fmt(t - g)} ÷ {_fmt(band)}) = {_fmt(rs)}"
        )
    if rule == MILESTONES:
        on = _zero(inputs.milestones_on_time[u, j])
        late = _zero(inputs.milestones_late[u, j])
        total = float(inputs.milestones_total[u, j])
        credit = _param(node, "late_credit")
        return {"on_time": on, "late": late, "total": total, "late_credit": credit}, (
            f"P × (on time + late_credit × late) ÷ all = {_fmt(p)} × ({_fmt(on)} + "
            f"{_fmt(credit)} × {_fmt(late)}) ÷ {_fmt(total)} = {_fmt(rs)}"
        )
    if rule == DEDUCTION_ONLY:
        return {}, f"starts at P = {_fmt(p)}"
    if rule == BONUS:
        cap = _bonus_cap(node)
        items = _zero(inputs.bonus_items[u, j])
        return {"bonus_items": items, "cap": _num(cap) if np.isfinite(cap) else None}, (
            f"min(cap, Σ bonus items) = min({_fmt(cap)}, {_fmt(items)}) = {_fmt(rs)}"
        )
    return {}, ""


def _executive_column(inputs: ScoringInputs, result: ScoringResult, u: int) -> int:
    """The node taking unit u's unattached deductions: its first applicable top-level
    executive category (-1: none, they come off the indicator total)."""
    for j, node in enumerate(inputs.nodes):
        if (
            node.parent is None
            and node.category == EXECUTIVE_CATEGORY
            and node.rule != BONUS
            and result.node_status[u, j] != NodeStatus.NOT_APPLICABLE
        ):
            return j
    return -1


def explain(
    inputs: ScoringInputs, result: ScoringResult, unit_index: int, node_index: int
) -> dict[str, Any]:
    """How one node × unit got its score, as a JSON-serialisable dict.

    Keys: "unit", "node", "rule", "points", "status", "reason" (why it was not scored, or ""),
    "inputs" (the figures and parameters used; children and their scores for a parent),
    "arithmetic" (e.g. "c = actual ÷ target = 93 ÷ 100 = 0.93; P × min(c, cap) = 10 × min(0.93,
    1) = 9.3"), "rule_score" (before deductions), "deductions", "unattached_deductions" (taken
    here when this is the unit's executive category), "score" (None where not applicable).
    Cost is O(children) per call.
    """
    u, j = unit_index, node_index
    node = inputs.nodes[j]
    kids = result.children[j]
    status = NodeStatus(int(result.node_status[u, j]))
    rule = SUM_CHILDREN if kids else node.rule
    out: dict[str, Any] = {
        "unit": inputs.units[u],
        "node": node.key,
        "rule": rule,
        "points": float(node.points),
        "status": status.label,
        "reason": "",
        "inputs": {},
        "arithmetic": "",
        "rule_score": _num(result.node_rule_score[u, j]),
        "deductions": 0.0,
        "unattached_deductions": 0.0,
        "score": _num(result.node_score[u, j]),
    }
    if status == NodeStatus.NOT_APPLICABLE:
        out["reason"] = "the indicator does not apply to this unit"
        return out
    deduction = max(0.0, _zero(inputs.deductions[u, j]))
    out["deductions"] = deduction
    rule_score = float(result.node_rule_score[u, j])
    final = float(result.node_score[u, j])
    unattached = 0.0
    if (
        node.parent is None
        and node.category == EXECUTIVE_CATEGORY
        and _executive_column(inputs, result, u) == j
    ):
        unattached = max(0.0, _zero(inputs.deductions_unattached[u]))
    out["unattached_deductions"] = unattached
    if kids:
        children = [
            {"node": inputs.nodes[c].key, "score": _num(result.node_score[u, c])} for c in kids
        ]
        remainder = float(result.node_rule_score[u, j]) - sum(
            _zero(result.node_score[u, c]) for c in kids
        )
        remainder = 0.0 if abs(remainder) < 1e-9 else remainder
        out["inputs"] = {"children": children, "remainder": remainder}
        terms = [_fmt(remainder)] if remainder else []
        terms += [_fmt(_zero(result.node_score[u, c])) for c in kids]
        sum_text = " + ".join(terms) or "0"
        out["arithmetic"] = f"Σ sub-indicators = {sum_text} = {_fmt(rule_score)}"
        if not children:
            out["reason"] = _NOT_COMPARABLE_REASONS[SUM_CHILDREN]
    elif status == NodeStatus.MISSING_INPUT:
        out["reason"] = (
            "no figure was reported: a unit that reports nothing earns nothing for the item"
        )
        out["arithmetic"] = "0"
    elif status == NodeStatus.NOT_COMPARABLE:
        out["reason"] = _NOT_COMPARABLE_REASONS.get(rule, "the figures cannot be compared")
        out["arithmetic"] = "0"
    else:
        figures, arithmetic = _leaf_arithmetic(inputs, result, u, j)
        out["inputs"] = {key: _num(v) if isinstance(v, float) else v for key, v in figures.items()}
        out["arithmetic"] = arithmetic
    if deduction or unattached:
        taken_text = f" − {_fmt(unattached)} (not tied to an indicator)" if unattached else ""
        out["arithmetic"] += (
            f"; after deductions max(0, {_fmt(rule_score)} − {_fmt(deduction)}{taken_text}) = "
            f"{_fmt(final)}"
        )
    return out


def explain_composite(
    inputs: ScoringInputs, result: ScoringResult, unit_index: int
) -> dict[str, Any]:
    """How one unit got its composite score, grade and rank, as a JSON-serialisable dict.

    Keys: "unit", "group", "indicators" (points, full points, I and its arithmetic),
    "components" (name, value, weight, effective weight, missing), "missing", "renormalised",
    "failed", "bonus", "penalty", "arithmetic", "composite", "veto" (vetoed, cap grade),
    "grade" (name, by score, reason, quota lines of the group), "rank", "group_size",
    "tie_break" (each unit with the same composite score and the rule that separated them, or
    None when they share the rank), "changes". Cost is O(units in the group) per call.
    """
    u = unit_index
    n = len(inputs.units)
    weights = [float(w) for w in inputs.weights]
    comps = _components(inputs, result.indicators_scaled)[u]
    missing = list(result.components_missing[u])
    failed = bool(result.failed[u])
    renormalised = bool(missing) and not failed
    present_weight = (
        sum(w for w, c in zip(weights, comps, strict=True) if not np.isnan(c))
        if renormalised
        else 1.0
    )
    components: list[dict[str, Any]] = []
    for name, w, c in zip(COMPONENTS, weights, comps, strict=True):
        effective = 0.0 if np.isnan(c) or present_weight <= 0 else w / present_weight
        components.append(
            {
                "name": name,
                "value": _num(c),
                "weight": w,
                "effective_weight": None if failed else effective,
                "missing": name in missing,
            }
        )
    bonus = _zero(inputs.bonus[u])
    penalty = _zero(inputs.penalty[u])
    points = float(result.indicators_points[u])
    full = float(result.indicators_full[u])
    scaled = result.indicators_scaled[u]
    composite = result.composite[u]
    if failed:
        arithmetic = "not scored: " + (
            f"component(s) missing: {', '.join(missing)}" if missing else "no component present"
        )
    else:
        terms = " + ".join(
            f"{_fmt(w / present_weight)} × {_fmt(float(c))}"
            for w, c in zip(weights, comps, strict=True)
            if not np.isnan(c) and w > 0
        )
        arithmetic = f"S = {terms} + {_fmt(bonus)} − {_fmt(penalty)} = {_fmt(float(composite))}"
        if renormalised:
            arithmetic += f" (weights re-normalised over {_fmt(present_weight)})"
    vetoed = bool(np.asarray(inputs.vetoed, dtype=bool)[u])
    grades = list(inputs.grades)
    cap = (
        inputs.veto_grade[u]
        if inputs.veto_grade[u] is not None
        else (grades[-1].name if grades else None)
    )
    gid = _group_ids(inputs.groups)
    peers = np.flatnonzero(gid == gid[u])
    graded = peers[~result.failed[peers]]
    quota_lines = [
        {
            "grade": g.name,
            "min_score": g.min_score,
            "quota": g.quota,
            "group_size": int(graded.size),
            "limit": _quota_size(g.quota, graded.size),
        }
        for i, g in enumerate(grades)
        if g.quota is not None and i < len(grades) - 1
    ]
    reason = result.grade_reason[u]
    reason_text = {
        GradeReason.THRESHOLD: "the best grade whose minimum the score reaches",
        GradeReason.QUOTA: "a better grade's quota was already filled by higher-ranked units",
        GradeReason.QUOTA_TIE: "tied (after every tie-break) with units straddling a quota "
        "line: the whole tie falls to the next grade",
        GradeReason.VETO: f"vetoed: the grade is capped at {cap}",
        GradeReason.FAILED: "not scored, so not graded",
    }.get(reason, "")
    # Tie-breaks: the first key separating this unit from each unit with the same composite.
    tie_break: list[dict[str, Any]] = []
    if not failed:
        keys = _sort_keys(
            inputs,
            result.composite,
            result.indicators_scaled,
            result.deduction_total,
            result.failed,
        )
        own = [k[u] for k in keys]
        for v in graded.tolist():
            if v == u or keys[0][v] != own[0]:
                continue
            decided = next(
                (TIE_BREAKS[i] for i in range(1, len(keys)) if keys[i][v] != own[i]), None
            )
            tie_break.append(
                {"unit": inputs.units[v], "rank": int(result.rank[v]), "decided_by": decided}
            )
    last_score = None if inputs.last_year_score is None else _num(inputs.last_year_score[u])
    last_rank = None if inputs.last_year_rank is None else _num(inputs.last_year_rank[u])
    return {
        "unit": inputs.units[u],
        "group": inputs.groups[u],
        "indicators": {
            "points": points,
            "full": full,
            "scaled": _num(scaled),
            "arithmetic": f"I = points ÷ full × 100 = {_fmt(points)} ÷ {_fmt(full)} × 100 = "
            f"{_fmt(float(scaled))}",
        },
        "components": components,
        "missing": missing,
        "missing_component": inputs.missing_component,
        "renormalised": renormalised,
        "failed": failed,
        "bonus": bonus,
        "penalty": penalty,
        "arithmetic": arithmetic,
        "composite": _num(composite),
        "veto": {"vetoed": vetoed, "cap_grade": cap if vetoed else None},
        "grade": {
            "name": result.grade[u],
            "by_score": result.grade_by_score[u],
            "reason": reason,
            "reason_text": reason_text,
            "quota_lines": quota_lines,
        },
        "rank": int(result.rank[u]),
        "group_size": int(peers.size) if n else 0,
        "deduction_total": float(result.deduction_total[u]),
        "tie_break": tie_break,
        "changes": {
            "last_year_score": last_score,
            "score_change": _num(result.score_change[u]),
            "last_year_rank": last_rank,
            "rank_change": _num(result.rank_change[u]),
        },
    }


# --------------------------------------------------------------------------------------------
# Accountability and display rounding
# --------------------------------------------------------------------------------------------


def points_lost(
    points: npt.ArrayLike,
    rule_scores: npt.ArrayLike,
    final_scores: npt.ArrayLike,
    shares: npt.ArrayLike,
) -> PointsLost:
    """谁丢分谁负责: points lost per provincial indicator, split among lead units by shares.

    For indicator i with points P_i, score by its rule s_i (before deductions, e.g.
    `node_rule_score`) and final score f_i (after inspection deductions, `node_score`):
    lost_i = max(0, P_i − s_i) + (s_i − f_i), i.e. the points short of P plus the deductions,
    counted only as far as they took points (an indicator never goes below zero; scoring above
    P does not offset a deduction). NaN scores (not applicable) lose nothing. `shares` (k, u):
    each lead unit's share of an indicator's loss (rows sum to 1; a row of zeros leaves the
    loss unattributed).
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1)
    s = np.asarray(rule_scores, dtype=np.float64).reshape(-1)
    f = np.asarray(final_scores, dtype=np.float64).reshape(-1)
    w = np.asarray(shares, dtype=np.float64)
    if w.ndim != 2 or not (p.shape == s.shape == f.shape == (w.shape[0],)):
        raise ValueError("points, scores (k,) and shares (k, units) do not match.")
    applicable = ~np.isnan(s) & ~np.isnan(f)
    lost = np.where(
        applicable,
        np.maximum(0.0, p - np.nan_to_num(s)) + np.maximum(0.0, np.nan_to_num(s - f)),
        0.0,
    )
    w = np.nan_to_num(w)
    matrix = lost[:, None] * w
    return PointsLost(
        per_indicator=lost,
        per_unit=matrix.sum(axis=0),
        matrix=matrix,
        unattributed=lost - matrix.sum(axis=1),
    )


def round_half_up(x: float | FloatArray, places: int = 2) -> Any:
    """Round half away from zero to `places` decimals, for display and publication only.

    Works on the number as written (its shortest repr), so 2.675 → 2.68 although the float is
    2.67499999…; NaN stays NaN. Returns a float for a scalar, an array for an array.
    """
    quantum = Decimal(1).scaleb(-places)

    def one(value: float) -> float:
        if not np.isfinite(value):
            return float(value)
        return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))

    if np.ndim(x) == 0:
        return one(float(x))
    array = np.asarray(x, dtype=np.float64)
    return np.array([one(v) for v in array.reshape(-1).tolist()]).reshape(array.shape)
