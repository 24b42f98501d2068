"""Cycles, plans, their indicator trees and assignments (read only)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from kaoping.api import selectors
from kaoping.api.errors import READ_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import MAX_ID, AssignmentOut, CycleOut, IndicatorOut, PlanOut
from kaoping.org.permissions import CATALOGUE_ROLES
from kaoping.plans import selectors as plan_selectors
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan

router = Router(tags=["plans"])


class PlanFilter(Schema):
    cycle: int | None = Field(None, ge=2000, le=2200, description="The cycle's year.")


@router.get("/cycles", response={200: list[CycleOut], **READ_ERRORS}, summary="Evaluation years")
@paginate(Pages)
def cycle_list(request: HttpRequest) -> QuerySet[Cycle]:
    caller(request, CATALOGUE_ROLES)
    return plan_selectors.cycles()


@router.get("/plans", response={200: list[PlanOut], **READ_ERRORS}, summary="Plans in scope")
@paginate(Pages)
def plan_list(request: HttpRequest, filters: Query[PlanFilter]) -> QuerySet[Plan]:
    user = caller(request, CATALOGUE_ROLES)
    qs = plan_selectors.plans_for_user(user=user)
    if filters.cycle is not None:
        qs = qs.filter(cycle__year=filters.cycle)
    return qs


@router.get("/plans/{plan_id}", response={200: PlanOut, **READ_ERRORS}, summary="One plan")
def plan_detail(request: HttpRequest, plan_id: int = Path(..., ge=1, le=MAX_ID)) -> Plan:
    user = caller(request, CATALOGUE_ROLES)
    return plan_selectors.access_plan(user=user, pk=plan_id)


@router.get(
    "/plans/{plan_id}/indicators",
    response={200: list[IndicatorOut], **READ_ERRORS},
    summary="A plan's indicator tree, flat with parent ids",
)
@paginate(Pages)
def plan_indicator_list(
    request: HttpRequest, plan_id: int = Path(..., ge=1, le=MAX_ID)
) -> QuerySet[Indicator]:
    user = caller(request, CATALOGUE_ROLES)
    plan = plan_selectors.access_plan(user=user, pk=plan_id)
    return selectors.plan_indicators(plan=plan)


@router.get(
    "/plans/{plan_id}/assignments",
    response={200: list[AssignmentOut], **READ_ERRORS},
    summary="A plan's assignments",
)
@paginate(Pages)
def plan_assignment_list(
    request: HttpRequest, plan_id: int = Path(..., ge=1, le=MAX_ID)
) -> QuerySet[Assignment]:
    user = caller(request, CATALOGUE_ROLES)
    plan = plan_selectors.access_plan(user=user, pk=plan_id)
    return selectors.plan_assignments(plan=plan)
