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

        # The dashboards' data versions: the model lives with its cache (kaoping.tracking.cache)
        # and registers on import; every write that changes a dashboard bumps it.
        signals.connect()

        auditlog.register(models.Task)
        auditlog.register(models.Milestone)
        auditlog.register(models.ProgressReport)
        auditlog.register(models.Evidence)
        auditlog.register(models.SupervisionNotice)
        auditlog.register(models.Explanation)
        auditlog.register(models.Review)
        auditlog.register(models.Holiday)
