"""Bulletin pages (/bulletins/)."""

from django.urls import URLPattern

app_name = "bulletins"

urlpatterns: list[URLPattern] = []
