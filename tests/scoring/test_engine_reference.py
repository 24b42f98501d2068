"""A slow, plain-Python Decimal reference of DOMAIN.md's scoring, against the engine.

Written independently of the engine's vectorised code, unit by unit and node by node, from
the rules as docs/scoring-engine.md states them. Float inputs are converted to Decimal
exactly, computed with 50 significant digits, and compared with the engine to 1e-9.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from hypothesis import given

from kaoping.scoring.calculations import NodeStatus, ScoringInputs, score
from tests.scoring.test_engine_properties import REFERENCE_SETTINGS, finalise, scoring_inputs

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
TOL = Decimal("1e-9")
SCORED = NodeStatus.SCORED
MISSING = NodeStatus.MISSING_INPUT
NA = NodeStatus.NOT_APPLICABLE
NC = NodeStatus.NOT_COMPARABLE
DEFAULTS = {
    "target_completion": {"cap": 1.0, "floor": 0.6},
    "lower_better": {"cap": 1.0, "floor": 0.6},
    "ratio_to_best": {"difficulty": 1.0},
    "growth_rate": {"band": 10.0},
    "ranking": {"step": 0.05},
    "milestones": {"late_credit": 0.5},
}


def dec(x: Any) -> Decimal | None:
    """A float as the exact Decimal it is; None for NaN or None."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else Decimal(x)


def param(node: Any, key: str) -> Decimal | None:
    value = node.params.get(key)
    if value is None:
        value = DEFAULTS.get(node.rule, {}).get(key)
    return dec(value)


