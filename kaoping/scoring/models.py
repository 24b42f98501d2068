"""Scoring: versioned score runs with their explained lines, and the office's inputs to them.

A ScoreRun records the plan version it used (`plan_snapshot`) and the inputs it read
(`inputs`), so every figure can be explained and recomputed. A published official run is
immutable: services refuse changes and the models refuse save and delete (see `_guard`).
Vetoes, adjustments, tie decisions and component scores are the office's inputs, each
audited by the services that write them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaoping.core.errors import ApplicationError
from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope, ScopedQuerySet
from kaoping.org.models import Person, Role, Unit
from kaoping.plans.models import Indicator, Plan, UnitGroup

# Roles that may read published official results (each within its data scope).
_RESULT_READERS = frozenset(
    {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD, Role.REPORTER}
)


class PublishedRunError(ApplicationError):
    """A published official run (or one of its lines) cannot be changed or deleted."""

    status_code = 409


def _published_refusal() -> PublishedRunError:
    return PublishedRunError(gettext("A published official score run cannot be changed."))


def _nothing() -> Q:
    return Q(pk__in=[])


def _office_or_published(scope: DataScope, run: str, unit: str) -> Q:
    """Rows the office sees in its whole scope; other readers only published official runs
    of units in their scope (deny by default)."""
    if scope.everything:
        return Q()
    if not scope.roles & _RESULT_READERS:
        return _nothing()
    published = Q(
        **{f"{run}status": ScoreRun.Status.PUBLISHED, f"{run}kind": ScoreRun.Kind.OFFICIAL}
    ) & scope.units_q(unit)
    if Role.OFFICE in scope.roles:
        return Q(**{f"{run}plan__owner__in": scope.unit_ids}) | published
    return published


def _office_only(scope: DataScope, lookup: str) -> Q:
    if scope.everything:
        return Q()
    if Role.OFFICE not in scope.roles:
        return _nothing()
    return scope.units_q(lookup)


class ScoreRunQuerySet(ScopedQuerySet):
    """Bulk updates and deletes refuse published runs too (not only `save`)."""

    def update(self, **kwargs: Any) -> int:
        allowed = {"superseded_by", "superseded_by_id", "superseded_at", "supersede_reason"}
        if set(kwargs) - allowed and self.filter(status=ScoreRun.Status.PUBLISHED).exists():
            raise _published_refusal()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=ScoreRun.Status.PUBLISHED).exists():
            raise _published_refusal()
        return super().delete()


class RunPartQuerySet(ScopedQuerySet):
    """Lines of a published run are as immutable as the run."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(run__status=ScoreRun.Status.PUBLISHED).exists():
            raise _published_refusal()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(run__status=ScoreRun.Status.PUBLISHED).exists():
            raise _published_refusal()
        return super().delete()


