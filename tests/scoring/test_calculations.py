"""The scoring engine on hand-computed cases: every rule, roll-up, composite, grades, ranks.

Pure: no database. `build()` makes a `ScoringInputs` with neutral defaults that each test
overrides; the property tests and the Decimal reference live in test_engine_*.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from kaoping.scoring.calculations import (
    DEFAULT_GRADES,
    GradeReason,
    GradeRule,
    IndicatorNode,
    NodeStatus,
    ScoringInputs,
    explain,
    explain_composite,
    points_lost,
    round_half_up,
    score,
)

NAN = float("nan")


def node(
    key: str,
    rule: str = "target_completion",
    points: float = 10.0,
    parent: str | None = "C",
    category: str = "economic",
    direction: str = "higher",
    **params: float | None,
) -> IndicatorNode:
    """A node; leaves hang under "C" unless told otherwise."""
    return IndicatorNode(key, parent, category, rule, points, params, direction)


def category(key: str = "C", points: float = 0.0, category: str = "economic") -> IndicatorNode:
    return IndicatorNode(key, None, category, "sum_children", points, {})


def build(
    nodes: Sequence[IndicatorNode],
    n: int = 1,
    groups: Sequence[str] | None = None,
    **values: Any,
) -> ScoringInputs:
    """Inputs for n units: figures missing, no deductions, A = L = 80, no veto; override any."""
    m = len(nodes)

    def grid(fill: float) -> np.ndarray:
        return np.full((n, m), fill)

    base = ScoringInputs(
        units=[f"U{i}" for i in range(n)],
        groups=list(groups) if groups is not None else ["G"] * n,
        nodes=list(nodes),
        applicable=np.ones((n, m), dtype=bool),
        actual=grid(NAN),
        target=grid(NAN),
        last_year=grid(NAN),
        milestones_on_time=grid(NAN),
        milestones_late=grid(NAN),
        milestones_total=grid(NAN),
        bonus_items=grid(NAN),
        deductions=grid(0.0),
        deductions_unattached=np.zeros(n),
        public_appraisal=np.full(n, 80.0),
        leader_evaluation=np.full(n, 80.0),
        bonus=np.zeros(n),
        penalty=np.zeros(n),
        vetoed=np.zeros(n, dtype=bool),
        veto_grade=[None] * n,
        weights=(0.6, 0.3, 0.1),
        missing_component="renormalise",
        points_total=0.0,
        grades=DEFAULT_GRADES,
        last_year_score=np.full(n, NAN),
        last_year_rank=np.full(n, NAN),
        tie_order={},
    )
    converted = {
        k: (np.asarray(v, dtype=np.float64) if k not in _NON_FLOAT else v)
        for k, v in values.items()
    }
    return replace(base, **converted)


_NON_FLOAT = {
    "units",
    "groups",
    "nodes",
    "applicable",
    "vetoed",
    "veto_grade",
    "weights",
    "missing_component",
    "points_total",
    "grades",
    "tie_order",
    "difficulty",
}


def one_leaf(
    rule: str,
    points: float = 10.0,
    direction: str = "higher",
    params: dict[str, float | None] | None = None,
    **figures: Any,
) -> tuple[float, NodeStatus, ScoringInputs, Any]:
    """Score a single leaf under one category for one unit: (score, status, inputs, result)."""
    nodes = [category(), node("L", rule, points, direction=direction, **(params or {}))]
    values = {k: [[NAN, v]] for k, v in figures.items()}
    inputs = build(nodes, **values)
    result = score(inputs)
    return (
        float(result.node_score[0, 1]),
        NodeStatus(int(result.node_status[0, 1])),
        inputs,
        result,
    )


# -- target completion and lower is better -----------------------------------------------------


def test_target_completion_is_points_times_completion() -> None:
    # given 93 of 100 on a 10-point indicator, when scored, then 10 × 0.93
    s, status, _, _ = one_leaf("target_completion", actual=93, target=100)
    assert s == pytest.approx(9.3) and status == NodeStatus.SCORED


@pytest.mark.parametrize(
    ("actual", "cap", "expected"),
    [(120, 1.0, 10.0), (120, 1.2, 12.0), (150, 1.2, 12.0), (100, 1.0, 10.0)],
)
def test_target_completion_cap(actual: float, cap: float, expected: float) -> None:
    s, _, _, _ = one_leaf("target_completion", params={"cap": cap}, actual=actual, target=100)
    assert s == pytest.approx(expected)


def test_target_completion_floor_zeroes_below_and_keeps_the_line() -> None:
    below, _, _, _ = one_leaf("target_completion", actual=59.99, target=100)
    at, _, _, _ = one_leaf("target_completion", actual=60, target=100)
    ratio, _, _, _ = one_leaf("target_completion", actual=3, target=5)  # 0.6 as a float ratio
    custom, _, _, _ = one_leaf("target_completion", params={"floor": 0.5}, actual=55, target=100)
    assert below == 0.0
    assert at == pytest.approx(6.0)
    assert ratio == pytest.approx(6.0)
    assert custom == pytest.approx(5.5)


@pytest.mark.parametrize("target", [0.0, NAN, -50.0])
def test_target_zero_missing_or_negative_is_not_comparable(target: float) -> None:
    s, status, inputs, result = one_leaf("target_completion", actual=50, target=target)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE
    text = explain(inputs, result, 0, 1)
    assert text["status"] == "not_comparable" and "target" in text["reason"]


def test_actual_missing_earns_nothing_and_says_why() -> None:
    s, status, inputs, result = one_leaf("target_completion", actual=NAN, target=100)
    assert s == 0.0 and status == NodeStatus.MISSING_INPUT
    assert "reports nothing earns nothing" in explain(inputs, result, 0, 1)["reason"]


def test_lower_better_uses_target_over_actual() -> None:
    s, _, _, _ = one_leaf("lower_better", actual=100, target=80)
    assert s == pytest.approx(8.0)
    under, _, _, _ = one_leaf("lower_better", actual=50, target=80)  # c = 1.6, capped
    assert under == pytest.approx(10.0)


def test_lower_better_actual_zero_is_the_best_value() -> None:
    s, status, _, _ = one_leaf("lower_better", params={"cap": 1.2}, actual=0, target=5)
    assert s == pytest.approx(12.0) and status == NodeStatus.SCORED


def test_lower_better_negative_value_is_not_comparable() -> None:
    s, status, _, _ = one_leaf("lower_better", actual=-3, target=5)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE


def test_target_completion_with_lower_direction_is_lower_better() -> None:
    a, _, _, _ = one_leaf("target_completion", direction="lower", actual=100, target=80)
    b, _, _, _ = one_leaf("lower_better", actual=100, target=80)
    assert a == b == pytest.approx(8.0)


# -- threshold -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "actual", "target", "expected"),
    [
        ("higher", 100, 100, 10.0),
        ("higher", 99.9, 100, 0.0),
        ("lower", 3, 5, 10.0),
        ("lower", 6, 5, 0.0),
        ("lower", 0, 0, 10.0),  # zero accidents against a target of zero: met
    ],
)
def test_threshold(direction: str, actual: float, target: float, expected: float) -> None:
    s, status, _, _ = one_leaf("threshold", direction=direction, actual=actual, target=target)
    assert s == expected and status == NodeStatus.SCORED


def test_threshold_without_target_is_not_comparable() -> None:
    s, status, _, _ = one_leaf("threshold", actual=5, target=NAN)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE


# -- linear ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(100, 8.0), (103, 9.5), (104, 10.0), (110, 10.0), (95, 5.5), (50, 0.0)],
)
def test_linear_above_and_below(actual: float, expected: float) -> None:
    # B = 8 at target, a = 0.5 per 1 %, at most u = 2 above
    params = {"base": 8.0, "step": 0.5, "bonus_cap": 2.0}
    s, _, _, _ = one_leaf("linear", params=params, actual=actual, target=100)
    assert s == pytest.approx(expected)


def test_linear_without_required_parameters_is_not_comparable() -> None:
    s, status, _, _ = one_leaf("linear", params={"base": 8.0}, actual=100, target=100)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE


# -- efficacy ----------------------------------------------------------------------------------


def test_efficacy_published_check() -> None:
    # DOMAIN.md: x = 5.81, x_h = 12, x_s = 6 → d = 58.73
    params = {"satisfactory": 12.0, "not_allowed": 6.0}
    s, _, inputs, result = one_leaf("efficacy", points=100, params=params, actual=5.81)
    assert s == pytest.approx(60 + 40 * (5.81 - 6) / 6)
    assert round_half_up(s) == 58.73
    assert "58.733333" in explain(inputs, result, 0, 1)["arithmetic"]


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(12, 10.0), (20, 10.0), (6, 6.0), (0, 2.0), (-20, 0.0)],
)
def test_efficacy_clamped_and_scaled(actual: float, expected: float) -> None:
    params = {"satisfactory": 12.0, "not_allowed": 6.0}
    s, _, _, _ = one_leaf("efficacy", points=10, params=params, actual=actual)
    assert s == pytest.approx(expected)


def test_efficacy_lower_is_better_when_satisfactory_is_below() -> None:
    params = {"satisfactory": 2.0, "not_allowed": 10.0}
    s, _, _, _ = one_leaf("efficacy", points=10, params=params, actual=4)
    assert s == pytest.approx(9.0)  # d = 60 + 40 × (−6) / (−8) = 90


def test_efficacy_equal_values_not_comparable() -> None:
    params = {"satisfactory": 6.0, "not_allowed": 6.0}
    s, status, _, _ = one_leaf("efficacy", params=params, actual=4)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE


# -- ratio to best --------------------------------------------------------------------------------


def peers(
    rule: str, actual: list[float], groups: list[str] | None = None, **kw: Any
) -> tuple[np.ndarray, ScoringInputs, Any]:
    params = kw.pop("params", {})
    direction = kw.pop("direction", "higher")
    nodes = [category(), node("L", rule, 10.0, direction=direction, **params)]
    n = len(actual)
    inputs = build(nodes, n=n, groups=groups, actual=[[NAN, a] for a in actual], **kw)
    result = score(inputs)
    return result.node_score[:, 1], inputs, result


def test_ratio_to_best_against_the_group_best() -> None:
    s, inputs, result = peers("ratio_to_best", [80, 100, 50], params={"difficulty": 1.1})
    assert s == pytest.approx([8.0, 10.0, 5.0])  # k cancels when it is one per indicator
    assert result.peer_reference[0, 1] == pytest.approx(110.0)
    assert "÷ 110" in explain(inputs, result, 0, 1)["arithmetic"]


def test_ratio_to_best_with_per_unit_difficulty() -> None:
    difficulty = np.array([[NAN, 1.0], [NAN, 1.0], [NAN, 1.35]])
    s, _, _ = peers("ratio_to_best", [80, 100, 50], difficulty=difficulty)
    assert s == pytest.approx([8.0, 10.0, 6.75])


def test_ratio_to_best_groups_are_separate_and_missing_excluded() -> None:
    s, _, result = peers("ratio_to_best", [80, 100, 50, NAN], groups=["A", "A", "B", "B"])
    assert s == pytest.approx([8.0, 10.0, 10.0, 0.0])
    assert result.node_status[3, 1] == NodeStatus.MISSING_INPUT


def test_ratio_to_best_without_a_positive_best_is_not_comparable() -> None:
    s, _, result = peers("ratio_to_best", [0, 0])
    assert list(s) == [0.0, 0.0]
    assert set(result.node_status[:, 1].tolist()) == {NodeStatus.NOT_COMPARABLE}


# -- growth rate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "band", "expected"),
    [
        (110, 10.0, 10.0),  # g = 10 ≥ 8
        (108, 10.0, 10.0),  # g = 8 exactly
        (103, 10.0, 5.0),  # 3 pp short of 8 → 1 − 5/10
        (95, 10.0, 0.0),  # negative growth, 13 pp short
        (95, 20.0, 3.5),  # 1 − 13/20
    ],
)
def test_growth_rate(actual: float, band: float, expected: float) -> None:
    s, _, _, _ = one_leaf(
        "growth_rate", params={"band": band}, actual=actual, target=8, last_year=100
    )
    assert s == pytest.approx(expected)


@pytest.mark.parametrize("last_year", [0.0, NAN, -10.0])
def test_growth_rate_without_a_base_is_not_comparable(last_year: float) -> None:
    s, status, inputs, result = one_leaf("growth_rate", actual=110, target=8, last_year=last_year)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE
    assert "last year" in explain(inputs, result, 0, 1)["reason"]


# -- ranking --------------------------------------------------------------------------------------


def test_ranking_ties_share_the_better_rank() -> None:
    s, inputs, result = peers("ranking", [90, 80, 80, 70])
    assert list(result.peer_reference[:, 1]) == [1, 2, 2, 4]
    assert s == pytest.approx([10.0, 9.5, 9.5, 8.5])
    assert "rank r = 4" in explain(inputs, result, 3, 1)["arithmetic"]


def test_ranking_lower_is_better_and_step() -> None:
    s, _, _ = peers("ranking", [90, 80, 70], direction="lower", params={"step": 0.5})
    assert s == pytest.approx([0.0, 5.0, 10.0])


def test_ranking_within_groups_missing_not_ranked() -> None:
    s, _, result = peers("ranking", [90, NAN, 50, 60], groups=["A", "A", "B", "B"])
    assert s == pytest.approx([10.0, 0.0, 9.5, 10.0])
    assert result.node_status[1, 1] == NodeStatus.MISSING_INPUT


# -- milestones, deduction only, bonus ----------------------------------------------------


def test_milestones_late_ones_count_half() -> None:
    s, _, _, _ = one_leaf("milestones", milestones_on_time=3, milestones_late=1, milestones_total=5)
    assert s == pytest.approx(7.0)
    full, _, _, _ = one_leaf(
        "milestones",
        params={"late_credit": 1.0},
        milestones_on_time=3,
        milestones_late=1,
        milestones_total=5,
    )
    assert full == pytest.approx(8.0)


def test_milestones_without_any_is_not_comparable_and_unreported_is_missing() -> None:
    _, none, _, _ = one_leaf("milestones", milestones_on_time=0, milestones_total=0)
    _, missing, _, _ = one_leaf("milestones", milestones_total=NAN)
    assert none == NodeStatus.NOT_COMPARABLE and missing == NodeStatus.MISSING_INPUT


@pytest.mark.parametrize(("deduction", "expected"), [(0, 5.0), (2, 3.0), (7, 0.0)])
def test_deduction_only(deduction: float, expected: float) -> None:
    s, _, _, _ = one_leaf("deduction_only", points=5, deductions=deduction)
    assert s == pytest.approx(expected)


@pytest.mark.parametrize(
    ("points", "cap", "items", "expected"),
    [(2, 3.0, 4.5, 3.0), (2, 3.0, 1.5, 1.5), (2, None, 4.5, 2.0), (0, None, 4.5, 4.5)],
)
def test_bonus_cap(points: float, cap: float | None, items: float, expected: float) -> None:
    # cap given; else the indicator's points (plan-format.md); no cap on a 0-point bonus
    s, _, _, _ = one_leaf("bonus", points=points, params={"cap": cap}, bonus_items=items)
    assert s == pytest.approx(expected)


def test_bonus_adds_to_the_category_without_counting_in_full_points() -> None:
    nodes = [category(), node("L", points=10), node("B", "bonus", points=2, cap=3.0)]
    inputs = build(
        nodes, actual=[[NAN, 80, NAN]], target=[[NAN, 100, NAN]], bonus_items=[[NAN, NAN, 5]]
    )
    result = score(inputs)
    assert result.node_score[0, 0] == pytest.approx(8.0 + 3.0)
    assert result.indicators_full[0] == pytest.approx(10.0)
    assert result.indicators_scaled[0] == pytest.approx(110.0)


# -- deductions, roll-up, applicability ----------------------------------------------------------


def test_deduction_comes_off_the_indicator_never_below_zero() -> None:
    nodes = [category(), node("A"), node("B")]
    inputs = build(
        nodes,
        actual=[[NAN, 93, 50]],
        target=[[NAN, 100, 100]],
        deductions=[[0, 2, 20]],
    )
    result = score(inputs)
    assert result.node_score[0, 1] == pytest.approx(7.3)
    assert result.node_score[0, 2] == 0.0  # 0 before, 20 deducted: stays 0
    assert result.node_rule_score[0, 1] == pytest.approx(9.3)
    assert result.node_score[0, 0] == pytest.approx(7.3)
    assert result.deduction_total[0] == pytest.approx(22.0)
    text = explain(inputs, result, 0, 1)
    assert "max(0, 9.3 − 2) = 7.3" in text["arithmetic"]


def test_unattached_deductions_come_off_the_executive_category() -> None:
    nodes = [
        category("E1", category="economic"),
        node("E1.1", "deduction_only", 10, parent="E1"),
        category("X", category="executive"),
        node("X.1", "deduction_only", 4, parent="X", category="executive"),
    ]
    inputs = build(nodes, deductions_unattached=[3.0])
    result = score(inputs)
    assert result.node_score[0, 2] == pytest.approx(1.0)
    assert result.node_score[0, 3] == pytest.approx(4.0)  # the indicator itself is untouched
    assert result.indicators_points[0] == pytest.approx(11.0)
    heavy = score(replace(inputs, deductions_unattached=np.array([9.0])))
    assert heavy.node_score[0, 2] == 0.0  # not below zero
    assert heavy.indicators_points[0] == pytest.approx(10.0)
    assert heavy.deduction_total[0] == pytest.approx(9.0)
    text = explain(inputs, result, 0, 2)
    assert text["unattached_deductions"] == 3.0 and "not tied to an indicator" in text["arithmetic"]


def test_unattached_deductions_without_executive_category_come_off_the_total() -> None:
    nodes = [category(), node("A", "deduction_only", 10)]
    result = score(build(nodes, deductions_unattached=[3.0]))
    assert result.indicators_points[0] == pytest.approx(7.0)
    assert result.node_score[0, 0] == pytest.approx(10.0)


def test_parent_keeps_its_remainder_and_takes_its_own_deductions() -> None:
    # a 20-point parent with 15 points of children keeps 5 for inspection deductions
    nodes = [category("C", points=20), node("A", "deduction_only", 15)]
    result = score(build(nodes, deductions=[[2, 1]]))
    assert result.node_rule_score[0, 0] == pytest.approx(5 + 14)
    assert result.node_score[0, 0] == pytest.approx(17.0)
    assert result.indicators_full[0] == pytest.approx(20.0)


def test_three_levels_roll_up() -> None:
    nodes = [
        category(),
        node("A", "sum_children", 0),
        node("A.1", "deduction_only", 3, parent="A"),
        node("A.2", "deduction_only", 4, parent="A"),
        node("B", "deduction_only", 5),
    ]
    result = score(build(nodes))
    assert list(result.node_score[0]) == pytest.approx([12.0, 7.0, 3.0, 4.0, 5.0])
    assert result.children[0] == (1, 4) and result.children[1] == (2, 3)


def test_not_applicable_has_no_score_and_no_full_points() -> None:
    nodes = [category(), node("A", "deduction_only", 10), node("B", "deduction_only", 30)]
    applicable = np.array([[True, True, False], [True, True, True]])
    result = score(build(nodes, n=2, applicable=applicable))
    assert math.isnan(result.node_score[0, 2])
    assert result.node_status[0, 2] == NodeStatus.NOT_APPLICABLE
    assert list(result.indicators_full) == [10.0, 40.0]
    assert list(result.indicators_scaled) == [100.0, 100.0]


def test_children_of_a_non_applicable_parent_do_not_apply() -> None:
    nodes = [category(), node("A", "deduction_only", 10)]
    result = score(build(nodes, applicable=[[False, True]]))
    assert result.node_status[0, 1] == NodeStatus.NOT_APPLICABLE
    assert math.isnan(result.indicators_scaled[0])
    assert result.components_missing[0] == ("indicators",)


def test_points_total_scales_i() -> None:
    nodes = [category(), node("A", "deduction_only", 10), node("B", "deduction_only", 10)]
    applicable = np.array([[True, True, False]])
    result = score(build(nodes, applicable=applicable, points_total=20.0))
    # the plan's 20 points less the 10 that do not apply to the unit
    assert result.indicators_full[0] == pytest.approx(10.0)
    assert result.indicators_scaled[0] == pytest.approx(100.0)


# -- composite ------------------------------------------------------------------------------


def composite_case(**kw: Any) -> tuple[ScoringInputs, Any]:
    # I = 87.5 (35 of 40 points)
    nodes = [category(), node("A", "deduction_only", 40)]
    kw.setdefault("leader_evaluation", [90.0])
    inputs = build(nodes, deductions=[[0, 5]], **kw)
    return inputs, score(inputs)


def test_composite_weights_bonus_and_penalty() -> None:
    inputs, result = composite_case(bonus=[1.0], penalty=[0.5])
    assert result.indicators_scaled[0] == pytest.approx(87.5)
    assert result.composite[0] == pytest.approx(0.6 * 87.5 + 0.3 * 80 + 0.1 * 90 + 1 - 0.5)
    text = explain_composite(inputs, result, 0)
    assert text["arithmetic"].endswith("= 86")
    assert "0.6 × 87.5" in text["arithmetic"] and text["renormalised"] is False


def test_missing_component_renormalised() -> None:
    inputs, result = composite_case(public_appraisal=[NAN])
    assert result.composite[0] == pytest.approx((0.6 * 87.5 + 0.1 * 90) / 0.7)
    assert result.components_missing[0] == ("public",)
    assert not result.failed[0]
    text = explain_composite(inputs, result, 0)
    assert text["renormalised"] is True
    assert text["components"][0]["effective_weight"] == pytest.approx(0.6 / 0.7)


def test_missing_component_fail_mode() -> None:
    inputs, result = composite_case(public_appraisal=[NAN], missing_component="fail")
    assert result.failed[0] and math.isnan(result.composite[0])
    assert result.grade[0] == "" and result.rank[0] == 0
    assert result.grade_reason[0] == GradeReason.FAILED
    assert "public" in explain_composite(inputs, result, 0)["arithmetic"]


def test_zero_weight_component_is_never_missing() -> None:
    _, result = composite_case(
        leader_evaluation=[NAN], weights=(0.7, 0.3, 0.0), missing_component="fail"
    )
    assert not result.failed[0] and result.components_missing[0] == ()
    assert result.composite[0] == pytest.approx(0.7 * 87.5 + 0.3 * 80)


# -- grades, quotas, ties, veto ----------------------------------------------------------------


def ranked(scores: Sequence[float], **kw: Any) -> tuple[ScoringInputs, Any]:
    """Units whose composite equals their I (weights 1, 0, 0): I = points out of 100."""
    n = len(scores)
    nodes = [category(), node("A", "deduction_only", 100)]
    deductions = kw.pop("deductions", None)
    ded = np.zeros((n, 2))
    ded[:, 1] = [100 - s for s in scores]
    inputs = build(nodes, n=n, deductions=ded, weights=(1.0, 0.0, 0.0), **kw)
    if deductions is not None:  # extra, tied to no indicator, with no executive category
        inputs = replace(inputs, deductions_unattached=np.asarray(deductions, dtype=float))
    return inputs, score(inputs)


def test_quota_caps_the_top_grade_at_30_percent() -> None:
    inputs, result = ranked([99, 98, 97, 96, 95, 94, 93, 92, 91, 85])
    assert result.grade.count("优秀") == 3
    assert result.grade[:4] == ["优秀", "优秀", "优秀", "良好"]
    assert result.grade_by_score[3] == "优秀" and result.grade_reason[3] == GradeReason.QUOTA
    assert result.grade_reason[9] == GradeReason.THRESHOLD
    text = explain_composite(inputs, result, 3)
    assert text["grade"]["quota_lines"][0]["limit"] == 3


def test_quota_rounds_down_exactly() -> None:
    # 0.29 × 100 is 28.999999999999996 in floats, 29 in decimals
    _, result = ranked(
        [95.0] * 0 + [99.0 - i * 0.01 for i in range(100)],
        grades=[GradeRule("A", 90, 0.29), GradeRule("B", 0)],
    )
    assert result.grade.count("A") == 29


def test_ties_at_the_line_broken_by_i_then_deductions_then_public_then_tie_order() -> None:
    # four units with composite 92 at the 3-of-10 line; the tie-breaks decide who is 优秀
    n = 10
    nodes = [category(), node("A", "deduction_only", 100)]
    ded = np.zeros((n, 2))
    i_values = [100, 100, 95, 95, 95, 95, 80, 80, 80, 80]
    ded[:, 1] = [100 - v for v in i_values]
    public = np.array([90.0, 60.0, 80.0, 80.0, 85.0, 70.0, 60, 60, 60, 60])
    bonus = np.zeros(n)
    inputs = build(
        nodes, n=n, deductions=ded, public_appraisal=public, weights=(0.5, 0.5, 0.0), bonus=bonus
    )
    base = score(inputs)
    # composite: 95, 80, 87.5, 87.5, 90, 82.5, ...; make units 1..5 all 92 with bonus
    target = 92.0
    bonus = target - base.composite
    bonus[0] = 3.0  # unit 0: 98, clearly first
    bonus[6:] = 0.0
    inputs = replace(inputs, bonus=bonus, tie_order={"U2": 2, "U3": 1})
    result = score(inputs)
    assert result.composite[1:6] == pytest.approx([92.0] * 5)
    # I: U1 100 beats the 95s; among U2..U5 (I 95) deductions are equal (5), then public:
    # U4 85 > U2 = U3 80 > U5 70; U2 and U3 by the office's order (U3 wins)
    assert list(result.rank[:6]) == [1, 2, 5, 4, 3, 6]
    assert result.grade[:6] == ["优秀", "优秀", "良好", "良好", "优秀", "良好"]
    text = explain_composite(inputs, result, 3)
    decided = {t["unit"]: t["decided_by"] for t in text["tie_break"]}
    assert decided == {"U1": "indicators", "U2": "tie_order", "U4": "public", "U5": "public"}


def test_deductions_break_a_tie_of_composite_and_i() -> None:
    # U0 and U1 both score 95 on A; U1 also lost 2 points on a 0-point item (absorbed by the
    # floor, so I is equal) and ranks second on "fewer deduction points"
    n = 6
    nodes = [category(), node("A", "deduction_only", 100), node("B", "deduction_only", 0)]
    ded = np.zeros((n, 3))
    ded[:, 1] = [5, 5, 50, 50, 50, 50]
    ded[:, 2] = [0, 2, 0, 0, 0, 0]
    inputs = build(nodes, n=n, deductions=ded, weights=(1.0, 0.0, 0.0))
    result = score(inputs)
    assert result.composite[0] == result.composite[1]
    assert result.indicators_scaled[0] == result.indicators_scaled[1]
    assert list(result.deduction_total[:2]) == [5.0, 7.0]
    assert list(result.rank[:2]) == [1, 2]
    assert result.grade[:2] == ["优秀", "良好"]  # quota: 30 % of 6 → 1
    tie = explain_composite(inputs, result, 0)["tie_break"]
    assert tie == [{"unit": "U1", "rank": 2, "decided_by": "deductions"}]


def test_unbreakable_tie_at_the_quota_line_falls_together() -> None:
    _, result = ranked([99, 95, 95, 95, 80, 80, 80, 80, 80, 80])
    # three slots; the 95s tie on every key: all of them fall (the quota is a ceiling)
    assert list(result.rank[:4]) == [1, 2, 2, 2]
    assert result.grade[:4] == ["优秀", "良好", "良好", "良好"]
    assert result.grade_reason[1:4] == [GradeReason.QUOTA_TIE] * 3


def test_tie_that_fits_the_quota_takes_the_grade() -> None:
    _, result = ranked([99, 95, 95, 80, 80, 80, 80, 80, 80, 80])
    assert result.grade[:3] == ["优秀", "优秀", "优秀"]


def test_veto_takes_the_lowest_grade_and_frees_a_quota_place() -> None:
    vetoed = np.zeros(10, dtype=bool)
    vetoed[0] = True
    inputs, result = ranked([99, 98, 97, 96, 95, 94, 93, 92, 91, 85], vetoed=vetoed)
    assert result.grade[0] == "较差" and result.grade_reason[0] == GradeReason.VETO
    assert result.rank[0] == 1 and result.composite[0] == pytest.approx(99.0)
    assert result.grade[1:5] == ["优秀", "优秀", "优秀", "良好"]
    assert explain_composite(inputs, result, 0)["veto"] == {"vetoed": True, "cap_grade": "较差"}


def test_veto_cap_grade_is_a_ceiling() -> None:
    vetoed = np.array([True, True] + [False] * 8)
    _, result = ranked(
        [99, 50, 97, 96, 95, 94, 93, 92, 91, 85],
        vetoed=vetoed,
        veto_grade=["一般", "一般"] + [None] * 8,
    )
    assert result.grade[0] == "一般"  # capped
    assert result.grade[1] == "较差"  # already below the cap


def test_grades_are_per_group() -> None:
    groups = ["A"] * 5 + ["B"] * 5
    _, result = ranked([99, 98, 97, 96, 95, 99, 98, 97, 96, 95], groups=groups)
    assert result.grade.count("优秀") == 2  # 30 % of 5 → 1 per group
    assert list(result.rank) == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]


# -- rank and changes ------------------------------------------------------------------------


def test_competition_ranking_and_changes() -> None:
    _, result = ranked(
        [90, 95, 95, 80],
        last_year_score=[88.0, 96.0, NAN, 80.0],
        last_year_rank=[1.0, 2.0, NAN, 4.0],
    )
    assert list(result.rank) == [3, 1, 1, 4]
    assert result.score_change[0] == pytest.approx(2.0)
    assert result.score_change[1] == pytest.approx(-1.0)
    assert math.isnan(result.score_change[2]) and math.isnan(result.rank_change[2])
    assert list(result.rank_change[[0, 1, 3]]) == [-2.0, 1.0, 0.0]


# -- explanations -------------------------------------------------------------------------------


def test_explanation_of_target_completion() -> None:
    _, _, inputs, result = one_leaf("target_completion", actual=93, target=100)
    text = explain(inputs, result, 0, 1)
    assert text["rule"] == "target_completion" and text["score"] == pytest.approx(9.3)
    assert text["inputs"]["completion"] == pytest.approx(0.93)
    assert "P × min(c, cap) = 10 × min(0.93, 1) = 9.3" in text["arithmetic"]
    parent = explain(inputs, result, 0, 0)
    assert parent["rule"] == "sum_children" and "= 9.3" in parent["arithmetic"]


def test_explanation_of_each_rule_names_its_figures() -> None:
    cases: list[tuple[str, dict[str, Any], dict[str, float], str]] = [
        ("threshold", {}, {"actual": 5, "target": 4}, "met → P = 10"),
        (
            "linear",
            {"base": 8.0, "step": 0.5, "bonus_cap": 2.0},
            {"actual": 95, "target": 100},
            "max(0, 8 − 0.5 × 5) = 5.5",
        ),
        (
            "growth_rate",
            {},
            {"actual": 103, "target": 8, "last_year": 100},
            "max(0, 1 − 5 ÷ 10) = 5",
        ),
        (
            "milestones",
            {},
            {"milestones_on_time": 3, "milestones_late": 1, "milestones_total": 5},
            "10 × (3 + 0.5 × 1) ÷ 5 = 7",
        ),
        ("bonus", {"cap": 3.0}, {"bonus_items": 4.5}, "min(3, 4.5) = 3"),
        ("lower_better", {}, {"actual": 0, "target": 4}, "c = ∞"),
    ]
    for rule, params, figures, expected in cases:
        _, _, inputs, result = one_leaf(rule, params=params, **figures)
        assert expected in explain(inputs, result, 0, 1)["arithmetic"], rule


def test_explanations_are_json_for_every_line() -> None:
    from benchmarks.province import generate_province

    inputs = generate_province(units=70, indicators=55, seed=3)
    result = score(inputs)
    for u in range(70):
        for j in range(len(inputs.nodes)):
            line = explain(inputs, result, u, j)
            json.dumps(line, allow_nan=False)
            assert line["score"] == (
                None if math.isnan(result.node_score[u, j]) else result.node_score[u, j]
            )
        json.dumps(explain_composite(inputs, result, u), allow_nan=False, ensure_ascii=False)


def test_not_applicable_explanation() -> None:
    nodes = [category(), node("A", "deduction_only", 10)]
    inputs = build(nodes, applicable=[[True, False]])
    text = explain(inputs, score(inputs), 0, 1)
    assert text["status"] == "not_applicable" and text["score"] is None


# -- accountability, rounding, validation ------------------------------------------------------


def test_points_lost_split_by_shares() -> None:
    lost = points_lost(
        points=[10, 5, 8, 6],
        rule_scores=[7, 5, 9.6, NAN],
        final_scores=[5, 5, 6.6, NAN],
        shares=[[1.0, 0.0], [0.5, 0.5], [0.6, 0.4], [1.0, 0.0]],
    )
    # 3 short + 2 deducted; nothing; above P does not offset the 3 deducted; not applicable
    assert list(lost.per_indicator) == pytest.approx([5.0, 0.0, 3.0, 0.0])
    assert list(lost.per_unit) == pytest.approx([5.0 + 1.8, 1.2])
    assert list(lost.unattributed) == pytest.approx([0, 0, 0, 0])


def test_points_lost_without_assignment_is_unattributed() -> None:
    lost = points_lost([10], [4], [4], [[0.0]])
    assert lost.unattributed[0] == pytest.approx(6.0) and lost.per_unit[0] == 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.675, 2.68), (58.7333, 58.73), (-1.005, -1.01), (0.125, 0.13), (1.0, 1.0)],
)
def test_round_half_up(value: float, expected: float) -> None:
    assert round_half_up(value) == expected


def test_round_half_up_arrays_and_nan() -> None:
    rounded = round_half_up(np.array([2.675, NAN, 10.005]))
    assert rounded[0] == 2.68 and math.isnan(rounded[1]) and rounded[2] == 10.01
    assert round_half_up(1.23456, 3) == 1.235


@pytest.mark.parametrize(
    ("nodes", "kw", "message"),
    [
        ([category(), node("A", "magic")], {}, "unknown scoring rule"),
        ([node("A"), category()], {}, "before its parent"),
        ([category(), node("A")], {"weights": (0.5, 0.3, 0.1)}, "adding to 1"),
        ([category(), node("A")], {"veto_grade": ["卓越"]}, "not a grade"),
        ([category(), category()], {}, "appears twice"),
    ],
)
def test_malformed_inputs_are_refused(
    nodes: list[IndicatorNode], kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score(build(nodes, **kw))


def test_plain_lists_are_accepted() -> None:
    nodes = [category(), node("A")]
    inputs = build(nodes)
    listed = replace(
        inputs,
        actual=[[NAN, 93.0]],
        target=[[NAN, 100.0]],
        applicable=[[True, True]],
        public_appraisal=[80.0],
        vetoed=[False],
    )
    result = score(listed)  # type: ignore[arg-type]
    assert result.node_score[0, 1] == pytest.approx(9.3)


def test_no_units_scores_nothing() -> None:
    result = score(build([category(), node("A")], n=0))
    assert result.composite.shape == (0,) and result.grade == [] and result.rank.shape == (0,)


def test_a_childless_sum_children_node_is_not_comparable() -> None:
    s, status, inputs, result = one_leaf("sum_children", points=5)
    assert s == 0.0 and status == NodeStatus.NOT_COMPARABLE
    assert result.indicators_full[0] == 5.0
    assert "no sub-indicators" in explain(inputs, result, 0, 1)["reason"]


def test_a_parent_is_summed_whatever_its_rule() -> None:
    nodes = [
        IndicatorNode("C", None, "economic", "target_completion", 0.0, {}),
        node("A", "deduction_only", 4),
    ]
    result = score(build(nodes))
    assert result.node_score[0, 0] == pytest.approx(4.0)
    assert explain(build(nodes), result, 0, 0)["rule"] == "sum_children"
