"""Reads of progress reports (进度报送) and their evidence, narrowed to the user's data scope,
and who may do what with a report.

Who does what (checked here, enforced again by kaoping.tracking.services.reports):

- a **reporter** of the unit creates, edits and submits its reports and attaches evidence;
- the **unit head** of the unit approves a submitted report or returns it with a reason;
- the **office** whose scope holds the unit approves a report the unit head approved, returns
  it, and asks for a correction of an approved one (a new version);
- leaders and inspectors read the reports of their scope; nobody else sees them.

Nobody edits a report that is under review, approved or superseded by a newer version.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.audit.models import AuditEvent
from kaoping.core.periods import Period, PeriodError
from kaoping.core.scope import ScopedQuerySet
from kaoping.org.models import Role, RoleGrant, Unit
from kaoping.org.permissions import REPORT_REVIEW_ROLES, REPORT_ROLES
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking.models import Evidence, Holiday, ProgressReport
from kaoping.tracking.obligations import obligations, reporting_period
from kaoping.tracking.workdays import WorkCalendar, calendar_from_rows

Status = ProgressReport.Status

REPORT_READ_ROLES = REPORT_ROLES
REPORT_WRITE_ROLES = frozenset({Role.REPORTER})
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})
PENDING_STATUSES = frozenset({Status.SUBMITTED, Status.UNIT_APPROVED})
VALUE_KINDS = frozenset({Indicator.Kind.QUANTITATIVE, Indicator.Kind.GROWTH, Indicator.Kind.SHARE})

# The working days after the end of a period by which its report is due (a plan setting,
# `Plan.status_rule["report_deadline_days"]`, with this default).
DEFAULT_DEADLINE_DAYS = 5
# How far after a period's end the working calendar is read for its deadline.
_CALENDAR_WINDOW_DAYS = 120

_REPORT_RELATED = (
    "indicator",
    "indicator__plan",
    "indicator__plan__cycle",
    "unit",
    "created_by",
    "submitted_by",
    "unit_approved_by",
    "approved_by",
)


# --- who may do what -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grants:
    reporter: frozenset[int]
    unit_head: frozenset[int]
    office_paths: tuple[str, ...]
    superuser: bool


def _grants(user: Any) -> _Grants:
    """The units a user reports for or heads, and the subtrees they are office for (cached on
    the user object, i.e. once per request)."""
    cached = getattr(user, "_report_grants_cache", None)
    if cached is not None:
        return cached
    reporter: set[int] = set()
    head: set[int] = set()
    paths: list[str] = []
    if getattr(user, "is_authenticated", False):
        for role, unit_id, path in RoleGrant.objects.filter(
            user=user, role__in=[Role.REPORTER, Role.UNIT_HEAD, Role.OFFICE], unit__isnull=False
        ).values_list("role", "unit_id", "unit__path"):
            if role == Role.REPORTER:
                reporter.add(unit_id)
            elif role == Role.UNIT_HEAD:
                head.add(unit_id)
            else:
                paths.append(path)
    grants = _Grants(
        frozenset(reporter),
        frozenset(head),
        tuple(paths),
        bool(getattr(user, "is_superuser", False)),
    )
    if user is not None:
        user._report_grants_cache = grants
    return grants


def is_reporter_for(user: Any, unit_id: int) -> bool:
    return unit_id in _grants(user).reporter


def is_unit_head_for(user: Any, unit_id: int) -> bool:
    return unit_id in _grants(user).unit_head


def is_office_for(user: Any, unit: Unit) -> bool:
    """The office whose subtree holds the unit (a superuser counts as the office)."""
    grants = _grants(user)
    return grants.superuser or any(unit.path.startswith(p) for p in grants.office_paths)


def _office_q(user: Any, lookup: str = "unit") -> Q:
    grants = _grants(user)
    if grants.superuser:
        return Q()
    if not grants.office_paths:
        return Q(pk__in=[])
    q = Q()
    for path in grants.office_paths:
        q |= Q(**{f"{lookup}__path__startswith": path})
    return q


def can_read_reports(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or user.has_role(*REPORT_READ_ROLES)
    )


def can_create_report(user: Any, unit: Unit) -> bool:
    """A reporter of the unit starts its reports."""
    return is_reporter_for(user, unit.pk)


def can_edit_report(user: Any, report: ProgressReport) -> bool:
    """Edit, attach evidence and submit: a reporter of the unit, while a current draft or a
    returned report."""
    return (
        report.is_current
        and report.status in EDITABLE_STATUSES
        and is_reporter_for(user, report.unit_id)
    )


def can_unit_review(user: Any, report: ProgressReport) -> bool:
    """Approve or return at the unit step: the unit head, once submitted."""
    return (
        report.is_current
        and report.status == Status.SUBMITTED
        and is_unit_head_for(user, report.unit_id)
    )


def can_office_review(user: Any, report: ProgressReport) -> bool:
    """Approve or return at the office step: the office in scope, once the head approved."""
    return (
        report.is_current
        and report.status == Status.UNIT_APPROVED
        and is_office_for(user, report.unit)
    )


def can_correct(user: Any, report: ProgressReport) -> bool:
    """Ask for a correction (a new version) of the current approved report: the office."""
    return (
        report.is_current and report.status == Status.APPROVED and is_office_for(user, report.unit)
    )


def report_actions(user: Any, report: ProgressReport) -> dict[str, bool]:
    """Which workflow buttons the user sees on a report."""
    edit = can_edit_report(user, report)
    unit_review = can_unit_review(user, report)
    office_review = can_office_review(user, report)
    return {
        "edit": edit,
        "submit": edit,
        "unit_review": unit_review,
        "office_review": office_review,
        "review": unit_review or office_review,
        "correct": can_correct(user, report),
    }


# --- reports ---------------------------------------------------------------------------------
def reports_for_user(
    *,
    user: Any,
    plan: Plan | None = None,
    period: str = "",
    status: str = "",
    unit: Unit | None = None,
    indicator: Indicator | None = None,
    current_only: bool = True,
) -> QuerySet[ProgressReport]:
    """Reports of the units in the user's scope (nothing for roles that do not read them)."""
    if not can_read_reports(user):
        return ProgressReport.objects.none()
    qs = ProgressReport.objects.for_user(user).select_related(*_REPORT_RELATED)
    if current_only:
        qs = qs.filter(is_current=True)
    if plan is not None:
        qs = qs.filter(indicator__plan=plan)
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    return qs


