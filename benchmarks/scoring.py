"""Scoring benchmark: the engine's `score()` against the same scores in DuckDB SQL.

Both sides start from data already in memory: the engine from a `ScoringInputs` of numpy
arrays, DuckDB from tables already loaded (loading is not timed on either side). Timed on the
engine side: one whole `score()` call (leaf rules, roll-up, composite, rank, grades, statuses).
Timed on the DuckDB side: executing one SQL query (leaf rules with window functions for
ratio_to_best and ranking, group-by roll-up, composite, RANK() within group after the
tie-breaks) and fetching composite and rank as numpy arrays. Best of `repeat` runs each.

The SQL reference covers the province generator's shape: a two-level tree (categories with
leaves), `points_total` = 0, no per-unit difficulty. It is a second, independent
implementation, so the benchmark doubles as a cross-check: composite scores must agree to
1e-6 and ranks exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.province import generate_province
from kaoping.scoring.calculations import (
    BONUS,
    EXECUTIVE_CATEGORY,
    PARAM_DEFAULTS,
    ScoringInputs,
    score,
)

SQL = """
WITH parent_app AS (
    SELECT f.u, f.j, f.app FROM facts f JOIN nodes n ON n.j = f.j WHERE NOT n.is_leaf
),
leaf AS (
    SELECT f.u, f.j, n.parent_j, un.gid, n.rule, n.lower, n.points, n.cap, n.floor, n.base,
           n.step, n.bonus_cap, n.x_h, n.x_s, n.k, n.band, n.rstep, n.late_credit,
           n.bonus_cap_eff, n.leaf_full,
           f.app AND pa.app AS app, f.actual, f.target, f.last_year, f.on_time, f.late,
           f.total, f.bonus_items, greatest(coalesce(f.deduction, 0), 0) AS deduction
    FROM facts f
    JOIN nodes n ON n.j = f.j
    JOIN units un ON un.u = f.u
    JOIN parent_app pa ON pa.u = f.u AND pa.j = n.parent_j
    WHERE n.is_leaf
),
best AS (
    SELECT j, gid, max(actual * k) AS best FROM leaf
    WHERE rule = 'ratio_to_best' AND app AND actual IS NOT NULL GROUP BY j, gid
),
ranked AS (
    SELECT u, j, rank() OVER (
        PARTITION BY j, gid ORDER BY CASE WHEN lower THEN actual ELSE -actual END) AS r
    FROM leaf WHERE rule = 'ranking' AND app AND actual IS NOT NULL
),
peer AS (
    SELECT l.*, b.best, rk.r,
        CASE WHEN l.rule IN ('target_completion', 'lower_better', 'linear') THEN
            CASE WHEN l.lower THEN
                CASE WHEN l.actual IS NULL OR l.target IS NULL OR l.target < 0 OR l.actual < 0
                     THEN NULL
                     WHEN l.actual = 0 THEN 'inf'::DOUBLE ELSE l.target / l.actual END
            ELSE
                CASE WHEN l.actual IS NULL OR l.target IS NULL OR l.target <= 0 THEN NULL
                     ELSE l.actual / l.target END
            END
        END AS c,
        CASE WHEN l.rule = 'growth_rate' AND l.last_year > 0
            THEN (l.actual / l.last_year - 1) * 100 END AS g
    FROM leaf l
    LEFT JOIN best b ON b.j = l.j AND b.gid = l.gid
    LEFT JOIN ranked rk ON rk.u = l.u AND rk.j = l.j
),
scored AS (
    SELECT u, parent_j, app, leaf_full, deduction,
        CASE WHEN NOT app THEN 0 ELSE CASE rule
            WHEN 'target_completion' THEN CASE WHEN c IS NULL THEN 0
                WHEN c >= floor - 1e-9 THEN points * greatest(least(c, cap), 0) ELSE 0 END
            WHEN 'lower_better' THEN CASE WHEN c IS NULL THEN 0
                WHEN c >= floor - 1e-9 THEN points * greatest(least(c, cap), 0) ELSE 0 END
            WHEN 'linear' THEN CASE WHEN c IS NULL OR base IS NULL OR step IS NULL
                    OR bonus_cap IS NULL THEN 0
                WHEN isinf(c) THEN base + CASE WHEN step > 0 THEN bonus_cap ELSE 0 END
                WHEN c >= 1 THEN base + least(bonus_cap, step * (c - 1) * 100)
                ELSE greatest(0, base + step * (c - 1) * 100) END
            WHEN 'threshold' THEN CASE WHEN actual IS NULL OR target IS NULL THEN 0
                WHEN (lower AND actual <= target) OR (NOT lower AND actual >= target)
                THEN points ELSE 0 END
            WHEN 'efficacy' THEN CASE WHEN actual IS NULL OR x_h IS NULL OR x_s IS NULL
                    OR x_h = x_s THEN 0
                ELSE least(100, greatest(0, 60 + 40 * (actual - x_s) / (x_h - x_s)))
                     * points / 100 END
            WHEN 'ratio_to_best' THEN CASE WHEN actual IS NULL OR best IS NULL OR best <= 0
                THEN 0 ELSE points * least(1, greatest(0, actual * k / best)) END
            WHEN 'growth_rate' THEN CASE WHEN actual IS NULL OR target IS NULL OR g IS NULL
                    OR NOT band > 0 THEN 0
                WHEN target - g <= 1e-9 THEN points
                ELSE points * greatest(0, 1 - (target - g) / band) END
            WHEN 'ranking' THEN CASE WHEN actual IS NULL THEN 0
                ELSE points * greatest(0, 1 - rstep * (r - 1)) END
            WHEN 'milestones' THEN CASE WHEN total IS NULL OR total <= 0 THEN 0
                ELSE points * least(1, greatest(0,
                    (coalesce(on_time, 0) + late_credit * coalesce(late, 0)) / total)) END
            WHEN 'deduction_only' THEN points
            WHEN 'bonus' THEN least(bonus_cap_eff, greatest(coalesce(bonus_items, 0), 0))
            ELSE 0 END
        END AS rule_score
    FROM peer
),
children AS (
    SELECT u, parent_j AS j,
        sum(CASE WHEN app THEN greatest(0, rule_score - deduction) ELSE 0 END) AS child_sum,
        sum(CASE WHEN app THEN leaf_full ELSE 0 END) AS child_full,
        sum(CASE WHEN app THEN deduction ELSE 0 END) AS child_deductions
    FROM scored GROUP BY u, parent_j
),
exec_unit AS (
    SELECT f.u, min(f.j) AS exec_j
    FROM facts f JOIN nodes n ON n.j = f.j
    WHERE n.is_exec_top AND f.app GROUP BY f.u
),
cat AS (
    SELECT ch.u,
        CASE WHEN f.app THEN greatest(0, n.remainder + ch.child_sum
            - greatest(coalesce(f.deduction, 0), 0)
            - CASE WHEN e.exec_j = ch.j THEN greatest(coalesce(un.unattached, 0), 0) ELSE 0 END)
            ELSE 0 END AS final,
        CASE WHEN f.app THEN n.remainder + ch.child_full ELSE 0 END AS full_pts,
        CASE WHEN f.app THEN ch.child_deductions + greatest(coalesce(f.deduction, 0), 0)
            ELSE 0 END AS deductions
    FROM children ch
    JOIN nodes n ON n.j = ch.j
    JOIN facts f ON f.u = ch.u AND f.j = ch.j
    JOIN units un ON un.u = ch.u
    LEFT JOIN exec_unit e ON e.u = ch.u
),
total AS (
    SELECT un.u, un.gid, un.public, un.leader, un.bonus, un.penalty, un.tie,
        CASE WHEN e.exec_j IS NULL
            THEN greatest(0, sum(c.final) - greatest(coalesce(un.unattached, 0), 0))
            ELSE sum(c.final) END AS points,
        sum(c.full_pts) AS full_pts,
        sum(c.deductions) + greatest(coalesce(un.unattached, 0), 0) AS ded
    FROM units un JOIN cat c ON c.u = un.u LEFT JOIN exec_unit e ON e.u = un.u
    GROUP BY un.u, un.gid, un.public, un.leader, un.bonus, un.penalty, un.tie,
        un.unattached, e.exec_j
),
indicators AS (
    SELECT *, CASE WHEN full_pts > 0 THEN points / full_pts * 100 END AS i FROM total
),
weighted AS (
    SELECT *,
        (CASE WHEN i IS NULL AND $w_i > 0 THEN 1 ELSE 0 END
         + CASE WHEN public IS NULL AND $w_p > 0 THEN 1 ELSE 0 END
         + CASE WHEN leader IS NULL AND $w_l > 0 THEN 1 ELSE 0 END) AS n_missing,
        (CASE WHEN i IS NULL THEN 0 ELSE $w_i END
         + CASE WHEN public IS NULL THEN 0 ELSE $w_p END
         + CASE WHEN leader IS NULL THEN 0 ELSE $w_l END) AS present_weight
    FROM indicators
),
composite AS (
    SELECT *,
        CASE WHEN ($fail AND n_missing > 0) OR NOT present_weight > 0 THEN NULL
        ELSE (coalesce(i, 0) * $w_i + coalesce(public, 0) * $w_p + coalesce(leader, 0) * $w_l)
             / CASE WHEN n_missing > 0 THEN present_weight ELSE 1 END
             + coalesce(bonus, 0) - coalesce(penalty, 0)
        END AS s
    FROM weighted
)
SELECT u, s,
    CASE WHEN s IS NULL THEN 0 ELSE rank() OVER (
        PARTITION BY gid, s IS NULL
        ORDER BY round(s, 9) DESC, round(i, 9) DESC NULLS LAST, round(ded, 9) ASC,
                 public DESC NULLS LAST, tie ASC NULLS LAST) END AS rank
