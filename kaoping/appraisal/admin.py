"""Leader evaluation in Django admin: read-only views for the office.

Every write goes through kaoping.appraisal.services (validation, locking, audit), so admin
offers no add, change or delete. Individual ballots are not listed here at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kaoping.appraisal.models import LeaderRater, LeaderRatingResult, LeaderRatingRound
from kaoping.core.admin_site import ScopedModelAdmin


class ReadOnlyAdmin(ScopedModelAdmin):
    """Scoped and read-only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LeaderRatingRound)
class LeaderRatingRoundAdmin(ReadOnlyAdmin):
    list_display = ("name", "plan", "method", "trim", "status", "opens_on", "closes_on")
    list_filter = ("status", "method")
    search_fields = ("name",)
    list_select_related = ("plan",)


@admin.register(LeaderRater)
class LeaderRaterAdmin(ReadOnlyAdmin):
    list_display = ("round", "user", "submitted_at")
    list_filter = ("round",)
    list_select_related = ("round", "user")


@admin.register(LeaderRatingResult)
class LeaderRatingResultAdmin(ReadOnlyAdmin):
    list_display = ("round", "unit", "score", "valid_ballots", "trimmed")
    list_filter = ("round",)
    list_select_related = ("round", "unit")
