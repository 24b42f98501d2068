"""Pages of the appraisal app."""

from django.urls import URLPattern

app_name = "appraisal"

urlpatterns: list[URLPattern] = []
