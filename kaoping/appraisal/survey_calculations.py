"""Public appraisal (公众评议) statistics on plain data: no ORM, no request, no clock.

DOMAIN.md "Public appraisal": sample sizes, Wilson intervals, the satisfaction index and its
interval, AAPOR outcome rates, and a reproducible stratified draw of respondents with
reserves. docs/survey-statistics.md states every formula and its published checks.

These are statistical estimates (normal quantiles, square roots), so the arithmetic is float:
sums go through `math.fsum` (correctly rounded, hence independent of the answers' order), and
rounding for display happens at the edge, not here. z quantiles come from
`statistics.NormalDist` (no scipy).
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TypedDict, TypeVar

K = TypeVar("K", bound=Hashable)

DEFAULT_CONFIDENCE = 0.95

DEFAULT_GROUP_WEIGHTS: dict[str, float] = {
    "deputies_and_members": 0.3,  # 人大代表、政协委员
    "residents": 0.5,  # 城乡居民
    "cadres_and_business_owners": 0.2,  # 机关干部、企业主
}
"""Default respondent-group weights — **an assumption** (DOMAIN.md) until a plan sets its own."""


# --- validation -------------------------------------------------------------------------
def _check_fraction(name: str, value: float) -> None:
    """A number strictly between 0 and 1 (a margin, a confidence level, a proportion)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")


def _check_count(name: str, value: int) -> None:
    """A non-negative whole number (a count of people or answers)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """The two-sided standard normal quantile for a confidence level (0.95 → 1.959964…)."""
    _check_fraction("confidence", confidence)
    return NormalDist().inv_cdf((1 + confidence) / 2)


# --- sample size ------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleSize:
    """How many respondents to draw for a margin of error, and the exact values behind it."""

    margin: float
    confidence: float
    p: float
    population: int | None
    z: float
    n0: float  # z² p(1−p) / e², for an unlimited population
    n: float  # after the finite population correction (== n0 without a population)
    draw: int  # ⌈n⌉: the number of respondents to draw


CEIL_TOLERANCE = 1e-9
"""`n` within this of a whole number is that number: 400.0000000001 is 400, not 401."""


def sample_size(
    margin: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    p: float = 0.5,
    population: int | None = None,
) -> SampleSize:
    """Respondents needed for a proportion within ±`margin` at `confidence`.

    `n0 = z² p(1−p) / e²`; with a population N, `n = n0 / (1 + (n0 − 1) / N)` (never more than
    N). Published checks: e = 0.05 → n0 = 384.1 (N = 20,000 → 377); e = 0.03 → 1068.
    """
    _check_fraction("margin", margin)
    _check_fraction("p (the expected proportion)", p)
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None:
        n = n0
    else:
        _check_count("population", population)
        if population < 1:
            raise ValueError("population must be at least 1")
        n = n0 / (1 + (n0 - 1) / population)
    draw = max(1, math.ceil(n - CEIL_TOLERANCE))
    if population is not None:
        draw = min(draw, population)
    return SampleSize(
        margin=margin, confidence=confidence, p=p, population=population, z=z, n0=n0, n=n, draw=draw
    )


# --- Wilson interval --------------------------------------------------------------------
def wilson_interval(
    successes: int, n: int, *, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """The Wilson score interval for a proportion `successes / n`.

    `(p̂ + z²/2n ± z √(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`. Check: 412/500 → (0.7882, 0.8549).
    """
    _check_count("successes", successes)
    _check_count("n", n)
    if n == 0:
        raise ValueError("a Wilson interval needs at least one answer (n = 0)")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    z = z_value(confidence)
    p_hat = successes / n
    z2n = z * z / n
    centre = (p_hat + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p_hat * (1 - p_hat) / n + z2n / (4 * n))
    # p̂ is always inside the exact interval; clamp away float noise at the ends only.
    return max(0.0, min(centre - half, p_hat)), min(1.0, max(centre + half, p_hat))


# --- option sets and the satisfaction index ---------------------------------------------
@dataclass(frozen=True)
class OptionSet:
    """The answers a question offers, each with its score; None = excluded (不了解, 不清楚).

    Options are listed from the best to the worst. The satisfied levels are the two highest
    scores (a tie keeps the listed order).
    """

    code: str
    options: tuple[tuple[str, float | None], ...]

    def __post_init__(self) -> None:
        labels = [label for label, _ in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError(f"option set {self.code!r} repeats a label")
        scores = [s for _, s in self.options if s is not None]
        if len(scores) < 2:
            raise ValueError(f"option set {self.code!r} needs at least two scored options")
        if not all(math.isfinite(s) for s in scores):
            raise ValueError(f"option set {self.code!r} has a score that is not finite")

    def score(self, label: str | None) -> float | None:
        """An answer's score; None for an excluded option or no answer; an unknown label raises."""
        if label is None:
            return None
        for option, score in self.options:
            if option == label:
                return score
        raise ValueError(f"{label!r} is not an option of {self.code!r}")

    @property
    def min_score(self) -> float:
        return min(s for _, s in self.options if s is not None)

    @property
    def max_score(self) -> float:
        return max(s for _, s in self.options if s is not None)

    @property
    def satisfied_labels(self) -> tuple[str, ...]:
        """The top two levels (很满意 and 满意; 满意 and 比较满意)."""
        scored = [(label, s) for label, s in self.options if s is not None]
        ranked = sorted(scored, key=lambda option: -option[1])  # stable: ties keep the order
        return tuple(label for label, _ in ranked[:2])


