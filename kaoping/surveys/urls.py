"""Public appraisal pages (/surveys/): projects, questionnaires, lists, draws, calls, results."""

from django.urls import path

from kaoping.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.project_list, name="project_list"),
]
