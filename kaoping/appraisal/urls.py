"""Pages of the appraisal app: leader evaluation (领导评价) under leader/."""

from kaoping.appraisal import views

app_name = "appraisal"

urlpatterns = [*views.urlpatterns]
