"""Fairness and invariants of the draw: a chi-square check over many seeds, and properties
that hold for any frame and seed (hypothesis), on the pure draw and through the service."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaoping.appraisal import survey_calculations as calc
from kaoping.surveys.models import Case, RespondentGroup, SampleDraw, SurveyProject
from kaoping.surveys.services import sampling
from tests.surveys.conftest import add_respondents

# Upper 0.1% critical value of the chi-square distribution with 19 degrees of freedom:
# 43.820 (NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.4, "Critical values of
# the chi-square distribution", ν = 19, α = 0.001). The seeds are fixed, so the test is
# deterministic; a fair draw fails it with probability about 1/1000 per fresh seed range.
CHI2_19_CRITICAL_0_001 = 43.820

STRATUM = "resident:东城镇"
MEMBERS = [str(i) for i in range(1, 21)]  # a stratum of 20
DRAWS = 2000


def chi_square(observed: list[int], expected: float) -> float:
    """Pearson's goodness-of-fit statistic against equal expected counts."""
    return sum((o - expected) ** 2 / expected for o in observed)


def pure_draws() -> list[calc.Draw]:
    frame = [calc.FrameEntry(member, STRATUM) for member in MEMBERS]
    return [
        calc.draw_sample(frame, seed=seed, allocation={STRATUM: 5}, reserve_ratio=1.0)
        for seed in range(DRAWS)
    ]


def test_every_member_is_selected_equally_often_over_many_seeds() -> None:
    draws = pure_draws()
    selected = dict.fromkeys(MEMBERS, 0)
    for draw in draws:
        for member in draw.selected[STRATUM]:
            selected[member] += 1
    # each of 2000 draws selects 5 of 20: expected 500 selections per member
    assert sum(selected.values()) == DRAWS * 5
    statistic = chi_square(list(selected.values()), DRAWS * 5 / len(MEMBERS))
    # Selections within a draw are without replacement, so the counts vary less than a
    # multinomial's (factor (1 − 5/20)/(1 − 1/20)): the test is conservative, never lenient.
    assert statistic < CHI2_19_CRITICAL_0_001, statistic


def test_the_first_drawn_and_the_first_reserve_are_uniform_over_many_seeds() -> None:
    draws = pure_draws()
    for pick in (lambda d: d.selected[STRATUM][0], lambda d: d.reserves[STRATUM][0]):
        first = dict.fromkeys(MEMBERS, 0)
        for draw in draws:
            first[pick(draw)] += 1
        statistic = chi_square(list(first.values()), DRAWS / len(MEMBERS))
        assert statistic < CHI2_19_CRITICAL_0_001, statistic


def test_the_chi_square_check_catches_a_biased_draw() -> None:
    # The same check on a draw that favours low numbers fails: the test has teeth.
    rng = random.Random(0)
    counts = dict.fromkeys(MEMBERS, 0)
    for _ in range(DRAWS):
        weights = [1.6 if int(m) <= 10 else 1.0 for m in MEMBERS]
        chosen: set[str] = set()
        while len(chosen) < 5:
            chosen.add(rng.choices(MEMBERS, weights=weights)[0])
        for member in chosen:
            counts[member] += 1
    assert chi_square(list(counts.values()), DRAWS * 5 / len(MEMBERS)) > CHI2_19_CRITICAL_0_001


def test_insertion_order_of_the_frame_does_not_matter() -> None:
    frame = [calc.FrameEntry(str(i), f"resident:{'东西'[i % 2]}") for i in range(1, 41)]
    shuffled = frame[:]
    random.Random(5).shuffle(shuffled)
    a = calc.draw_sample(frame, seed=77, total=12, minimum_per_stratum=2)
    b = calc.draw_sample(shuffled, seed=77, total=12, minimum_per_stratum=2)
    assert a == b


