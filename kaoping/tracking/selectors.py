"""Reads of tracking figures and supervision, narrowed to the user's data scope.

- the engine's stored figures (TrackingResult) by plan or cycle, period, unit and status, with
  counts by status, the indicators whose growth improved or declined against last year, and
  the units lagging furthest behind 序时进度;
- `tracking_rows`, for `kaoping status`: figures computed fresh from the approved reports,
  for scripts (no user, no stored rows);
- notifications (one's own), alerts, supervision notices (督办单), explanations (说明情况)
  and 回头看 re-checks, with who may act on each.

Out-of-scope objects answer 404 (`access_*`), never 403, so their existence does not leak.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period
from kaoping.core.scope import ScopedQuerySet
from kaoping.org.models import Role, RoleGrant, Unit
from kaoping.plans.models import Cycle, Indicator, Plan
from kaoping.tracking.calculations import Status, Trend
from kaoping.tracking.models import (
    Alert,
    Explanation,
    Notification,
    Review,
    SupervisionNotice,
    TrackingResult,
)
from kaoping.tracking.services.results import PRECISION, ItemResult, compute, rounded_figures


def _scoped(model: type[Model], user: Any) -> QuerySet[Any]:
    """`model`'s rows in the user's data scope (also for models with a plain manager)."""
    manager_qs = model._default_manager.all()
    if isinstance(manager_qs, ScopedQuerySet):
        return manager_qs.for_user(user)
    return ScopedQuerySet(model=model).for_user(user)


# --- tracking figures ------------------------------------------------------------------------
def at_period_q(at: Period) -> Q:
    """Rows at each indicator's latest reporting period by the end of `at` (a monthly one at
    the month, a quarterly one at the last quarter ended, a half-yearly one at Q2 or Q4, a
    yearly one only in December)."""
    year, month = at.year, at.last_month
    q = Q(indicator__frequency=Indicator.Frequency.MONTHLY, period=f"{year}-{month:02d}")
    if month >= 3:
        q |= Q(indicator__frequency=Indicator.Frequency.QUARTERLY, period=f"{year}Q{month // 3}")
    if month >= 6:
        half = "Q4" if month == 12 else "Q2"
        q |= Q(indicator__frequency=Indicator.Frequency.HALF_YEARLY, period=f"{year}{half}")
    if month == 12:
        q |= Q(indicator__frequency=Indicator.Frequency.YEARLY, period=f"{year}")
    return q


def tracking_results(
    *,
    user: Any,
    plan: Plan | None = None,
    cycle: Cycle | None = None,
    period: Period | None = None,
    unit: Unit | None = None,
    status: str = "",
    indicator: Indicator | None = None,
) -> QuerySet[TrackingResult]:
    """Stored figures in the user's scope; `period` is a point in the year (each indicator
    at its latest reporting period by then)."""
    from kaoping.plans.selectors import plans_for_user

    qs = _scoped(TrackingResult, user).filter(indicator__plan__in=plans_for_user(user=user))
    if plan is not None:
        qs = qs.filter(indicator__plan=plan)
    if cycle is not None:
        qs = qs.filter(indicator__plan__cycle=cycle)
    if period is not None:
        qs = qs.filter(at_period_q(period))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    return qs.select_related("indicator", "indicator__plan", "unit").order_by(
        "indicator__plan__code", "indicator__order", "indicator__code", "unit__path", "period"
    )


def status_counts(results: Iterable[TrackingResult]) -> dict[str, int]:
    """How many figures are green, yellow, red and not comparable (every key present)."""
    counted = Counter(r.status for r in results)
    return {str(s): counted.get(str(s), 0) for s in Status}


def yoy_movers(
    results: Iterable[TrackingResult],
) -> tuple[list[TrackingResult], list[TrackingResult]]:
    """The figures whose growth beat last year's at the same period (增速比去年同期提高), and
    those where it fell, each biggest change first."""
    improved: list[TrackingResult] = []
    declined: list[TrackingResult] = []
    for row in results:
        if row.yoy_trend == Trend.IMPROVED:
            improved.append(row)
        elif row.yoy_trend == Trend.DECLINED:
            declined.append(row)

    def change(row: TrackingResult) -> Decimal:
        return abs((row.yoy_growth or Decimal(0)) - (row.yoy_growth_last_year or Decimal(0)))

    return sorted(improved, key=change, reverse=True), sorted(declined, key=change, reverse=True)


@dataclass(frozen=True)
class UnitLag:
    """A unit's items behind 序时进度 at a period."""

    unit: Unit
    red: int
    yellow: int
    total: int
    worst_gap: Decimal | None
    mean_gap: Decimal | None


