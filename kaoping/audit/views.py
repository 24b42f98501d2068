"""The audit administrator's pages: events and row changes, filterable, read-only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kaoping.audit import selectors
from kaoping.org.models import Role

FILTER_KEYS = ("actor", "action", "object_type", "request_id", "date_from", "date_to")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in FILTER_KEYS if request.GET.get(key)}


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """Domain and security events, newest first."""
    if not request.user.has_role(Role.AUDITOR):
        raise Http404
    filters = _filters(request)
    events = selectors.audit_events(user=request.user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {
        "page": page, "filters": filters, "chain": selectors.verify_chain()
        if request.GET.get("verify") else None})


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    """Row-level changes of organisation and plan data, newest first."""
    if not request.user.has_role(Role.AUDITOR):
        raise Http404
    filters = _filters(request)
    entries = selectors.change_entries(user=request.user, filters=filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/change_list.html", {"page": page, "filters": filters})
