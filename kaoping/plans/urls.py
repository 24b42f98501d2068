from django.urls import path

from kaoping.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("manage/", views.plan_list, name="plan_list"),
]
