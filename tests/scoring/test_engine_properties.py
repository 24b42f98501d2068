"""Invariants of the scoring engine on hypothesis-generated plans and figures.

`scoring_inputs()` draws a random tree (up to three levels, every rule, random parameters and
remainders), a few units in one or two groups, and figures on a coarse grid with missing
values, zeros and negatives; test_engine_reference.py reuses it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kaoping.scoring.calculations import (
    BONUS,
    DEFAULT_GRADES,
    EFFICACY,
    GROWTH_RATE,
    LINEAR,
    LOWER_BETTER,
    RANKING,
    RATIO_TO_BEST,
    TARGET_COMPLETION,
    THRESHOLD,
    GradeRule,
    IndicatorNode,
    NodeStatus,
    ScoringInputs,
    score,
)

NAN = float("nan")
LEAF_RULES = [
    "target_completion",
    "threshold",
    "linear",
    "efficacy",
    "ratio_to_best",
    "lower_better",
    "growth_rate",
    "ranking",
    "milestones",
    "deduction_only",
    "bonus",
]
MONOTONE_RULES = {
    TARGET_COMPLETION,
    THRESHOLD,
    LINEAR,
    EFFICACY,
    RATIO_TO_BEST,
    GROWTH_RATE,
    RANKING,
}
PROPERTY_SETTINGS = settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
REFERENCE_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

quarter = st.integers(-40, 800).map(lambda i: i / 4)  # −10 … 200 in quarters: exact floats
# Small round figures make completions land exactly on floors (3/5 = 0.6) and targets.
round_figures = st.sampled_from([0.0, 3.0, 5.0, 6.0, 10.0, 12.0, 60.0, 100.0, 108.0])
maybe = st.one_of(st.just(NAN), round_figures, round_figures, quarter)
positive = st.integers(1, 400).map(lambda i: i / 4)


def _params(draw: Any, rule: str, points: float) -> dict[str, float | None]:
    if rule in (TARGET_COMPLETION, LOWER_BETTER):
        return {
            "cap": draw(st.sampled_from([1.0, 1.0, 1.2, 0.9])),
            "floor": draw(st.sampled_from([0.6, 0.0, 0.5, 0.8])),
        }
    if rule == LINEAR:
        base = draw(st.integers(0, int(points * 4)).map(lambda i: i / 4))
        return {
            "base": base,
            "step": draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
            "bonus_cap": draw(st.sampled_from([0.0, 0.5, 2.0])),
        }
    if rule == EFFICACY:
        x_h = draw(quarter)
        x_s = draw(quarter.filter(lambda v: v != x_h))
        return {"satisfactory": x_h, "not_allowed": x_s}
    if rule == RATIO_TO_BEST:
        return {"difficulty": draw(st.sampled_from([1.0, 1.1, 1.35]))}
    if rule == GROWTH_RATE:
        return {"band": draw(st.sampled_from([10.0, 5.0, 20.0, 0.25]))}
    if rule == RANKING:
        return {"step": draw(st.sampled_from([0.05, 0.1, 0.5, 0.0]))}
    if rule == "milestones":
        return {"late_credit": draw(st.sampled_from([0.5, 0.0, 1.0]))}
    if rule == BONUS:
        return {"cap": draw(st.sampled_from([None, 3.0, 0.5]))}
    return {}


@st.composite
def trees(draw: Any) -> list[IndicatorNode]:
    """Categories (one maybe executive) with leaves and sub-indicators, parents first."""
    nodes: list[IndicatorNode] = []
    categories = ["economic", "social", "executive"]
    for c in range(draw(st.integers(1, 3))):
        cat = draw(st.sampled_from(categories))
        cat_key = f"C{c}"
        children: list[IndicatorNode] = []
        for i in range(draw(st.integers(1, 4))):
            key = f"{cat_key}.{i}"
            if draw(st.integers(0, 4)) == 0:  # a sub-tree
                grand = []
                for g in range(draw(st.integers(1, 3))):
                    grand.append(_leaf(draw, f"{key}.{g}", key, cat))
                below = sum(x.points for x in grand if x.rule != BONUS)
                extra = draw(st.sampled_from([0.0, 0.0, 2.0]))
                points = below + extra if draw(st.booleans()) else 0.0
                children.append(IndicatorNode(key, cat_key, cat, "sum_children", points, {}))
                children.extend(grand)
            else:
                children.append(_leaf(draw, key, cat_key, cat))
        direct = [x for x in children if x.parent == cat_key and x.rule != BONUS]
        below = sum(_nominal(x, children) for x in direct)
        points = below + draw(st.sampled_from([0.0, 5.0])) if draw(st.booleans()) else 0.0
        nodes.append(IndicatorNode(cat_key, None, cat, "sum_children", points, {}))
        nodes.extend(children)
    return nodes


def _nominal(node: IndicatorNode, siblings: list[IndicatorNode]) -> float:
    if node.rule != "sum_children":
        return node.points
    kids = [x for x in siblings if x.parent == node.key and x.rule != BONUS]
    return (
        max(node.points, sum(k.points for k in kids))
        if node.points > 0
        else sum(k.points for k in kids)
    )


def _leaf(draw: Any, key: str, parent: str, cat: str) -> IndicatorNode:
    rule = draw(st.sampled_from(LEAF_RULES))
    points = float(draw(st.sampled_from([0, 1, 2.5, 5, 10])))
    direction = draw(st.sampled_from(["higher", "higher", "lower", "none"]))
    return IndicatorNode(key, parent, cat, rule, points, _params(draw, rule, points), direction)


@st.composite
def scoring_inputs(draw: Any, max_units: int = 8) -> ScoringInputs:
    nodes = draw(trees())
    n = draw(st.integers(1, max_units))
    m = len(nodes)

    def grid(elements: st.SearchStrategy[float]) -> np.ndarray:
        return np.array(draw(st.lists(elements, min_size=n * m, max_size=n * m))).reshape(n, m)

    def vector(elements: st.SearchStrategy[float]) -> np.ndarray:
        return np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=np.float64)

    small = st.sampled_from([0.0, 0.0, 0.0, 0.5, 1.0, 2.5, 12.0])
    total = grid(st.sampled_from([NAN, 0.0, 1.0, 3.0, 5.0]))
    on_time = np.minimum(grid(st.sampled_from([NAN, 0.0, 1.0, 2.0, 3.0])), np.nan_to_num(total))
    late = np.minimum(
        grid(st.sampled_from([0.0, 1.0, 2.0])), np.nan_to_num(total) - np.nan_to_num(on_time)
    )
    grades = draw(
        st.sampled_from(
            [
                DEFAULT_GRADES,
                (GradeRule("A", 80.0, 0.5), GradeRule("B", 50.0, 0.5), GradeRule("C", 0.0)),
                (GradeRule("P", 60.0), GradeRule("F", 0.0)),
            ]
        )
    )
    names = [g.name for g in grades]
    units = [f"U{i}" for i in range(n)]
    tie_units = draw(st.lists(st.sampled_from(units), unique=True, max_size=n))
    inputs = ScoringInputs(
        units=units,
        groups=draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n)),
        nodes=nodes,
        applicable=grid(st.sampled_from([True, True, True, True, True, False])).astype(bool),
        actual=grid(maybe),
        target=grid(maybe),
        last_year=grid(maybe),
        milestones_on_time=on_time,
        milestones_late=np.maximum(late, 0.0),
        milestones_total=total,
        bonus_items=grid(st.sampled_from([NAN, 0.0, 1.0, 2.5, 6.0, -1.0])),
        deductions=grid(small),
        deductions_unattached=vector(small),
        public_appraisal=vector(st.one_of(st.just(NAN), st.integers(0, 200).map(lambda i: i / 2))),
        leader_evaluation=vector(st.one_of(st.just(NAN), st.integers(0, 200).map(lambda i: i / 2))),
        bonus=vector(st.sampled_from([0.0, 0.0, 1.0, 2.5])),
        penalty=vector(st.sampled_from([0.0, 0.0, 0.5, 3.0])),
        vetoed=np.array(
            draw(st.lists(st.sampled_from([False, False, False, True]), min_size=n, max_size=n)),
            dtype=bool,
        ),
        veto_grade=draw(st.lists(st.sampled_from([None, *names]), min_size=n, max_size=n)),
        weights=draw(
            st.sampled_from([(0.6, 0.3, 0.1), (0.5, 0.5, 0.0), (1.0, 0.0, 0.0), (0.7, 0.2, 0.1)])
        ),
        missing_component=draw(st.sampled_from(["renormalise", "fail"])),
        points_total=draw(st.sampled_from([0.0, 0.0, -1.0])),  # -1: set to the nominal total
        grades=grades,
        last_year_score=vector(st.one_of(st.just(NAN), quarter)),
        last_year_rank=vector(st.one_of(st.just(NAN), st.integers(1, 8).map(float))),
        tie_order={u: i for i, u in enumerate(draw(st.permutations(tie_units)))},
        difficulty=None,
    )
    # Clone some units into others (same group, same figures) to make exact ties.
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    for src, dst in draw(st.lists(pairs, max_size=n)):
        inputs.groups[dst] = inputs.groups[src]  # type: ignore[index]
        for name in PER_UNIT:
            array = getattr(inputs, name)
            array[dst] = array[src]
    return inputs


PER_UNIT = (
    "applicable",
    "actual",
    "target",
    "last_year",
    "milestones_on_time",
    "milestones_late",
    "milestones_total",
    "bonus_items",
    "deductions",
    "deductions_unattached",
    "public_appraisal",
    "leader_evaluation",
    "bonus",
    "penalty",
    "vetoed",
)


def finalise(inputs: ScoringInputs) -> ScoringInputs:
    """Resolve the points_total marker: −1 means the plan states its nominal total."""
    if inputs.points_total >= 0:
        return inputs
    total = 0.0
    for node in inputs.nodes:
        if node.parent is None:
            total += _top_nominal(node, list(inputs.nodes))
    return replace(inputs, points_total=total)


def _top_nominal(node: IndicatorNode, nodes: list[IndicatorNode]) -> float:
    kids = [x for x in nodes if x.parent == node.key]
    if not kids:
        return 0.0 if node.rule == BONUS else node.points
    below = sum(_top_nominal(k, nodes) for k in kids)
    return max(node.points, below) if node.points > 0 else below


def max_rule_score(node: IndicatorNode) -> float:
    """The most a leaf can score by its rule: P, unless the plan allows more (cap, B + u)."""
    p = node.params
    if node.rule in (TARGET_COMPLETION, LOWER_BETTER):
        return node.points * max(float(p["cap"] or 1.0), 0.0)
    if node.rule == LINEAR:
        return float(p["base"] or 0) + float(p["bonus_cap"] or 0)
    if node.rule == BONUS:
        cap = p.get("cap")
        return float(cap) if cap is not None else (node.points if node.points > 0 else math.inf)
    return node.points


@PROPERTY_SETTINGS
@given(scoring_inputs())
def test_leaf_scores_within_bounds_and_deductions_only_lower(inputs: ScoringInputs) -> None:
    inputs = finalise(inputs)
    result = score(inputs)
    for j, node in enumerate(inputs.nodes):
        if result.children[j]:
            continue
        applies = result.node_status[:, j] != NodeStatus.NOT_APPLICABLE
        rule_scores = result.node_rule_score[applies, j]
        finals = result.node_score[applies, j]
        assert np.all(rule_scores >= 0) and np.all(rule_scores <= max_rule_score(node) + 1e-9)
        assert np.all(finals >= 0) and np.all(finals <= rule_scores + 1e-12)
        # with the default cap (and B + u within P) the score stays within [0, P]
        if node.rule not in (BONUS, LINEAR) and (node.params.get("cap") or 1.0) <= 1.0:
            assert np.all(finals <= node.points + 1e-9)
        assert np.all(np.isnan(result.node_score[~applies, j]))


@PROPERTY_SETTINGS
@given(scoring_inputs())
def test_parents_are_the_sum_of_their_children(inputs: ScoringInputs) -> None:
    result = score(inputs)
    n = len(inputs.units)
    for j, kids in enumerate(result.children):
        if not kids:
            continue
        for u in range(n):
            if result.node_status[u, j] == NodeStatus.NOT_APPLICABLE:
                assert all(result.node_status[u, k] == NodeStatus.NOT_APPLICABLE for k in kids)
                continue
            children = float(np.nansum(result.node_score[u, list(kids)]))
            remainder = result.node_rule_score[u, j] - children
            assert remainder >= -1e-9
            assert math.isclose(
                remainder,
                max(0.0, inputs.nodes[j].points - _kids_nominal(inputs, j, result))
                if inputs.nodes[j].points > 0
                else 0.0,
                abs_tol=1e-9,
            )
            assert result.node_score[u, j] <= result.node_rule_score[u, j] + 1e-12
            if inputs.deductions[u, j] == 0 and inputs.nodes[j].parent is not None:
                assert math.isclose(result.node_score[u, j], children + remainder, abs_tol=1e-9)


def _kids_nominal(inputs: ScoringInputs, j: int, result: Any) -> float:
    nodes = list(inputs.nodes)
    return sum(_top_nominal(nodes[k], nodes) for k in result.children[j])


@PROPERTY_SETTINGS
@given(scoring_inputs(), st.randoms(use_true_random=False))
def test_permuting_units_changes_nothing(inputs: ScoringInputs, rnd: Any) -> None:
    n = len(inputs.units)
    perm = list(range(n))
    rnd.shuffle(perm)
    p = np.array(perm)
    permuted = replace(
        inputs,
        units=[inputs.units[i] for i in perm],
        groups=[inputs.groups[i] for i in perm],
        veto_grade=[inputs.veto_grade[i] for i in perm],
        **{
            name: np.asarray(getattr(inputs, name))[p]
            for name in (
                "applicable",
                "actual",
                "target",
                "last_year",
                "milestones_on_time",
                "milestones_late",
                "milestones_total",
                "bonus_items",
                "deductions",
                "deductions_unattached",
                "public_appraisal",
                "leader_evaluation",
                "bonus",
                "penalty",
                "vetoed",
                "last_year_score",
                "last_year_rank",
            )
        },
    )
    a, b = score(inputs), score(permuted)
    np.testing.assert_allclose(a.node_score[p], b.node_score, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.composite[p], b.composite, rtol=0, atol=1e-12)
    assert np.array_equal(a.rank[p], b.rank)
    assert [a.grade[i] for i in perm] == b.grade
    assert np.array_equal(a.node_status[p], b.node_status)


@PROPERTY_SETTINGS
@given(scoring_inputs(), st.data())
def test_raising_an_actual_never_lowers_the_score(inputs: ScoringInputs, data: Any) -> None:
    candidates = [
        j
        for j, node in enumerate(inputs.nodes)
        if node.rule in MONOTONE_RULES
        and node.direction != "lower"
        and not (node.rule == EFFICACY and node.params["satisfactory"] < node.params["not_allowed"])
    ]
    assume(candidates)
    j = data.draw(st.sampled_from(candidates))
    u = data.draw(st.integers(0, len(inputs.units) - 1))
    assume(not math.isnan(inputs.actual[u, j]))
    raised = inputs.actual.copy()
    raised[u, j] += data.draw(st.integers(1, 200).map(lambda i: i / 4))
    before, after = score(inputs), score(replace(inputs, actual=raised))
    if not math.isnan(before.node_score[u, j]):
        assert after.node_score[u, j] >= before.node_score[u, j] - 1e-12
    if not before.failed[u]:
        assert after.composite[u] >= before.composite[u] - 1e-9


@PROPERTY_SETTINGS
@given(scoring_inputs())
def test_ranks_follow_scores_and_quotas_hold(inputs: ScoringInputs) -> None:
    result = score(inputs)
    groups = np.asarray(inputs.groups)
    vetoed = np.asarray(inputs.vetoed)
    for g in set(inputs.groups):
        rows = np.flatnonzero((groups == g) & ~result.failed)
        if not rows.size:
            continue
        assert result.rank[rows].min() == 1 and result.rank[rows].max() <= rows.size
        order = rows[np.argsort(result.rank[rows], kind="stable")]
        s = result.composite[order]
        assert np.all(np.diff(s) <= 1e-9)  # better rank, never lower score
        for rule in inputs.grades[:-1]:
            if rule.quota is None:
                continue
            holders = [u for u in rows if result.grade[u] == rule.name and not vetoed[u]]
            assert len(holders) <= math.floor(rule.quota * rows.size + 1e-9)
    assert all(result.rank[result.failed] == 0)
    assert all(result.grade[u] == "" for u in np.flatnonzero(result.failed))
