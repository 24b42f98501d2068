from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "kaoping.scoring"
    label = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # run_huey autoloads only modules named "tasks": importing jobs registers ours.
        import kaoping.scoring.jobs  # noqa: F401
        from kaoping.scoring import models

        auditlog.register(models.ScoreRun, exclude_fields=["inputs", "plan_snapshot"])
        auditlog.register(models.ComponentScore)
        auditlog.register(models.Veto)
        auditlog.register(models.ScoreAdjustment)
        auditlog.register(models.TieDecision)
