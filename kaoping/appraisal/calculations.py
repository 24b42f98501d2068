"""Leader evaluation (领导评价) arithmetic on plain data: no ORM, no request, no clock.

A unit's score is the mean of its valid ballots. A four-level vote is first mapped to the
round's level scores (published: 好 100, 较好 80, 一般 60, 较差 40), so the mean is the
published formula `(好×100 + 较好×80 + 一般×60 + 较差×40) / valid votes`. A round may trim
one highest and one lowest ballot (去掉一个最高分和一个最低分) when a unit has at least
`trim_min_ballots` valid ballots (default 5).

Arithmetic is in Decimal: ballots are converted exactly (a float through its shortest
repr), sums are exact, and the one division is correctly rounded to `PRECISION` significant
digits — far beyond the 1e-9 the scoring engine needs. Rounding for display (half-up to two
decimals) happens at the edge, in `display_score`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

PRECISION = 34
"""Significant digits of a mean (Decimal128); sums of ballots are exact at this precision."""
DEFAULT_TRIM_MIN_BALLOTS = 5
MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(100)
PUBLISHED_LEVEL_SCORES: dict[str, Decimal] = {
    "good": Decimal(100),
    "fairly_good": Decimal(80),
    "average": Decimal(60),
    "poor": Decimal(40),
}
"""The published four-level vote scores: 好 100, 较好 80, 一般 60, 较差 40."""

Number = Decimal | int | float


@dataclass(frozen=True)
class LeaderScore:
    """A unit's leader-evaluation score and how it was reached."""

    score: Decimal | None  # None when there is no valid ballot
    valid_ballots: int  # valid ballots before trimming
    trimmed: bool  # one highest and one lowest ballot were dropped
    dropped: tuple[Decimal, ...] = ()  # the dropped ballots, lowest first

    @property
    def counted_ballots(self) -> int:
        """Ballots in the mean after trimming."""
        return self.valid_ballots - len(self.dropped)


def as_decimal(value: Number) -> Decimal:
    """A ballot value as an exact Decimal (a float through its shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a ballot is a number, not a truth value")
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


def mean(values: Sequence[Decimal]) -> Decimal:
    """The mean of Decimals: exact sum, one correctly rounded division."""
    if not values:
        raise ValueError("the mean of no values")
    with localcontext() as context:
        context.prec = PRECISION
        return sum(values, Decimal(0)) / len(values)


def unit_score(
    values: Sequence[Number],
    *,
    trim: bool,
    trim_min_ballots: int = DEFAULT_TRIM_MIN_BALLOTS,
) -> LeaderScore:
    """One unit's score from its valid ballots (already mapped to numbers)."""
    ballots = sorted(as_decimal(v) for v in values)
    if not ballots:
        return LeaderScore(score=None, valid_ballots=0, trimmed=False)
    if trim and len(ballots) >= max(trim_min_ballots, 3):
        dropped = (ballots[0], ballots[-1])
        return LeaderScore(
            score=mean(ballots[1:-1]), valid_ballots=len(ballots), trimmed=True, dropped=dropped
        )
    return LeaderScore(score=mean(ballots), valid_ballots=len(ballots), trimmed=False)


def aggregate_leader_scores(
    ballots: Mapping[K, Sequence[Number]],
    *,
    trim: bool,
    trim_min_ballots: int = DEFAULT_TRIM_MIN_BALLOTS,
) -> dict[K, LeaderScore]:
    """Every unit's score from its valid ballots: `{unit_key: [ballot, …]} → {unit_key: …}`.

    Trimming (when on) drops one highest and one lowest ballot of a unit with at least
    `trim_min_ballots` valid ballots (never fewer than 3, which would leave nothing).
    """
    return {
        key: unit_score(values, trim=trim, trim_min_ballots=trim_min_ballots)
        for key, values in ballots.items()
    }


def vote_score(
    counts: Mapping[str, int], *, level_scores: Mapping[str, Number] | None = None
) -> Decimal | None:
    """The published vote formula: `Σ(votes of a level × its score) / valid votes`.

    `counts` maps a level (good, fairly_good, average, poor) to its votes; a level without
    a score (e.g. "don't know") is not a valid vote. None when there is no valid vote.
    """
    scores = {k: as_decimal(v) for k, v in (level_scores or PUBLISHED_LEVEL_SCORES).items()}
    valid = sum(n for level, n in counts.items() if level in scores)
    if valid <= 0:
        return None
    with localcontext() as context:
        context.prec = PRECISION
        total = sum(
            (scores[level] * n for level, n in counts.items() if level in scores), Decimal(0)
        )
        return total / valid


def level_values(levels: Sequence[str], level_scores: Mapping[str, Number]) -> list[Decimal]:
    """Vote ballots as numbers; a level the round does not score is not a valid ballot."""
    scores = {k: as_decimal(v) for k, v in level_scores.items()}
    return [scores[level] for level in levels if level in scores]


def display_score(score: Decimal | None, places: int = 2) -> Decimal | None:
    """A score for display and publication: half-up to `places` decimals."""
    if score is None:
        return None
    return score.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
