"""Reads of inspections, narrowed to the user's data scope, and who may act on what.

- rounds, findings, deductions, appeals and rectifications in scope (`*_for_user`) and
  `access_*` fetching one or answering 404 (never 403, so existence does not leak);
- `can_*` predicates the services enforce and the pages use to show their buttons;
- the accountability table (谁丢分谁负责): confirmed deduction points by responsible unit
  and leader;
- for the scoring engine (no user: the system reads a whole plan): `deductions_for_scoring`
  and `rectification_summary`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kaoping.inspections import calculations as calc
from kaoping.inspections.models import (
    Appeal,
    Deduction,
    DeductionRule,
    Finding,
    FindingEvidence,
    InspectionRound,
    Rectification,
)
from kaoping.org.models import Person, Role, RoleGrant, Unit
from kaoping.plans.models import Indicator, Plan

Category = Indicator.Category
COUNTED_STATUSES = (
    Deduction.Status.CONFIRMED,
    Deduction.Status.APPEALED,
    Deduction.Status.REDUCED,
    Deduction.Status.WITHDRAWN,
)
# Deductions that use up a cap when a new one is recorded (everything not withdrawn).
ACTIVE_DEDUCTION_STATUSES = (
    Deduction.Status.PROPOSED,
    Deduction.Status.CONFIRMED,
    Deduction.Status.APPEALED,
    Deduction.Status.REDUCED,
)


# --- who may act -----------------------------------------------------------------------------
def _grant_units(user: Any) -> dict[str, frozenset[int]]:
    """Unit ids per role: an office or inspector grant's subtree, a reporter's or unit
    head's own unit (cached on the user object for the request)."""
    cached = getattr(user, "_inspection_grants_cache", None)
    if cached is not None:
        return cached
    roles = (Role.OFFICE, Role.INSPECTOR, Role.UNIT_HEAD, Role.REPORTER)
    found: dict[str, set[int]] = {role: set() for role in roles}
    subtree: dict[str, Q] = {}
    for role, unit_id, path in RoleGrant.objects.filter(
        user=user, role__in=roles, unit__isnull=False
    ).values_list("role", "unit_id", "unit__path"):
        if role in (Role.OFFICE, Role.INSPECTOR):
            subtree[role] = subtree.get(role, Q(pk__in=[])) | Q(path__startswith=path)
        else:
            found[role].add(unit_id)
    for role, q in subtree.items():
        found[role].update(Unit.objects.filter(q).values_list("pk", flat=True))
    result = {role: frozenset(ids) for role, ids in found.items()}
    user._inspection_grants_cache = result
    return result


def _has(user: Any, roles: tuple[str, ...], *unit_ids: int | None) -> bool:
    """The user holds one of `roles` anchored so that one of `unit_ids` is covered."""
    if user is None:  # the system itself (jobs, the demo loader)
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    grants = _grant_units(user)
    return any(uid is not None and uid in grants[role] for role in roles for uid in unit_ids)


def is_inspecting_for(user: Any, unit_id: int | None) -> bool:
    """The office or an inspector with the unit in scope: records findings and deductions."""
    return _has(user, (Role.OFFICE, Role.INSPECTOR), unit_id)


def is_office_for(user: Any, unit_id: int | None) -> bool:
    """The performance office with the unit in scope: confirms, rules, closes."""
    return _has(user, (Role.OFFICE,), unit_id)


def is_unit_staff_for(user: Any, *unit_ids: int | None) -> bool:
    """A head or reporter of one of the units."""
    return _has(user, (Role.UNIT_HEAD, Role.REPORTER), *unit_ids)


def is_unit_head_for(user: Any, *unit_ids: int | None) -> bool:
    return _has(user, (Role.UNIT_HEAD,), *unit_ids)


def can_manage_round(user: Any, inspection_round: InspectionRound) -> bool:
    """The office or an inspector of the plan's owner opens, closes and records in a round."""
    return is_inspecting_for(user, inspection_round.plan.owner_id)


def can_record_finding(user: Any, inspection_round: InspectionRound) -> bool:
    return inspection_round.status == InspectionRound.Status.OPEN and can_manage_round(
        user, inspection_round
    )


def can_edit_finding(user: Any, finding: Finding) -> bool:
    return finding.round.status != InspectionRound.Status.CLOSED and is_inspecting_for(
        user, finding.unit_id
    )


def can_add_evidence(user: Any, finding: Finding) -> bool:
    """Inspectors add evidence to findings (the unit adds its own through appeals and
    rectification progress)."""
    return is_inspecting_for(user, finding.unit_id)


def can_record_deduction(user: Any, finding: Finding) -> bool:
    return finding.round.status == InspectionRound.Status.OPEN and is_inspecting_for(
        user, finding.unit_id
    )


