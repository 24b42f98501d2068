"""Django admin for the performance office only, behind Kaoping's own sign-in.

Django's default lets in any active `is_staff` account; Kaoping grants nothing by flags, so
the site lets in an active account holding the office role and nobody else. The separated
administrators (system, security, audit: 三员分立) work in their own pages, never here; what
the office may do per model comes from the rules in kaoping.core.rules.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


def is_office_user(user: Any) -> bool:
    """True for an active, signed-in account holding the performance office role."""
    from kaoping.org.models import Role

    return bool(
        user is not None and user.is_authenticated and user.is_active and user.has_role(Role.OFFICE)
    )


class KaopingAdminSite(admin.AdminSite):
    """The admin site: office only, signing in and changing passwords through Kaoping."""

    site_header = _("Kaoping administration")
    site_title = _("Kaoping administration")
    index_title = _("Organisation and plan data")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_office_user(request.user)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Kaoping's sign-in page (lockout, audit); a signed-in non-office account gets 403."""
        # Imported here: this module loads with INSTALLED_APPS, before any model may.
        from django.contrib.auth.views import redirect_to_login

        index = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(index)
            raise PermissionDenied
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = index
        return redirect_to_login(target, resolve_url(settings.LOGIN_URL))

    # The stubs promise a TemplateResponse; a redirect is the point here.
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Passwords change on Kaoping's page, where the policy and its history apply."""
        return HttpResponseRedirect(reverse("password_change"))


class KaopingAdminConfig(AdminConfig):
    """`django.contrib.admin` with KaopingAdminSite as `admin.site`."""

    default_site = "kaoping.core.admin_site.KaopingAdminSite"


class ScopedModelAdmin(admin.ModelAdmin):
    """A model admin that lists, offers and edits only what the user's data scope holds.

    Rows come through the model's `for_user` (deny by default); foreign-key and many-to-many
    choices are narrowed the same way; an edit bumps the row version, so a service holding
    an older copy sees the conflict.
    """

    def get_queryset(self, request: HttpRequest) -> Any:
        return _scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("queryset", _scoped_choices(db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("queryset", _scoped_choices(db_field, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Related-object filters offer only the objects in the user's scope."""
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                field = get_fields_from_path(self.model, item)[-1]
                if field.is_relation:
                    item = (item, ScopedRelatedFieldListFilter)
            filters.append(item)
        return filters

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and hasattr(obj, "row_version"):
            obj.row_version += 1
        super().save_model(request, obj, form, change)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """Django's related-object list filter, its choices narrowed to the user's data scope
    (the stock filter lists every object of the installation, other counties' included)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        ordering = self.field_admin_ordering(field, request, model_admin)
        queryset = _scoped(field.related_model._default_manager.get_queryset(), request.user)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


def _scoped(queryset: Any, user: Any) -> Any:
    """The queryset narrowed to the user's scope when its model has one, else unchanged."""
    if hasattr(queryset.model, "scope_filter") and hasattr(queryset, "for_user"):
        return queryset.for_user(user)
    return queryset


def _scoped_choices(db_field: Any, request: HttpRequest) -> Any:
    model = db_field.related_model
    return _scoped(model._default_manager.get_queryset(), request.user)