FROM composite ORDER BY u
"""


@dataclass(frozen=True)
class BenchmarkResult:
    """The figures one scoring benchmark run prints."""

    units: int
    nodes: int
    engine_seconds: float
    reference_seconds: float
    max_abs_diff: float
    ranks_identical: bool

    @property
    def ratio(self) -> float:
        return self.engine_seconds / self.reference_seconds

    @property
    def agree(self) -> bool:
        return self.max_abs_diff < 1e-6 and self.ranks_identical


def _nullable(values: np.ndarray) -> np.ndarray:
    """NaN as a masked value, so that DuckDB sees NULL."""
    array = np.asarray(values, dtype=np.float64)
    return np.ma.masked_invalid(array) if np.isnan(array).any() else array


def load_duckdb(inputs: ScoringInputs) -> Any:
    """A DuckDB connection holding the province as tables `nodes`, `facts` and `units`."""
    import duckdb

    nodes = list(inputs.nodes)
    index = {node.key: j for j, node in enumerate(nodes)}
    parent = np.array([-1 if nd.parent is None else index[nd.parent] for nd in nodes])
    has_children = np.zeros(len(nodes), dtype=bool)
    has_children[parent[parent >= 0]] = True
    if np.any(parent[parent >= 0] >= 0) and np.any(parent[parent[parent >= 0]] >= 0):
        raise ValueError("The SQL reference handles two-level trees only.")
    if np.any((parent < 0) & ~has_children):
        raise ValueError("The SQL reference expects every top-level node to have children.")
    con = duckdb.connect()

    def param(key: str) -> np.ndarray:
        values = []
        for nd in nodes:
            value = nd.params.get(key)
            if value is None:
                value = PARAM_DEFAULTS.get(nd.rule, {}).get(key, np.nan)
            values.append(float(value))
        return _nullable(np.array(values))

    def bonus_cap(nd: Any) -> float:
        cap = nd.params.get("cap")
        if cap is not None:
            return float(cap)
        return float(nd.points) if nd.points > 0 else float("inf")

    remainder = np.zeros(len(nodes))
    for j, nd in enumerate(nodes):
        if has_children[j] and nd.points > 0:
            below = sum(c.points for c in nodes if c.parent == nd.key and c.rule != BONUS)
            remainder[j] = max(0.0, nd.points - below)
    ranking_step = np.array(
        [
            float(nd.params.get("step") if nd.params.get("step") is not None else 0.05)
            for nd in nodes
        ]
    )
    node_table = {
        "j": np.arange(len(nodes)),
        "parent_j": parent,
        "rule": np.array([nd.rule for nd in nodes]),
        "lower": np.array([nd.rule == "lower_better" or nd.direction == "lower" for nd in nodes]),
        "points": np.array([float(nd.points) for nd in nodes]),
        "cap": param("cap"),
        "floor": param("floor"),
        "base": param("base"),
        "step": param("step"),
        "bonus_cap": param("bonus_cap"),
        "x_h": param("satisfactory"),
        "x_s": param("not_allowed"),
        "k": param("difficulty"),
        "band": param("band"),
        "rstep": ranking_step,
        "late_credit": param("late_credit"),
        "bonus_cap_eff": np.array([bonus_cap(nd) for nd in nodes]),
        "remainder": remainder,
        "is_leaf": ~has_children,
        "is_exec_top": np.array(
            [
                nd.parent is None and nd.category == EXECUTIVE_CATEGORY and nd.rule != BONUS
                for nd in nodes
            ]
        ),
        "leaf_full": np.array([0.0 if nd.rule == BONUS else float(nd.points) for nd in nodes]),
    }
    n, m = len(inputs.units), len(nodes)
    u_idx, j_idx = np.divmod(np.arange(n * m), m)
    facts = {
        "u": u_idx,
        "j": j_idx,
        "app": np.asarray(inputs.applicable, dtype=bool).reshape(-1),
        "actual": _nullable(np.asarray(inputs.actual).reshape(-1)),
        "target": _nullable(np.asarray(inputs.target).reshape(-1)),
        "last_year": _nullable(np.asarray(inputs.last_year).reshape(-1)),
        "on_time": _nullable(np.asarray(inputs.milestones_on_time).reshape(-1)),
        "late": _nullable(np.asarray(inputs.milestones_late).reshape(-1)),
        "total": _nullable(np.asarray(inputs.milestones_total).reshape(-1)),
        "bonus_items": _nullable(np.asarray(inputs.bonus_items).reshape(-1)),
        "deduction": _nullable(np.asarray(inputs.deductions).reshape(-1)),
    }
    _, gid = np.unique(np.asarray(list(inputs.groups), dtype=object), return_inverse=True)
    tie = np.array([float(inputs.tie_order.get(u, np.nan)) for u in inputs.units])
    units = {
        "u": np.arange(n),
        "gid": gid.reshape(-1),
        "public": _nullable(inputs.public_appraisal),
        "leader": _nullable(inputs.leader_evaluation),
        "bonus": _nullable(inputs.bonus),
        "penalty": _nullable(inputs.penalty),
        "unattached": _nullable(inputs.deductions_unattached),
        "tie": _nullable(tie),
    }
    for name, table in (("nodes", node_table), ("facts", facts), ("units", units)):
        con.register(f"{name}_view", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_view")  # noqa: S608
        con.unregister(f"{name}_view")
    return con


def reference_scores(con: Any, inputs: ScoringInputs) -> tuple[np.ndarray, np.ndarray]:
    """Composite (NaN when failed) and rank per unit, computed by DuckDB."""
    w_i, w_p, w_l = (float(w) for w in inputs.weights)
    params = {"w_i": w_i, "w_p": w_p, "w_l": w_l, "fail": inputs.missing_component == "fail"}
    out = con.execute(SQL, params).fetchnumpy()
    composite = np.ma.filled(np.ma.asarray(out["s"], dtype=np.float64), np.nan)
    rank = np.ma.filled(np.ma.asarray(out["rank"]), 0).astype(np.int64)
    return composite, rank


def _best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def run(
    units: int = 10_000,
    indicators: int = 50,
    seed: int = 0,
    repeat: int = 3,
    out: Callable[[str], None] = print,
) -> BenchmarkResult:
    """Generate a province, time the engine and DuckDB on it, check they agree, print."""
    inputs = generate_province(units=units, indicators=indicators, seed=seed)
    out(
        f"scoring: {units} units × {indicators} indicators ({len(inputs.nodes)} nodes), "
        f"{len(set(inputs.groups))} groups, seed {seed}"
    )
    engine_seconds, result = _best_of(repeat, lambda: score(inputs))
    con = load_duckdb(inputs)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    reference_seconds, (composite, rank) = _best_of(repeat, lambda: reference_scores(con, inputs))
    con.close()
    same_nan = bool(np.array_equal(np.isnan(composite), np.isnan(result.composite)))
    both = ~np.isnan(composite) & ~np.isnan(result.composite)
    diff = float(np.max(np.abs(composite[both] - result.composite[both]), initial=0.0))
    max_abs_diff = diff if same_nan else float("inf")
    ranks_identical = bool(np.array_equal(rank, result.rank))
    bench = BenchmarkResult(
        units=units,
        nodes=len(inputs.nodes),
        engine_seconds=engine_seconds,
        reference_seconds=reference_seconds,
        max_abs_diff=max_abs_diff,
        ranks_identical=ranks_identical,
    )
    out(
        f"engine score(): {engine_seconds * 1000:.1f} ms, best of {repeat} "
        "(timed: the whole score() call on in-memory arrays)"
    )
    out(
        f"DuckDB SQL:     {reference_seconds * 1000:.1f} ms, best of {repeat}, {threads} threads "
        "(timed: running the query on loaded tables and fetching composite and rank)"
    )
    out(
        f"agreement: composite max |diff| = {max_abs_diff:.3g}, ranks identical: "
        f"{ranks_identical} → {'OK' if bench.agree else 'MISMATCH'}"
    )
    out(f"ratio: {bench.ratio:.2f}")
    return bench