def access_report(*, user: Any, pk: int) -> ProgressReport:
    """Fetch a report the user may read, or 404."""
    try:
        return reports_for_user(user=user, current_only=False).get(pk=pk)
    except ProgressReport.DoesNotExist:
        raise Http404 from None


def report_versions(*, user: Any, report: ProgressReport) -> list[ProgressReport]:
    """Every version of the report's indicator, unit and period, newest first, with their
    evidence (the history of corrections stays readable)."""
    return list(
        reports_for_user(
            user=user, unit=report.unit, indicator=report.indicator, current_only=False
        )
        .filter(period=report.period)
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at")))
        .order_by("-version")
    )


def report_events(*, reports: list[ProgressReport]) -> list[AuditEvent]:
    """The workflow events of these reports (created, submitted, approved, returned with
    the reason, corrected, evidence attached or removed), oldest first."""
    ids = [str(r.pk) for r in reports]
    return list(
        AuditEvent.objects.filter(object_type=ProgressReport._meta.label_lower, object_id__in=ids)
        .select_related("actor")
        .order_by("at", "id")
    )


def report_evidence(*, report: ProgressReport) -> list[Evidence]:
    """The evidence of a report the caller already may read."""
    return list(report.evidence.select_related("uploaded_by").order_by("uploaded_at"))


def access_report_evidence(*, user: Any, pk: int) -> Evidence:
    """An evidence file of a report the user may read, or 404."""
    if not can_read_reports(user):
        raise Http404
    try:
        return (
            ScopedQuerySet(model=Evidence)
            .for_user(user)
            .filter(report__isnull=False)
            .select_related("report", "report__unit", "unit")
            .get(pk=pk)
        )
    except Evidence.DoesNotExist:
        raise Http404 from None


# --- the review queue ---------------------------------------------------------------------
QUEUE_STATUSES = (Status.SUBMITTED, Status.UNIT_APPROVED, Status.RETURNED)
# The columns the queue and its export show, and what deciding a row's buttons reads (the
# unit's path for the office's scope): a page of 50 reports no longer loads each plan's
# rules or the reviewers' accounts.
_QUEUE_FIELDS = (
    "row_version",
    "indicator__code",
    "indicator__name",
    "indicator__unit_of_measure",
    "unit__name",
    "unit__short_name",
    "unit__path",
    "period",
    "version",
    "is_current",
    "status",
    "value",
    "last_year_value",
    "deadline",
    "is_late",
    "submitted_at",
    "submitted_by__username",
    "submitted_by__first_name",
    "submitted_by__last_name",
    "submitted_by__display_name",
)


