"""Base model pieces shared by every app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaoping.core.scope import ScopedQuerySet


class TimestampedModel(models.Model):
    """Creation and modification times, and a version number for optimistic locking."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    row_version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class JobRun(models.Model):
    """One background job's execution record (kaoping.core.jobs): which worker runs it, its
    heartbeat, how many attempts, and how it ended. Lets a job lost with its worker be
    found and queued again, and a job that failed for good be seen."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        RETRYING = "retrying", _("Failed, will retry")
        REQUEUED = "requeued", _("Worker lost, queued again")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=200)
    key = models.CharField(
        _("key"), max_length=100, help_text=_("The queued task's id, or a periodic job's day.")
    )
    args = models.JSONField(_("arguments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    attempts = models.PositiveIntegerField(_("tries"), default=0)
    requeues = models.PositiveIntegerField(_("times queued again"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "key"], name="job_run_once_per_key"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="job_run_state_beat")]

    def __str__(self) -> str:
        return f"{self.name} [{self.key}] {self.state}"
