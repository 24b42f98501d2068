from django.urls import path

from kaoping.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("manage/", views.plan_list, name="plan_list"),
    path("manage/new/", views.plan_create, name="plan_create"),
    path("manage/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("manage/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("manage/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("manage/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("manage/indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("manage/indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("manage/indicators/<int:pk>/assign/", views.assignment_create, name="assignment_create"),
    path("manage/assignments/<int:pk>/edit/", views.assignment_edit, name="assignment_edit"),
    path("manage/assignments/<int:pk>/delete/", views.assignment_delete, name="assignment_delete"),
]
