"""The public progress pages (/public/), served without signing in."""

from django.urls import URLPattern, path

from kaoping.public import views

app_name = "public"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