FIVE_LEVEL = OptionSet(
    code="five_level",
    options=(
        ("很满意", 100.0),
        ("满意", 80.0),
        ("基本满意", 60.0),
        ("不太满意", 30.0),
        ("不满意", 0.0),
        ("不了解", None),
    ),
)
"""The published five levels, 很满意 100 … 不满意 0; 不了解 is excluded."""

TWELVE340 = OptionSet(
    code="twelve340",
    options=(
        ("满意", 100.0),
        ("比较满意", 80.0),
        ("不太满意", 40.0),
        ("不满意", 0.0),
        ("不清楚", None),
    ),
)
"""The 12340 line's four levels; the scores 100/80/40/0 are **an assumption**."""

Answer = str | None
"""An option's label, or None for no answer."""


def valid_scores(answers: Sequence[Answer], option_set: OptionSet) -> list[float]:
    """The scores of the answers that count (excluded options and no answer dropped)."""
    return [s for s in (option_set.score(a) for a in answers) if s is not None]


def _mean(values: Sequence[float]) -> float:
    """A mean through a correctly rounded sum, so the values' order cannot change it."""
    return math.fsum(values) / len(values)


def question_index(answers: Sequence[Answer], option_set: OptionSet) -> float | None:
    """A question's satisfaction index: the mean score of its valid answers (None if none)."""
    scores = valid_scores(answers, option_set)
    return _mean(scores) if scores else None


def _weighted_mean(values: Mapping[K, float | None], weights: Mapping[K, float]) -> float | None:
    """`Σ wᵢ xᵢ / Σ wᵢ` over the keys that have a value, i.e. weights renormalised over them.

    None when no key with a positive weight has a value. Clamped to the values' range, which
    the exact result never leaves, to drop float noise.
    """
    present = {k: v for k, v in values.items() if v is not None}
    missing = [k for k in present if k not in weights]
    if missing:
        raise ValueError(f"no weight for {missing!r}")
    for k, w in weights.items():
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"the weight of {k!r} must be a non-negative number, got {w!r}")
    used = {k: v for k, v in present.items() if weights[k] > 0}
    if not used:
        return None
    total = math.fsum(weights[k] for k in used)
    result = math.fsum(weights[k] * v for k, v in used.items()) / total
    return min(max(result, min(used.values())), max(used.values()))


def unit_index(
    question_indices: Mapping[K, float | None], weights: Mapping[K, float] | None = None
) -> float | None:
    """A unit's index: the weighted mean of its questions' indices (equal weights by default).

    A question without a valid answer (index None) drops out and the others' weights are
    renormalised. None when no question has an index.
    """
    if weights is None:
        weights = dict.fromkeys(question_indices, 1.0)
    return _weighted_mean(question_indices, weights)


def group_weighted_index(
    group_indices: Mapping[str, float | None],
    weights: Mapping[str, float] = DEFAULT_GROUP_WEIGHTS,
) -> float | None:
    """The index across respondent groups by the plan's weights, renormalised over the groups
    that have an index (default weights: DEFAULT_GROUP_WEIGHTS)."""
    return _weighted_mean(group_indices, weights)


