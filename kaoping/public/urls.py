"""The public progress pages (/public/), served without signing in."""

from django.urls import URLPattern

app_name = "public"

urlpatterns: list[URLPattern] = []
