"""Public appraisal pages (/surveys/): projects, questionnaires, lists, draws, calls, results.

Each area's view module lists its own URL patterns; they share the `surveys` namespace.
"""

from django.urls import path

from kaoping.surveys import views
from kaoping.surveys.views import calls, frames, projects, results, sampling

app_name = "surveys"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    *projects.urlpatterns,
    *frames.urlpatterns,
    *sampling.urlpatterns,
    *calls.urlpatterns,
    *results.urlpatterns,
]