@dataclass(frozen=True)
class SatisfiedRate:
    """The share of valid answers in the top two levels, with its Wilson interval."""

    rate: float
    ci_low: float
    ci_high: float
    satisfied: int
    valid: int
    confidence: float


def satisfied_rate(
    answers: Sequence[Answer], option_set: OptionSet, *, confidence: float = DEFAULT_CONFIDENCE
) -> SatisfiedRate | None:
    """满意率: top-two-level answers / valid answers, with a Wilson interval; None if no valid
    answer."""
    top = set(option_set.satisfied_labels)
    valid = 0
    satisfied = 0
    for answer in answers:
        if option_set.score(answer) is None:
            continue
        valid += 1
        satisfied += answer in top
    if valid == 0:
        return None
    low, high = wilson_interval(satisfied, valid, confidence=confidence)
    return SatisfiedRate(
        rate=satisfied / valid,
        ci_low=low,
        ci_high=high,
        satisfied=satisfied,
        valid=valid,
        confidence=confidence,
    )


STRATIFIED_METHOD = (
    "stratified: index = Σ w_h ȳ_h (weights renormalised over strata with answers); "
    "Var = Σ w_h² (1 − n_h/N_h) s_h² / n_h, s_h² the sample variance (n_h − 1); "
    "interval = index ± z √Var (normal approximation), clipped to the score range"
)


@dataclass(frozen=True)
class IndexEstimate:
    """A weighted index over strata (respondent groups) with its interval and how it was made.

    `ci_low`/`ci_high` are None when a stratum with weight has a single answer (its variance
    cannot be estimated); `index` is None when no weighted stratum has an answer.
    """

    index: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    confidence: float
    valid: dict[str, int]  # valid answers per stratum
    weights: dict[str, float]  # the renormalised weights actually used
    means: dict[str, float | None] = field(default_factory=dict)  # ȳ_h per stratum


