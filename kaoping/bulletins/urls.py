"""Bulletin pages (/bulletins/)."""

from django.urls import URLPattern, path

from kaoping.bulletins import views

app_name = "bulletins"

urlpatterns: list[URLPattern] = [
    path("", views.bulletin_list, name="list"),
    path("generate/", views.bulletin_generate, name="generate"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/toggle/", views.schedule_toggle, name="schedule_toggle"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("<int:pk>/", views.bulletin_detail, name="detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="edit"),
    path("<int:pk>/issue/", views.bulletin_issue, name="issue"),
    path("<int:pk>/delete/", views.bulletin_discard, name="discard"),
    path("<int:pk>/download/<str:fmt>/", views.bulletin_download, name="download"),
]