def can_confirm_deduction(user: Any, deduction: Deduction) -> bool:
    return deduction.status == Deduction.Status.PROPOSED and is_office_for(user, deduction.unit_id)


def appeal_units(deduction: Deduction) -> tuple[int, int | None]:
    """The units that may appeal: the one losing the points and the one answering for them."""
    return (deduction.unit_id, deduction.responsible_unit_id)


def can_appeal(user: Any, deduction: Deduction, today: date | None = None) -> bool:
    """A head or reporter of the unit, on a confirmed deduction with no appeal yet, within
    the window."""
    if deduction.status != Deduction.Status.CONFIRMED or deduction.confirmed_on is None:
        return False
    if Appeal.objects.filter(deduction=deduction).exists():
        return False
    today = today or timezone.localdate()
    if not calc.within_appeal_window(
        deduction.confirmed_on, deduction.finding.round.appeal_days, today
    ):
        return False
    return user is not None and is_unit_staff_for(user, *appeal_units(deduction))


def can_rule_appeal(user: Any, appeal: Appeal) -> bool:
    return appeal.status == Appeal.Status.PENDING and is_office_for(user, appeal.deduction.unit_id)


def can_open_rectification(user: Any, finding: Finding) -> bool:
    return is_inspecting_for(user, finding.unit_id)


def can_report_progress(user: Any, rectification: Rectification) -> bool:
    return rectification.status in Rectification.ACTIVE_STATUSES and is_unit_staff_for(
        user, rectification.unit_id
    )


def can_submit_rectification(user: Any, rectification: Rectification) -> bool:
    """The unit head (第一责任人) submits the finished rectification for verification."""
    return rectification.status in (
        Rectification.Status.IN_PROGRESS,
        Rectification.Status.OPEN,
        Rectification.Status.RETURNED,
    ) and is_unit_head_for(user, rectification.unit_id)


def can_verify_rectification(user: Any, rectification: Rectification) -> bool:
    return rectification.status == Rectification.Status.SUBMITTED and is_inspecting_for(
        user, rectification.finding.unit_id
    )


def can_close_rectification(user: Any, rectification: Rectification) -> bool:
    return rectification.status == Rectification.Status.VERIFIED and is_office_for(
        user, rectification.finding.unit_id
    )


# --- reads for pages -------------------------------------------------------------------------
def rounds_for_user(*, user: Any, plan: Plan | None = None, status: str = "") -> QuerySet[Any]:
    """Rounds of the plans in the user's scope (drafts only for those who run them)."""
    qs = InspectionRound.objects.for_user(user)
    if not user.has_role(Role.OFFICE, Role.INSPECTOR):
        qs = qs.exclude(status=InspectionRound.Status.DRAFT)
    if plan is not None:
        qs = qs.filter(plan=plan)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("plan", "plan__cycle", "plan__owner").order_by(
        "-period_end", "code", "pk"
    )


def access_round(*, user: Any, pk: int) -> InspectionRound:
    try:
        return rounds_for_user(user=user).get(pk=pk)
    except InspectionRound.DoesNotExist:
        raise Http404 from None


def round_counts(*, user: Any, rounds: list[InspectionRound]) -> dict[int, dict[str, Any]]:
    """Per round: findings, confirmed points and open rectifications the user may see."""
    out: dict[int, dict[str, Any]] = {
        r.pk: {"findings": 0, "points": Decimal("0"), "open": 0} for r in rounds
    }
    ids = list(out)
    for round_id, n in Counter(
        findings_for_user(user=user).filter(round_id__in=ids).values_list("round_id", flat=True)
    ).items():
        out[round_id]["findings"] = n
    for round_id, points in (
        deductions_for_user(user=user)
        .filter(finding__round_id__in=ids, status__in=COUNTED_STATUSES)
        .values_list("finding__round_id", "effective_points")
    ):
        out[round_id]["points"] += points
    for round_id in (
        rectifications_for_user(user=user)
        .filter(finding__round_id__in=ids, status__in=Rectification.ACTIVE_STATUSES)
        .values_list("finding__round_id", flat=True)
    ):
        out[round_id]["open"] += 1
    return out


def findings_for_user(
    *, user: Any, inspection_round: InspectionRound | None = None, unit: Unit | None = None
) -> QuerySet[Finding]:
    """Findings on, or answered for by, a unit in scope (draft rounds only for inspectors)."""
    qs = Finding.objects.for_user(user)
    if not user.has_role(Role.OFFICE, Role.INSPECTOR):
        qs = qs.exclude(round__status=InspectionRound.Status.DRAFT)
    if inspection_round is not None:
        qs = qs.filter(round=inspection_round)
    if unit is not None:
        qs = qs.filter(Q(unit=unit) | Q(responsible_unit=unit))
    return qs.select_related(
        "round",
        "round__plan",
        "unit",
        "indicator",
        "responsible_unit",
        "responsible_leader",
        "rectification",
    ).order_by("-found_on", "-pk")