class ScoreRun(TimestampedModel):
    """A versioned scoring computation of a plan (考评结果): official or what-if."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        WHAT_IF = "what_if", _("What-if")

    class Status(models.TextChoices):
        COMPUTING = "computing", _("Computing")
        DONE = "done", _("Computed (draft)")
        FAILED = "failed", _("Failed")
        PUBLISHED = "published", _("Published")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="score_runs"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OFFICIAL)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.COMPUTING
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    as_of_period = models.CharField(
        _("figures as of"),
        max_length=8,
        help_text=_("Which approved figures were used: 2022, 2022Q3 or 2022-09."),
    )
    plan_snapshot = models.JSONField(_("plan version used"), default=dict, blank=True)
    plan_hash = models.CharField(_("plan version hash"), max_length=64, blank=True)
    inputs = models.JSONField(_("inputs used"), default=dict, blank=True)
    inputs_hash = models.CharField(_("inputs hash"), max_length=64, blank=True)
    overrides = models.JSONField(_("what-if changes"), default=dict, blank=True)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="what_ifs",
    )
    error = models.TextField(_("error"), blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    publish_reason = models.TextField(_("reason for publishing anew"), blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    supersede_reason = models.TextField(_("reason it was superseded"), blank=True)

    objects = ScoreRunQuerySet.as_manager()

    # The only fields that may change on a published run: being superseded by a newer one.
    SUPERSEDE_FIELDS = frozenset({"superseded_by", "superseded_at", "supersede_reason"})

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(kind="official", status="published", superseded_by__isnull=True),
                name="score_run_one_current_published",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.plan} · {self.get_kind_display()} #{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_current(self) -> bool:
        """The plan's official result in force (published, not superseded)."""
        return self.is_published and self.superseded_by_id is None

    def _stored_status(self) -> str | None:
        if self._state.adding or self.pk is None:
            return None
        return (
            type(self)._default_manager.filter(pk=self.pk).values_list("status", flat=True).first()
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_status() == self.Status.PUBLISHED:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - self.SUPERSEDE_FIELDS - {"updated_at"}:
                raise _published_refusal()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_status() == self.Status.PUBLISHED:
            raise _published_refusal()
        return super().delete(*args, **kwargs)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        if scope.everything:
            return Q()
        if not scope.roles & _RESULT_READERS:
            return _nothing()
        published = Q(status=cls.Status.PUBLISHED, kind=cls.Kind.OFFICIAL) & scope.context_q(
            "plan__owner"
        )
        if Role.OFFICE in scope.roles:
            return Q(plan__owner__in=scope.unit_ids) | published
        return published


class _RunPart(models.Model):
    """A row belonging to a run: immutable once the run is published."""

    objects = RunPartQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._run_published():
            raise _published_refusal()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._run_published():
            raise _published_refusal()
        return super().delete(*args, **kwargs)

    def _run_published(self) -> bool:
        run_id = getattr(self, "run_id", None)
        return (
            run_id is not None
            and ScoreRun.objects.filter(pk=run_id, status=ScoreRun.Status.PUBLISHED).exists()
        )


class UnitResult(_RunPart):
    """A unit's composite result in a run: components, score, grade, rank, veto, change."""

    run = models.ForeignKey(
        ScoreRun, verbose_name=_("score run"), on_delete=models.CASCADE, related_name="results"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="score_results"
    )
    group = models.ForeignKey(
        UnitGroup,
        verbose_name=_("unit group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group_name = models.CharField(_("unit group"), max_length=100, blank=True)
    indicators_points = models.DecimalField(
        _("indicator points"), max_digits=14, decimal_places=6, null=True
    )
    indicators = models.DecimalField(
        _("indicator assessment (of 100)"), max_digits=14, decimal_places=6, null=True
    )
    public_appraisal = models.DecimalField(
        _("public appraisal"), max_digits=14, decimal_places=6, null=True
    )
    leader_evaluation = models.DecimalField(
        _("leader evaluation"), max_digits=14, decimal_places=6, null=True
    )
    bonus = models.DecimalField(_("bonus"), max_digits=14, decimal_places=6, default=Decimal(0))
    penalty = models.DecimalField(_("penalty"), max_digits=14, decimal_places=6, default=Decimal(0))
    deductions = models.DecimalField(
        _("deductions"), max_digits=14, decimal_places=6, default=Decimal(0)
    )
    composite = models.DecimalField(
        _("composite score"), max_digits=14, decimal_places=6, null=True
    )
    failed = models.BooleanField(_("not scored"), default=False)
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    veto_reason = models.TextField(_("veto reason"), blank=True)
    score_change = models.DecimalField(
        _("change in score"), max_digits=14, decimal_places=6, null=True
    )
    rank_change = models.IntegerField(_("change in rank"), null=True)
    points_lost = models.DecimalField(
        _("provincial points lost"), max_digits=14, decimal_places=6, default=Decimal(0)
    )
    components_missing = models.JSONField(_("missing components"), default=list, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)

    class Meta:
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")
        ordering = ["run", "group_name", "rank", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="unit_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.composite}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_or_published(scope, "run__", "unit")


class ScoreLine(_RunPart):
    """A unit's score on one node of the indicator tree, with why (the explanation)."""

    run = models.ForeignKey(
        ScoreRun, verbose_name=_("score run"), on_delete=models.CASCADE, related_name="lines"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="score_lines"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=4, default=Decimal(0))
    score = models.DecimalField(_("score"), max_digits=14, decimal_places=6, null=True)
    status = models.CharField(_("status"), max_length=24, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)

    class Meta:
        verbose_name = _("score line")
        verbose_name_plural = _("score lines")
        ordering = ["run", "unit", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit", "indicator"], name="score_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator.code} · {self.score}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_or_published(scope, "run__", "unit")


class PointsLost(_RunPart):
    """Provincial points the county lost on an indicator, attributed to the lead unit (by its
    share) and its responsible leader (谁丢分谁负责)."""

    run = models.ForeignKey(
        ScoreRun, verbose_name=_("score run"), on_delete=models.CASCADE, related_name="points_lost"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: deductions not tied to an indicator."),
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Person,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4, default=Decimal(1))
    score_shortfall = models.DecimalField(
        _("points short of full marks"), max_digits=14, decimal_places=6, default=Decimal(0)
    )
    deductions = models.DecimalField(
        _("deductions"), max_digits=14, decimal_places=6, default=Decimal(0)
    )
    points = models.DecimalField(_("points lost"), max_digits=14, decimal_places=6)

    class Meta:
        verbose_name = _("points lost")
        verbose_name_plural = _("points lost")
        ordering = ["run", "-points", "indicator__order"]

    def __str__(self) -> str:
        code = self.indicator.code if self.indicator else "—"
        return f"{code} · {self.lead_unit} · {self.points}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_or_published(scope, "run__", "lead_unit")


class ComponentScore(TimestampedModel):
    """A unit's score on a composite component entered by the office (e.g. the provincial
    survey centre's public-appraisal result), until the survey app supplies it."""

    class Component(models.TextChoices):
        PUBLIC_APPRAISAL = "public_appraisal", _("Public appraisal")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="component_scores"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="component_scores"
    )
    component = models.CharField(
        _("component"),
        max_length=20,
        choices=Component.choices,
        default=Component.PUBLIC_APPRAISAL,
    )
    score = models.DecimalField(
        _("score"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("Where the figure comes from, e.g. the survey centre's 2022 appraisal."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("component score")
        verbose_name_plural = _("component scores")
        ordering = ["plan", "component", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit", "component"], name="component_score_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_component_display()} · {self.score}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_only(scope, "unit")


class Veto(TimestampedModel):
    """A one-vote veto (一票否决) of a unit under one of the plan's veto conditions:
    proposed, then approved by another office user; only approved vetoes count."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="vetoes"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="vetoes"
    )
    condition = models.CharField(
        _("veto condition"), max_length=60, help_text=_("The code of one of the plan's veto rules.")
    )
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("veto")
        verbose_name_plural = _("vetoes")
        ordering = ["plan", "unit__path", "-created_at"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.condition}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_only(scope, "unit")


class ScoreAdjustment(TimestampedModel):
    """A composite bonus (加分) or penalty (减分) item for a unit, counted once approved."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("Bonus")
        PENALTY = "penalty", _("Penalty")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="score_adjustments"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="score_adjustments"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    points = models.DecimalField(
        _("points"),
        max_digits=8,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal(100))],
    )
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("evidence or reference"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("score adjustment")
        verbose_name_plural = _("score adjustments")
        ordering = ["plan", "unit__path", "-created_at"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()} {self.points}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_only(scope, "unit")


class TieDecision(TimestampedModel):
    """The office's recorded decision on a tie at a quota line (lower order ranks first)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="tie_decisions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tie_decisions"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tie decision")
        verbose_name_plural = _("tie decisions")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="tie_decision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.order}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_only(scope, "unit")
