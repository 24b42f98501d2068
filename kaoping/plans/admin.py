"""Plan data in Django admin, for the performance office (kaoping.core.admin_site)."""

from __future__ import annotations

from django.contrib import admin

from kaoping.core.admin_site import ScopedModelAdmin
from kaoping.plans.models import Assignment, Cycle, Indicator, IndicatorTarget, Plan, UnitGroup

_STAMPS = ("row_version", "created_at", "updated_at")


@admin.register(Cycle)
class CycleAdmin(ScopedModelAdmin):
    list_display = ("year", "name", "status")
    list_filter = ("status",)
    search_fields = ("name",)
    readonly_fields = _STAMPS


@admin.register(Plan)
class PlanAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "cycle", "owner", "kind", "status")
    list_filter = ("cycle", "kind", "status")
    search_fields = ("code", "name")
    list_select_related = ("cycle", "owner")
    autocomplete_fields = ("owner",)
    readonly_fields = (*_STAMPS, "source_sha256", "format_version")


@admin.register(UnitGroup)
class UnitGroupAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "plan", "order")
    list_filter = ("plan",)
    search_fields = ("code", "name")
    list_select_related = ("plan",)
    filter_horizontal = ("units",)
    readonly_fields = _STAMPS


@admin.register(Indicator)
class IndicatorAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "plan", "level", "category", "kind", "points", "target")
    list_filter = ("plan", "level", "category", "kind")
    search_fields = ("code", "name")
    list_select_related = ("plan",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("groups",)
    readonly_fields = _STAMPS


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ScopedModelAdmin):
    list_display = ("indicator", "unit", "target", "baseline")
    search_fields = ("indicator__code", "indicator__name", "unit__name", "unit__code")
    list_select_related = ("indicator", "unit")
    autocomplete_fields = ("indicator", "unit")
    readonly_fields = _STAMPS


@admin.register(Assignment)
class AssignmentAdmin(ScopedModelAdmin):
    list_display = (
        "indicator",
        "lead_unit",
        "responsible_leader",
        "responsible_person",
        "is_key_project",
        "share",
    )
    list_filter = ("is_key_project", "indicator__plan")
    search_fields = ("indicator__code", "indicator__name", "lead_unit__name", "lead_unit__code")
    list_select_related = ("indicator", "lead_unit", "responsible_leader", "responsible_person")
    autocomplete_fields = ("indicator", "lead_unit", "responsible_leader", "responsible_person")
    filter_horizontal = ("supporting_units",)
    readonly_fields = _STAMPS
