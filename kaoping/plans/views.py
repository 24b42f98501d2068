"""Indicator catalogue, indicator detail and the office's plan pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kaoping.org.models import Role
from kaoping.plans import selectors
from kaoping.plans.models import Indicator


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The indicator tree of a plan with filters and owners."""
    plans = selectors.plans_for_user(user=request.user)
    plan_id = request.GET.get("plan")
    plan = (plans.filter(pk=plan_id).first() if plan_id and plan_id.isdigit() else None) or (
        selectors.default_plan(user=request.user))
    indicators = []
    if plan is not None:
        indicators = selectors.indicators_for_catalogue(
            user=request.user, plan=plan, category=request.GET.get("category", ""),
            query=request.GET.get("q", "").strip(),
            source_level=request.GET.get("source", ""))
    return render(request, "plans/catalogue.html", {
        "plans": plans, "plan": plan, "indicators": indicators,
        "categories": Indicator.Category.choices, "sources": Indicator.SourceLevel.choices,
    })


@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One indicator: its attributes, rule and owners."""
    indicator = selectors.access_indicator(user=request.user, pk=pk)
    return render(request, "plans/indicator_detail.html", {
        "indicator": indicator,
        "assignments": selectors.indicator_assignments(user=request.user, indicator=indicator),
        "children": indicator.children.order_by("order"),
    })


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The office's list of plans by cycle."""
    if not request.user.has_role(Role.OFFICE):
        raise Http404
    return render(request, "plans/plan_list.html", {
        "plans": selectors.plans_for_user(user=request.user)})