def _evidence_count() -> Coalesce:
    """A report's number of evidence files, as a subquery on the evidence's report index: the
    queue's query then needs no GROUP BY over every selected column, and counting the queue
    for its pages needs no join at all."""
    per_report = (
        Evidence.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_report, output_field=IntegerField()), 0)


def review_queue(
    *, user: Any, period: str = "", status: str = "", unit: Unit | None = None
) -> QuerySet[ProgressReport]:
    """Reports waiting for review in the user's scope.

    Without a status: what the user can act on — submitted reports of the units they head,
    and reports their unit heads approved for the office. With a status (submitted, unit
    approved, returned), that stage in the user's reviewing scope, so the office also sees
    what is still with the unit heads, and what went back to the units.
    """
    grants = _grants(user)
    if not (user.is_authenticated and (grants.superuser or user.has_role(*REPORT_REVIEW_ROLES))):
        return ProgressReport.objects.none()
    head_q = Q(unit_id__in=grants.unit_head)
    office_q = _office_q(user) if (grants.superuser or grants.office_paths) else Q(pk__in=[])
    if status in QUEUE_STATUSES:
        where = Q(status=status) & (head_q | office_q)
    else:
        where = (Q(status=Status.SUBMITTED) & head_q) | (Q(status=Status.UNIT_APPROVED) & office_q)
    qs = (
        ProgressReport.objects.for_user(user)
        .filter(is_current=True)
        .filter(where)
        .select_related("indicator", "unit", "submitted_by")
        .only(*_QUEUE_FIELDS)
        .annotate(evidence_count=_evidence_count())
    )
    if period:
        qs = qs.filter(period=period)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("submitted_at", "pk")


def review_queue_units(*, user: Any) -> QuerySet[Unit]:
    """The units a reviewer may filter the queue by."""
    return Unit.objects.for_user(user).filter(is_active=True).only("pk", "name", "path", "code")


def review_queue_periods(*, user: Any) -> list[str]:
    """Periods with reports under review in the user's scope, newest first."""
    periods = (
        ProgressReport.objects.for_user(user)
        .filter(is_current=True, status__in=QUEUE_STATUSES)
        .order_by()  # else the model's ordering joins in and DISTINCT returns every report
        .values_list("period", flat=True)
        .distinct()
    )
    return sorted(set(periods), key=_period_sort_key, reverse=True)


def _period_sort_key(text: str) -> tuple[int, int, int]:
    try:
        p = Period.parse(text)
    except PeriodError:
        return (0, 0, 0)
    return (p.year, p.last_month, {"month": 0, "quarter": 1, "year": 2}[p.kind])


# --- deadlines -------------------------------------------------------------------------------
def deadline_days(plan: Plan) -> int:
    """Working days after a period's end by which its report is due (default 5)."""
    raw = (plan.status_rule or {}).get("report_deadline_days", DEFAULT_DEADLINE_DAYS)
    try:
        days = int(str(raw))
    except ValueError:
        return DEFAULT_DEADLINE_DAYS
    return days if 0 <= days <= 60 else DEFAULT_DEADLINE_DAYS


def evidence_required(plan: Plan) -> bool:
    """Whether a report needs at least one evidence file to be submitted (default yes: figures
    come only from reports with evidence); `status_rule["report_evidence_required"]`."""
    return bool((plan.status_rule or {}).get("report_evidence_required", True))


def work_calendar_after(day: date, *, until: date | None = None) -> WorkCalendar:
    """The working calendar from a day for long enough to count a deadline from it."""
    end = until or day
    rows = Holiday.objects.filter(
        day__gte=day, day__lte=end + timedelta(days=_CALENDAR_WINDOW_DAYS)
    ).values_list("day", "is_working_day")
    return calendar_from_rows(rows)


def reporting_deadline(plan: Plan, period: Period, *, calendar: WorkCalendar | None = None) -> date:
    """The day a period's report is due: N working days after the period ends."""
    calendar = calendar or work_calendar_after(period.end)
    return calendar.shift(period.end, deadline_days(plan))


# --- a unit's reporting page ------------------------------------------------------------------
def reporting_units(*, user: Any) -> list[Unit]:
    """The units whose reporting page the user may open: their own first, then the rest of
    their scope."""
    if not can_read_reports(user):
        return []
    grants = _grants(user)
    own = grants.reporter | grants.unit_head
    units = list(Unit.objects.for_user(user).filter(is_active=True))
    return sorted(units, key=lambda u: (u.pk not in own, u.path))


