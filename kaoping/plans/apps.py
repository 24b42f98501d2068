from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "kaoping.plans"
    label = "plans"
    verbose_name = _("Indicator plans")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from kaoping.plans import models

        auditlog.register(models.Cycle)
        auditlog.register(models.Plan)
        auditlog.register(models.UnitGroup, m2m_fields={"units"})
        auditlog.register(models.Indicator, m2m_fields={"groups"})
        auditlog.register(models.IndicatorTarget)
        auditlog.register(models.Assignment, m2m_fields={"supporting_units"})
