from kaoping.tracking.views import dashboards, imports, reports, supervision, tasks

app_name = "tracking"

urlpatterns = [
    *reports.urlpatterns,
    *tasks.urlpatterns,
    *supervision.urlpatterns,
    *dashboards.urlpatterns,
    *imports.urlpatterns,
]