class Reference:
    """Scores computed the slow way: dicts and loops."""

    def __init__(self, inputs: ScoringInputs) -> None:
        self.inp = inputs
        self.nodes = list(inputs.nodes)
        self.n = len(inputs.units)
        self.m = len(self.nodes)
        self.index = {node.key: j for j, node in enumerate(self.nodes)}
        self.kids = {
            j: [k for k, c in enumerate(self.nodes) if c.parent == node.key]
            for j, node in enumerate(self.nodes)
        }

    # -- tree ---------------------------------------------------------------------------------

    def applies(self, u: int, j: int) -> bool:
        node = self.nodes[j]
        own = bool(self.inp.applicable[u][j])
        return own and (node.parent is None or self.applies(u, self.index[node.parent]))

    def nominal(self, j: int) -> Decimal:
        node = self.nodes[j]
        if not self.kids[j]:
            return ZERO if node.rule == "bonus" else dec(node.points)  # type: ignore[return-value]
        below = sum((self.nominal(k) for k in self.kids[j]), ZERO)
        return max(dec(node.points), below) if node.points > 0 else below  # type: ignore[type-var]

    def remainder(self, j: int) -> Decimal:
        node = self.nodes[j]
        if node.points <= 0:
            return ZERO
        below = sum((self.nominal(k) for k in self.kids[j]), ZERO)
        return max(ZERO, dec(node.points) - below)  # type: ignore[operator]

    def full(self, u: int, j: int) -> Decimal:
        if not self.applies(u, j):
            return ZERO
        if not self.kids[j]:
            return self.nominal(j)
        return self.remainder(j) + sum((self.full(u, k) for k in self.kids[j]), ZERO)

    # -- leaves -----------------------------------------------------------------------------------

    def lower(self, node: Any) -> bool:
        return node.rule == "lower_better" or node.direction == "lower"

    def completion(self, node: Any, a: Decimal | None, t: Decimal | None) -> Any:
        if a is None:
            return MISSING
        if self.lower(node):
            if t is None or t < 0 or a < 0:
                return NC
            return "inf" if a == 0 else t / a
        if t is None or t <= 0:
            return NC
        return a / t

    def peers(self, u: int, j: int) -> list[int]:
        g = self.inp.groups[u]
        return [
            v
            for v in range(self.n)
            if self.inp.groups[v] == g
            and self.applies(v, j)
            and dec(self.inp.actual[v][j]) is not None
        ]

    def leaf(self, u: int, j: int) -> tuple[Decimal, NodeStatus]:
        node = self.nodes[j]
        p = dec(node.points)
        assert p is not None
        a = dec(self.inp.actual[u][j])
        t = dec(self.inp.target[u][j])
        rule = node.rule
        if rule in ("target_completion", "lower_better"):
            c = self.completion(node, a, t)
            if isinstance(c, NodeStatus):
                return ZERO, c
            cap, floor = param(node, "cap"), param(node, "floor")
            assert cap is not None and floor is not None
            if c == "inf":
                return p * max(cap, ZERO), SCORED
            if c < floor - TOL:
                return ZERO, SCORED
            return p * max(min(c, cap), ZERO), SCORED
        if rule == "threshold":
            if a is None:
                return ZERO, MISSING
            if t is None:
                return ZERO, NC
            met = a <= t if self.lower(node) else a >= t
            return (p if met else ZERO), SCORED
        if rule == "linear":
            c = self.completion(node, a, t)
            base, step, ucap = param(node, "base"), param(node, "step"), param(node, "bonus_cap")
            if c is MISSING:  # identity: NodeStatus is an IntEnum, Decimal(1) == MISSING
                return ZERO, MISSING
            if c is NC or base is None or step is None or ucap is None:
                return ZERO, NC
            if c == "inf":
                return base + (ucap if step > 0 else ZERO), SCORED
            diff = step * (c - ONE) * HUNDRED
            if c >= ONE:
                return base + min(ucap, diff), SCORED
            return max(ZERO, base + diff), SCORED
        if rule == "efficacy":
            x_h, x_s = param(node, "satisfactory"), param(node, "not_allowed")
            if a is None:
                return ZERO, MISSING
            if x_h is None or x_s is None or x_h == x_s:
                return ZERO, NC
            d = Decimal(60) + Decimal(40) * (a - x_s) / (x_h - x_s)
            return min(HUNDRED, max(ZERO, d)) * p / HUNDRED, SCORED
        if rule == "ratio_to_best":
            k = param(node, "difficulty")
            assert k is not None
            values = [dec(self.inp.actual[v][j]) * k for v in self.peers(u, j)]  # type: ignore[operator]
            best = max(values) if values else None
            if a is None:
                return ZERO, MISSING
            if best is None or best <= 0:
                return ZERO, NC
            return p * min(ONE, max(ZERO, a * k / best)), SCORED
        if rule == "growth_rate":
            base = dec(self.inp.last_year[u][j])
            band = param(node, "band")
            if a is None:
                return ZERO, MISSING
            if t is None or base is None or base <= 0 or band is None or band <= 0:
                return ZERO, NC
            g = (a / base - ONE) * HUNDRED
            if t - g <= TOL:
                return p, SCORED
            return p * max(ZERO, ONE - (t - g) / band), SCORED
        if rule == "ranking":
            if a is None:
                return ZERO, MISSING
            step = param(node, "step")
            assert step is not None
            sign = 1 if self.lower(node) else -1
            own = sign * a
            better = sum(
                1
                for v in self.peers(u, j)
                if sign * dec(self.inp.actual[v][j]) < own  # type: ignore[operator]
            )
            return p * max(ZERO, ONE - step * better), SCORED
        if rule == "milestones":
            total = dec(self.inp.milestones_total[u][j])
            if total is None:
                return ZERO, MISSING
            if total <= 0:
                return ZERO, NC
            on = dec(self.inp.milestones_on_time[u][j]) or ZERO
            late = dec(self.inp.milestones_late[u][j]) or ZERO
            credit = param(node, "late_credit")
            assert credit is not None
            return p * min(ONE, max(ZERO, (on + credit * late) / total)), SCORED
        if rule == "deduction_only":
            return p, SCORED
        if rule == "bonus":
            cap = dec(node.params.get("cap"))
            items = max(dec(self.inp.bonus_items[u][j]) or ZERO, ZERO)
            if cap is None:
                return (min(p, items) if p > 0 else items), SCORED
            return min(cap, items), SCORED
        return ZERO, NC  # a childless sum_children

    # -- a unit -------------------------------------------------------------------------------

    def executive(self, u: int) -> int | None:
        for j, node in enumerate(self.nodes):
            if (
                node.parent is None
                and node.category == "executive"
                and node.rule != "bonus"
                and self.applies(u, j)
            ):
                return j
        return None

    def unit(self, u: int) -> dict[str, Any]:
        scores: dict[int, Decimal | None] = {}
        statuses: dict[int, NodeStatus] = {}
        unattached = max(dec(self.inp.deductions_unattached[u]) or ZERO, ZERO)
        exec_j = self.executive(u)
        ded_total = unattached

        def final(j: int) -> Decimal:
            nonlocal ded_total
            if not self.applies(u, j):
                scores[j], statuses[j] = None, NA
                for k in self.kids[j]:
                    final(k)
                return ZERO
            ded = max(dec(self.inp.deductions[u][j]) or ZERO, ZERO)
            ded_total += ded
            if self.kids[j]:
                value = self.remainder(j) + sum((final(k) for k in self.kids[j]), ZERO)
                status = SCORED
            else:
                value, status = self.leaf(u, j)
            result = value - ded
            if j == exec_j:
                result -= unattached
            scores[j], statuses[j] = max(ZERO, result), status
            return max(ZERO, result)

        tops = [j for j, node in enumerate(self.nodes) if node.parent is None]
        points = sum((final(j) for j in tops), ZERO)
        if exec_j is None:
            points = max(ZERO, points - unattached)
        full = sum((self.full(u, j) for j in tops), ZERO)
        if self.inp.points_total and self.inp.points_total > 0:
            full = dec(self.inp.points_total) - (sum((self.nominal(j) for j in tops), ZERO) - full)  # type: ignore[operator]
        scaled = points / full * HUNDRED if full > 0 else None
        return {
            "scores": scores,
            "statuses": statuses,
            "points": points,
            "full": full,
            "scaled": scaled,
            "deductions": ded_total,
        }

    def composite(self, u: int, scaled: Decimal | None) -> tuple[Decimal | None, bool]:
        w = [dec(x) for x in self.inp.weights]
        comps = [scaled, dec(self.inp.public_appraisal[u]), dec(self.inp.leader_evaluation[u])]
        missing = [c is None and wi > 0 for c, wi in zip(comps, w, strict=True)]  # type: ignore[operator]
        present = sum((wi for c, wi in zip(comps, w, strict=True) if c is not None), ZERO)  # type: ignore[misc]
        if (self.inp.missing_component == "fail" and any(missing)) or present <= 0:
            return None, True
        total = sum((wi * c for c, wi in zip(comps, w, strict=True) if c is not None), ZERO)  # type: ignore[operator]
        if any(missing):
            total /= present
        bonus = dec(self.inp.bonus[u]) or ZERO
        penalty = dec(self.inp.penalty[u]) or ZERO
        return total + bonus - penalty, False


