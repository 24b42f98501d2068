"""Leader-evaluation services: rounds, raters, ballots, sheets, reminders, closing, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from kaoping.appraisal import services
from kaoping.appraisal.models import (
    LeaderBallot,
    LeaderRater,
    LeaderRatingResult,
    LeaderRatingRound,
)
from kaoping.appraisal.services import BallotEntry
from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Role
from kaoping.tracking.models import Notification


def rate_all(rating, user, values, *, submit=True) -> LeaderRater:
    """The leader rates the four units (town A, town B, dept A, dept B) and submits."""
    sheet = rating.sheet(user)
    entries = [
        BallotEntry(unit_id=unit.pk, **({"level": v} if isinstance(v, str) else {"score": v}))
        for unit, v in zip(rating.units, values, strict=True)
    ]
    services.sheet_save(actor=user, rater=sheet, entries=entries, submit=submit)
    return sheet


# --- rounds ---------------------------------------------------------------------------------
def test_round_is_created_by_the_office_with_published_defaults(rating) -> None:
    round = rating.round
    assert round.status == LeaderRatingRound.Status.DRAFT
    assert round.level_scores == {
        "good": D(100),
        "fairly_good": D(80),
        "average": D(60),
        "poor": D(40),
    }
    assert round.trim and round.trim_min_ballots == 5
    assert AuditEvent.objects.filter(action="leader_round.create", object_id=str(round.pk)).exists()


@pytest.mark.parametrize("who", [Role.LEADER, Role.REPORTER, Role.INSPECTOR, Role.AUDITOR])
def test_only_the_office_creates_rounds(rating, who) -> None:
    with pytest.raises(PermissionDeniedError):
        services.round_create(actor=rating.world.users[who], plan=rating.world.plan, name="x")


def test_round_settings_are_validated(rating) -> None:
    office, plan = rating.office, rating.world.plan
    with pytest.raises(ApplicationError, match="at least 3"):
        services.round_create(actor=office, plan=plan, name="x", trim_min_ballots=2)
    with pytest.raises(ApplicationError, match="close before it opens"):
        services.round_create(
            actor=office, plan=plan, name="x", opens_on=date(2023, 1, 5), closes_on=date(2023, 1, 1)
        )
    with pytest.raises(ApplicationError):
        services.round_create(actor=office, plan=plan, name="  ")
    with pytest.raises(ApplicationError):
        services.round_create(actor=office, plan=plan, name="x", level_scores={"good": D(101)})


def test_a_draft_round_can_be_changed_an_open_one_cannot(open_round, rating) -> None:
    draft = services.round_create(actor=rating.office, plan=rating.world.plan, name="草稿")
    services.round_update(
        actor=rating.office,
        round=draft,
        name="投票",
        method="vote",
        trim=False,
        trim_min_ballots=5,
        coverage="portfolio",
        level_scores={"good": D(95)},
        expected_version=draft.row_version,
    )
    draft.refresh_from_db()
    assert draft.method == "vote" and draft.score_good == D(95) and draft.row_version == 2
    with pytest.raises(ConflictError):
        services.round_update(
            actor=rating.office,
            round=draft,
            name="again",
            method="vote",
            trim=False,
            trim_min_ballots=5,
            coverage="portfolio",
            expected_version=1,
        )
    with pytest.raises(ApplicationError, match="draft"):
        services.round_update(
            actor=rating.office,
            round=open_round.round,
            name="x",
            method="score",
            trim=True,
            trim_min_ballots=5,
            coverage="plan_units",
        )


# --- raters -------------------------------------------------------------------------------
def test_raters_rate_every_unit_of_the_plan_groups_by_default(rating) -> None:
    rater = services.rater_assign(actor=rating.office, round=rating.round, user=rating.leaders[0])
    assert set(rater.units.all()) == set(rating.units)
    assert AuditEvent.objects.filter(action="leader_rater.assign").count() == 1


def test_portfolio_coverage_gives_the_leader_their_portfolio_units(rating) -> None:
    w = rating.world
    round = services.round_create(
        actor=rating.office, plan=w.plan, name="分管", coverage="portfolio"
    )
    rater = services.rater_assign(actor=rating.office, round=round, user=rating.leaders[0])
    assert set(rater.units.all()) == {w.town_a, w.dept_a}


def test_rater_assignment_is_refused_when_wrong(rating) -> None:
    w, round = rating.world, rating.round
    with pytest.raises(ApplicationError, match="not an active leader"):
        services.rater_assign(actor=rating.office, round=round, user=w.users[Role.REPORTER])
    services.rater_assign(actor=rating.office, round=round, user=rating.leaders[0])
    with pytest.raises(ApplicationError, match="already"):
        services.rater_assign(actor=rating.office, round=round, user=rating.leaders[0])
    with pytest.raises(ApplicationError, match="Not units"):
        services.rater_assign(
            actor=rating.office, round=round, user=rating.leaders[1], units=[w.county]
        )
    with pytest.raises(PermissionDeniedError):
        services.rater_assign(actor=rating.leaders[0], round=round, user=rating.leaders[1])


def test_a_rater_is_removed_before_submitting(open_round) -> None:
    r = open_round
    sheet = r.sheet(r.leaders[4])
    services.rater_remove(actor=r.office, rater=sheet, reason="出差")
    assert not LeaderRater.objects.filter(pk=sheet.pk).exists()
    done = rate_all(r, r.leaders[0], [90, 80, 70, 60])
    with pytest.raises(ApplicationError, match="submitted"):
        services.rater_remove(actor=r.office, rater=r.sheet(done.user))


# --- opening ------------------------------------------------------------------------------
def test_opening_needs_raters_and_tells_them(rating) -> None:
    with pytest.raises(ApplicationError, match="Add the leaders"):
        services.round_open(actor=rating.office, round=rating.round)
    services.raters_assign(actor=rating.office, round=rating.round, users=rating.leaders)
    services.round_open(actor=rating.office, round=rating.round)
    assert rating.round.status == "open" and rating.round.opened_at is not None
    told = Notification.objects.filter(dedupe_key=f"leader_round:{rating.round.pk}:open")
    assert {n.user for n in told} == set(rating.leaders)
    with pytest.raises(ApplicationError, match="draft"):
        services.round_open(actor=rating.office, round=rating.round)


def test_one_open_round_per_plan(open_round) -> None:
    other = services.round_create(actor=open_round.office, plan=open_round.world.plan, name="二")
    services.rater_assign(actor=open_round.office, round=other, user=open_round.leaders[0])
    with pytest.raises(ApplicationError, match="Another round"):
        services.round_open(actor=open_round.office, round=other)


def test_nobody_rates_in_a_draft_round(rating) -> None:
    services.rater_assign(actor=rating.office, round=rating.round, user=rating.leaders[0])
    sheet = rating.sheet(rating.leaders[0])
    with pytest.raises(ApplicationError, match="not open"):
        services.ballot_save(
            actor=rating.leaders[0], rater=sheet, unit=rating.world.town_a, score=90
        )


# --- ballots --------------------------------------------------------------------------------
def test_a_leader_saves_and_changes_their_own_ballot(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    sheet = r.sheet(leader)
    ballot = services.ballot_save(
        actor=leader, rater=sheet, unit=r.world.town_a, score="88.5", comment="工作扎实"
    )
    assert ballot.score == D("88.5") and ballot.row_version == 1
    again = services.ballot_save(
        actor=leader, rater=sheet, unit=r.world.town_a, score=90, expected_version=1
    )
    assert again.score == D(90) and again.row_version == 2 and again.comment == ""
    saves = AuditEvent.objects.filter(action="leader_sheet.save", actor=leader)
    assert saves.count() == 2
    assert saves.order_by("-id").first().after == {"ballots": {"T01": "90.00"}}


def test_a_stale_ballot_version_is_a_conflict(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    sheet = r.sheet(leader)
    services.ballot_save(actor=leader, rater=sheet, unit=r.world.town_a, score=80)
    services.ballot_save(actor=leader, rater=sheet, unit=r.world.town_a, score=85)
    with pytest.raises(ConflictError):
        services.ballot_save(
            actor=leader, rater=sheet, unit=r.world.town_a, score=70, expected_version=1
        )
    # a row posted as new while another window saved it meanwhile
    with pytest.raises(ConflictError):
        services.sheet_save(
            actor=leader, rater=sheet, entries=[BallotEntry(r.world.town_a.pk, score=60)]
        )
    assert LeaderBallot.objects.get(rater=sheet, unit=r.world.town_a).score == D(85)


@pytest.mark.parametrize("bad", ["101", "-1", "abc", "88.123", "NaN", "Infinity"])
def test_scores_are_validated(open_round, bad) -> None:
    r, leader = open_round, open_round.leaders[0]
    with pytest.raises(ApplicationError) as raised:
        services.ballot_save(actor=leader, rater=r.sheet(leader), unit=r.world.town_a, score=bad)
    assert "0 to 100" in str(raised.value.message)
    assert not LeaderBallot.objects.exists()


def test_a_score_round_takes_no_vote_and_a_vote_round_no_score(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    with pytest.raises(ApplicationError, match="not votes"):
        services.ballot_save(actor=leader, rater=r.sheet(leader), unit=r.world.town_a, level="good")
    LeaderRatingRound.objects.filter(pk=r.round.pk).update(method="vote")
    sheet = r.sheet(leader)
    with pytest.raises(ApplicationError, match="choose a level"):
        services.ballot_save(actor=leader, rater=sheet, unit=r.world.town_a, score=90)
    with pytest.raises(ApplicationError, match="four levels"):
        services.ballot_save(actor=leader, rater=sheet, unit=r.world.town_a, level="excellent")


def test_a_unit_not_on_the_sheet_cannot_be_rated(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    with pytest.raises(ApplicationError, match="not on your sheet"):
        services.ballot_save(actor=leader, rater=r.sheet(leader), unit=r.world.county, score=90)


def test_nobody_writes_on_another_leaders_sheet(open_round) -> None:
    r = open_round
    theirs = r.sheet(r.leaders[1])
    for actor in (r.leaders[0], r.office, None):
        with pytest.raises(PermissionDeniedError):
            services.ballot_save(actor=actor, rater=theirs, unit=r.world.town_a, score=50)
        with pytest.raises(PermissionDeniedError):
            services.sheet_submit(actor=actor, rater=theirs)
    assert not LeaderBallot.objects.exists()


# --- submitting -----------------------------------------------------------------------------
def test_submitting_needs_every_unit_and_lists_the_missing(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    sheet = r.sheet(leader)
    services.ballot_save(actor=leader, rater=sheet, unit=r.world.town_a, score=90)
    with pytest.raises(ApplicationError) as raised:
        services.sheet_submit(actor=leader, rater=sheet)
    message = str(raised.value.message)
    assert "西山镇" in message and "县气象局" in message and "东城镇" not in message
    assert set(raised.value.extra["missing"]) == {
        r.world.town_b.pk,
        r.world.dept_a.pk,
        r.world.dept_b.pk,
    }


def test_a_submitted_sheet_is_locked_and_cannot_be_submitted_twice(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    sheet = rate_all(r, leader, [90, 80, 70, 60])
    assert sheet.submitted_at is not None
    assert LeaderBallot.objects.filter(rater=sheet, submitted_at__isnull=False).count() == 4
    with pytest.raises(ApplicationError, match="submitted"):
        services.sheet_submit(actor=leader, rater=r.sheet(leader))
    with pytest.raises(ApplicationError, match="submitted"):
        services.ballot_save(actor=leader, rater=r.sheet(leader), unit=r.world.town_a, score=10)
    # a stale copy of the sheet (read before submitting) is refused too
    stale = LeaderRater.objects.get(pk=sheet.pk)
    stale.submitted_at = None
    with pytest.raises(ApplicationError, match="submitted"):
        services.sheet_submit(actor=leader, rater=stale)
    assert AuditEvent.objects.filter(action="leader_sheet.submit").count() == 1


# --- reminders -------------------------------------------------------------------------------
def test_reminders_go_to_unfinished_sheets_once_a_day(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    sent = services.raters_remind(actor=r.office, round=r.round, today=date(2022, 12, 20))
    assert sent == 4
    reminded = Notification.objects.filter(dedupe_key__contains=":remind:2022-12-20")
    assert {n.user for n in reminded} == set(r.leaders[1:])
    assert all("90" not in n.body for n in reminded)
    assert services.raters_remind(actor=r.office, round=r.round, today=date(2022, 12, 20)) == 0
    assert services.raters_remind(actor=r.office, round=r.round, today=date(2022, 12, 21)) == 4
    event = AuditEvent.objects.filter(action="leader_round.remind").first()
    assert "leader" not in event.after["waiting"] and "leader2" in event.after["waiting"]
    with pytest.raises(PermissionDeniedError):
        services.raters_remind(actor=r.leaders[0], round=r.round)


# --- closing ----------------------------------------------------------------------------------
def test_closing_freezes_results_from_submitted_sheets(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    rate_all(r, r.leaders[1], [85, 80, 75, 65])
    rate_all(r, r.leaders[2], [95, 70, 72, 62])
    rate_all(r, r.leaders[3], [80, 60, 74, 64])
    rate_all(r, r.leaders[4], [70, 90, 76, 66])
    services.round_close(actor=r.office, round=r.round)
    assert r.round.status == "closed" and r.round.closed_at is not None
    results = {x.unit_id: x for x in LeaderRatingResult.objects.filter(round=r.round)}
    town_a = results[r.world.town_a.pk]
    # five ballots: 95 and 70 dropped, mean of 80, 85, 90
    assert town_a.trimmed and town_a.valid_ballots == 5 and town_a.score == D(85)
    assert town_a.dropped == ["70.00", "95.00"]
    # 70, 75, 72, 74, 76 → 70 and 76 dropped → 221 / 3, stored to ten decimals
    assert results[r.world.dept_a.pk].score == D("73.6666666667")
    event = AuditEvent.objects.get(action="leader_round.close")
    assert event.after["sheets_submitted"] == 5 and event.after["units_trimmed"] == 4
    assert "90" not in str(event.after)


def test_unsubmitted_sheets_do_not_count_and_trimming_needs_enough_ballots(open_round) -> None:
    r = open_round
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    rate_all(r, r.leaders[1], [80, 70, 60, 50])
    rate_all(r, r.leaders[2], [10, 10, 10, 10], submit=False)  # saved, never submitted
    services.round_close(actor=r.office, round=r.round)
    results = {x.unit_id: x for x in LeaderRatingResult.objects.filter(round=r.round)}
    assert len(results) == 4
    assert results[r.world.town_a.pk].score == D(85)
    assert results[r.world.town_a.pk].valid_ballots == 2
    assert not results[r.world.town_a.pk].trimmed
    event = AuditEvent.objects.get(action="leader_round.close")
    assert event.after["sheets_not_submitted"] == 3


def test_a_unit_nobody_rated_has_no_score(open_round) -> None:
    r = open_round
    services.round_close(actor=r.office, round=r.round)
    result = LeaderRatingResult.objects.get(round=r.round, unit=r.world.town_a)
    assert result.score is None and result.valid_ballots == 0


def test_after_closing_nothing_changes(open_round) -> None:
    r, leader = open_round, open_round.leaders[0]
    sheet = r.sheet(leader)
    services.ballot_save(actor=leader, rater=sheet, unit=r.world.town_a, score=90)
    services.round_close(actor=r.office, round=r.round)
    with pytest.raises(ApplicationError, match="closed"):
        services.ballot_save(actor=leader, rater=r.sheet(leader), unit=r.world.town_a, score=10)
    with pytest.raises(ApplicationError, match="closed"):
        services.sheet_submit(actor=leader, rater=r.sheet(leader))
    with pytest.raises(ApplicationError, match="open round"):
        services.round_close(actor=r.office, round=r.round)
    with pytest.raises(ApplicationError, match="closed"):
        services.rater_assign(actor=r.office, round=r.round, user=r.world.users[Role.LEADER])
    with pytest.raises(ApplicationError, match="open"):
        services.raters_remind(actor=r.office, round=r.round)


def test_closing_a_stale_copy_is_a_conflict(open_round) -> None:
    r = open_round
    stale = LeaderRatingRound.objects.get(pk=r.round.pk)
    services.round_close(actor=r.office, round=r.round)
    with pytest.raises(ConflictError):
        services.round_close(actor=r.office, round=stale)
    assert LeaderRatingResult.objects.filter(round=r.round).count() == 4


def test_a_vote_round_uses_the_published_formula(rating) -> None:
    r = rating
    round = services.round_create(
        actor=r.office, plan=r.world.plan, name="投票", method="vote", trim=False
    )
    services.raters_assign(actor=r.office, round=round, users=r.leaders)
    services.round_open(actor=r.office, round=round)
    votes = ["good", "good", "fairly_good", "average", "poor"]  # for town A
    for leader, level in zip(r.leaders, votes, strict=True):
        sheet = LeaderRater.objects.get(round=round, user=leader)
        entries = [BallotEntry(u.pk, level=level) for u in r.units]
        services.sheet_save(actor=leader, rater=sheet, entries=entries, submit=True)
    services.round_close(actor=r.office, round=round)
    result = LeaderRatingResult.objects.get(round=round, unit=r.world.town_a)
    # (2×100 + 1×80 + 1×60 + 1×40) / 5 = 76
    assert result.score == D(76) and result.valid_ballots == 5 and not result.trimmed


def test_level_scores_are_data_of_the_round(rating) -> None:
    r = rating
    round = services.round_create(
        actor=r.office,
        plan=r.world.plan,
        name="自定分值",
        method="vote",
        level_scores={"good": D(100), "fairly_good": D(85), "average": D(70), "poor": D(0)},
    )
    services.rater_assign(actor=r.office, round=round, user=r.leaders[0])
    services.round_open(actor=r.office, round=round)
    sheet = LeaderRater.objects.get(round=round, user=r.leaders[0])
    services.sheet_save(
        actor=r.leaders[0],
        rater=sheet,
        entries=[
            BallotEntry(u.pk, level=lv)
            for u, lv in zip(r.units, ["good", "fairly_good", "average", "poor"], strict=True)
        ],
        submit=True,
    )
    services.round_close(actor=r.office, round=round)
    scores = dict(LeaderRatingResult.objects.filter(round=round).values_list("unit__code", "score"))
    assert scores == {"T01": D(100), "T02": D(85), "D01": D(70), "D02": D(0)}


def test_an_anonymous_actor_is_refused_and_none_is_the_system(rating) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError):
        services.round_create(actor=AnonymousUser(), plan=rating.world.plan, name="x")
    system = services.round_create(actor=None, plan=rating.world.plan, name="系统创建")
    assert system.created_by is None
    assert (
        AuditEvent.objects.get(action="leader_round.create", object_id=str(system.pk)).actor_name
        == "system"
    )


def test_every_step_is_audited(rating) -> None:
    r = rating
    draft = r.round
    services.round_update(
        actor=r.office,
        round=draft,
        name="改名",
        method="score",
        trim=True,
        trim_min_ballots=5,
        coverage="plan_units",
    )
    services.raters_assign(actor=r.office, round=draft, users=r.leaders)
    services.rater_remove(actor=r.office, rater=r.sheet(r.leaders[4]))
    services.round_open(actor=r.office, round=draft)
    rate_all(r, r.leaders[0], [90, 80, 70, 60])
    services.raters_remind(actor=r.office, round=draft)
    services.round_close(actor=r.office, round=draft)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "leader_round.create",
        "leader_round.update",
        "leader_rater.assign",
        "leader_rater.remove",
        "leader_round.open",
        "leader_sheet.save",
        "leader_sheet.submit",
        "leader_round.remind",
        "leader_round.close",
    } <= actions
    # individual values appear only in the rater's own save events
    for event in AuditEvent.objects.exclude(action="leader_sheet.save").filter(
        action__startswith="leader_"
    ):
        assert "90.00" not in str(event.after), event.action