def reporting_plans(*, unit: Unit, year: int | None = None) -> list[Plan]:
    """Published plans that apply to the unit (owned by it or by a unit above it)."""
    own_and_above = [
        unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)
    ]
    qs = Plan.objects.filter(
        status=Plan.Status.PUBLISHED, owner__path__in=own_and_above
    ).select_related("cycle", "owner")
    if year is not None:
        qs = qs.filter(cycle__year=year)
    return list(qs.order_by("-cycle__year", "kind", "code"))


def reporting_period_choices(*, unit: Unit, today: date) -> list[Period]:
    """The months and quarters a unit may look at: those of its plans' years up to today,
    newest first."""
    years = sorted({p.cycle.year for p in reporting_plans(unit=unit)}, reverse=True)
    choices: list[Period] = []
    for year in years:
        for month in range(12, 0, -1):
            month_period = Period(year, "month", month)
            if month_period.start > today:
                continue
            if month % 3 == 0:
                choices.append(Period(year, "quarter", month // 3))
            choices.append(month_period)
    return choices


def default_reporting_period(choices: list[Period], today: date) -> Period | None:
    """The latest period that has ended (what is being reported now), else the newest."""
    ended = [p for p in choices if p.end < today and p.kind == "month"]
    if ended:
        return ended[0]
    return choices[0] if choices else None


@dataclass
class ObligationRow:
    """One report the unit owes for the chosen period, and where it stands: its `state`
    (not started, draft, returned, with the unit head, with the office, approved), whether it
    is overdue (not submitted by the deadline) or was submitted late."""

    indicator: Indicator
    plan: Plan
    period: Period
    deadline: date
    report: ProgressReport | None
    state: str
    working_days_left: int
    overdue: bool = False

    @property
    def label(self) -> Promise:
        return OBLIGATION_STATES[self.state][0]

    @property
    def colour(self) -> str:
        return OBLIGATION_STATES[self.state][1]

    @property
    def is_late(self) -> bool:
        return self.overdue or bool(self.report and self.report.is_late)

    @property
    def needs_value(self) -> bool:
        return self.indicator.kind in VALUE_KINDS


OBLIGATION_STATES: dict[str, tuple[Promise, str]] = {
    "not_started": (_("Not started"), "secondary"),
    "draft": (_("Draft"), "info"),
    "returned": (_("Returned"), "warning"),
    "submitted": (_("Waiting for the unit head"), "primary"),
    "unit_approved": (_("Waiting for the office"), "primary"),
    "approved": (_("Approved"), "success"),
}


@dataclass
class UnitReporting:
    """A unit's obligations for a period, with counts by state."""

    unit: Unit
    period: Period
    rows: list[ObligationRow] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def late_count(self) -> int:
        return sum(1 for r in self.rows if r.is_late)

    @property
    def overdue_count(self) -> int:
        return sum(1 for r in self.rows if r.overdue)


def unit_obligations(*, user: Any, unit: Unit, period: Period, today: date) -> UnitReporting:
    """What the unit owes for the period (each indicator at its own reporting period: at a
    quarter's end a monthly indicator reports the month), with its report and state.

    A fixed number of queries per applicable plan, whatever the number of indicators."""
    result = UnitReporting(unit=unit, period=period)
    if not can_read_reports(user) or not Unit.objects.for_user(user).filter(pk=unit.pk).exists():
        return result
    wanted: list[tuple[Plan, Indicator, Period]] = []
    for plan in reporting_plans(unit=unit, year=period.year):
        for obligation in obligations(plan, units=[unit]):
            own = reporting_period(obligation.indicator, period)
            if own is not None:
                wanted.append((plan, obligation.indicator, own))
    if not wanted:
        return result
    reports = {
        (r.indicator_id, r.period): r
        for r in ProgressReport.objects.filter(
            unit=unit,
            is_current=True,
            indicator_id__in={i.pk for _p, i, _o in wanted},
            period__in={str(o) for _p, _i, o in wanted},
        ).annotate(evidence_count=Count("evidence"))
    }
    earliest = min(o.end for _p, _i, o in wanted)
    latest = max(o.end for _p, _i, o in wanted)
    calendar = work_calendar_after(earliest, until=max(latest, today))
    for plan, indicator, own in wanted:
        report = reports.get((indicator.pk, str(own)))
        deadline = (
            report.deadline
            if report is not None and report.deadline
            else reporting_deadline(plan, own, calendar=calendar)
        )
        state = "not_started" if report is None else str(report.status)
        result.rows.append(
            ObligationRow(
                indicator=indicator,
                plan=plan,
                period=own,
                deadline=deadline,
                report=report,
                state=state,
                working_days_left=calendar.working_days_between(today, deadline),
                overdue=state in ("not_started", "draft") and today > deadline,
            )
        )
        result.counts[state] += 1
    return result
