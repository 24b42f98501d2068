"""Progress bulletins (进度通报) and the schedules that draft them.

A Bulletin is generated for a plan and a period as a draft the office edits; issuing renders
its Word, PDF and Excel files, archives them with their SHA-256, and freezes it. An issued
bulletin is immutable: services refuse changes, and so do `save`, `delete` and the
queryset's `update` and `delete` (as for a published ScoreRun in kaoping.scoring.models).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kaoping.core.errors import ApplicationError
from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope, ScopedQuerySet
from kaoping.org.models import Role
from kaoping.plans.models import Plan

# Roles that read issued bulletins (each for the plans in their scope); drafts are the office's.
_ISSUED_READERS = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.UNIT_HEAD})


class IssuedBulletinError(ApplicationError):
    """An issued bulletin (or its archived files) cannot be changed or deleted."""

    status_code = 409


def issued_refusal() -> IssuedBulletinError:
    return IssuedBulletinError(gettext("An issued bulletin cannot be changed."))


class BulletinQuerySet(ScopedQuerySet):
    """Bulk updates and deletes refuse issued bulletins too (not only `save`)."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=Bulletin.Status.ISSUED).exists():
            raise issued_refusal()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=Bulletin.Status.ISSUED).exists():
            raise issued_refusal()
        return super().delete()


def _archive_path(instance: Bulletin, filename: str) -> str:
    return f"bulletins/{instance.plan_id}/{instance.pk}/{filename}"


class Bulletin(TimestampedModel):
    """A progress bulletin (进度通报) of a plan at a period: generated, edited, issued."""

    class Status(models.TextChoices):
        GENERATING = "generating", _("Generating")
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", pgettext_lazy("bulletin status", "Issued")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="bulletins"
    )
    period = models.CharField(
        _("period"), max_length=8, help_text=_("A quarter or a month: 2022Q3 or 2022-10.")
    )
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(
        _("document number"), max_length=60, blank=True, help_text=_("E.g. 示绩办〔2022〕12号.")
    )
    issuing_body = models.CharField(
        _("issuing body"), max_length=60, help_text=_("The red header line of the document.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.GENERATING
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    progress_message = models.CharField(_("progress message"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    sections = models.JSONField(_("sections"), default=list, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    schedule = models.ForeignKey(
        "BulletinSchedule",
        verbose_name=_("schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bulletins",
    )
    docx_file = models.FileField(_("Word file"), upload_to=_archive_path, blank=True)
    pdf_file = models.FileField(_("PDF file"), upload_to=_archive_path, blank=True)
    xlsx_file = models.FileField(_("Excel file"), upload_to=_archive_path, blank=True)
    file_hashes = models.JSONField(_("file hashes (SHA-256)"), default=dict, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A schedule drafts one bulletin per period, even if the job runs twice.
            models.UniqueConstraint(
                fields=["schedule", "period"],
                condition=Q(schedule__isnull=False),
                name="bulletin_once_per_schedule_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.plan} · {self.period}"

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def _stored_status(self) -> str | None:
        if self._state.adding or self.pk is None:
            return None
        return (
            type(self)._default_manager.filter(pk=self.pk).values_list("status", flat=True).first()
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_status() == self.Status.ISSUED:
            raise issued_refusal()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_status() == self.Status.ISSUED:
            raise issued_refusal()
        return super().delete(*args, **kwargs)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        """The office: every bulletin of the plans its units own; other readers: issued
        bulletins of plans owned by a unit in their scope or above it (deny by default)."""
        if scope.everything:
            return Q()
        if not scope.roles & _ISSUED_READERS:
            return Q(pk__in=[])
        issued = Q(status=cls.Status.ISSUED) & scope.context_q("plan__owner")
        if Role.OFFICE in scope.roles:
            return Q(plan__owner__in=scope.unit_ids) | issued
        return issued


class BulletinSchedule(TimestampedModel):
    """Draft a plan's bulletin every month or quarter on a day of the month (定期通报)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="bulletin_schedules"
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"),
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1–28: the draft of the period just ended is made on this day."),
    )
    period_kind = models.CharField(
        _("period kind"), max_length=10, choices=Kind.choices, default=Kind.MONTHLY
    )
    active = models.BooleanField(_("active"), default=True)
    last_run_on = models.DateField(_("last run on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulletin schedule")
        verbose_name_plural = _("bulletin schedules")
        ordering = ["plan", "period_kind", "day_of_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "period_kind"], name="bulletin_schedule_one_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=28),
                name="bulletin_schedule_day_1_28",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_period_kind_display()} · {self.day_of_month}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        """Schedules are the office's, for the plans its units own."""
        if scope.everything:
            return Q()
        if Role.OFFICE not in scope.roles:
            return Q(pk__in=[])
        return Q(plan__owner__in=scope.unit_ids)