def stratified_index(
    scores: Mapping[str, Sequence[float]],
    *,
    weights: Mapping[str, float] = DEFAULT_GROUP_WEIGHTS,
    bounds: tuple[float, float] = (0.0, 100.0),
    population: Mapping[str, int] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> IndexEstimate:
    """The index of stratum means `Σ w_h ȳ_h` and its interval by stratified variance.

    `scores` are the valid scores per stratum (one per respondent); `population` (optional)
    gives N_h for the finite population correction — a census stratum (n_h = N_h) adds no
    variance. The interval is clipped to `bounds`, the score range.
    """
    z = z_value(confidence)
    means: dict[str, float | None] = {h: (_mean(v) if v else None) for h, v in scores.items()}
    valid = {h: len(v) for h, v in scores.items()}
    index = _weighted_mean(means, weights)
    used = {h: weights[h] for h, m in means.items() if m is not None and weights[h] > 0}
    total = math.fsum(used.values())
    shares = {h: w / total for h, w in used.items()} if used else {}
    if index is None:
        return IndexEstimate(None, None, None, STRATIFIED_METHOD, confidence, valid, shares, means)
    terms: list[float] = []
    for h, share in shares.items():
        n_h = valid[h]
        if n_h < 2:
            return IndexEstimate(
                index, None, None, STRATIFIED_METHOD, confidence, valid, shares, means
            )
        mean_h = means[h]
        assert mean_h is not None
        s2 = math.fsum((x - mean_h) ** 2 for x in scores[h]) / (n_h - 1)
        fpc = 1.0
        if population is not None and h in population:
            big_n = population[h]
            if big_n < n_h:
                raise ValueError(f"stratum {h!r} has {n_h} answers but a population of {big_n}")
            fpc = 1 - n_h / big_n
        terms.append(share * share * fpc * s2 / n_h)
    half = z * math.sqrt(math.fsum(terms))
    low, high = bounds
    return IndexEstimate(
        index=index,
        ci_low=max(low, min(index - half, index)),
        ci_high=min(high, max(index + half, index)),
        method=STRATIFIED_METHOD,
        confidence=confidence,
        valid=valid,
        weights=shares,
        means=means,
    )


def satisfaction_index(
    answers: Mapping[str, Sequence[Answer]],
    option_set: OptionSet,
    *,
    weights: Mapping[str, float] = DEFAULT_GROUP_WEIGHTS,
    population: Mapping[str, int] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> IndexEstimate:
    """One question's index across respondent groups, with its stratified 95% interval."""
    return stratified_index(
        {group: valid_scores(a, option_set) for group, a in answers.items()},
        weights=weights,
        bounds=(option_set.min_score, option_set.max_score),
        population=population,
        confidence=confidence,
    )


# --- AAPOR outcome rates ----------------------------------------------------------------
AAPOR_CODES = ("I", "P", "R", "NC", "O", "UH", "UO")
"""Complete, partial, refusal, non-contact, other, unknown household, unknown other."""


class AaporRates(TypedDict):
    rr1: float | None
    coop1: float | None
    ref1: float | None


def aapor_rates(counts: Mapping[str, int]) -> AaporRates:
    """AAPOR Standard Definitions rates from outcome counts (a missing code counts 0).

    RR1 = I / ((I+P) + (R+NC+O) + (UH+UO)); COOP1 = I / ((I+P) + R + O);
    REF1 = R / ((I+P) + (R+NC+O) + (UH+UO)). A zero denominator gives None.
    """
    unknown = sorted(set(counts) - set(AAPOR_CODES))
    if unknown:
        raise ValueError(f"unknown outcome codes {unknown}; expected {', '.join(AAPOR_CODES)}")
    for code, value in counts.items():
        _check_count(f"count of {code}", value)
    c = {code: counts.get(code, 0) for code in AAPOR_CODES}
    all_cases = (c["I"] + c["P"]) + (c["R"] + c["NC"] + c["O"]) + (c["UH"] + c["UO"])
    contacted = (c["I"] + c["P"]) + c["R"] + c["O"]
    return AaporRates(
        rr1=c["I"] / all_cases if all_cases else None,
        coop1=c["I"] / contacted if contacted else None,
        ref1=c["R"] / all_cases if all_cases else None,
    )


# --- reproducible stratified draw -------------------------------------------------------
@dataclass(frozen=True)
class FrameEntry:
    """One person in the sampling frame (a directory entry, a listed 参评人员).

    `weight` is how many people the entry stands for; it sets the stratum's size for
    proportional allocation only — within a stratum every entry is equally likely.
    """

    id: str
    stratum: str
    weight: float = 1.0


@dataclass(frozen=True)
class Draw:
    """A recorded draw: who was selected and who stands in reserve, per stratum, in drawn
    order; the allocation used and the seed that reproduces it."""

    seed: int
    selected: dict[str, tuple[str, ...]]
    reserves: dict[str, tuple[str, ...]]
    allocation: dict[str, int]
    census: frozenset[str] = frozenset()


def _largest_remainder(total: int, sizes: Mapping[str, float]) -> dict[str, int]:
    """`total` split proportionally to `sizes`: floors, then one more to the largest remainders
    (ties by stratum name)."""
    whole = math.fsum(sizes.values())
    quotas = {h: total * s / whole for h, s in sizes.items()}
    shares = {h: math.floor(q) for h, q in quotas.items()}
    left = total - sum(shares.values())
    order = sorted(quotas, key=lambda h: (-(quotas[h] - shares[h]), h))
    for h in order[:left]:
        shares[h] += 1
    return shares


def proportional_allocation(
    sizes: Mapping[str, float], counts: Mapping[str, int], total: int
) -> dict[str, int]:
    """`total` over strata proportionally to `sizes` (largest remainder), never more than a
    stratum's `counts`: a capped stratum's surplus goes to the others, proportionally."""
    allocation: dict[str, int] = {}
    open_strata = dict(sizes)
    left = total
    while open_strata and left > 0:
        shares = _largest_remainder(left, open_strata)
        over = {h for h, k in shares.items() if k > counts[h]}
        if not over:
            allocation.update(shares)
            left = 0
            break
        for h in sorted(over):
            allocation[h] = counts[h]
            left -= counts[h]
            del open_strata[h]
    for h in sizes:
        allocation.setdefault(h, 0)
    return allocation


def _shuffled(ids: Sequence[str], seed: int, stratum: str) -> list[str]:
    """The stratum's ids (sorted) in a seeded random order.

    A Fisher–Yates shuffle driven by `random.Random(f"{seed}:{stratum}").random()`: a string
    seed and `random()` are the parts of `random` Python promises to keep reproducible across
    versions (`Random.shuffle`'s internals are not promised).
    """
    rng = random.Random(f"{seed}:{stratum}")
    order = sorted(ids)
    for i in range(len(order) - 1, 0, -1):
        j = math.floor(rng.random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


def draw_sample(
    frame: Sequence[FrameEntry],
    *,
    seed: int,
    allocation: Mapping[str, int] | None = None,
    total: int | None = None,
    census: Collection[str] = (),
    minimum_per_stratum: int = 0,
    reserve_ratio: float = 1.0,
) -> Draw:
    """A reproducible stratified random draw with ordered reserves.

    Census strata (`census`, e.g. deputies and members) are taken whole. The other strata get
    either the explicit `allocation`, or `total` split proportionally to their size (Σ weight)
    by largest remainder, then raised to `minimum_per_stratum`, never beyond what a stratum
    has. Each stratum's ids are sorted and shuffled by `Random(f"{seed}:{stratum}")`, so the
    same frame and seed give the same draw whatever the frame's order. The first k are
    selected; the next ⌈reserve_ratio × k⌉ are its reserves, in drawn order.
    """
    _check_count("minimum_per_stratum", minimum_per_stratum)
    if not math.isfinite(reserve_ratio) or reserve_ratio < 0:
        raise ValueError(f"reserve_ratio must be a non-negative number, got {reserve_ratio!r}")
    members: dict[str, list[str]] = {}
    sizes: dict[str, float] = {}
    seen: set[str] = set()
    for entry in frame:
        if entry.id in seen:
            raise ValueError(f"id {entry.id!r} appears more than once in the frame")
        if not math.isfinite(entry.weight) or entry.weight <= 0:
            raise ValueError(f"entry {entry.id!r} must have a positive weight")
        seen.add(entry.id)
        members.setdefault(entry.stratum, []).append(entry.id)
        sizes[entry.stratum] = sizes.get(entry.stratum, 0.0) + entry.weight
    census_set = frozenset(census)
    absent = sorted(census_set - set(members))
    if absent:
        raise ValueError(f"census strata {absent} have no entry in the frame")
    sampled = [h for h in members if h not in census_set]
    counts = {h: len(ids) for h, ids in members.items()}

    if (allocation is None) == (total is None) and sampled:
        raise ValueError("give either an allocation per stratum or a total, not both or neither")
    plan: dict[str, int] = {h: counts[h] for h in census_set}
    if allocation is not None:
        if minimum_per_stratum:
            raise ValueError("minimum_per_stratum applies to proportional allocation (total)")
        for h, k in allocation.items():
            _check_count(f"allocation of {h!r}", k)
            if h in census_set:
                raise ValueError(f"stratum {h!r} is a census stratum; do not allocate it")
            if h not in members:
                raise ValueError(f"stratum {h!r} has no entry in the frame")
            if k > counts[h]:
                raise ValueError(f"stratum {h!r} has {counts[h]} entries; cannot draw {k}")
        plan.update({h: allocation.get(h, 0) for h in sampled})
    elif total is not None:
        _check_count("total", total)
        available = sum(counts[h] for h in sampled)
        if total > available:
            raise ValueError(f"total {total} exceeds the {available} entries of sampled strata")
        shares = proportional_allocation({h: sizes[h] for h in sampled}, counts, total)
        plan.update({h: min(counts[h], max(shares[h], minimum_per_stratum)) for h in sampled})

    selected: dict[str, tuple[str, ...]] = {}
    reserves: dict[str, tuple[str, ...]] = {}
    for h in sorted(members):
        order = _shuffled(members[h], seed, h)
        k = plan.get(h, 0)
        selected[h] = tuple(order[:k])
        reserves[h] = tuple(order[k : k + math.ceil(reserve_ratio * k - CEIL_TOLERANCE)])
    return Draw(
        seed=seed,
        selected=selected,
        reserves=reserves,
        allocation={h: plan.get(h, 0) for h in sorted(members)},
        census=census_set,
    )


def replace_from_reserve(draw: Draw, stratum: str, used: Collection[str]) -> str | None:
    """The next reserve of `stratum` in drawn order that is not in `used` (reserves already
    called in); None when the stratum's reserves are exhausted."""
    if stratum not in draw.reserves:
        raise ValueError(f"stratum {stratum!r} is not in the draw")
    for candidate in draw.reserves[stratum]:
        if candidate not in used:
            return candidate
    return None
