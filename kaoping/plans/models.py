"""The indicator plan of a cycle: groups, the indicator tree, targets and assignments."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope
from kaoping.org.models import Person, Unit


class Cycle(TimestampedModel):
    """One evaluation year (考评年度)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2200)]
    )
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.name or str(_("%(year)d evaluation year") % {"year": self.year})

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return Q()


class Plan(TimestampedModel):
    """The rules of a cycle for one owner (考评方案): components, weights, grades, veto."""

    class Kind(models.TextChoices):
        PROVINCIAL = "provincial", _("Provincial indicators for the county")
        COUNTY = "county", _("County evaluation of towns and departments")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class MissingComponent(models.TextChoices):
        RENORMALISE = "renormalise", _("Re-normalise the other components")
        FAIL = "fail", _("Refuse to score")

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="plans"
    )
    owner = models.ForeignKey(
        Unit,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plans",
        help_text=_("The unit whose plan this is (e.g. the county)."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    weight_indicators = models.DecimalField(
        _("weight of indicator assessment"), max_digits=5, decimal_places=4, default=Decimal("0.6")
    )
    weight_public = models.DecimalField(
        _("weight of public appraisal"), max_digits=5, decimal_places=4, default=Decimal("0.3")
    )
    weight_leader = models.DecimalField(
        _("weight of leader evaluation"), max_digits=5, decimal_places=4, default=Decimal("0.1")
    )
    missing_component = models.CharField(
        _("when a component is missing"),
        max_length=12,
        choices=MissingComponent.choices,
        default=MissingComponent.RENORMALISE,
    )
    grade_rules = models.JSONField(_("grade rules"), default=list, blank=True)
    veto_rules = models.JSONField(_("veto rules"), default=list, blank=True)
    status_rule = models.JSONField(_("early-warning rule"), default=dict, blank=True)
    points_total = models.DecimalField(
        _("total points"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("If set, the top level must add up to it."),
    )
    format_version = models.PositiveSmallIntegerField(_("plan file format version"), default=1)
    source_sha256 = models.CharField(_("source file SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-cycle__year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "owner", "code"], name="plan_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.context_q("owner")


class UnitGroup(TimestampedModel):
    """Units ranked together (考评组别: 乡镇组, 部门组…)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="groups"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    units = models.ManyToManyField(
        Unit, verbose_name=_("units"), related_name="unit_groups", blank=True
    )

    class Meta:
        verbose_name = _("unit group")
        verbose_name_plural = _("unit groups")
        ordering = ["plan", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="group_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.context_q("plan__owner")


class Indicator(TimestampedModel):
    """A node of the indicator tree: a category, an indicator or a sub-indicator (4 levels)."""

    class Category(models.TextChoices):
        ECONOMIC = "economic", _("Economic development")
        SOCIAL = "social", _("Social development")
        ECOLOGICAL = "ecological", _("Ecological development")
        SPECIAL = "special", _("Distinctive work")
        TEMPORARY = "temporary", _("Major temporary work")
        PARTY = "party", _("Party building")
        EXECUTIVE = "executive", _("Executive capacity")
        BUSINESS = "business", _("Core business")

    class Kind(models.TextChoices):
        QUANTITATIVE = "quantitative", _("Quantitative")
        GROWTH = "growth", _("Growth rate")
        SHARE = "share", _("Share")
        QUALITATIVE = "qualitative", _("Qualitative")
        MILESTONE = "milestone", _("Milestone task")
        DEDUCTION = "deduction", _("Deduction only")
        BONUS = "bonus", _("Bonus")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")
        NONE = "none", _("Not directional")

    class Accumulation(models.TextChoices):
        CUMULATIVE = "cumulative", _("Cumulative from the start of the year")
        POINT = "point", _("Point in time")

    class SourceLevel(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        YEARLY = "yearly", _("Yearly")

    class ScoringRule(models.TextChoices):
        TARGET_COMPLETION = "target_completion", _("Target completion (proportional)")
        THRESHOLD = "threshold", _("Target met or not")
        LINEAR = "linear", _("Linear above and below target")
        EFFICACY = "efficacy", _("Efficacy coefficient")
        RATIO_TO_BEST = "ratio_to_best", _("Ratio to the best peer")
        LOWER_BETTER = "lower_better", _("Lower is better")
        GROWTH_RATE = "growth_rate", _("Growth rate")
        RANKING = "ranking", _("Ranking among peers")
        MILESTONES = "milestones", _("Milestones on time")
        DEDUCTION_ONLY = "deduction_only", _("Deductions only")
        BONUS = "bonus", _("Bonus items")
        SUM_CHILDREN = "sum_children", _("Sum of sub-indicators")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    order = models.PositiveIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.QUANTITATIVE
    )
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    accumulation = models.CharField(
        _("accumulation"),
        max_length=12,
        choices=Accumulation.choices,
        default=Accumulation.CUMULATIVE,
    )
    target = models.DecimalField(
        _("target"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    target_text = models.CharField(_("target (text)"), max_length=500, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, default=Decimal("0"))
    source_level = models.CharField(
        _("source level"), max_length=8, choices=SourceLevel.choices, default=SourceLevel.COUNTY
    )
    scoring_rule = models.CharField(
        _("scoring rule"),
        max_length=20,
        choices=ScoringRule.choices,
        default=ScoringRule.TARGET_COMPLETION,
    )
    scoring_params = models.JSONField(_("scoring parameters"), default=dict, blank=True)
    frequency = models.CharField(
        _("reporting frequency"),
        max_length=12,
        choices=Frequency.choices,
        default=Frequency.QUARTERLY,
    )
    evidence_requirement = models.TextField(_("evidence required"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(_("shown on the public page"), default=False)
    groups = models.ManyToManyField(
        UnitGroup, verbose_name=_("applies to groups"), blank=True, related_name="indicators"
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_unique_code"),
        ]
        indexes = [models.Index(fields=["plan", "parent", "order"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.context_q("plan__owner")


class IndicatorTarget(TimestampedModel):
    """A unit's own target and baseline for an indicator, where it differs per unit."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="unit_targets",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="indicator_targets"
    )
    target = models.DecimalField(
        _("target"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=20, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("unit target")
        verbose_name_plural = _("unit targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit"], name="target_unique_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.unit}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class Assignment(TimestampedModel):
    """Who answers for an indicator (任务分解): lead unit, supporting units, leader, person.

    A key project carries the "四个一" method: one project, one leader in command, one working
    team, followed to the end.
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="assignments"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="lead_assignments"
    )
    supporting_units = models.ManyToManyField(
        Unit, verbose_name=_("supporting units"), blank=True, related_name="supporting_assignments"
    )
    responsible_leader = models.ForeignKey(
        Person,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_assignments",
    )
    responsible_person = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_assignments",
    )
    is_key_project = models.BooleanField(_("key project (四个一)"), default=False)
    work_team = models.CharField(_("working team"), max_length=200, blank=True)
    share = models.DecimalField(
        _("share of the points"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["indicator__order", "lead_unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "lead_unit"], name="assignment_unique_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} → {self.lead_unit}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("lead_unit") | Q(
            pk__in=Assignment.supporting_units.through.objects.filter(scope.units_q("unit")).values(
                "assignment_id"
            )
        )
