"""Pages of the scoring app."""

from django.urls import URLPattern

app_name = "scoring"

urlpatterns: list[URLPattern] = []