def q9(x: Decimal | None) -> Decimal | None:
    return None if x is None else x.quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)


def reference(inputs: ScoringInputs) -> dict[str, Any]:
    with localcontext() as ctx:
        ctx.prec = 50
        ref = Reference(inputs)
        units = [ref.unit(u) for u in range(ref.n)]
        comps = [ref.composite(u, units[u]["scaled"]) for u in range(ref.n)]

        def key(u: int) -> tuple[Any, ...]:
            s = q9(comps[u][0])
            i = q9(units[u]["scaled"])
            a = dec(inputs.public_appraisal[u])
            tie = inputs.tie_order.get(inputs.units[u])
            return (
                -s if s is not None else Decimal("Infinity"),  # type: ignore[operator]
                -i if i is not None else Decimal("Infinity"),
                q9(units[u]["deductions"]),
                -a if a is not None else Decimal("Infinity"),
                Decimal(tie) if tie is not None else Decimal("Infinity"),
            )

        ranks = [0] * ref.n
        for u in range(ref.n):
            if comps[u][1]:
                continue
            ranks[u] = 1 + sum(
                1
                for v in range(ref.n)
                if v != u
                and not comps[v][1]
                and inputs.groups[v] == inputs.groups[u]
                and key(v) < key(u)
            )
        grades = reference_grades(inputs, comps, ranks)
    return {"units": units, "composite": comps, "rank": ranks, "grade": grades}


