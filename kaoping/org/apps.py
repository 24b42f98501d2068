from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "kaoping.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from kaoping.org import models, signals  # noqa: F401  (login/logout audit receivers)

        auditlog.register(models.Region)
        auditlog.register(models.Unit)
        auditlog.register(models.Person, m2m_fields={"portfolio"})
        auditlog.register(
            models.User,
            exclude_fields=["password", "last_login", "password_history"],
        )
        auditlog.register(models.RoleGrant)
