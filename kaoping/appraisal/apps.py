from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "kaoping.appraisal"
    label = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from kaoping.appraisal import models

        # Row-level change records (read by the audit administrator only).
        auditlog.register(models.LeaderRatingRound)
        auditlog.register(models.LeaderRater, m2m_fields={"units"})
        auditlog.register(models.LeaderBallot)
        auditlog.register(models.LeaderRatingResult)