def access_finding(*, user: Any, pk: int) -> Finding:
    try:
        return findings_for_user(user=user).get(pk=pk)
    except Finding.DoesNotExist:
        raise Http404 from None


def evidence_for_user(*, user: Any) -> QuerySet[FindingEvidence]:
    return FindingEvidence.objects.for_user(user).select_related("finding")


def access_evidence(*, user: Any, pk: int) -> FindingEvidence:
    try:
        return evidence_for_user(user=user).get(pk=pk)
    except FindingEvidence.DoesNotExist:
        raise Http404 from None


def deductions_for_user(
    *, user: Any, plan: Plan | None = None, status: str = ""
) -> QuerySet[Deduction]:
    qs = Deduction.objects.for_user(user)
    if not user.has_role(Role.OFFICE, Role.INSPECTOR):
        qs = qs.exclude(status=Deduction.Status.PROPOSED)
    if plan is not None:
        qs = qs.filter(finding__round__plan=plan)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "finding",
        "finding__round",
        "unit",
        "indicator",
        "responsible_unit",
        "responsible_leader",
        "rule",
    ).order_by("-created_at", "-pk")


def access_deduction(*, user: Any, pk: int) -> Deduction:
    try:
        return deductions_for_user(user=user).get(pk=pk)
    except Deduction.DoesNotExist:
        raise Http404 from None


def appeals_for_user(*, user: Any, status: str = "") -> QuerySet[Appeal]:
    qs = Appeal.objects.for_user(user)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "deduction",
        "deduction__finding",
        "deduction__finding__round",
        "deduction__unit",
        "deduction__responsible_unit",
        "filed_by",
        "ruled_by",
    ).order_by("status", "-filed_on", "-pk")


def access_appeal(*, user: Any, pk: int) -> Appeal:
    try:
        return appeals_for_user(user=user).get(pk=pk)
    except Appeal.DoesNotExist:
        raise Http404 from None


def rectifications_for_user(
    *,
    user: Any,
    status: str = "",
    overdue: bool = False,
    unit: Unit | None = None,
    today: date | None = None,
) -> QuerySet[Rectification]:
    """Rectifications in scope; `overdue`: past the deadline and still being worked on."""
    qs = Rectification.objects.for_user(user)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(
            status__in=Rectification.ACTIVE_STATUSES,
            deadline__lt=today or timezone.localdate(),
        )
    if unit is not None:
        qs = qs.filter(Q(unit=unit) | Q(finding__unit=unit))
    return qs.select_related(
        "finding",
        "finding__round",
        "finding__unit",
        "finding__responsible_leader",
        "unit",
        "responsible_person",
    ).order_by("deadline", "pk")


def access_rectification(*, user: Any, pk: int) -> Rectification:
    try:
        return rectifications_for_user(user=user).get(pk=pk)
    except Rectification.DoesNotExist:
        raise Http404 from None


def rectification_units(*, user: Any) -> QuerySet[Unit]:
    """The units the user's rectifications belong to, for the list filter."""
    ids = rectifications_for_user(user=user).values("unit_id")
    return Unit.objects.filter(pk__in=ids).order_by("path")


class RuleBook:
    """A plan's deduction rules and which one a deduction falls under: the indicator's own,
    else its nearest ancestor's, else its category's (loaded once per plan)."""

    def __init__(self, plan: Plan) -> None:
        self.rules = list(DeductionRule.objects.filter(plan=plan))
        self.by_indicator = {r.indicator_id: r for r in self.rules if r.indicator_id}
        self.by_category = {r.category: r for r in self.rules if not r.indicator_id}
        self.parents: dict[int, int | None] = (
            dict(Indicator.objects.filter(plan=plan).values_list("pk", "parent_id"))
            if self.by_indicator
            else {}
        )

    def rule_for(self, indicator_id: int | None, category: str) -> DeductionRule | None:
        node = indicator_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            if node in self.by_indicator:
                return self.by_indicator[node]
            node = self.parents.get(node)
        return self.by_category.get(category)


def deduction_rule_for(
    *, plan: Plan, indicator: Indicator | None, category: str
) -> DeductionRule | None:
    """The rule a deduction on `indicator` (or, without one, in `category`) falls under."""
    return RuleBook(plan).rule_for(indicator.pk if indicator else None, category)