@st.composite
def frames(draw: Any) -> tuple[list[calc.FrameEntry], set[str]]:
    """A frame of 1–5 strata of 1–30 entries (ids unique), some of them census strata."""
    sizes = draw(st.lists(st.integers(1, 30), min_size=1, max_size=5))
    census_flags = draw(st.lists(st.booleans(), min_size=len(sizes), max_size=len(sizes)))
    entries = []
    census = set()
    next_id = 1
    for h, (size, is_census) in enumerate(zip(sizes, census_flags, strict=True)):
        stratum = f"g{h}:s{h}"
        if is_census:
            census.add(stratum)
        for _ in range(size):
            weight = draw(st.sampled_from([1.0, 0.5, 2.0]))
            entries.append(calc.FrameEntry(str(next_id), stratum, weight))
            next_id += 1
    return draw(st.permutations(entries)), census


@given(
    data=frames(),
    seed=st.integers(0, 2**63 - 1),
    share=st.floats(0, 1),
    minimum=st.integers(0, 10),
    ratio=st.sampled_from([0.0, 0.5, 1.0, 1.5, 3.0]),
)
@settings(max_examples=150, deadline=None)
def test_any_frame_and_seed_give_a_valid_draw(
    data: tuple[list[calc.FrameEntry], set[str]],
    seed: int,
    share: float,
    minimum: int,
    ratio: float,
) -> None:
    frame, census = data
    members: dict[str, set[str]] = {}
    for entry in frame:
        members.setdefault(entry.stratum, set()).add(entry.id)
    available = sum(len(ids) for h, ids in members.items() if h not in census)
    total = int(share * available)
    draw = calc.draw_sample(
        frame,
        seed=seed,
        total=total if available else None,
        census=census,
        minimum_per_stratum=minimum,
        reserve_ratio=ratio,
    )
    everyone: list[str] = []
    for stratum, ids in members.items():
        selected, reserves = draw.selected[stratum], draw.reserves[stratum]
        assert set(selected) <= ids
        assert set(reserves) <= ids
        assert len(selected) == len(set(selected)) == draw.allocation[stratum]
        assert len(reserves) == len(set(reserves))
        assert not set(selected) & set(reserves)
        if stratum in census:
            assert set(selected) == ids and reserves == ()
        else:
            assert draw.allocation[stratum] >= min(minimum, len(ids))
        everyone.extend(selected)
        everyone.extend(reserves)
    assert len(everyone) == len(set(everyone))
    if available and not minimum:
        assert sum(draw.allocation[h] for h in members if h not in census) == total


@pytest.mark.django_db
@given(
    seed=st.integers(0, 2**63 - 1),
    total=st.integers(0, 35),
    minimum=st.integers(0, 6),
    ratio=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_recorded_cases_match_the_preview_for_any_seed(
    project: SurveyProject, world: Any, seed: int, total: int, minimum: int, ratio: float
) -> None:
    if not project.respondents.exists():
        add_respondents(project, RespondentGroup.MEMBER, {"政协": 4})
        add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 15, "西山镇": 20}, start=50)
    SampleDraw.objects.filter(project=project).delete()
    plan = sampling.draw_plan(
        project=project, seed=seed, total=total, minimum=minimum, reserve_ratio=ratio
    )
    draw = sampling.sample_draw(
        project=project,
        actor=world.users["office"],
        seed=seed,
        total=total,
        minimum=minimum,
        reserve_ratio=ratio,
    )
    stored: dict[str, tuple[list[str], list[str]]] = {}
    for case in Case.objects.filter(draw=draw).order_by("stratum", "position"):
        selected, reserves = stored.setdefault(case.stratum, ([], []))
        (reserves if case.is_reserve else selected).append(str(case.respondent_id))
    for stratum, selected_ids in plan.draw.selected.items():
        got = stored.get(stratum, ([], []))
        assert tuple(got[0]) == selected_ids
        assert tuple(got[1]) == plan.draw.reserves[stratum]
    assert draw.allocation == plan.draw.allocation
    respondents = set(project.respondents.values_list("pk", flat=True))
    assert (
        set(Case.objects.filter(draw=draw).values_list("respondent_id", flat=True)) <= respondents
    )
