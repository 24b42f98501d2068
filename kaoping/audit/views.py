"""The audit administrator's pages: events and row changes, filterable, read-only.

Only GET (and HEAD) are served: any other method answers 405, and no page offers to change
or delete a row (the database refuses it anyway, see migration 0003).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kaoping.audit import selectors
from kaoping.audit.forms import AuditFilterForm
from kaoping.org.permissions import AUDIT_ROLES, roles_required


@require_safe
@roles_required(AUDIT_ROLES)
def event_list(request: HttpRequest) -> HttpResponse:
    """Domain and security events, newest first; `?verify=1` re-checks the hash chain."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    events = selectors.audit_events(user=request.user, filters=filters)
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
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request, "audit/change_list.html", {"page": page, "form": form, "filtered": bool(filters)}
    )
