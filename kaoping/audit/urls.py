from django.urls import path

from kaoping.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("changes/", views.change_list, name="change_list"),
]
