"""Tracking and supervision: tasks and milestones, progress reports and evidence, alerts,
supervision notices, explanations, 回头看 reviews, notifications and the working calendar."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope
from kaoping.org.models import Person, Unit
from kaoping.plans.models import Assignment, Indicator


class Holiday(models.Model):
    """A day off on a weekday, or a worked weekend day (调休), for working-day arithmetic."""

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(_("working day"), default=False)
    name = models.CharField(_("name"), max_length=50, blank=True)
    source = models.CharField(
        _("source"),
        max_length=10,
        default="office",
        choices=[("official", _("Official calendar")), ("office", _("Entered by the office"))],
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return Q()


class Task(TimestampedModel):
    """A work item of an assignment (任务), with milestones planned back from its deadline."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="tasks"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tasks"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    deadline = models.DateField(_("deadline"))
    owner = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    # The public progress page (/public/, 为民办实事 and other key tasks): only the office
    # marks a task public (kaoping.tracking.services.public), and only what is marked shows.
    is_public = models.BooleanField(
        _("shown on the public progress page"), default=False, db_index=True
    )
    public_summary = models.TextField(
        _("public summary"),
        blank=True,
        help_text=_(
            "What the public reads about the task: plain facts, no names, phone numbers or "
            "internal remarks."
        ),
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class Milestone(TimestampedModel):
    """A dated step of a task (节点): done with evidence, late, or missed."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    working_days = models.PositiveSmallIntegerField(_("working days needed"), default=5)
    due = models.DateField(_("due"))
    started_on = models.DateField(_("started on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["task", "order", "due"]

    def __str__(self) -> str:
        return f"{self.task} · {self.name}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("task__unit")


class ProgressReport(TimestampedModel):
    """A unit's figure, narrative and evidence for one indicator and period (进度报送).

    Values are cumulative from the start of the year unless the indicator is point-in-time.
    Approved figures are locked: a correction is a new version (`version` + 1) with a reason,
    and only one version per indicator, unit and period is current.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNIT_APPROVED = "unit_approved", _("Approved by the unit head")
        APPROVED = "approved", _("Approved by the office")
        RETURNED = "returned", _("Returned")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.CharField(_("period"), max_length=8, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    value = models.DecimalField(
        _("cumulative value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    last_year_value = models.DecimalField(
        _("same period last year"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    narrative = models.TextField(_("progress narrative"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    correction_reason = models.TextField(_("reason for correction"), blank=True)
    returned_reason = models.TextField(_("reason for return"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    unit_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by the unit head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_approved_at = models.DateTimeField(_("unit approval time"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by the office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("office approval time"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=80,
        blank=True,
        help_text=_("web, or the SHA-256 of the imported workbook"),
    )

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["indicator__order", "unit__path", "period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period", "version"], name="report_unique_version"
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"],
                condition=Q(is_current=True),
                name="report_one_current",
            ),
        ]
        indexes = [models.Index(fields=["unit", "period", "status"])]

    def __str__(self) -> str:
        return f"{self.indicator.name} · {self.unit} · {self.period} v{self.version}"

    @property
    def is_locked(self) -> bool:
        """Approved figures never change; a correction is a new version."""
        return self.status == self.Status.APPROVED or not self.is_current

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


def evidence_path(instance: Evidence, filename: str) -> str:
    """Evidence is stored by content hash, never by the uploader's file name."""
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """A file backing a report or a milestone (佐证材料), type-checked by its content."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
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
    # A photo of a public task's milestone the office chose to show on the public page.
    is_public = models.BooleanField(_("public photo"), default=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class TrackingResult(models.Model):
    """The engine's figures for an indicator, unit and period, kept for dashboards.

    Recomputed from approved reports whenever one is approved (tracking.jobs); the source of
    truth stays the reports.
    """

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="tracking_results"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="tracking_results")
    period = models.CharField(max_length=8, db_index=True)
    actual = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    target = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    completion = models.DecimalField(max_digits=12, decimal_places=6, null=True)
    expected_progress = models.DecimalField(max_digits=12, decimal_places=6, null=True)
    expected_method = models.CharField(max_length=16, blank=True)
    gap = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    status = models.CharField(max_length=16, db_index=True)
    yoy_growth = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    yoy_growth_last_year = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    yoy_trend = models.CharField(max_length=16)
    projection = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    projection_method = models.CharField(max_length=16, blank=True)
    will_meet_target = models.BooleanField(null=True)
    report = models.ForeignKey(
        ProgressReport, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tracking result")
        verbose_name_plural = _("tracking results")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"], name="tracking_result_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}·{self.unit_id}·{self.period}: {self.status}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class Alert(models.Model):
    """An early warning (预警): a red item, an overdue milestone, a late report."""

    class Kind(models.TextChoices):
        RED_STATUS = "red_status", _("Behind expected progress")
        OVERDUE_MILESTONE = "overdue_milestone", _("Milestone overdue")
        LATE_REPORT = "late_report", _("Report late")
        EXPLANATION_DUE = "explanation_due", _("Explanation due")
        RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification overdue")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="alerts"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    period = models.CharField(_("period"), max_length=8, blank=True)
    message = models.TextField(_("message"))
    dedupe_key = models.CharField(
        max_length=120,
        unique=True,
        help_text="kind:unit:indicator:milestone:period — one alert each",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class SupervisionNotice(TimestampedModel):
    """A supervision notice (督办单), blue → yellow → red as an item stays red."""

    class Level(models.TextChoices):
        BLUE = "blue", _("Blue notice")
        YELLOW = "yellow", _("Yellow notice")
        RED = "red", _("Red notice")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="notices"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="notices"
    )
    period = models.CharField(_("period"), max_length=8)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    consecutive_red = models.PositiveSmallIntegerField(_("periods red in a row"))
    addressed_to = models.ForeignKey(
        Person,
        verbose_name=_("addressed to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    response = models.TextField(_("response"), blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"], name="notice_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.unit} · {self.indicator.name}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class Explanation(TimestampedModel):
    """A lagging unit's written account to the county (说明情况), accepted or returned."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="explanations",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="explanations"
    )
    period = models.CharField(_("period"), max_length=8)
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    text = models.TextField(_("explanation"), blank=True)
    measures = models.TextField(_("measures to catch up"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("explanation")
        verbose_name_plural = _("explanations")
        ordering = ["-period", "due"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"], name="explanation_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator.name} · {self.period}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class Review(models.Model):
    """A 回头看 re-check of an earlier notice, explanation or rectification."""

    class Result(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        IMPROVING = "improving", _("Improving")
        UNRESOLVED = "unresolved", _("Not resolved")

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reviews"
    )
    notice = models.ForeignKey(
        SupervisionNotice,
        verbose_name=_("notice"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    explanation = models.ForeignKey(
        Explanation,
        verbose_name=_("explanation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    findings = models.TextField(_("what was re-checked and found"))
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)

    class Meta:
        verbose_name = _("re-check (回头看)")
        verbose_name_plural = _("re-checks (回头看)")
        ordering = ["-reviewed_on"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.reviewed_on} · {self.get_result_display()}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("unit")


class Notification(models.Model):
    """An in-app message to one user (also e-mailed when they have an address)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title
