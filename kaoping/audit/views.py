"""The audit administrator's pages: events and row changes, filterable, read-only.

Only GET (and HEAD) are served: any other method answers 405, and no page offers to change
or delete a row (the database refuses it anyway, see migration 0003).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kaoping.audit import selectors
from kaoping.audit.forms import AuditFilterForm
from kaoping.core import exports as table_exports
from kaoping.org.permissions import AUDIT_ROLES, roles_required


@require_safe
@roles_required(AUDIT_ROLES)
def event_list(request: HttpRequest) -> HttpResponse:
    """Domain and security events, newest first; `?verify=1` re-checks the hash chain."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    events = selectors.audit_events(user=request.user, filters=filters)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Audit trail"),
            headers=[
                "#",
                _("Time"),
                _("Actor"),
                _("Action"),
                _("Object type"),
                _("Object"),
                _("Reason"),
                _("IP address"),
                _("Request id"),
            ],
            rows=[
                [
                    e.pk,
                    e.at,
                    e.actor_name,
                    e.action,
                    e.object_type,
                    e.object_repr,
                    e.reason,
                    e.ip_address or "",
                    e.request_id,
                ]
                for e in events
            ],
            what="audit.events",
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(filters),
            "chain": selectors.verify_chain() if request.GET.get("verify") else None,
        },
    )


@require_safe
@roles_required(AUDIT_ROLES)
def change_list(request: HttpRequest) -> HttpResponse:
    """Row-level changes of organisation and plan data, newest first."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    entries = selectors.change_entries(user=request.user, filters=filters)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Data changes"),
            headers=[
                _("Time"),
                _("Actor"),
                _("Change"),
                _("Object type"),
                _("Object"),
                _("Fields"),
                _("Request id"),
            ],
            rows=[
                [
                    entry.timestamp,
                    entry.actor.username if entry.actor else "",
                    entry.get_action_display(),
                    f"{entry.content_type.app_label}.{entry.content_type.model}",
                    entry.object_repr,
                    ", ".join(sorted((entry.changes_dict or {}).keys())),
                    entry.cid or "",
                ]
                for entry in entries
            ],
            what="audit.changes",
        )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request, "audit/change_list.html", {"page": page, "form": form, "filtered": bool(filters)}
    )
