"""Leader-evaluation arithmetic: hand cases from the published rule, and properties."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.appraisal.calculations import (
    PUBLISHED_LEVEL_SCORES,
    aggregate_leader_scores,
    as_decimal,
    display_score,
    level_values,
    mean,
    unit_score,
    vote_score,
)

scores = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
ballot_lists = st.lists(scores, min_size=0, max_size=30)


# --- hand cases -------------------------------------------------------------------------
def test_published_vote_formula_on_a_hand_case() -> None:
    # given 10 leaders: 好 5, 较好 3, 一般 1, 较差 1
    counts = {"good": 5, "fairly_good": 3, "average": 1, "poor": 1}
    # then (5×100 + 3×80 + 1×60 + 1×40) / 10 = 840 / 10 = 84
    assert vote_score(counts) == D(84)
    # and the same through the ballots mapped to the published level scores
    levels = ["good"] * 5 + ["fairly_good"] * 3 + ["average", "poor"]
    values = level_values(levels, PUBLISHED_LEVEL_SCORES)
    result = aggregate_leader_scores({"town": values}, trim=False)["town"]
    assert result.score == D(84) and result.valid_ballots == 10 and not result.trimmed


def test_a_level_without_a_score_is_not_a_valid_vote() -> None:
    assert vote_score({"good": 1, "dont_know": 3}) == D(100)
    assert vote_score({"dont_know": 3}) is None
    assert level_values(["good", "dont_know"], PUBLISHED_LEVEL_SCORES) == [D(100)]


def test_trimming_drops_one_highest_and_one_lowest_from_five_ballots() -> None:
    result = unit_score([D(90), D(70), D("85.5"), D(60), D(100)], trim=True)
    assert result.trimmed and result.dropped == (D(60), D(100))
    assert result.score == mean([D(70), D("85.5"), D(90)])
    assert display_score(result.score) == D("81.83")
    assert result.valid_ballots == 5 and result.counted_ballots == 3


def test_trimming_is_not_applied_below_the_threshold() -> None:
    result = unit_score([D(90), D(70), D(80), D(60)], trim=True)
    assert not result.trimmed and result.dropped == () and result.score == D(75)
    six = unit_score([D(90), D(70), D(80), D(60), D(50), D(95)], trim=True, trim_min_ballots=7)
    assert not six.trimmed


def test_no_ballot_gives_no_score() -> None:
    assert unit_score([], trim=True).score is None
    assert aggregate_leader_scores({1: []}, trim=False)[1].valid_ballots == 0


def test_floats_and_ints_are_taken_exactly() -> None:
    assert as_decimal(0.1) == D("0.1") and as_decimal(7) == D(7)
    assert mean([as_decimal(0.1), as_decimal(0.2)]) == D("0.15")
    with pytest.raises(TypeError):
        as_decimal(True)


def test_display_rounds_half_up_to_two_decimals() -> None:
    assert display_score(D("84.125")) == D("84.13")
    assert display_score(D("84.124999")) == D("84.12")
    assert display_score(None) is None


# --- properties -------------------------------------------------------------------------
@given(ballot_lists.filter(bool), st.booleans(), st.integers(min_value=3, max_value=10))
def test_score_lies_within_the_ballots(values, trim, n) -> None:
    result = unit_score(values, trim=trim, trim_min_ballots=n)
    assert min(values) <= result.score <= max(values)


@given(ballot_lists, st.randoms(use_true_random=False), st.booleans())
def test_permutation_invariance(values, rnd, trim) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert unit_score(values, trim=trim) == unit_score(shuffled, trim=trim)


@given(ballot_lists, st.integers(min_value=3, max_value=12))
def test_trimming_never_applied_below_n(values, n) -> None:
    result = unit_score(values, trim=True, trim_min_ballots=n)
    assert result.trimmed == (len(values) >= n)
    if result.trimmed:
        assert result.dropped == (min(values), max(values))
        assert result.counted_ballots == len(values) - 2


@given(ballot_lists.filter(bool))
def test_without_trim_it_is_the_plain_mean(values) -> None:
    result = unit_score(values, trim=False)
    # exact: compare sum = score × n within the 34-digit division
    assert abs(result.score * len(values) - sum(values)) < D("1e-28")
    assert result.valid_ballots == len(values) and result.dropped == ()


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(["good", "fairly_good", "average", "poor"]),
        st.integers(min_value=0, max_value=40),
    )
)
def test_vote_formula_equals_the_mean_of_mapped_ballots(counts) -> None:
    levels = [level for level, n in counts.items() for _ in range(n)]
    expected = vote_score(counts)
    result = unit_score(level_values(levels, PUBLISHED_LEVEL_SCORES), trim=False)
    assert result.score == expected