def lagging_units(results: Iterable[TrackingResult], limit: int = 10) -> list[UnitLag]:
    """The units with the most red, then yellow, items, then the worst mean gap (pp)."""
    by_unit: dict[int, list[TrackingResult]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for row in results:
        by_unit[row.unit_id].append(row)
        units[row.unit_id] = row.unit
    lags = []
    for unit_id, rows in by_unit.items():
        red = sum(1 for r in rows if r.status == Status.RED)
        yellow = sum(1 for r in rows if r.status == Status.YELLOW)
        if not red and not yellow:
            continue
        gaps = [r.gap for r in rows if r.gap is not None]
        lags.append(
            UnitLag(
                unit=units[unit_id],
                red=red,
                yellow=yellow,
                total=len(rows),
                worst_gap=min(gaps) if gaps else None,
                mean_gap=sum(gaps, Decimal(0)) / len(gaps) if gaps else None,
            )
        )
    lags.sort(
        key=lambda lag: (
            -lag.red,
            -lag.yellow,
            lag.mean_gap if lag.mean_gap is not None else Decimal(0),
            lag.unit.path,
        )
    )
    return lags[:limit]


# --- `kaoping status` ------------------------------------------------------------------------
# Ratios (fractions of 1) keep 6 decimals, other figures 4 (docs/status-json.md).
def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(str(value))


def status_row(item: ItemResult) -> dict[str, Any]:
    """One figure as `kaoping status --json` prints it."""
    r = item.result
    figures = rounded_figures(r)
    row: dict[str, Any] = {
        "plan_code": item.plan.code,
        "indicator_code": item.indicator.code,
        "indicator_name": item.indicator.name,
        "indicator_kind": item.indicator.kind,
        "category": item.indicator.category,
        "unit_of_measure": item.indicator.unit_of_measure,
        "unit_code": item.unit.code,
        "unit_name": item.unit.name,
        "period": str(item.period),
    }
    for name in PRECISION:
        row[name] = _number(figures[name])
    row.update(
        status=str(r.status),
        expected_method=r.expected_method,
        yoy_trend=str(r.yoy_trend),
        projection_method=r.projection_method,
        will_meet_target=r.will_meet_target,
    )
    ordered = [
        "plan_code",
        "indicator_code",
        "indicator_name",
        "indicator_kind",
        "category",
        "unit_of_measure",
        "unit_code",
        "unit_name",
        "period",
        "actual",
        "target",
        "completion",
        "expected_progress",
        "expected_method",
        "gap",
        "status",
        "yoy_growth",
        "yoy_growth_last_year",
        "yoy_trend",
        "projection",
        "projection_method",
        "will_meet_target",
    ]
    return {key: row[key] for key in ordered}


def tracking_rows(
    *, cycle: int, period: str, unit_code: str = "", plan_code: str = ""
) -> list[dict[str, Any]]:
    """Every plan's figures of a cycle at a period, computed fresh from the approved reports
    (for scripts: not scoped to a user, not read from stored rows). One row per indicator
    and unit; an indicator with no reporting period ended by then is listed at its first
    one, not comparable."""
    at = Period.parse(period)
    if at.year != cycle:
        raise ApplicationError(
            _("The period %(period)s is not in the %(year)d cycle.") % {"period": at, "year": cycle}
        )
    plans = Plan.objects.filter(cycle__year=cycle).select_related("cycle", "owner")
    if plan_code:
        plans = plans.filter(code=plan_code)
        if not plans.exists():
            raise ApplicationError(
                _("The %(year)d cycle has no plan with the code %(code)s.")
                % {"year": cycle, "code": plan_code}
            )
    units = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise ApplicationError(
                _("There is no unit with the code %(code)s.") % {"code": unit_code}
            )
        units = [unit]
    rows: list[dict[str, Any]] = []
    for plan in plans.order_by("code"):
        for item in compute(plan, at=at, units=units, blank_when_not_reached=True):
            rows.append(status_row(item))
    return rows


# --- who may act -----------------------------------------------------------------------------
def _grant_units(user: Any) -> dict[str, frozenset[int]]:
    """Unit ids per role: the subtree of an office or inspector grant, the unit itself of a
    reporter or unit head grant (cached on the user object)."""
    cached = getattr(user, "_supervision_grants_cache", None)
    if cached is not None:
        return cached
    roles = (Role.OFFICE, Role.INSPECTOR, Role.UNIT_HEAD, Role.REPORTER)
    grants = list(
        RoleGrant.objects.filter(user=user, role__in=roles, unit__isnull=False).values_list(
            "role", "unit_id", "unit__path"
        )
    )
    found: dict[str, set[int]] = {role: set() for role in roles}
    subtree: dict[str, Q] = {}
    for role, unit_id, path in grants:
        if role in (Role.OFFICE, Role.INSPECTOR):
            subtree[role] = subtree.get(role, Q(pk__in=[])) | Q(path__startswith=path)
        else:
            found[role].add(unit_id)
    for role, q in subtree.items():
        found[role].update(Unit.objects.filter(q).values_list("pk", flat=True))
    cached = {role: frozenset(ids) for role, ids in found.items()}
    user._supervision_grants_cache = cached
    return cached


def _has(user: Any, role: str, unit_id: int) -> bool:
    if user is None:  # the system itself
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return unit_id in _grant_units(user)[role]


def is_office_for(user: Any, unit_id: int) -> bool:
    """The performance office with the unit in its scope."""
    return _has(user, Role.OFFICE, unit_id)


def can_answer_notice(user: Any, notice: SupervisionNotice) -> bool:
    """A supervision notice is answered by the head of its unit, while it is open."""
    return notice.status == SupervisionNotice.Status.OPEN and _has(
        user, Role.UNIT_HEAD, notice.unit_id
    )


def can_close_notice(user: Any, notice: SupervisionNotice) -> bool:
    """The office closes a notice (answered or not) of a unit in its scope."""
    return notice.status != SupervisionNotice.Status.CLOSED and is_office_for(user, notice.unit_id)


def can_submit_explanation(user: Any, explanation: Explanation) -> bool:
    """A requested or returned explanation is written by the unit's head or a reporter."""
    return explanation.status in (Explanation.Status.REQUESTED, Explanation.Status.RETURNED) and (
        _has(user, Role.UNIT_HEAD, explanation.unit_id)
        or _has(user, Role.REPORTER, explanation.unit_id)
    )


def can_review_explanation(user: Any, explanation: Explanation) -> bool:
    """A submitted explanation is accepted or returned by the office."""
    return explanation.status == Explanation.Status.SUBMITTED and is_office_for(
        user, explanation.unit_id
    )


def can_record_review(user: Any, unit_id: int) -> bool:
    """回头看 re-checks are recorded by the office or an inspector with the unit in scope."""
    return _has(user, Role.OFFICE, unit_id) or _has(user, Role.INSPECTOR, unit_id)


def review_units(*, user: Any) -> QuerySet[Unit]:
    """The units the user may record a re-check of."""
    if user.is_superuser:
        return Unit.objects.filter(is_active=True).order_by("path")
    grants = _grant_units(user)
    return Unit.objects.filter(
        pk__in=grants[Role.OFFICE] | grants[Role.INSPECTOR], is_active=True
    ).order_by("path")


# --- notifications -----------------------------------------------------------------------------
def notifications_for_user(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """One's own notifications, newest first (nobody reads another's)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def unread_count(*, user: Any) -> int:
    return notifications_for_user(user=user, unread_only=True).count()


def access_notification(*, user: Any, pk: int) -> Notification:
    try:
        return notifications_for_user(user=user).get(pk=pk)
    except Notification.DoesNotExist:
        raise Http404 from None


# --- alerts, notices, explanations, re-checks ----------------------------------------------
def alerts_for_user(
    *, user: Any, kind: str = "", open_only: bool = True, unit: Unit | None = None
) -> QuerySet[Alert]:
    """Alerts of the units in scope, newest first."""
    qs = _scoped(Alert, user)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.select_related("unit", "indicator", "milestone", "milestone__task").order_by(
        "-created_at", "-pk"
    )


def notices_for_user(
    *, user: Any, status: str = "", level: str = "", unit: Unit | None = None
) -> QuerySet[SupervisionNotice]:
    """Supervision notices of the units in scope: open ones first, red before blue."""
    qs = _scoped(SupervisionNotice, user)
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.select_related("unit", "indicator", "indicator__plan", "addressed_to").order_by(
        "status", "-consecutive_red", "-created_at", "-pk"
    )


def access_notice(*, user: Any, pk: int) -> SupervisionNotice:
    try:
        return notices_for_user(user=user).get(pk=pk)
    except SupervisionNotice.DoesNotExist:
        raise Http404 from None


def explanations_for_user(
    *, user: Any, status: str = "", unit: Unit | None = None
) -> QuerySet[Explanation]:
    """Explanations of the units in scope, soonest due first."""
    qs = _scoped(Explanation, user)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.select_related(
        "unit", "indicator", "indicator__plan", "submitted_by", "reviewed_by"
    ).order_by("due", "unit__path", "pk")


def access_explanation(*, user: Any, pk: int) -> Explanation:
    try:
        return explanations_for_user(user=user).get(pk=pk)
    except Explanation.DoesNotExist:
        raise Http404 from None


def reviews_for_user(*, user: Any, unit: Unit | None = None) -> QuerySet[Review]:
    """回头看 re-checks of the units in scope, newest first."""
    qs = _scoped(Review, user)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.select_related(
        "unit", "reviewer", "notice", "notice__indicator", "explanation", "explanation__indicator"
    ).order_by("-reviewed_on", "-pk")


def review_subjects(
    *, user: Any, unit: Unit
) -> tuple[QuerySet[SupervisionNotice], QuerySet[Explanation]]:
    """The notices and explanations of a unit a re-check may concern."""
    return (
        notices_for_user(user=user, unit=unit),
        explanations_for_user(user=user, unit=unit).exclude(status=Explanation.Status.REQUESTED),
    )


def item_result(
    *, user: Any, indicator_id: int, unit_id: int, period: str
) -> TrackingResult | None:
    """The stored figure behind a notice or an explanation, if the user may see it."""
    return (
        _scoped(TrackingResult, user)
        .filter(indicator_id=indicator_id, unit_id=unit_id, period=period)
        .select_related("indicator")
        .first()
    )
