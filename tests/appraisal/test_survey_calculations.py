"""Public-appraisal statistics: published checks, hand cases and properties (no database)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.appraisal.survey_calculations import (
    DEFAULT_GROUP_WEIGHTS,
    FIVE_LEVEL,
    STRATIFIED_METHOD,
    TWELVE340,
    Draw,
    FrameEntry,
    OptionSet,
    aapor_rates,
    draw_sample,
    group_weighted_index,
    proportional_allocation,
    question_index,
    replace_from_reserve,
    sample_size,
    satisfaction_index,
    satisfied_rate,
    stratified_index,
    unit_index,
    wilson_interval,
    z_value,
)

Z95 = 1.959963984540054


# --- sample size ------------------------------------------------------------------------
def test_published_sample_size_for_a_five_percent_margin() -> None:
    result = sample_size(0.05)
    assert round(result.n0, 1) == 384.1 and result.draw == 385 and result.n == result.n0
    assert result.z == pytest.approx(Z95, abs=1e-12)


def test_published_sample_size_with_a_population_of_twenty_thousand() -> None:
    result = sample_size(0.05, population=20_000)
    assert round(result.n0, 1) == 384.1
    assert result.n == pytest.approx(376.925, abs=1e-3) and result.draw == 377


def test_published_sample_size_for_a_three_percent_margin() -> None:
    result = sample_size(0.03)
    assert round(result.n0, 1) == 1067.1 and result.draw == 1068


def test_finite_population_correction_on_a_small_population() -> None:
    # given N = 100: n = 384.146 / (1 + 383.146 / 100) = 79.50 → draw 80
    result = sample_size(0.05, population=100)
    assert result.n == pytest.approx(79.5, abs=0.01) and result.draw == 80
    # and a population of one needs exactly one
    assert sample_size(0.05, population=1).draw == 1


def test_a_lower_confidence_and_a_skewed_proportion_need_fewer() -> None:
    assert sample_size(0.05, confidence=0.9).draw == 271  # 1.6449² × 0.25 / 0.0025 = 270.6
    assert sample_size(0.05, p=0.2).draw == 246  # 3.8415 × 0.16 / 0.0025 = 245.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"margin": 0}, "margin"),
        ({"margin": 1}, "margin"),
        ({"margin": -0.05}, "margin"),
        ({"margin": math.nan}, "margin"),
        ({"margin": 0.05, "confidence": 1.0}, "confidence"),
        ({"margin": 0.05, "confidence": 0}, "confidence"),
        ({"margin": 0.05, "p": 0}, r"p \(the expected proportion\)"),
        ({"margin": 0.05, "p": 1.2}, r"p \(the expected proportion\)"),
        ({"margin": 0.05, "population": 0}, "population"),
        ({"margin": 0.05, "population": -5}, "population"),
    ],
)
def test_sample_size_rejects_bad_input_with_a_clear_message(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        sample_size(**kwargs)  # type: ignore[arg-type]


def test_sample_size_rejects_a_truth_value_or_a_fractional_population() -> None:
    with pytest.raises(TypeError):
        sample_size(0.05, population=True)
    with pytest.raises(TypeError):
        sample_size(0.05, population=100.5)  # type: ignore[arg-type]


margins = st.floats(min_value=0.005, max_value=0.5)


@given(margins, margins, st.none() | st.integers(min_value=1, max_value=10**7))
def test_sample_size_decreases_as_the_margin_widens(
    a: float, b: float, population: int | None
) -> None:
    small, large = sorted((a, b))
    tight = sample_size(small, population=population)
    loose = sample_size(large, population=population)
    assert tight.n >= loose.n and tight.draw >= loose.draw
    if small < large:
        assert tight.n0 > loose.n0


@given(margins, st.floats(min_value=0.5, max_value=0.999), st.integers(1, 10**7))
def test_sample_size_never_exceeds_the_population(
    margin: float, confidence: float, population: int
) -> None:
    result = sample_size(margin, confidence=confidence, population=population)
    assert 1 <= result.draw <= population
    assert result.n <= result.n0 + 1e-9 or result.n0 < 1
    assert result.draw >= result.n - 1e-6


# --- Wilson interval --------------------------------------------------------------------
def test_published_wilson_interval() -> None:
    low, high = wilson_interval(412, 500)
    assert (round(low, 4), round(high, 4)) == (0.7882, 0.8549)


def test_wilson_interval_at_the_edges() -> None:
    # 0/10: (0, z²/(n+z²)); 10/10: (n/(n+z²), 1)
    z2 = Z95**2
    assert wilson_interval(0, 10) == (0.0, pytest.approx(z2 / (10 + z2)))
    assert wilson_interval(10, 10) == (pytest.approx(10 / (10 + z2)), 1.0)


def test_wilson_interval_rejects_no_answers_and_impossible_counts() -> None:
    with pytest.raises(ValueError, match="n = 0"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="exceed"):
        wilson_interval(6, 5)
    with pytest.raises(ValueError, match="negative"):
        wilson_interval(-1, 5)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 5, confidence=1.5)


def test_a_higher_confidence_gives_a_wider_interval() -> None:
    low90, high90 = wilson_interval(412, 500, confidence=0.9)
    low99, high99 = wilson_interval(412, 500, confidence=0.99)
    assert low99 < low90 and high90 < high99
    assert z_value(0.99) == pytest.approx(2.5758293, abs=1e-7)


counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts, st.floats(min_value=0.5, max_value=0.999))
def test_wilson_interval_holds_the_observed_share_within_zero_and_one(
    case: tuple[int, int], confidence: float
) -> None:
    successes, n = case
    low, high = wilson_interval(successes, n, confidence=confidence)
    assert 0.0 <= low <= successes / n <= high <= 1.0
    assert low < high


@given(counts, st.integers(min_value=2, max_value=50))
def test_wilson_interval_narrows_with_more_answers_at_the_same_share(
    case: tuple[int, int], factor: int
) -> None:
    successes, n = case
    low, high = wilson_interval(successes, n)
    more_low, more_high = wilson_interval(successes * factor, n * factor)
    assert more_high - more_low < high - low


# --- option sets, question and unit indices ---------------------------------------------
def test_presets_hold_the_published_and_assumed_scores() -> None:
    assert dict(FIVE_LEVEL.options) == {
        "很满意": 100,
        "满意": 80,
        "基本满意": 60,
        "不太满意": 30,
        "不满意": 0,
        "不了解": None,
    }
    assert dict(TWELVE340.options) == {
        "满意": 100,
        "比较满意": 80,
        "不太满意": 40,
        "不满意": 0,
        "不清楚": None,
    }
    assert FIVE_LEVEL.satisfied_labels == ("很满意", "满意")
    assert TWELVE340.satisfied_labels == ("满意", "比较满意")
    assert (FIVE_LEVEL.min_score, FIVE_LEVEL.max_score) == (0, 100)


def test_question_index_is_the_mean_of_valid_answers() -> None:
    # 不了解 and no answer are out of the denominator: (100 + 80 + 60) / 3
    assert question_index(["很满意", "满意", "基本满意", "不了解", None], FIVE_LEVEL) == 80
    # 12340: (100 + 80 + 40 + 0) / 4
    assert question_index(["满意", "比较满意", "不太满意", "不满意", "不清楚"], TWELVE340) == 55
    assert question_index(["不了解", None], FIVE_LEVEL) is None
    assert question_index([], TWELVE340) is None


def test_an_unknown_label_is_an_error_not_a_silent_exclusion() -> None:
    with pytest.raises(ValueError, match="比较满意"):
        question_index(["比较满意"], FIVE_LEVEL)


def test_option_sets_are_validated() -> None:
    with pytest.raises(ValueError, match="repeats"):
        OptionSet("x", (("好", 100.0), ("好", 0.0)))
    with pytest.raises(ValueError, match="two scored"):
        OptionSet("x", (("好", 100.0), ("不清楚", None)))
    with pytest.raises(ValueError, match="finite"):
        OptionSet("x", (("好", math.inf), ("差", 0.0)))


def test_unit_index_weights_questions_and_drops_one_without_answers() -> None:
    indices = {"q1": 80.0, "q2": 60.0, "q3": None}
    assert unit_index(indices, {"q1": 2, "q2": 1, "q3": 5}) == pytest.approx(220 / 3)
    assert unit_index(indices) == 70  # equal weights
    assert unit_index({"q1": None}) is None
    with pytest.raises(ValueError, match="no weight"):
        unit_index(indices, {"q1": 1})


def test_group_weighted_index_uses_the_default_weights_and_renormalises() -> None:
    assert DEFAULT_GROUP_WEIGHTS == {
        "deputies_and_members": 0.3,
        "residents": 0.5,
        "cadres_and_business_owners": 0.2,
    }
    full = {"deputies_and_members": 90.0, "residents": 70.0, "cadres_and_business_owners": 80.0}
    assert group_weighted_index(full) == pytest.approx(0.3 * 90 + 0.5 * 70 + 0.2 * 80)  # 78
    # no cadres answered: (0.3 × 90 + 0.5 × 70) / 0.8
    partial = {**full, "cadres_and_business_owners": None}
    assert group_weighted_index(partial) == pytest.approx(77.5)
    assert group_weighted_index({"residents": 60.0}, {"residents": 0.5, "x": 0.5}) == 60
    assert group_weighted_index({"residents": None}) is None
    with pytest.raises(ValueError, match="non-negative"):
        group_weighted_index(full, {**DEFAULT_GROUP_WEIGHTS, "residents": -0.5})
    with pytest.raises(ValueError, match="no weight"):
        group_weighted_index({"visitors": 50.0})


# --- satisfied rate ---------------------------------------------------------------------
def test_satisfied_rate_counts_the_top_two_levels_among_valid_answers() -> None:
    levels = {"很满意": 200, "满意": 212, "基本满意": 60, "不满意": 28, "不了解": 40, None: 5}
    answers = [label for label, n in levels.items() for _ in range(n)]
    result = satisfied_rate(answers, FIVE_LEVEL)
    assert result is not None
    assert (result.satisfied, result.valid, result.rate) == (412, 500, 0.824)
    assert (round(result.ci_low, 4), round(result.ci_high, 4)) == (0.7882, 0.8549)
    assert satisfied_rate(["不了解"], FIVE_LEVEL) is None


def test_satisfied_rate_on_the_12340_levels() -> None:
    result = satisfied_rate(["满意", "比较满意", "不太满意", "不清楚"], TWELVE340)
    assert result is not None and result.satisfied == 2 and result.valid == 3


# --- the index and its stratified interval ----------------------------------------------
def test_stratified_interval_on_a_hand_case() -> None:
    # residents: 100, 80, 60, 80 → ȳ 80, s² 800/3; deputies: 100, 80 → ȳ 90, s² 200;
    # no cadres, so the weights become 0.5/0.8 = 0.625 and 0.3/0.8 = 0.375.
    scores = {
        "residents": [100.0, 80.0, 60.0, 80.0],
        "deputies_and_members": [100.0, 80.0],
        "cadres_and_business_owners": [],
    }
    result = stratified_index(scores)
    assert result.index == pytest.approx(83.75)  # 0.625 × 80 + 0.375 × 90
    variance = 0.625**2 * (800 / 3) / 4 + 0.375**2 * 200 / 2  # 40.1042
    half = Z95 * math.sqrt(variance)  # 12.412
    assert result.ci_low == pytest.approx(83.75 - half) and result.ci_low == pytest.approx(
        71.338, abs=1e-3
    )
    assert result.ci_high == pytest.approx(83.75 + half)
    assert result.valid == {
        "residents": 4,
        "deputies_and_members": 2,
        "cadres_and_business_owners": 0,
    }
    assert result.weights == pytest.approx({"residents": 0.625, "deputies_and_members": 0.375})
    assert result.method == STRATIFIED_METHOD and "Σ w_h² (1 − n_h/N_h) s_h² / n_h" in result.method


def test_a_census_stratum_adds_no_variance() -> None:
    scores = {"residents": [100.0, 80.0, 60.0, 80.0], "deputies_and_members": [100.0, 80.0]}
    result = stratified_index(scores, population={"deputies_and_members": 2})
    half = Z95 * math.sqrt(0.625**2 * (800 / 3) / 4)
    assert result.ci_high == pytest.approx(83.75 + half)
    with pytest.raises(ValueError, match="population of 1"):
        stratified_index(scores, population={"deputies_and_members": 1})


def test_the_interval_is_clipped_to_the_score_range() -> None:
    result = satisfaction_index(
        {"residents": ["很满意", "很满意", "不满意"], "deputies_and_members": ["很满意"] * 3},
        FIVE_LEVEL,
    )
    assert result.ci_high == 100 and result.ci_low is not None and result.ci_low < 100


def test_a_single_answer_leaves_the_interval_unknown_but_the_index_known() -> None:
    result = satisfaction_index(
        {"residents": ["满意", "基本满意"], "deputies_and_members": ["满意"]}, FIVE_LEVEL
    )
    assert result.index == pytest.approx((0.5 * 70 + 0.3 * 80) / 0.8)
    assert (result.ci_low, result.ci_high) == (None, None)
    empty = satisfaction_index({"residents": ["不了解"]}, FIVE_LEVEL)
    assert (empty.index, empty.ci_low, empty.valid) == (None, None, {"residents": 0})


five_level_answers = st.lists(st.sampled_from([*dict(FIVE_LEVEL.options), None]), max_size=60)


@given(five_level_answers, st.randoms(use_true_random=False))
def test_question_index_lies_in_the_score_range_and_ignores_order(
    answers: list[str | None], rng: random.Random
) -> None:
    index = question_index(answers, FIVE_LEVEL)
    shuffled = answers[:]
    rng.shuffle(shuffled)
    assert question_index(shuffled, FIVE_LEVEL) == index
    assert satisfied_rate(shuffled, FIVE_LEVEL) == satisfied_rate(answers, FIVE_LEVEL)
    if index is not None:
        assert FIVE_LEVEL.min_score <= index <= FIVE_LEVEL.max_score


group_answers = st.fixed_dictionaries(dict.fromkeys(DEFAULT_GROUP_WEIGHTS, five_level_answers))


@settings(max_examples=150)
@given(group_answers, st.randoms(use_true_random=False))
def test_satisfaction_index_lies_in_the_score_range_and_ignores_order(
    answers: dict[str, list[str | None]], rng: random.Random
) -> None:
    result = satisfaction_index(answers, FIVE_LEVEL)
    shuffled = {group: rng.sample(a, len(a)) for group, a in answers.items()}
    assert satisfaction_index(shuffled, FIVE_LEVEL) == result
    if result.index is None:
        assert all(question_index(a, FIVE_LEVEL) is None for a in answers.values())
        return
    means = [m for m in result.means.values() if m is not None]
    assert min(means) <= result.index <= max(means)
    assert 0 <= result.index <= 100
    if result.ci_low is not None and result.ci_high is not None:
        assert 0 <= result.ci_low <= result.index <= result.ci_high <= 100


@given(
    st.dictionaries(
        st.sampled_from(["q1", "q2", "q3", "q4"]),
        st.none() | st.floats(min_value=0, max_value=100),
    ),
    st.dictionaries(st.sampled_from(["q1", "q2", "q3", "q4"]), st.floats(0.01, 10)),
)
def test_unit_index_lies_between_its_questions(
    indices: dict[str, float | None], weights: dict[str, float]
) -> None:
    full_weights = {q: weights.get(q, 1.0) for q in indices}
    result = unit_index(indices, full_weights)
    values = [v for v in indices.values() if v is not None]
    if not values:
        assert result is None
    else:
        assert result is not None and min(values) <= result <= max(values)


# --- AAPOR rates ------------------------------------------------------------------------
def test_aapor_rates_on_a_hand_case() -> None:
    counts = {"I": 400, "P": 20, "R": 100, "NC": 200, "O": 30, "UH": 150, "UO": 100}
    rates = aapor_rates(counts)
    assert rates["rr1"] == 0.4  # 400 / 1000
    assert rates["coop1"] == pytest.approx(400 / 550)  # I / ((I+P) + R + O)
    assert rates["ref1"] == 0.1  # 100 / 1000


def test_aapor_rates_with_zero_denominators_are_none() -> None:
    assert aapor_rates({}) == {"rr1": None, "coop1": None, "ref1": None}
    # only non-contacts: response and refusal rates are 0, cooperation has no denominator
    assert aapor_rates({"NC": 7}) == {"rr1": 0.0, "coop1": None, "ref1": 0.0}


def test_aapor_rates_reject_unknown_codes_and_negative_counts() -> None:
    with pytest.raises(ValueError, match="unknown outcome codes"):
        aapor_rates({"I": 1, "X": 2})
    with pytest.raises(ValueError, match="negative"):
        aapor_rates({"I": -1})


# --- allocation and the draw ------------------------------------------------------------
def test_proportional_allocation_by_largest_remainder() -> None:
    sizes = {"a": 50.0, "b": 30.0, "c": 20.0}
    assert proportional_allocation(sizes, {"a": 50, "b": 30, "c": 20}, 10) == {
        "a": 5,
        "b": 3,
        "c": 2,
    }
    # quotas 3.5, 3.5, 3.0: the one left over goes to the tied largest remainder by name
    even = {"a": 7.0, "b": 7.0, "c": 6.0}
    assert proportional_allocation(even, {"a": 7, "b": 7, "c": 6}, 10) == {"a": 4, "b": 3, "c": 3}
    # a heavy stratum with few entries is capped and its surplus goes to the others
    heavy = {"a": 90.0, "b": 5.0, "c": 5.0}
    assert proportional_allocation(heavy, {"a": 2, "b": 20, "c": 20}, 10) == {
        "a": 2,
        "b": 4,
        "c": 4,
    }


def frame_of(sizes: dict[str, int]) -> list[FrameEntry]:
    return [FrameEntry(f"{h}-{i:03d}", h) for h, n in sizes.items() for i in range(n)]


def test_minimums_are_added_after_proportional_allocation_within_stratum_size() -> None:
    frame = frame_of({"big": 90, "mid": 8, "tiny": 2})
    draw = draw_sample(frame, seed=7, total=10, minimum_per_stratum=3)
    # quotas 9, 0.8, 0.2 → 9, 1, 0; then at least 3, but tiny only has 2
    assert draw.allocation == {"big": 9, "mid": 3, "tiny": 2}
    assert {h: len(ids) for h, ids in draw.selected.items()} == draw.allocation


def test_weights_set_the_stratum_size() -> None:
    frame = [FrameEntry(f"a{i}", "a", weight=3.0) for i in range(10)]
    frame += [FrameEntry(f"b{i}", "b") for i in range(10)]
    assert draw_sample(frame, seed=1, total=8).allocation == {"a": 6, "b": 2}


def test_census_strata_are_taken_whole_and_reserves_follow_the_draw() -> None:
    frame = frame_of({"deputies": 5, "town_a": 40, "town_b": 20})
    draw = draw_sample(frame, seed=2026, total=12, census={"deputies"}, reserve_ratio=0.5)
    assert sorted(draw.selected["deputies"]) == [e.id for e in frame if e.stratum == "deputies"]
    assert draw.reserves["deputies"] == ()
    assert draw.allocation == {"deputies": 5, "town_a": 8, "town_b": 4}
    assert len(draw.reserves["town_a"]) == 4 and len(draw.reserves["town_b"]) == 2
    assert draw.census == frozenset({"deputies"}) and draw.seed == 2026


def test_an_explicit_allocation_is_drawn_as_given() -> None:
    frame = frame_of({"town_a": 10, "town_b": 10, "town_c": 10})
    draw = draw_sample(frame, seed=3, allocation={"town_a": 4, "town_b": 1})
    assert draw.allocation == {"town_a": 4, "town_b": 1, "town_c": 0}
    assert [len(draw.selected[h]) for h in ("town_a", "town_b", "town_c")] == [4, 1, 0]
    assert len(draw.reserves["town_a"]) == 4 and draw.reserves["town_c"] == ()


def test_the_draw_is_a_seeded_shuffle_of_the_sorted_ids() -> None:
    frame = frame_of({"town": 30})
    draw = draw_sample(frame, seed=11, total=5)
    order = draw.selected["town"] + draw.reserves["town"]
    again = draw_sample(list(reversed(frame)), seed=11, total=10, reserve_ratio=0)
    # the same seed gives the same order, whatever the frame's order and the size drawn
    assert again.selected["town"] == order
    assert draw_sample(frame, seed=12, total=5).selected != draw.selected


def test_replace_from_reserve_takes_reserves_in_drawn_order() -> None:
    draw = Draw(
        seed=1,
        selected={"town": ("p1", "p2")},
        reserves={"town": ("r1", "r2")},
        allocation={"town": 2},
    )
    assert replace_from_reserve(draw, "town", used=()) == "r1"
    assert replace_from_reserve(draw, "town", used={"r1"}) == "r2"
    assert replace_from_reserve(draw, "town", used={"r1", "r2"}) is None
    with pytest.raises(ValueError, match="not in the draw"):
        replace_from_reserve(draw, "elsewhere", used=())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": 1}, "either an allocation"),
        ({"seed": 1, "total": 2, "allocation": {"a": 1}}, "either an allocation"),
        ({"seed": 1, "total": 99}, "exceeds"),
        ({"seed": 1, "allocation": {"a": 6}}, "cannot draw 6"),
        ({"seed": 1, "allocation": {"z": 1}}, "no entry"),
        ({"seed": 1, "allocation": {"a": 1}, "minimum_per_stratum": 2}, "proportional"),
        ({"seed": 1, "total": 2, "census": {"z"}}, "census strata"),
        ({"seed": 1, "allocation": {"a": 1}, "census": {"a"}}, "census stratum"),
        ({"seed": 1, "total": 2, "reserve_ratio": -1.0}, "reserve_ratio"),
    ],
)
def test_draw_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draw_sample(frame_of({"a": 5, "b": 5}), **kwargs)  # type: ignore[arg-type]


def test_draw_rejects_a_duplicate_id_or_a_bad_weight() -> None:
    with pytest.raises(ValueError, match="more than once"):
        draw_sample([FrameEntry("x", "a"), FrameEntry("x", "b")], seed=1, total=1)
    with pytest.raises(ValueError, match="positive weight"):
        draw_sample([FrameEntry("x", "a", weight=0)], seed=1, total=1)


strata_names = ["deputies", "town_a", "town_b", "town_c", "town_d"]
frames = st.lists(st.sampled_from(strata_names), min_size=1, max_size=120).map(
    lambda strata: [FrameEntry(f"p{i:04d}", h) for i, h in enumerate(strata)]
)


@st.composite
def draw_cases(draw: st.DrawFn) -> tuple[list[FrameEntry], dict[str, object]]:
    """A frame and draw options: census or not, proportional or explicit allocation."""
    frame = draw(frames)
    strata = sorted({e.stratum for e in frame})
    census = set(draw(st.lists(st.sampled_from(strata), max_size=1)))
    sampled = [h for h in strata if h not in census]
    sizes = {h: sum(e.stratum == h for e in frame) for h in sampled}
    options: dict[str, object] = {
        "seed": draw(st.integers(min_value=0, max_value=2**63)),
        "census": census,
        "reserve_ratio": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
    }
    if draw(st.booleans()):
        options["total"] = draw(st.integers(min_value=0, max_value=sum(sizes.values())))
        options["minimum_per_stratum"] = draw(st.integers(min_value=0, max_value=5))
    else:
        options["allocation"] = {h: draw(st.integers(0, n)) for h, n in sizes.items()}
    return frame, options


@settings(max_examples=200)
@given(draw_cases(), st.randoms(use_true_random=False))
def test_draw_properties(
    case: tuple[list[FrameEntry], dict[str, object]], rng: random.Random
) -> None:
    frame, options = case
    draw = draw_sample(frame, **options)  # type: ignore[arg-type]
    # reproducible whatever the frame's order
    shuffled = rng.sample(frame, len(frame))
    assert draw_sample(shuffled, **options) == draw  # type: ignore[arg-type]

    members: dict[str, set[str]] = {}
    for e in frame:
        members.setdefault(e.stratum, set()).add(e.id)
    chosen = [i for ids in draw.selected.values() for i in ids]
    reserved = [i for ids in draw.reserves.values() for i in ids]
    # every id comes from the frame, at most once, never both selected and reserved
    assert len(chosen) + len(reserved) == len(set(chosen) | set(reserved))
    for h, ids in members.items():
        assert set(draw.selected[h]) | set(draw.reserves[h]) <= ids
        assert len(draw.selected[h]) == draw.allocation[h] <= len(ids)
        k = draw.allocation[h]
        ratio = options["reserve_ratio"]
        assert isinstance(ratio, float)
        assert len(draw.reserves[h]) == min(math.ceil(ratio * k), len(ids) - k)
    census = options["census"]
    assert isinstance(census, set)
    for h in census:
        assert set(draw.selected[h]) == members[h]
    allocation = options.get("allocation")
    if isinstance(allocation, dict):
        assert all(draw.allocation[h] == k for h, k in allocation.items())
    elif options["minimum_per_stratum"] == 0:
        assert sum(draw.allocation[h] for h in members if h not in census) == options["total"]


@given(st.integers(0, 2**32), st.integers(0, 2**32))
def test_different_seeds_give_different_draws(first: int, second: int) -> None:
    frame = frame_of({"town_a": 150, "town_b": 150})
    one = draw_sample(frame, seed=first, total=60)
    other = draw_sample(frame, seed=second, total=60)
    assert (one == other) == (first == second)
