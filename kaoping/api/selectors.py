"""Reads the API needs beyond the apps' own selectors; every one narrowed to the caller's
data scope by composing those selectors (never a bare manager for a user's read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _

from kaoping.api.models import ApiToken
from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period
from kaoping.org.models import Unit
from kaoping.org.selectors import units_for_user
from kaoping.plans.models import Assignment, Indicator, Plan
from kaoping.plans.selectors import plans_for_user
from kaoping.tracking import report_selectors
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.selectors import status_row
from kaoping.tracking.services.results import compute


# --- who is calling ----------------------------------------------------------------------
def tokens_for_user(*, username: str = "") -> QuerySet[ApiToken]:
    """Every API token, or one account's (for `kaoping apitoken list`: the server's operator
    sees them all; no user-facing page lists tokens)."""
    qs = ApiToken.objects.select_related("user")
    if username:
        qs = qs.filter(user__username=username)
    return qs.order_by("user__username", "-created_at", "-pk")


# --- units -----------------------------------------------------------------------------
def units(*, user: Any, kind: str | None = None) -> QuerySet[Unit]:
    """The active units in the caller's scope with their parent's id (`parent_pk`), in tree
    order, in one query."""
    parent = Unit.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen)
    ).values("pk")[:1]
    return units_for_user(user=user, kind=kind).annotate(parent_pk=Subquery(parent))


# --- plans -------------------------------------------------------------------------------
def plan_indicators(*, plan: Plan) -> QuerySet[Indicator]:
    """Every node of a readable plan's indicator tree, parents before children in each
    branch's order, with the groups they apply to."""
    return plan.indicators.prefetch_related("groups").order_by("level", "order", "code", "pk")


def plan_assignments(*, plan: Plan) -> QuerySet[Assignment]:
    """Every assignment of a readable plan (who answers for an indicator is not confidential:
    the catalogue shows them all)."""
    return (
        Assignment.objects.filter(indicator__plan=plan)
        .select_related("indicator", "lead_unit", "responsible_leader", "responsible_person")
        .prefetch_related(Prefetch("supporting_units", queryset=Unit.objects.order_by("path")))
        .order_by("indicator__order", "indicator__code", "lead_unit__code", "pk")
    )


# --- progress reports ------------------------------------------------------------------------
def reports(
    *,
    user: Any,
    unit_id: int | None = None,
    indicator_id: int | None = None,
    plan_id: int | None = None,
    period: str = "",
    status: str = "",
    all_versions: bool = False,
) -> QuerySet[ProgressReport]:
    """Progress reports in the caller's scope, filtered; newest period first."""
    qs = report_selectors.reports_for_user(
        user=user, period=period, status=status, current_only=not all_versions
    )
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if indicator_id is not None:
        qs = qs.filter(indicator_id=indicator_id)
    if plan_id is not None:
        qs = qs.filter(indicator__plan_id=plan_id)
    return qs.order_by("-period", "unit__path", "indicator__order", "indicator__code", "-version")


def current_report(*, indicator: Indicator, unit: Unit, period: str) -> ProgressReport | None:
    """The current version of a unit's report on an indicator for a period (any status);
    the caller has already checked that the unit is in its scope."""
    return ProgressReport.objects.filter(
        indicator=indicator, unit=unit, period=period, is_current=True
    ).first()


# --- tracking figures ------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultFilter:
    """What `GET /tracking/results` asks for (already checked by the schema)."""

    cycle: int
    period: str
    plan_id: int | None = None
    unit_id: int | None = None
    indicator_id: int | None = None
    status: str = ""


def tracking_results(*, user: Any, filters: ResultFilter) -> list[dict[str, Any]]:
    """The figures `kaoping status --json` prints (docs/status-json.md), computed fresh from
    the approved reports the same way, for the plans and units in the caller's scope.

    Each plan is computed over all its units, as the command does, and the rows are then
    narrowed to the caller's units, so a figure judged against its peers (growth presets)
    is the same whoever reads it. Each row also carries the ids of its plan, indicator and
    unit.
    """
    at = Period.parse(filters.period)
    if at.year != filters.cycle:
        raise ApplicationError(
            _("The period %(period)s is not in the %(year)d cycle.")
            % {"period": at, "year": filters.cycle}
        )
    plans = plans_for_user(user=user).filter(cycle__year=filters.cycle)
    if filters.plan_id is not None:
        plans = plans.filter(pk=filters.plan_id)
    in_scope = set(units_for_user(user=user).values_list("pk", flat=True))
    if filters.unit_id is not None:
        in_scope &= {filters.unit_id}
    rows: list[dict[str, Any]] = []
    if not in_scope:
        return rows
    for plan in plans.order_by("code"):
        indicator = None
        if filters.indicator_id is not None:
            indicator = plan.indicators.filter(pk=filters.indicator_id).first()
            if indicator is None:
                continue
        for item in compute(plan, at=at, indicator=indicator, blank_when_not_reached=True):
            if item.unit.pk not in in_scope:
                continue
            row = status_row(item)
            if filters.status and row["status"] != filters.status:
                continue
            rows.append(
                {
                    "plan_id": plan.pk,
                    "indicator_id": item.indicator.pk,
                    "unit_id": item.unit.pk,
                    **row,
                }
            )
    return rows
