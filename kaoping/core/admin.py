"""Take out of the admin what the office must not touch there.

Groups would grant permissions by flag, which Kaoping never does; django-auditlog's change
log is the auditor's, read in the audit pages, and append-only (kaoping.audit).
"""

from typing import Any

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from kaoping.core.admin_site import is_office_user
from kaoping.core.models import JobRun

for model in (Group, LogEntry):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _is_top_office(user: Any) -> bool:
    """The office of a top-level unit (a county install's office, a province's office):
    job runs span every unit of the install, so lower offices do not see them."""
    from kaoping.org.models import Role, RoleGrant

    return is_office_user(user) and (
        RoleGrant.objects.filter(user=user, role=Role.OFFICE, unit__depth=1).exists()
    )


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Background job runs (kaoping.core.jobs), read-only: what ran, where, how it ended."""

    list_display = (
        "name",
        "key",
        "state",
        "attempts",
        "requeues",
        "worker",
        "started_at",
        "heartbeat_at",
        "finished_at",
    )
    list_filter = ("state", "name")
    search_fields = ("name", "key", "error")
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_top_office(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_top_office(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
