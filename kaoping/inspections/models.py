"""Inspections (察访核验): rounds, findings with evidence, deductions (扣分) and their caps,
appeals (申诉), and rectifications (整改) followed to verified closure (销号).

A round belongs to a plan. In a provincial round the province inspects the county: every
finding is on the county itself and its deductions come off the county's provincial score,
attributed to the department and leader answering for the indicator (谁主管谁负责,
谁丢分谁负责). In a county round the county inspects its towns and departments.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope, ScopedQuerySet
from kaoping.org.models import Person, Unit
from kaoping.plans.models import Indicator, Plan

Category = Indicator.Category


def _finding_units_q(scope: DataScope, prefix: str) -> Q:
    """The finding's inspected unit or its responsible unit is in scope."""
    return scope.units_q(f"{prefix}unit") | scope.units_q(f"{prefix}responsible_unit")


class InspectionRound(TimestampedModel):
    """One 察访核验 round of a plan: who inspects whom, which period, and its state."""

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("Province inspects the county")
        COUNTY = "county", _("County inspects towns and departments")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="inspection_rounds"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    period_start = models.DateField(_("inspected from"))
    period_end = models.DateField(_("inspected until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    appeal_days = models.PositiveSmallIntegerField(
        _("appeal window (calendar days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Days after a deduction is confirmed in which the unit may appeal."),
    )
    description = models.TextField(_("description"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-period_end", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="inspection_round_unique_code"),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="inspection_round_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        # A round is shared context (like its plan); its findings are scoped by unit.
        return scope.context_q("plan__owner")


class Finding(TimestampedModel):
    """A problem an inspection found at a unit (问题), with who answers for it."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        GENERAL = "general", _("General")
        SERIOUS = "serious", _("Serious")

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("inspection round"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("inspected unit"),
        on_delete=models.PROTECT,
        related_name="inspection_findings",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_findings",
    )
    title = models.CharField(pgettext_lazy("inspection finding", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    found_on = models.DateField(_("found on"))
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_findings_answered",
    )
    responsible_leader = models.ForeignKey(
        Person,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_findings_led",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = pgettext_lazy("inspection finding", "findings")
        ordering = ["-found_on", "-pk"]
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.title}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "")


def finding_evidence_path(instance: FindingEvidence, filename: str) -> str:
    """Stored by content hash under its own folder (tracking's clean-up never touches it)."""
    return f"inspections/{instance.sha256[:2]}/{instance.sha256}"


class FindingEvidence(models.Model):
    """A file backing a finding, an appeal or a rectification, type-checked by its content."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="evidence"
    )
    appeal = models.ForeignKey(
        "Appeal",
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    rectification = models.ForeignKey(
        "Rectification",
        verbose_name=_("rectification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=finding_evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection evidence")
        verbose_name_plural = _("inspection evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "finding__")


class DeductionRule(TimestampedModel):
    """A plan's deduction rule for an indicator or a category: points per item and a cap."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="deduction_rules"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deduction_rules",
    )
    category = models.CharField(
        _("category"),
        max_length=12,
        choices=Category.choices,
        blank=True,
        help_text=_("For deductions not tied to an indicator, or any in the category."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    points_per_item = models.DecimalField(
        _("points per item"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cap = models.DecimalField(
        _("cap (most points deducted)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("deduction rule")
        verbose_name_plural = _("deduction rules")
        ordering = ["plan", "indicator__order", "category"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(indicator__isnull=False) & Q(category=""))
                | (Q(indicator__isnull=True) & ~Q(category="")),
                name="deduction_rule_indicator_or_category",
            ),
            models.UniqueConstraint(
                fields=["plan", "indicator"],
                condition=Q(indicator__isnull=False),
                name="deduction_rule_once_per_indicator",
            ),
            models.UniqueConstraint(
                fields=["plan", "category"],
                condition=Q(indicator__isnull=True),
                name="deduction_rule_once_per_category",
            ),
        ]

    def __str__(self) -> str:
        target = str(self.indicator) if self.indicator_id else self.get_category_display()
        return self.name or str(target)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.context_q("plan__owner")


class Deduction(TimestampedModel):
    """Points a finding takes off a unit (扣分): proposed, confirmed, possibly appealed.

    `effective_points` is what counts after an appeal ruling (0 when withdrawn).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        APPEALED = "appealed", _("Under appeal")
        WITHDRAWN = "withdrawn", _("Withdrawn on appeal")
        REDUCED = "reduced", _("Reduced on appeal")

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="deductions"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit losing the points"),
        on_delete=models.PROTECT,
        related_name="inspection_deductions",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_deductions",
        help_text=_("Empty: the points come off the executive-capacity category."),
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    rule = models.ForeignKey(
        DeductionRule,
        verbose_name=_("deduction rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deductions",
    )
    points = models.DecimalField(
        _("points"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    effective_points = models.DecimalField(_("points after appeal"), max_digits=8, decimal_places=2)
    reason = models.TextField(_("rule and reason"))
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_deductions_answered",
    )
    responsible_leader = models.ForeignKey(
        Person,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_deductions_led",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("deduction")
        verbose_name_plural = _("deductions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.unit} −{self.points} · {self.finding.title}"

    @property
    def appeal_deadline(self) -> date | None:
        """The last day an appeal may be filed (inclusive), once confirmed."""
        if self.confirmed_on is None:
            return None
        return self.confirmed_on + timedelta(days=self.finding.round.appeal_days)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "finding__") | scope.units_q("responsible_unit")


class Appeal(TimestampedModel):
    """A unit's appeal (申诉) against a confirmed deduction, and the office's ruling."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPHELD = "upheld", _("Upheld: deduction withdrawn")
        PARTLY_UPHELD = "partly_upheld", _("Partly upheld: points reduced")
        REJECTED = "rejected", _("Rejected: deduction stands")

    deduction = models.OneToOneField(
        Deduction, verbose_name=_("deduction"), on_delete=models.PROTECT, related_name="appeal"
    )
    reasons = models.TextField(_("reasons"))
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_on = models.DateField(_("filed on"))
    ruling_reason = models.TextField(_("reason for the ruling"), blank=True)
    points_after = models.DecimalField(
        _("points after the ruling"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ruled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ruled_on = models.DateField(_("ruled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.deduction.unit} · {self.get_status_display()}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "deduction__finding__") | scope.units_q(
            "deduction__responsible_unit"
        )


class Rectification(TimestampedModel):
    """Fixing a finding (整改): a plan, a responsible person and a deadline, progress, then
    re-verification by the inspectors and closure (销号) by the office."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted for verification")
        RETURNED = "returned", _("Returned after verification")
        VERIFIED = "verified", _("Verified")
        CLOSED = "closed", _("Closed (销号)")

    class Level(models.TextChoices):
        NONE = "", _("Not escalated")
        BLUE = "blue", _("Blue notice")
        YELLOW = "yellow", _("Yellow notice")
        RED = "red", _("Red notice")

    finding = models.OneToOneField(
        Finding,
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        related_name="rectification",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("rectifying unit"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    plan_text = models.TextField(_("rectification plan"))
    responsible_person = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    percent = models.PositiveSmallIntegerField(
        _("percent done"), default=0, validators=[MaxValueValidator(100)]
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.CharField(
        _("escalation"), max_length=8, choices=Level.choices, default=Level.NONE, blank=True
    )
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)

    ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.RETURNED)
    DONE_STATUSES = (Status.VERIFIED, Status.CLOSED)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.finding.title}"

    def is_overdue(self, today: date) -> bool:
        """Past its deadline while the unit still works on it."""
        return self.status in self.ACTIVE_STATUSES and self.deadline < today

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "finding__") | scope.units_q("unit")


class RectificationProgress(models.Model):
    """A dated progress entry of a rectification: what was done, how far along."""

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification"),
        on_delete=models.CASCADE,
        related_name="progress",
    )
    on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent done"), validators=[MaxValueValidator(100)]
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification progress")
        verbose_name_plural = _("rectification progress")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.on} · {self.percent}%"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "rectification__finding__") | scope.units_q(
            "rectification__unit"
        )


class RectificationCheck(models.Model):
    """A re-verification (复核) of a submitted rectification by an inspector or the office."""

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed: verified")
        FAILED = "failed", _("Failed: returned to the unit")

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification"),
        on_delete=models.CASCADE,
        related_name="checks",
    )
    checked_on = models.DateField(_("checked on"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.TextField(_("note"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification check")
        verbose_name_plural = _("rectification checks")
        ordering = ["checked_on", "pk"]

    def __str__(self) -> str:
        return f"{self.checked_on} · {self.get_result_display()}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _finding_units_q(scope, "rectification__finding__") | scope.units_q(
            "rectification__unit"
        )
