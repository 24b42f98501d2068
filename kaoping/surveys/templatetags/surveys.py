"""Template filters of the survey pages."""

from django import template

from kaoping.surveys.models import stratum_label

register = template.Library()

register.filter("stratum_label", stratum_label)
