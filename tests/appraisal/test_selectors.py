"""Who reads what of leader evaluation, and the scoring engine's input."""

from __future__ import annotations

from decimal import Decimal as D

from kaoping.appraisal import selectors, services
from kaoping.appraisal.models import (
    LeaderBallot,
    LeaderRater,
    LeaderRatingResult,
    LeaderRatingRound,
)
from kaoping.appraisal.selectors import LeaderScoreInput, leader_scores_for_scoring
from kaoping.org.models import Role
from tests.appraisal.test_services import rate_all
from tests.factories import make_unit, user_with_role

ALL_MODELS = (LeaderRatingRound, LeaderRater, LeaderBallot, LeaderRatingResult)


def test_the_office_reads_everything_of_its_plans(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    services.round_close(actor=r.office, round=r.round)
    for model in ALL_MODELS:
        assert model.objects.for_user(r.office).count() == model.objects.count() > 0, model


def test_an_office_of_another_county_reads_nothing(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    services.round_close(actor=r.office, round=r.round)
    other = make_unit("C02", "邻县", "county")
    stranger = user_with_role(Role.OFFICE, other, username="office_other")
    for model in ALL_MODELS:
        assert not model.objects.for_user(stranger).exists(), model
    assert not selectors.rounds_for_user(user=stranger).exists()


def test_other_roles_read_nothing_through_the_scope(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    for role in (Role.LEADER, Role.REPORTER, Role.UNIT_HEAD, Role.INSPECTOR, Role.AUDITOR):
        user = r.world.users[role]
        for model in (LeaderRatingRound, LeaderRater, LeaderBallot):
            assert not model.objects.for_user(user).exists(), (role, model)


def test_a_leader_sees_only_their_own_sheet(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    rate_all(r, r.leaders[1], [50, 50, 50, 50], submit=False)
    mine = selectors.access_sheet(user=r.leaders[1], round_pk=r.round.pk)
    assert mine.user == r.leaders[1]
    rows = selectors.sheet_rows(rater=mine)
    assert {row.ballot.score for row in rows} == {D(50)}
    assert [s.user for s in selectors.sheets_for_user(user=r.leaders[1])] == [r.leaders[1]]


def test_a_draft_round_is_not_on_a_leaders_list(rating) -> None:
    services.rater_assign(actor=rating.office, round=rating.round, user=rating.leaders[0])
    assert not selectors.sheets_for_user(user=rating.leaders[0]).exists()


def test_no_aggregate_for_a_leader_before_closing_then_only_their_portfolio(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]  # portfolio: town A and dept A
    rate_all(r, leader, [90, 80, 70, 60])
    assert not selectors.round_results(user=leader, round=r.round).exists()
    services.round_close(actor=r.office, round=r.round)
    seen = {x.unit for x in selectors.round_results(user=leader, round=r.round)}
    assert seen == {r.world.town_a, r.world.dept_a}
    reporter = r.world.users[Role.REPORTER]
    assert not selectors.round_results(user=reporter, round=r.round).exists()
    assert selectors.round_results(user=r.office, round=r.round).count() == 4


def test_round_raters_lists_the_missing_units(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    sheet = r.sheet(r.leaders[1])
    services.ballot_save(actor=r.leaders[1], rater=sheet, unit=r.world.town_a, score=80)
    progress = {p.rater.user: p for p in selectors.round_raters(round=r.round)}
    assert progress[r.leaders[0]].complete and progress[r.leaders[0]].rater.is_submitted
    assert progress[r.leaders[1]].rated == 1
    assert progress[r.leaders[1]].missing == [r.world.dept_a, r.world.dept_b, r.world.town_b]


def test_leader_accounts_offer_the_leaders_not_yet_raters(rating) -> None:
    services.rater_assign(actor=rating.office, round=rating.round, user=rating.leaders[0])
    offered = list(selectors.leader_accounts(round=rating.round))
    assert offered == sorted(rating.leaders[1:], key=lambda u: u.username)


# --- for the scoring engine ------------------------------------------------------------------
def test_no_round_gives_nothing(rating) -> None:
    rating.round.delete()
    assert leader_scores_for_scoring(plan=rating.world.plan) == {}


def test_a_draft_round_gives_nothing(rating) -> None:
    assert leader_scores_for_scoring(plan=rating.world.plan) == {}


def test_an_open_round_gives_provisional_scores_of_submitted_sheets(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    rate_all(r, r.leaders[1], [80, 80, 80, 80])
    rate_all(r, r.leaders[2], [0, 0, 0, 0], submit=False)
    scores = leader_scores_for_scoring(plan=r.world.plan)
    assert scores[r.world.town_a.pk] == LeaderScoreInput(
        unit_id=r.world.town_a.pk,
        score=D(85),
        valid_ballots=2,
        trimmed=False,
        round_id=r.round.pk,
        final=False,
    )
    assert set(scores) == {u.pk for u in r.units}


def test_the_latest_closed_round_gives_final_scores(open_round) -> None:
    r = open_round
    for leader, base in zip(r.leaders, (90, 85, 80, 75, 70), strict=True):
        rate_all(r, leader, [base, base - 10, base - 20, base - 30])
    services.round_close(actor=r.office, round=r.round)
    # a later round is opened and partly rated: the closed one still counts
    later = services.round_create(actor=r.office, plan=r.world.plan, name="补充")
    services.rater_assign(actor=r.office, round=later, user=r.leaders[0])
    services.round_open(actor=r.office, round=later)
    scores = leader_scores_for_scoring(plan=r.world.plan)
    town_a = scores[r.world.town_a.pk]
    assert town_a.final and town_a.round_id == r.round.pk
    assert town_a.score == D(80) and town_a.valid_ballots == 5 and town_a.trimmed
    assert isinstance(town_a.score, D)
    services.round_close(actor=r.office, round=later)
    latest = leader_scores_for_scoring(plan=r.world.plan)
    assert latest[r.world.town_a.pk].round_id == later.pk
    assert latest[r.world.town_a.pk].score is None
