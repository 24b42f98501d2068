"""Reads of leader evaluation (领导评价), narrowed to what the user may see.

- the office: rounds, raters and their completion, and the frozen results of the plans in
  its scope (`rounds_for_user`, `access_round`, `round_raters`, `access_rater`,
  `round_results`);
- a leader: only their own ballot sheets, fetched by ownership (`sheets_for_user`,
  `access_sheet`, `sheet_rows`) — never another leader's ballots, and no aggregate before
  the round is closed (then `round_results` gives the units of their portfolio);
- the scoring engine: `leader_scores_for_scoring(plan=…)` (no user: a system read).

Objects outside what the user may see answer 404 (`access_*`), never 403.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from kaoping.appraisal import calculations as calc
from kaoping.appraisal.models import (
    LeaderBallot,
    LeaderRater,
    LeaderRatingResult,
    LeaderRatingRound,
)
from kaoping.org.models import Role, Unit, User
from kaoping.plans.models import Plan
from kaoping.tracking.selectors import is_office_for

SCORE_PLACES = 10
"""Decimals a unit's score is stored and handed to scoring with (error below 1e-10)."""


def stored_score(score: Decimal | None) -> Decimal | None:
    """A computed mean as stored in LeaderRatingResult: half-up to SCORE_PLACES decimals."""
    if score is None:
        return None
    return score.quantize(Decimal(1).scaleb(-SCORE_PLACES), rounding=ROUND_HALF_UP)


# --- who may act ------------------------------------------------------------------------------
def is_office_for_plan(user: Any, plan: Plan) -> bool:
    """The performance office with the plan's owner unit in its scope (a superuser too);
    judged from office grants alone, so a leader who is also something else gains nothing.
    `None` is the system itself (the demo loader, commands), as in the tracking services."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_office_for(user, plan.owner_id)


# --- units ------------------------------------------------------------------------------------
def plan_units(plan: Plan) -> QuerySet[Unit]:
    """The units of the plan's groups, in tree order."""
    return Unit.objects.filter(unit_groups__plan=plan).distinct().order_by("path")


def portfolio_units(plan: Plan, user: User) -> QuerySet[Unit]:
    """The plan's units in a leader's portfolio (分管 units and everything below them)."""
    if not user.person_id:
        return Unit.objects.none()
    paths = list(user.person.portfolio.values_list("path", flat=True))  # type: ignore[union-attr]
    if not paths:
        return Unit.objects.none()
    below = Q()
    for path in paths:
        below |= Q(path__startswith=path)
    return plan_units(plan).filter(below)


def default_sheet_units(round: LeaderRatingRound, user: User) -> QuerySet[Unit]:
    """The units a leader rates by the round's coverage rule."""
    if round.coverage == LeaderRatingRound.Coverage.PORTFOLIO:
        return portfolio_units(round.plan, user)
    return plan_units(round.plan)


def leader_accounts(*, round: LeaderRatingRound) -> QuerySet[User]:
    """Active leader accounts anchored at the plan's owner, above it or below it, that are
    not raters of the round yet."""
    owner = round.plan.owner
    above = [owner.path[:end] for end in range(Unit.steplen, len(owner.path) + 1, Unit.steplen)]
    return (
        User.objects.filter(
            Q(role_grants__unit__path__startswith=owner.path)
            | Q(role_grants__unit__path__in=above),
            role_grants__role=Role.LEADER,
            is_active=True,
        )
        .exclude(leader_sheets__round=round)
        .select_related("person")
        .distinct()
        .order_by("username")
    )


# --- the office -------------------------------------------------------------------------------
def rounds_for_user(*, user: Any, plan: Plan | None = None) -> QuerySet[LeaderRatingRound]:
    """Rounds of the plans in the office's scope, newest first, with sheet counts."""
    qs = LeaderRatingRound.objects.for_user(user)
    if plan is not None:
        qs = qs.filter(plan=plan)
    return (
        qs.select_related("plan", "plan__cycle")
        .annotate(
            rater_count=Count("raters", distinct=True),
            submitted_count=Count(
                "raters", filter=Q(raters__submitted_at__isnull=False), distinct=True
            ),
        )
        .order_by("-plan__cycle__year", "-pk")
    )


def access_round(*, user: Any, pk: int) -> LeaderRatingRound:
    """Fetch a round the office may manage, or 404."""
    try:
        return (
            LeaderRatingRound.objects.for_user(user)
            .select_related("plan", "plan__cycle", "plan__owner")
            .get(pk=pk)
        )
    except LeaderRatingRound.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class RaterProgress:
    """A rater's completion: units assigned, rated, and the ones still missing."""

    rater: LeaderRater
    assigned: int
    rated: int
    missing: list[Unit]

    @property
    def complete(self) -> bool:
        return not self.missing


def round_raters(*, round: LeaderRatingRound) -> list[RaterProgress]:
    """Every rater of a round with their completion (three queries whatever the size)."""
    raters = (
        LeaderRater.objects.filter(round=round)
        .select_related("user", "user__person")
        .prefetch_related(
            Prefetch("units", queryset=Unit.objects.order_by("path")),
        )
        .order_by("submitted_at", "user__username")
    )
    rated: dict[int, set[int]] = defaultdict(set)
    for rater_id, unit_id in (
        LeaderBallot.objects.filter(round=round)
        .filter(Q(score__isnull=False) | ~Q(level=""))
        .values_list("rater_id", "unit_id")
    ):
        rated[rater_id].add(unit_id)
    out = []
    for rater in raters:
        units = list(rater.units.all())
        done = rated.get(rater.pk, set())
        missing = [u for u in units if u.pk not in done]
        out.append(RaterProgress(rater, len(units), len(units) - len(missing), missing))
    out.sort(key=lambda p: (p.rater.is_submitted, p.complete, p.rater.user.username))
    return out


