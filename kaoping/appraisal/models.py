"""Appraisal: leader evaluation (领导评价) — rounds, raters, ballots and frozen results.

(Public-appraisal surveys will sit beside these as Survey* models.)

Who reads what (scope_filter; deny by default):
- the performance office reads the rounds, raters, ballots and results of the plans owned by
  a unit in its scope;
- a leader reads no round, rater or ballot through the data scope: their own sheet and
  ballots are fetched by ownership (`rater__user=user`, kaoping.appraisal.selectors), so no
  leader ever reads another leader's ballot; after a round is closed, a leader reads its
  frozen results (aggregates only) for the units in their portfolio;
- every other role reads nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope, ScopedQuerySet
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan

NOTHING = Q(pk__in=[])


def _office_q(scope: DataScope, plan_lookup: str) -> Q:
    """Rows of plans owned by a unit in an office's scope; nothing for other roles."""
    if Role.OFFICE in scope.roles:
        return scope.units_q(f"{plan_lookup}__owner")
    return NOTHING


class LeaderRatingRound(TimestampedModel):
    """A leader-evaluation round of a plan (领导评价): who rates which units, how, and when."""

    class Method(models.TextChoices):
        SCORE = "score", _("Score from 0 to 100")
        VOTE = "vote", _("Four-level vote")

    class Coverage(models.TextChoices):
        PLAN_UNITS = "plan_units", _("Every unit of the plan's groups")
        PORTFOLIO = "portfolio", _("The units in the leader's portfolio")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for rating")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="leader_rounds"
    )
    name = models.CharField(_("name"), max_length=200)
    method = models.CharField(
        _("rating method"), max_length=8, choices=Method.choices, default=Method.SCORE
    )
    score_good = models.DecimalField(
        _("score of “good”"), max_digits=5, decimal_places=2, default=Decimal(100)
    )
    score_fairly_good = models.DecimalField(
        _("score of “fairly good”"), max_digits=5, decimal_places=2, default=Decimal(80)
    )
    score_average = models.DecimalField(
        _("score of “average”"), max_digits=5, decimal_places=2, default=Decimal(60)
    )
    score_poor = models.DecimalField(
        _("score of “poor”"), max_digits=5, decimal_places=2, default=Decimal(40)
    )
    trim = models.BooleanField(
        _("drop the highest and the lowest ballot"),
        default=False,
        help_text=_("One highest and one lowest ballot of a unit are dropped when it has enough."),
    )
    trim_min_ballots = models.PositiveSmallIntegerField(
        _("ballots needed for dropping"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(1000)],
    )
    coverage = models.CharField(
        _("units each leader rates"),
        max_length=12,
        choices=Coverage.choices,
        default=Coverage.PLAN_UNITS,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("leader rating round")
        verbose_name_plural = _("leader rating rounds")
        ordering = ["-plan__cycle__year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="open"), name="leader_round_one_open_per_plan"
            ),
            models.CheckConstraint(
                condition=Q(trim_min_ballots__gte=3), name="leader_round_trim_min_3"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_scores(self) -> dict[str, Decimal]:
        """The score of each vote level, as stored on the round."""
        return {
            LeaderBallot.Level.GOOD: self.score_good,
            LeaderBallot.Level.FAIRLY_GOOD: self.score_fairly_good,
            LeaderBallot.Level.AVERAGE: self.score_average,
            LeaderBallot.Level.POOR: self.score_poor,
        }

    @property
    def is_vote(self) -> bool:
        return self.method == self.Method.VOTE

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "plan")


class LeaderRater(TimestampedModel):
    """A leader's ballot sheet in a round: the units they rate and whether they submitted."""

    round = models.ForeignKey(
        LeaderRatingRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="raters",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="leader_sheets",
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("units rated"), related_name="+", blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("leader rater")
        verbose_name_plural = _("leader raters")
        ordering = ["round", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="leader_rater_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.user}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "round__plan")


class LeaderBallot(TimestampedModel):
    """One leader's rating of one unit: a score (0–100) or a vote level, with a comment."""

    class Level(models.TextChoices):
        GOOD = "good", _("Good")
        FAIRLY_GOOD = "fairly_good", _("Fairly good")
        AVERAGE = "average", _("Average")
        POOR = "poor", _("Poor")

    round = models.ForeignKey(
        LeaderRatingRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="ballots",
    )
    rater = models.ForeignKey(
        LeaderRater, verbose_name=_("rater"), on_delete=models.CASCADE, related_name="ballots"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="leader_ballots"
    )
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    level = models.CharField(_("vote"), max_length=12, choices=Level.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("leader ballot")
        verbose_name_plural = _("leader ballots")
        ordering = ["round", "rater", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["rater", "unit"], name="leader_ballot_once_per_unit"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="leader_ballot_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rater} · {self.unit}"

    @property
    def is_rated(self) -> bool:
        return self.score is not None or bool(self.level)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "round__plan")


class LeaderRatingResult(models.Model):
    """A unit's frozen leader-evaluation result, written once when its round closes."""

    round = models.ForeignKey(
        LeaderRatingRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="leader_results"
    )
    score = models.DecimalField(_("score"), max_digits=14, decimal_places=10, null=True, blank=True)
    valid_ballots = models.PositiveIntegerField(_("valid ballots"), default=0)
    trimmed = models.BooleanField(_("highest and lowest dropped"), default=False)
    dropped = models.JSONField(_("dropped ballots"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("leader rating result")
        verbose_name_plural = _("leader rating results")
        ordering = ["round", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="leader_result_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}: {self.score}"

    @property
    def counted_ballots(self) -> int:
        return self.valid_ballots - len(self.dropped)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        q = _office_q(scope, "round__plan")
        if Role.LEADER in scope.roles:
            q |= Q(round__status=LeaderRatingRound.Status.CLOSED) & scope.units_q("unit")
        return q
