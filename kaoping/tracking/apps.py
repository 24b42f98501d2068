from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "kaoping.tracking"
    label = "tracking"
    verbose_name = _("Tracking and supervision")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # run_huey autoloads only modules named "tasks": importing jobs registers ours.
        import kaoping.tracking.jobs  # noqa: F401
        from kaoping.tracking import models, signals

        # The data versions (kaoping.core.versions, imported by the signals' module, which
        # registers the model): every write that changes a dashboard or a scope bumps one.
        signals.connect()

        auditlog.register(models.Task)
        auditlog.register(models.Milestone)
        auditlog.register(models.ProgressReport)
        auditlog.register(models.Evidence)
        auditlog.register(models.SupervisionNotice)
        auditlog.register(models.Explanation)
        auditlog.register(models.Review)
        auditlog.register(models.Holiday)
