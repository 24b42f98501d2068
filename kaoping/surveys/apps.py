from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kaoping.surveys"
    label = "surveys"
    verbose_name = _("Public appraisal")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # run_huey autoloads only modules named "tasks": importing jobs registers ours.
        import kaoping.surveys.jobs  # noqa: F401
        from kaoping.surveys import models

        # Row-level change records (read by the audit administrator only). Encrypted personal
        # data never goes into the change log: only the masks do.
        pii = ["name_encrypted", "phone_encrypted", "phone_hash"]
        auditlog.register(models.SurveyProject, m2m_fields={"units"})
        auditlog.register(models.ProjectStaff)
        auditlog.register(models.Questionnaire)
        auditlog.register(models.Question)
        auditlog.register(models.OptionSet)
        auditlog.register(models.Frame)
        auditlog.register(models.Respondent, exclude_fields=pii)
        auditlog.register(models.SampleDraw)
        auditlog.register(models.Case)
        auditlog.register(models.CallAttempt)
        auditlog.register(models.Interview)
        auditlog.register(models.Answer)
        auditlog.register(models.SurveyResult)
