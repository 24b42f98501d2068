"""Pages of the inspections app."""

from django.urls import URLPattern

app_name = "inspections"

urlpatterns: list[URLPattern] = []
