"""The demo county's closed 2022 leader evaluation: every unit has a result; idempotent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kaoping.appraisal.models import (
    LeaderBallot,
    LeaderRater,
    LeaderRatingResult,
    LeaderRatingRound,
)
from kaoping.appraisal.selectors import leader_scores_for_scoring, plan_units
from kaoping.demo.leader_ratings import ROUND_NAME, ballot_score, load_leader_ratings
from kaoping.plans.models import Plan
from tests.demo.conftest import demo  # noqa: F401  (the demo county, loaded once)


@pytest.mark.usefixtures("db")
def test_demo_round_is_closed_with_a_result_for_every_unit_and_idempotent(demo) -> None:  # noqa: F811
    created = demo.parts["leader_ratings"]  # what load_demo's own call created
    plan = Plan.objects.get(cycle__year=2022, code="county-2022")
    round = LeaderRatingRound.objects.get(plan=plan, name=ROUND_NAME)
    units = set(plan_units(plan).values_list("pk", flat=True))
    raters = LeaderRater.objects.filter(round=round)
    assert created["rounds"] == 1 and created["raters"] == raters.count() == 9
    assert created["ballots"] == LeaderBallot.objects.filter(round=round).count() == 9 * len(units)
    assert round.status == "closed" and round.trim
    assert raters.filter(user__username="leader").exists()
    assert not raters.exclude(submitted_at__isnull=False).exists()
    results = LeaderRatingResult.objects.filter(round=round)
    assert set(results.values_list("unit_id", flat=True)) == units
    assert created["results"] == len(units)
    for result in results:
        assert result.valid_ballots == 9 and result.trimmed and len(result.dropped) == 2
        assert D(0) <= result.score <= D(100)
    scores = leader_scores_for_scoring(plan=plan)
    assert set(scores) == units and all(s.final for s in scores.values())
    # a second run writes nothing
    assert load_leader_ratings() == dict.fromkeys(created, 0)
    assert LeaderBallot.objects.filter(round=round).count() == 9 * len(units)


def test_demo_ballots_are_stable_and_plausible() -> None:
    values = [ballot_score(leader, f"U{n}") for leader in ("甲", "乙", "丙") for n in range(50)]
    assert all(D(60) <= v <= D(100) for v in values)
    assert ballot_score("甲", "U1") == ballot_score("甲", "U1")
    assert len(set(values)) > 10