def reference_grades(
    inputs: ScoringInputs, comps: list[tuple[Decimal | None, bool]], ranks: list[int]
) -> list[str]:
    grades = list(inputs.grades)
    names = [g.name for g in grades]
    last = len(grades) - 1
    out = [""] * len(ranks)

    def by_score(s: Decimal) -> int:
        for i, g in enumerate(grades):
            if s >= dec(g.min_score) - TOL:  # type: ignore[operator]
                return i
        return last

    for group in set(inputs.groups):
        members = [u for u in range(len(ranks)) if inputs.groups[u] == group and not comps[u][1]]
        size = len(members)
        left = {
            i: int((Decimal(repr(g.quota)) * size).to_integral_value(rounding=ROUND_FLOOR))
            for i, g in enumerate(grades)
            if g.quota is not None
        }
        closed: set[int] = set()
        open_units = sorted((u for u in members if not inputs.vetoed[u]), key=lambda u: ranks[u])
        blocks: list[list[int]] = []
        for u in open_units:
            if blocks and ranks[blocks[-1][0]] == ranks[u]:
                blocks[-1].append(u)
            else:
                blocks.append([u])
        for block in blocks:
            start = by_score(comps[block[0]][0])  # type: ignore[arg-type]
            for i in range(start, last + 1):
                if i == last or i not in left:
                    chosen = i
                    break
                if i not in closed and len(block) <= left[i]:
                    left[i] -= len(block)
                    chosen = i
                    break
                closed.add(i)
            for u in block:
                out[u] = names[chosen]
        for u in members:
            if inputs.vetoed[u]:
                cap = inputs.veto_grade[u]
                cap_i = last if cap is None else names.index(cap)
                out[u] = names[max(by_score(comps[u][0]), cap_i)]  # type: ignore[arg-type]
    return out


def close(engine: float, ref: Decimal | None) -> bool:
    if ref is None:
        return math.isnan(engine)
    return not math.isnan(engine) and abs(Decimal(engine) - ref) <= TOL


@REFERENCE_SETTINGS
@given(scoring_inputs())
def test_engine_agrees_with_the_decimal_reference(inputs: ScoringInputs) -> None:
    inputs = finalise(inputs)
    result = score(inputs)
    ref = reference(inputs)
    for u, unit in enumerate(ref["units"]):
        for j in range(len(inputs.nodes)):
            assert close(result.node_score[u, j], unit["scores"][j]), (u, j)
            assert result.node_status[u, j] == unit["statuses"][j], (u, j)
        assert close(result.indicators_points[u], unit["points"])
        assert close(result.indicators_scaled[u], unit["scaled"])
        assert close(result.deduction_total[u], unit["deductions"])
        s, failed = ref["composite"][u]
        assert bool(result.failed[u]) == failed
        assert close(result.composite[u], s)
    assert list(result.rank) == ref["rank"]
    assert result.grade == ref["grade"]


def test_reference_on_a_hand_case() -> None:
    # the reference itself must get the published efficacy check right
    from tests.scoring.test_calculations import one_leaf

    _, _, inputs, result = one_leaf(
        "efficacy", points=100, params={"satisfactory": 12.0, "not_allowed": 6.0}, actual=5.81
    )
    ref = reference(inputs)
    value = ref["units"][0]["scores"][1]
    assert value.quantize(Decimal("0.01")) == Decimal("58.73")
    assert close(result.node_score[0, 1], value)
