from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "kaoping.bulletins"
    label = "bulletins"
    verbose_name = _("Bulletins")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # run_huey autoloads only modules named "tasks": importing jobs registers ours.
        import kaoping.bulletins.jobs  # noqa: F401
        from kaoping.bulletins import models

        auditlog.register(models.Bulletin, exclude_fields=["sections", "progress_message"])
        auditlog.register(models.BulletinSchedule)
