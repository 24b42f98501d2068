"""Organisation data in Django admin, for the performance office (kaoping.core.admin_site).

Accounts and role grants are not here: they belong to the system and security
administrators (三员分立) and change only through kaoping.org.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from kaoping.core.admin_site import ScopedModelAdmin
from kaoping.org.models import Person, Region, Unit


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "level", "parent", "population")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


class ScopedMoveNodeForm(MoveNodeForm):
    """Treebeard's move form, offering only units in the user's scope as the reference node."""

    user: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["treebeard_ref_node"]
        field.queryset = field.queryset.filter(pk__in=Unit.objects.for_user(self.user).values("pk"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        becomes_root = not data.get("treebeard_ref_node") and (
            self.instance._state.adding or not self.instance.is_root()
        )
        if becomes_root:
            # A new root would sit outside every office's scope but its own.
            self.add_error("treebeard_ref_node", _("Choose the unit to place this one under."))
        return data


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin, TreeAdmin):
    list_display = ("name", "code", "short_name", "kind", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
    autocomplete_fields = ("region",)
    readonly_fields = ("row_version", "created_at", "updated_at")

    form = movenodeform_factory(Unit, form=ScopedMoveNodeForm)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_queryset(self, request: HttpRequest) -> Any:
        # TreeAdmin lists one level of the tree by its own queries; keep them in scope too.
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=Unit.objects.for_user(request.user).values("pk"))
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # treebeard's tree template needs what its changelist sets up for GET only; a POST
        # that is not an admin action (there are none here) goes back to the list.
        if request.method == "POST" and "action" not in request.POST:
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def move_node(self, request: HttpRequest) -> HttpResponse:
        """Drag-and-drop moves: the target must be in scope as well as the moved unit."""
        target = request.POST.get("target", "")
        if (
            not target.isdigit()
            or not Unit.objects.for_user(request.user).filter(pk=int(target)).exists()
        ):
            raise PermissionDenied
        return super().move_node(request)


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    list_display = ("name", "unit", "position", "title", "is_active")
    list_filter = ("position", "is_active")
    search_fields = ("name", "title", "unit__name", "unit__code")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    filter_horizontal = ("portfolio",)
    readonly_fields = ("row_version", "created_at", "updated_at")