def access_rater(*, user: Any, round: LeaderRatingRound, pk: int) -> LeaderRater:
    """A rater of a round the office manages, or 404."""
    try:
        return (
            LeaderRater.objects.for_user(user)
            .select_related("user", "user__person", "round")
            .get(round=round, pk=pk)
        )
    except LeaderRater.DoesNotExist:
        raise Http404 from None


def round_results(*, user: Any, round: LeaderRatingRound) -> QuerySet[LeaderRatingResult]:
    """A closed round's frozen results the user may read (the office: every unit; a
    leader: the units of their portfolio), best first."""
    return (
        LeaderRatingResult.objects.for_user(user)
        .filter(round=round, round__status=LeaderRatingRound.Status.CLOSED)
        .select_related("unit")
        .order_by("-score", "unit__path")
    )


# --- a leader's own sheet ---------------------------------------------------------------------
def sheets_for_user(*, user: Any) -> QuerySet[LeaderRater]:
    """One's own ballot sheets of open and closed rounds (never a draft's), newest first."""
    if not getattr(user, "is_authenticated", False):
        return LeaderRater.objects.none()
    return (
        LeaderRater.objects.filter(
            user=user,
            round__status__in=[LeaderRatingRound.Status.OPEN, LeaderRatingRound.Status.CLOSED],
        )
        .select_related("round", "round__plan", "round__plan__cycle")
        .annotate(
            unit_count=Count("units", distinct=True),
            rated_count=Count(
                "ballots",
                filter=Q(ballots__score__isnull=False) | ~Q(ballots__level=""),
                distinct=True,
            ),
        )
        .order_by("-round__status", "-round__pk")  # open before closed
    )


def access_sheet(*, user: Any, round_pk: int) -> LeaderRater:
    """One's own sheet in a round, or 404 (there is no way to name another's)."""
    try:
        return sheets_for_user(user=user).get(round_id=round_pk)
    except LeaderRater.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class SheetRow:
    """A unit on a sheet and the rater's ballot for it, if any."""

    unit: Unit
    ballot: LeaderBallot | None


def sheet_rows(*, rater: LeaderRater) -> list[SheetRow]:
    """The units of one's sheet in tree order, each with one's own ballot (two queries)."""
    ballots = {b.unit_id: b for b in LeaderBallot.objects.filter(rater=rater)}
    return [SheetRow(unit, ballots.get(unit.pk)) for unit in rater.units.all().order_by("path")]


# --- for the scoring engine -------------------------------------------------------------------
@dataclass(frozen=True)
class LeaderScoreInput:
    """A unit's leader-evaluation component L (0–100) as the scoring engine takes it."""

    unit_id: int
    score: Decimal | None  # None when no valid ballot
    valid_ballots: int
    trimmed: bool
    round_id: int
    final: bool  # True when from a closed round's frozen results


def round_scores(round: LeaderRatingRound) -> dict[int, calc.LeaderScore]:
    """Each unit's score computed from the round's submitted sheets (a system read: no
    user). Every unit on any sheet is present; one without a valid ballot scores None."""
    unit_ids = set(
        LeaderRater.units.through.objects.filter(leaderrater__round=round).values_list(
            "unit_id", flat=True
        )
    )
    values: dict[int, list[Decimal]] = {pk: [] for pk in unit_ids}
    for unit_id, score, level in LeaderBallot.objects.filter(
        round=round, rater__submitted_at__isnull=False
    ).values_list("unit_id", "score", "level"):
        value = ballot_value(round, score, level)
        if value is not None:
            values.setdefault(unit_id, []).append(value)
    return calc.aggregate_leader_scores(
        values, trim=round.trim, trim_min_ballots=round.trim_min_ballots
    )


def _open_round_scores(round: LeaderRatingRound) -> dict[int, LeaderScoreInput]:
    """Provisional scores of an open round from its submitted sheets only."""
    return {
        unit_id: LeaderScoreInput(
            unit_id=unit_id,
            score=stored_score(s.score),
            valid_ballots=s.valid_ballots,
            trimmed=s.trimmed,
            round_id=round.pk,
            final=False,
        )
        for unit_id, s in round_scores(round).items()
    }


def ballot_value(round: LeaderRatingRound, score: Decimal | None, level: str) -> Decimal | None:
    """A ballot as a number under the round's method; None when it is not a valid ballot."""
    if round.is_vote:
        return round.level_scores.get(level) if level else None
    return score


def leader_scores_for_scoring(*, plan: Plan) -> dict[int, LeaderScoreInput]:
    """The leader-evaluation score of each unit of a plan, by unit id.

    From the latest closed round's frozen results (final=True); when no round is closed,
    provisionally from the open round's submitted sheets (final=False); empty when the
    plan has no closed or open round.
    """
    closed = (
        LeaderRatingRound.objects.filter(plan=plan, status=LeaderRatingRound.Status.CLOSED)
        .order_by("-closed_at", "-pk")
        .first()
    )
    if closed is not None:
        return {
            r.unit_id: LeaderScoreInput(
                unit_id=r.unit_id,
                score=r.score,
                valid_ballots=r.valid_ballots,
                trimmed=r.trimmed,
                round_id=closed.pk,
                final=True,
            )
            for r in LeaderRatingResult.objects.filter(round=closed)
        }
    open_round = LeaderRatingRound.objects.filter(
        plan=plan, status=LeaderRatingRound.Status.OPEN
    ).first()
    if open_round is None:
        return {}
    return _open_round_scores(open_round)
