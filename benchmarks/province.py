"""A seeded synthetic province for the scoring engine: units in groups, a two-level tree.

Plain numpy; the same seed gives the same province. Categories are the top level (the last
one is the executive category, which takes unattached deductions); leaves cycle through every
leaf scoring rule. Figures are rounded to 2 decimals, as reported figures are, and a few are
missing, not applicable or vetoed so that every branch of the engine runs.
"""

from __future__ import annotations

import numpy as np

from kaoping.scoring.calculations import (
    BONUS,
    DEDUCTION_ONLY,
    EFFICACY,
    GROWTH_RATE,
    LINEAR,
    LOWER_BETTER,
    MILESTONES,
    RANKING,
    RATIO_TO_BEST,
    SUM_CHILDREN,
    TARGET_COMPLETION,
    THRESHOLD,
    IndicatorNode,
    ScoringInputs,
)

CATEGORIES = ("economic", "social", "ecological", "party", "executive")
LEAF_RULES = (
    TARGET_COMPLETION,
    THRESHOLD,
    LINEAR,
    EFFICACY,
    RATIO_TO_BEST,
    LOWER_BETTER,
    GROWTH_RATE,
    RANKING,
    MILESTONES,
    TARGET_COMPLETION,
    DEDUCTION_ONLY,
    BONUS,
)


def _params(rule: str, rng: np.random.Generator, points: float) -> dict[str, float | None]:
    if rule in (TARGET_COMPLETION, LOWER_BETTER):
        return {"cap": float(rng.choice([1.0, 1.2])), "floor": 0.6}
    if rule == LINEAR:
        return {"base": round(points * 0.8, 2), "step": 0.1, "bonus_cap": round(points * 0.2, 2)}
    if rule == EFFICACY:
        return {"satisfactory": 120.0, "not_allowed": 60.0}
    if rule == RATIO_TO_BEST:
        return {"difficulty": float(rng.choice([1.0, 1.1, 1.35]))}
    if rule == GROWTH_RATE:
        return {"band": 10.0}
    if rule == RANKING:
        return {"step": 0.05}
    if rule == MILESTONES:
        return {"late_credit": 0.5}
    if rule == BONUS:
        return {"cap": 3.0}
    return {}


def generate_province(
    units: int = 10_000, indicators: int = 50, seed: int = 0, groups: int = 10
) -> ScoringInputs:
    """A province of `units` units in `groups` groups scored on `indicators` leaves."""
    rng = np.random.default_rng(seed)
    n_cat = min(len(CATEGORIES), max(1, indicators))
    nodes: list[IndicatorNode] = []
    leaves_of: list[list[IndicatorNode]] = [[] for _ in range(n_cat)]
    for i in range(indicators):
        c = i % n_cat
        rule = LEAF_RULES[i % len(LEAF_RULES)]
        points = float(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0]))
        lower_ranked = i % 7 == 3 and rule in (THRESHOLD, RANKING)
        leaves_of[c].append(
            IndicatorNode(
                key=f"C{c + 1}.{len(leaves_of[c]) + 1}",
                parent=f"C{c + 1}",
                category=CATEGORIES[c],
                rule=rule,
                points=points,
                params=_params(rule, rng, points),
                direction="lower" if rule == LOWER_BETTER or lower_ranked else "higher",
            )
        )
    for c in range(n_cat):
        below = sum(n.points for n in leaves_of[c] if n.rule != BONUS)
        # The executive category keeps 5 points of its own, for deductions (a remainder).
        points = below + 5.0 if CATEGORIES[c] == "executive" else 0.0
        nodes.append(IndicatorNode(f"C{c + 1}", None, CATEGORIES[c], SUM_CHILDREN, points, {}))
        nodes.extend(leaves_of[c])
    m = len(nodes)
    n = units
    unit_keys = [f"U{u:05d}" for u in range(n)]
    group_codes = [f"G{g:02d}" for g in rng.integers(0, groups, n)]
    rules = [node.rule for node in nodes]
    gnum = np.array([int(g[1:]) for g in group_codes])

    applicable = np.ones((n, m), dtype=bool)
    for j in range(m):
        if nodes[j].parent is not None and j % 9 == 4:  # some indicators for half the groups
            applicable[:, j] = gnum % 2 == 0

    target = np.round(rng.uniform(50, 150, (n, m)), 2)
    actual = np.round(target * rng.normal(1.0, 0.2, (n, m)), 2)
    last_year = np.full((n, m), np.nan)
    is_growth = np.array([r == GROWTH_RATE for r in rules])
    is_eff = np.array([r == EFFICACY for r in rules])
    rate = np.round(rng.normal(8.0, 4.0, (n, m)), 2)
    last_year[:, is_growth] = np.round(
        actual[:, is_growth] / (1 + rng.normal(0.08, 0.06, (n, int(is_growth.sum())))), 2
    )
    target[:, is_growth] = np.round(rng.uniform(5, 10, (n, int(is_growth.sum()))), 1)
    actual[:, is_eff] = np.round(rng.uniform(50, 130, (n, int(is_eff.sum()))), 2)
    del rate
    ranking = np.array([r == RANKING for r in rules])
    actual[:, ranking] = np.round(rng.uniform(0, 100, (n, int(ranking.sum()))), 1)  # ties
    actual[rng.random((n, m)) < 0.01] = np.nan  # missing reports
    target[rng.random((n, m)) < 0.003] = 0.0  # not comparable

    total = rng.integers(1, 11, (n, m)).astype(np.float64)
    on_time = np.floor(total * rng.uniform(0.3, 1.0, (n, m)))
    late = np.floor((total - on_time) * rng.uniform(0, 1, (n, m)))
    bonus_items = np.round(rng.uniform(0, 5, (n, m)), 1)
    deductions = np.where(rng.random((n, m)) < 0.05, np.round(rng.uniform(0.5, 2, (n, m)), 1), 0.0)
    is_leaf = np.array([node.parent is not None for node in nodes])
    deductions[:, ~is_leaf] = 0.0
    unattached = np.where(rng.random(n) < 0.1, np.round(rng.uniform(0.5, 3, n), 1), 0.0)
    public = np.round(np.clip(rng.normal(85, 6, n), 0, 100), 2)
    public[rng.random(n) < 0.01] = np.nan
    leader = np.round(np.clip(rng.normal(88, 5, n), 0, 100), 2)
    leader[rng.random(n) < 0.01] = np.nan
    bonus = np.where(rng.random(n) < 0.05, np.round(rng.uniform(0, 2, n), 1), 0.0)
    penalty = np.where(rng.random(n) < 0.03, np.round(rng.uniform(0, 2, n), 1), 0.0)
    vetoed = rng.random(n) < 0.005
    return ScoringInputs(
        units=unit_keys,
        groups=group_codes,
        nodes=nodes,
        applicable=applicable,
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
        veto_grade=[None] * n,
        weights=(0.6, 0.3, 0.1),
        missing_component="renormalise",
        points_total=0.0,
        last_year_score=np.round(rng.uniform(60, 100, n), 2),
        last_year_rank=rng.integers(1, max(2, n // groups), n).astype(np.float64),
        tie_order={},
    )