def cap_used(*, plan: Plan, rule: DeductionRule, unit_id: int) -> Decimal:
    """Points already deducted from a unit under a rule (everything not withdrawn), whether
    recorded before or after the rule was set."""
    book = RuleBook(plan)
    rows = Deduction.objects.filter(
        finding__round__plan=plan, unit_id=unit_id, status__in=ACTIVE_DEDUCTION_STATUSES
    ).values_list("indicator_id", "category", "effective_points")
    return sum(
        (
            points
            for indicator_id, category, points in rows
            if book.rule_for(indicator_id, category) == rule
        ),
        Decimal("0"),
    )


# --- 谁丢分谁负责 ------------------------------------------------------------------------------
@dataclass
class AccountabilityRow:
    """Confirmed points lost, attributed to a responsible unit and leader."""

    unit: Unit | None
    leader: Person | None
    points: Decimal = Decimal("0")
    count: int = 0
    pending_appeals: int = 0
    deductions: list[Deduction] = field(default_factory=list)


def accountability(*, user: Any, plan: Plan | None = None) -> list[AccountabilityRow]:
    """Deductions that count (confirmed, under appeal or reduced) by responsible unit and
    leader, biggest loss first."""
    qs = deductions_for_user(user=user, plan=plan).filter(
        status__in=[
            Deduction.Status.CONFIRMED,
            Deduction.Status.APPEALED,
            Deduction.Status.REDUCED,
        ]
    )
    rows: dict[tuple[int | None, int | None], AccountabilityRow] = {}
    for d in qs:
        key = (d.responsible_unit_id, d.responsible_leader_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = AccountabilityRow(d.responsible_unit, d.responsible_leader)
        row.points += d.effective_points
        row.count += 1
        row.pending_appeals += d.status == Deduction.Status.APPEALED
        row.deductions.append(d)
    return sorted(
        rows.values(),
        key=lambda r: (
            -r.points,
            r.unit.path if r.unit else "~",
            r.leader.name if r.leader else "",
        ),
    )


# --- for the scoring engine ----------------------------------------------------------------------
@dataclass(frozen=True)
class DeductionInput:
    """One deduction as the scoring engine takes it."""

    deduction_id: int
    unit_id: int  # the evaluated unit losing the points
    indicator_id: int | None  # None -> executive-capacity category
    category: str  # Indicator.Category value
    points: Decimal  # effective points after appeal rulings and caps
    responsible_unit_id: int | None
    responsible_leader_id: int | None
    appeal_pending: bool


def deductions_for_scoring(
    *, plan: Plan, include_pending_appeals: bool = True
) -> list[DeductionInput]:
    """The plan's deductions that count: confirmed ones (also when reduced, and — unless
    `include_pending_appeals` is False — those under appeal, at their current points);
    withdrawn ones count zero; proposed ones not at all. Caps are applied defensively in
    confirmation order, per unit and rule (as the plan's rules stand now), even though the
    services refuse to exceed them."""
    rows = list(
        Deduction.objects.filter(finding__round__plan=plan, status__in=COUNTED_STATUSES).order_by(
            "confirmed_on", "pk"
        )
    )
    if not include_pending_appeals:
        rows = [d for d in rows if d.status != Deduction.Status.APPEALED]
    book = RuleBook(plan)
    caps: dict[tuple[object, ...], Decimal | None] = {}
    items = []
    for d in rows:
        rule = book.rule_for(d.indicator_id, d.category)
        group: tuple[object, ...] = (d.unit_id, rule.pk if rule else None)
        if rule is not None:
            caps[group] = rule.cap
        points = Decimal("0") if d.status == Deduction.Status.WITHDRAWN else d.effective_points
        items.append(calc.CapItem(d.pk, group, points))
    capped = calc.apply_caps(items, caps)
    return [
        DeductionInput(
            deduction_id=d.pk,
            unit_id=d.unit_id,
            indicator_id=d.indicator_id,
            category=d.category,
            points=capped[d.pk],
            responsible_unit_id=d.responsible_unit_id,
            responsible_leader_id=d.responsible_leader_id,
            appeal_pending=d.status == Deduction.Status.APPEALED,
        )
        for d in rows
    ]


def rectification_summary(*, plan: Plan, today: date | None = None) -> dict[str, int]:
    """How many of the plan's rectifications are in each status, plus "overdue" (past the
    deadline, still being worked on) and "total"; every status key present."""
    today = today or timezone.localdate()
    counts = dict.fromkeys(Rectification.Status.values, 0)
    overdue = 0
    by_status: dict[str, int] = defaultdict(int)
    for status, deadline in Rectification.objects.filter(finding__round__plan=plan).values_list(
        "status", "deadline"
    ):
        by_status[status] += 1
        if status in Rectification.ACTIVE_STATUSES and deadline < today:
            overdue += 1
    counts.update(by_status)
    counts["overdue"] = overdue
    counts["total"] = sum(by_status.values())
    return counts
