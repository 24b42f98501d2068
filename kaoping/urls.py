"""URL map: pages of each app, Django admin for the office, i18n switching."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kaoping.org import views as org_views

urlpatterns = [
    path("", org_views.root, name="root"),
    path("home/", org_views.home, name="home"),
    path("login/", org_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", org_views.password_change, name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("kaoping.org.urls")),
    path("plans/", include("kaoping.plans.urls")),
    path("tracking/", include("kaoping.tracking.urls")),
    path("inspections/", include("kaoping.inspections.urls")),
    path("appraisal/", include("kaoping.appraisal.urls")),
    path("scoring/", include("kaoping.scoring.urls")),
    path("surveys/", include("kaoping.surveys.urls")),
    path("bulletins/", include("kaoping.bulletins.urls")),
    path("public/", include("kaoping.public.urls")),
    path("api/v1/", include("kaoping.api.urls")),
    path("audit/", include("kaoping.audit.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "kaoping.core.views.permission_denied"
handler404 = "kaoping.core.views.page_not_found"
handler500 = "kaoping.core.views.server_error"
