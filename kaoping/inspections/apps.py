from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "kaoping.inspections"
    label = "inspections"
    verbose_name = _("Inspections and rectification")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # run_huey autoloads only modules named "tasks": importing jobs registers ours.
        import kaoping.inspections.jobs  # noqa: F401
        from kaoping.inspections import models

        for model in (
            models.InspectionRound,
            models.Finding,
            models.FindingEvidence,
            models.DeductionRule,
            models.Deduction,
            models.Appeal,
            models.Rectification,
            models.RectificationProgress,
            models.RectificationCheck,
        ):
            auditlog.register(model)
