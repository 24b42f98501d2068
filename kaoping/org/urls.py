from django.urls import path

from kaoping.org import views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("accounts/", views.account_list, name="account_list"),
    path("no-work/", views.no_work, name="no_work"),
]
