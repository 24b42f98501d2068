from django.urls import path

from kaoping.org import views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/password/", views.account_password, name="account_password"),
    path("accounts/<int:pk>/active/", views.account_active, name="account_active"),
    path("accounts/<int:pk>/roles/", views.account_role_grant, name="account_role_grant"),
    path(
        "accounts/<int:pk>/roles/<int:grant_pk>/revoke/",
        views.account_role_revoke,
        name="account_role_revoke",
    ),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="account_unlock"),
    path("no-work/", views.no_work, name="no_work"),
]
