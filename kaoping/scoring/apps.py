from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "kaoping.scoring"
    label = "scoring"
    verbose_name = _("Scoring")
