"""Bulk progress entry by Excel: the template for a unit and period, and its all-or-nothing import.

`progress_template_export` writes the entry workbook (kaoping.tracking.progress_xlsx) with one
row per indicator the unit reports on in the period, prefilled with what is already reported.
`progress_import` reads an uploaded workbook, checks everything (file, header, every row
against the plan, the unit's obligations and the state of its reports) and only then, in one
transaction, creates or updates draft reports, marked with the file's SHA-256 as their source.
Nothing is written if anything is wrong, and every problem is reported, located.
Re-importing the same content changes nothing; a report that is submitted or approved is never
touched (a row that differs from it is an error: it needs a return or a correction).

Writes are bulk (COPY on PostgreSQL, a prepared statement executed for batches of 5,000 rows
on SQLite) and reads are one query per table, so a file of 100,000 rows imports in seconds;
one audit event records each import with its counts, instead of one change record per
report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.core.periods import Period, PeriodError
from kaoping.org.models import Role, RoleGrant, Unit
from kaoping.plans.models import Indicator, IndicatorTarget, Plan
from kaoping.plans.planfile import Loc, Problem, Problems, sorted_problems
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.obligations import REPORTING_KINDS, owed_indicator_ids, reporting_period
from kaoping.tracking.progress_xlsx import (
    COLUMN_BY_KEY,
    SHEET_ENTRY,
    SHEET_ORDER,
    EntryRow,
    ParsedWorkbook,
    TemplateHeader,
    TemplateRow,
    read_workbook,
    write_template,
)

SOURCE_PREFIX = "excel:"
IMPORT_ROLES = frozenset({Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD})
# Reports an import may overwrite; the others are under review or approved (locked).
EDITABLE_STATUSES = frozenset({ProgressReport.Status.DRAFT, ProgressReport.Status.RETURNED})
# Indicators whose progress is a figure; the others (qualitative, milestones) are narrated.
VALUE_KINDS = frozenset({Indicator.Kind.QUANTITATIVE, Indicator.Kind.GROWTH, Indicator.Kind.SHARE})
BATCH_SIZE = 5000  # rows per batch written (COPY on PostgreSQL, a prepared INSERT else)
DEFAULT_MAX_WORKBOOK_BYTES = 10 * 1024 * 1024


def max_workbook_bytes() -> int:
    """The size limit for uploaded workbooks: the smaller of the upload and workbook limits."""
    return min(
        int(getattr(settings, "KAOPING_MAX_UPLOAD_BYTES", DEFAULT_MAX_WORKBOOK_BYTES)),
        int(getattr(settings, "KAOPING_MAX_WORKBOOK_BYTES", DEFAULT_MAX_WORKBOOK_BYTES)),
    )


class ProgressImportError(ApplicationError):
    """A workbook that cannot be imported; `problems` lists every reason, located."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            _("The workbook has %(n)d problem(s); nothing was imported.") % {"n": len(problems)},
            extra={"problems": [str(p) for p in problems]},
        )
        self.problems = problems


# --- who may enter progress for which unit ---------------------------------------------------
def import_units(*, user: Any) -> QuerySet[Unit]:
    """Units the user may enter progress for: their own (reporter, unit head), or every unit
    in an office user's subtree."""
    if user is None or not user.is_authenticated:
        return Unit.objects.none()
    units = Unit.objects.filter(is_active=True)
    if user.is_superuser:
        return units
    allowed = Q(
        pk__in=RoleGrant.objects.filter(user=user, role__in=[Role.REPORTER, Role.UNIT_HEAD]).values(
            "unit_id"
        )
    )
    for path in RoleGrant.objects.filter(
        user=user, role=Role.OFFICE, unit__isnull=False
    ).values_list("unit__path", flat=True):
        allowed |= Q(path__startswith=path)
    return units.filter(allowed)


def access_import_unit(*, user: Any, code: str) -> Unit:
    """A unit the user may enter progress for, by code, or 404 (never revealing others)."""
    try:
        return import_units(user=user).get(code=code)
    except Unit.DoesNotExist:
        raise Http404 from None


def require_can_import(actor: Any, unit: Unit) -> None:
    """Raise unless the actor may enter progress for the unit (None: the system, allowed)."""
    if actor is None:
        return
    if not import_units(user=actor).filter(pk=unit.pk).exists():
        raise PermissionDeniedError(
            _("You may not enter progress for “%(unit)s”.") % {"unit": unit.name}
        )


def reporting_plans(*, unit: Unit, period: Period) -> list[Plan]:
    """The published plans of the period's year that apply to the unit (owned by it or by
    one of the units above it)."""
    own_and_above = [
        unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)
    ]
    return list(
        Plan.objects.filter(
            cycle__year=period.year, status=Plan.Status.PUBLISHED, owner__path__in=own_and_above
        )
        .select_related("cycle", "owner")
        .order_by("kind", "code")
    )


# --- what is due --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Indicator:
    """What an import and a template use of an indicator, read as plain values: a plan of
    100,000 indicators loads in a fraction of the time its model instances take."""

    pk: int
    parent_id: int | None
    code: str
    name: str
    order: int
    kind: str
    frequency: str
    unit_of_measure: str
    target: Decimal | None
    target_text: str
    baseline: Decimal | None

    def get_frequency_display(self) -> str:
        return str(dict(Indicator.Frequency.choices).get(self.frequency, self.frequency))


_INDICATOR_FIELDS = tuple(f.name for f in fields(_Indicator) if f.name != "pk")


@dataclass
class _Due:
    """A plan's indicators for one unit and period: what is owed, and in which own period."""

    plan: Plan
    unit: Unit
    period: Period
    indicators: dict[str, _Indicator] = field(default_factory=dict)  # every one of the plan
    owed: set[int] = field(default_factory=set)  # indicator ids the unit reports on at all
    due: dict[int, str] = field(default_factory=dict)  # indicator id → its reporting period
    targets: dict[int, IndicatorTarget] = field(default_factory=dict)
    parents: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, *, plan: Plan, unit: Unit, period: Period) -> _Due:
        state = cls(plan, unit, period)
        by_id: dict[int, _Indicator] = {}
        for values in plan.indicators.order_by().values_list("pk", *_INDICATOR_FIELDS):
            indicator = _Indicator(*values)
            state.indicators[indicator.code] = indicator
            by_id[indicator.pk] = indicator
            if indicator.parent_id:
                state.parents.add(indicator.parent_id)
        state.owed = owed_indicator_ids(plan, unit)
        # The own period depends on the frequency only: one reporting_period per frequency.
        own_periods: dict[str, Period | None] = {}
        for pk in state.owed:
            frequency = by_id[pk].frequency
            if frequency not in own_periods:
                own_periods[frequency] = reporting_period(Indicator(frequency=frequency), period)
            own = own_periods[frequency]
            if own is not None:
                state.due[pk] = str(own)
        state.targets = {
            t.indicator_id: t
            for t in IndicatorTarget.objects.filter(unit=unit, indicator__plan=plan)
        }
        return state

    def due_indicators(self) -> list[_Indicator]:
        """The indicators due, in the plan's order."""
        by_id = {i.pk: i for i in self.indicators.values()}
        return sorted((by_id[pk] for pk in self.due), key=lambda i: (i.order, i.code))

    def current_reports(self, *, lock: bool = False) -> dict[tuple[int, str], ProgressReport]:
        """The unit's current reports on the due indicators, by (indicator id, period)."""
        qs = ProgressReport.objects.filter(
            unit=self.unit,
            indicator__plan=self.plan,  # not a list of every due indicator's id
            period__in=set(self.due.values()),
            is_current=True,
        )
        if lock:
            qs = qs.select_for_update(of=("self",))
        due = self.due
        return {(r.indicator_id, r.period): r for r in qs if due.get(r.indicator_id) == r.period}

    def allows_negative(self, indicator: _Indicator) -> bool:
        """Negative figures only where the plan's own figures are negative (a loss, a fall)."""
        target = self.targets.get(indicator.pk)
        figures = [indicator.target, indicator.baseline]
        if target is not None:
            figures += [target.target, target.baseline]
        return any(value is not None and value < 0 for value in figures)

    def target_of(self, indicator: _Indicator) -> Decimal | None:
        target = self.targets.get(indicator.pk)
        if target is not None and target.target is not None:
            return target.target
        return indicator.target


def _choose_plan(*, unit: Unit, period: Period, plan: Plan | None) -> tuple[Plan, _Due]:
    plans = reporting_plans(unit=unit, period=period)
    if plan is not None:
        if plan.pk not in {p.pk for p in plans}:
            raise ApplicationError(
                _("The plan “%(plan)s” is not a published plan of %(year)d for “%(unit)s”.")
                % {"plan": plan.name, "year": period.year, "unit": unit.name}
            )
        plans = [plan]
    for candidate in plans:
        due = _Due.load(plan=candidate, unit=unit, period=period)
        if due.due:
            return candidate, due
    raise ApplicationError(
        _("“%(unit)s” has nothing to report for %(period)s in a published plan.")
        % {"unit": unit.name, "period": period.label()}
    )


# --- the template -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateFile:
    """A generated template: its file name, bytes, plan and number of rows."""

    filename: str
    data: bytes
    plan: Plan
    rows: int


def progress_template_export(
    *, actor: Any, unit: Unit, period: Period, plan: Plan | None = None
) -> TemplateFile:
    """The entry workbook for a unit and period (the first plan with something due, unless
    one is given), prefilled with the current reports; the export is audited."""
    require_can_import(actor, unit)
    plan, due = _choose_plan(unit=unit, period=period, plan=plan)
    reports = due.current_reports()
    rows = []
    for indicator in due.due_indicators():
        report = reports.get((indicator.pk, due.due[indicator.pk]))
        rows.append(
            TemplateRow(
                code=indicator.code,
                name=indicator.name,
                unit_of_measure=indicator.unit_of_measure,
                target=due.target_of(indicator),
                target_text=indicator.target_text,
                value=report.value if report else None,
                last_year_value=report.last_year_value if report else None,
                narrative=report.narrative if report else "",
                allows_negative=due.allows_negative(indicator),
            )
        )
    header = TemplateHeader(
        unit_code=unit.code,
        unit_name=unit.name,
        period=str(period),
        period_label=period.label(),
        plan_code=plan.code,
        plan_name=plan.name,
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    )
    data = write_template(header, rows)
    sha256 = hashlib.sha256(data).hexdigest()
    audit_event(
        actor=actor,
        action="progress.template_export",
        obj=unit,
        after={"plan": plan.code, "period": str(period), "rows": len(rows), "sha256": sha256},
    )
    return TemplateFile(f"进度填报_{unit.code}_{period}_{plan.code}.xlsx", data, plan, len(rows))


# --- the import ---------------------------------------------------------------------------------
@dataclass
class ImportResult:
    """What an import did."""

    unit: Unit
    period: Period
    plan: Plan
    sha256: str
    filename: str
    rows: int = 0  # filled rows in the file
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0  # rows of the template left empty
    already_imported: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def progress_import(
    *,
    actor: Any,
    data: bytes,
    filename: str = "",
    unit: Unit | None = None,
    period: Period | None = None,
) -> ImportResult:
    """Import a filled entry workbook as draft reports, all or nothing.

    `unit` and `period` are what the upload is for; left out (command line), they are taken
    from the workbook's header. Raises ProgressImportError listing every problem, or
    PermissionDeniedError when the actor may not enter progress for the unit.
    """
    if unit is not None:
        require_can_import(actor, unit)
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = read_workbook(data, max_bytes=max_workbook_bytes())
    problems = Problems(parsed.problems)
    target = _resolve_header(parsed, problems, actor=actor, unit=unit, period=period)
    if target is None or len(problems) > len(parsed.problems):
        # Without the right unit, period and plan the rows cannot be judged.
        if not problems:
            problems.add(
                Loc(sheet=SHEET_ENTRY),
                _("The workbook does not say which unit, period and plan it is for."),
            )
        raise ProgressImportError(sorted_problems(problems, SHEET_ORDER))
    unit, period, plan = target
    try:
        with transaction.atomic():
            result = _apply(
                actor=actor,
                unit=unit,
                period=period,
                plan=plan,
                parsed=parsed,
                problems=problems,
                sha256=sha256,
                filename=filename,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _(
                "Someone else entered reports for “%(unit)s” at the same time; "
                "upload the workbook again."
            )
            % {"unit": unit.name}
        ) from exc
    return result


def _resolve_header(
    parsed: ParsedWorkbook,
    problems: Problems,
    *,
    actor: Any,
    unit: Unit | None,
    period: Period | None,
) -> tuple[Unit, Period, Plan] | None:
    """The unit, period and plan the workbook is for, checked against the upload's target."""
    header = parsed.header
    code = header.get("unit_code", "")
    if unit is None and code:
        unit = Unit.objects.filter(code=code, is_active=True).first()
        if unit is None:
            problems.add(
                parsed.loc("unit_code"),
                _("There is no unit with the code %(code)s.") % {"code": code},
            )
        else:
            require_can_import(actor, unit)
    elif unit is not None and code and code != unit.code:
        problems.add(
            parsed.loc("unit_code"),
            _("This workbook is for the unit %(code)s, not for “%(unit)s” (%(target)s).")
            % {"code": code, "unit": unit.name, "target": unit.code},
        )
    written = header.get("period", "")
    header_period: Period | None = None
    if written:
        try:
            header_period = Period.parse(written)
        except PeriodError as exc:
            problems.add(parsed.loc("period"), str(exc.message))
    if period is None:
        period = header_period
    elif header_period is not None and header_period != period:
        problems.add(
            parsed.loc("period"),
            _(
                "This workbook is for %(written)s, not for %(period)s: download the "
                "template of %(period)s."
            )
            % {"written": header_period.label(), "period": period.label()},
        )
    if unit is None or period is None:
        return None
    plan_code = header.get("plan_code", "")
    plans = [p for p in reporting_plans(unit=unit, period=period) if p.code == plan_code]
    if plan_code and len(plans) != 1:
        problems.add(
            parsed.loc("plan_code"),
            _("“%(code)s” is not a published plan of %(year)d that applies to “%(unit)s”.")
            % {"code": plan_code, "year": period.year, "unit": unit.name},
        )
    if len(plans) != 1:
        return None
    return unit, period, plans[0]


def _same(report: ProgressReport, row: EntryRow) -> bool:
    return (
        report.value == row.value
        and report.last_year_value == row.last_year_value
        and report.narrative.strip() == row.narrative
    )


def _check_row(row: EntryRow, due: _Due, problems: Problems) -> _Indicator | None:
    """The row's indicator if the unit owes it now and the figures fit it; else problems."""
    if not row.code or "code" in row.bad:
        return None  # reported while reading
    code_loc = row.loc("code")
    indicator = due.indicators.get(row.code)
    if indicator is None:
        problems.add(
            code_loc,
            _("There is no indicator %(code)s in the plan “%(plan)s”.")
            % {"code": row.code, "plan": due.plan.name},
        )
        return None
    if indicator.pk in due.parents or indicator.kind not in REPORTING_KINDS:
        problems.add(
            code_loc,
            _(
                "%(code)s %(name)s is not reported on directly (a category "
                "or a deduction or bonus item)."
            )
            % {"code": row.code, "name": indicator.name},
        )
        return None
    if indicator.pk not in due.owed:
        problems.add(
            code_loc,
            _(
                "“%(unit)s” does not report on %(code)s %(name)s: it is "
                "neither its lead unit nor in a group the indicator applies "
                "to."
            )
            % {"unit": due.unit.name, "code": row.code, "name": indicator.name},
        )
        return None
    if indicator.pk not in due.due:
        problems.add(
            code_loc,
            _("%(code)s is reported %(frequency)s; nothing is due for it in %(period)s.")
            % {
                "code": row.code,
                "frequency": indicator.get_frequency_display(),
                "period": due.period.label(),
            },
        )
        return None
    if row.bad:
        return None  # a cell could not be read: reported already
    ok = True
    if indicator.kind in VALUE_KINDS and row.value is None:
        problems.add(row.loc("value"), _("A value is required for this indicator."))
        ok = False
    if indicator.kind not in VALUE_KINDS and row.value is None and not row.narrative:
        problems.add(row.loc("narrative"), _("Describe the progress of this indicator (进展情况)."))
        ok = False
    if not due.allows_negative(indicator):
        for key, value in (("value", row.value), ("last_year_value", row.last_year_value)):
            if value is not None and value < 0:
                problems.add(
                    row.loc(key), _("Must not be negative (now %(value)s).") % {"value": value}
                )
                ok = False
    return indicator if ok else None


def _apply(
    *,
    actor: Any,
    unit: Unit,
    period: Period,
    plan: Plan,
    parsed: ParsedWorkbook,
    problems: Problems,
    sha256: str,
    filename: str,
) -> ImportResult:
    """Check every row against the database and write, inside the caller's transaction;
    `problems` holds those found reading the file, to which the rows' are added."""
    due = _Due.load(plan=plan, unit=unit, period=period)
    current = due.current_reports(lock=True)
    source = SOURCE_PREFIX + sha256
    result = ImportResult(
        unit=unit,
        period=period,
        plan=plan,
        sha256=sha256,
        filename=filename,
        rows=len(parsed.rows),
        blank=parsed.blank_rows,
    )
    creates: list[tuple[_Indicator, str, EntryRow]] = []
    updates: list[tuple[ProgressReport, EntryRow]] = []
    from_this_file = 0
    for row in parsed.rows:
        indicator = _check_row(row, due, problems)
        if indicator is None:
            continue
        own_period = due.due[indicator.pk]
        report = current.get((indicator.pk, own_period))
        if report is None:
            creates.append((indicator, own_period, row))
        elif _same(report, row):
            result.unchanged += 1
            from_this_file += report.source == source
        elif report.status in EDITABLE_STATUSES:
            updates.append((report, row))
        elif report.status == ProgressReport.Status.APPROVED:
            problems.add(
                row.loc("code"),
                _(
                    "The report on %(code)s for %(period)s is approved and locked; "
                    "submit a correction instead."
                )
                % {"code": row.code, "period": own_period},
            )
        else:
            problems.add(
                row.loc("code"),
                _(
                    "The report on %(code)s for %(period)s is %(status)s and under "
                    "review; ask for it to be returned before changing it."
                )
                % {"code": row.code, "period": own_period, "status": report.get_status_display()},
            )
    if not parsed.rows and not problems:
        problems.add(
            Loc(sheet=SHEET_ENTRY),
            _("No row is filled in (%(columns)s); there is nothing to import.")
            % {
                "columns": "、".join(
                    COLUMN_BY_KEY[k].label for k in ("value", "last_year_value", "narrative")
                )
            },
        )
    if problems:
        raise ProgressImportError(sorted_problems(problems, SHEET_ORDER))
    _write(actor=actor, unit=unit, plan=plan, creates=creates, updates=updates, source=source)
    result.created, result.updated = len(creates), len(updates)
    result.already_imported = not result.changed and from_this_file == result.rows
    audit_event(
        actor=actor,
        action="progress.import",
        obj=unit,
        reason=filename[:200],
        after={
            "sha256": sha256,
            "filename": filename[:200],
            "plan": plan.code,
            "period": str(period),
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "blank": result.blank,
            "already_imported": result.already_imported,
        },
    )
    return result


def _write(
    *,
    actor: Any,
    unit: Unit,
    plan: Plan,
    creates: list[tuple[_Indicator, str, EntryRow]],
    updates: list[tuple[ProgressReport, EntryRow]],
    source: str,
) -> None:
    """Create and update the drafts (the caller checked every one may be written).

    New rows go in by COPY on PostgreSQL, else by one prepared INSERT executed for a batch of
    rows (updates likewise by a prepared UPDATE), not bulk_create: bulk_create builds each
    value's SQL in Python, which cost four fifths of a 100,000-row import. The values are
    prepared by the model's own fields.
    """
    author = actor if actor is not None and actor.is_authenticated else None
    connection = connections[router.db_for_write(ProgressReport)]
    if creates:
        versions = {
            (r["indicator_id"], r["period"]): r["last"]
            for r in ProgressReport.objects.filter(
                unit=unit, indicator__plan=plan, period__in={p for _i, p, _r in creates}
            )
            .values("indicator_id", "period")
            .annotate(last=Max("version"))
        }
        template = ProgressReport(
            unit=unit,
            is_current=True,
            status=ProgressReport.Status.DRAFT,
            source=source,
            created_by=author,
        )
        rows = (
            (
                indicator.pk,
                own_period,
                versions.get((indicator.pk, own_period), 0) + 1,
                row.value,
                row.last_year_value,
                row.narrative,
            )
            for indicator, own_period, row in creates
        )
        _insert_many(connection, template, rows)
    if updates:
        now = timezone.now()
        by_name = {f.attname: f for f in ProgressReport._meta.concrete_fields}
        changed = ("value", "last_year_value", "narrative", "source", "row_version", "updated_at")
        params = []
        for report, row in updates:
            report.value = row.value
            report.last_year_value = row.last_year_value
            report.narrative = row.narrative
            report.source = source
            report.row_version += 1
            report.updated_at = now
            params.append(
                [
                    by_name[name].get_db_prep_save(getattr(report, name), connection)
                    for name in changed
                ]
                + [report.pk]
            )
        quote = connection.ops.quote_name
        # Identifiers from the model's meta, every value a parameter.
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(ProgressReport._meta.db_table),
            ", ".join(f"{quote(str(by_name[name].column))} = %s" for name in changed),
            quote(str(ProgressReport._meta.pk.column)),
        )
        with connection.cursor() as cursor:
            for start in range(0, len(params), BATCH_SIZE):
                cursor.executemany(sql, params[start : start + BATCH_SIZE])


_ROW_FIELDS = ("indicator_id", "period", "version", "value", "last_year_value", "narrative")


def _insert_many(
    connection: Any, template: ProgressReport, rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert reports: the template's values prepared once, each row's `_ROW_FIELDS` in place
    of the template's (figures prepared by their field; ids, periods and text need not be)."""
    columns = [f for f in ProgressReport._meta.concrete_fields if not f.primary_key]
    base = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in columns]
    at = [next(i for i, f in enumerate(columns) if f.attname == name) for name in _ROW_FIELDS]
    figure, last_year_figure = (columns[i] for i in at[3:5])
    quote = connection.ops.quote_name
    table = quote(ProgressReport._meta.db_table)
    names = ", ".join(quote(str(f.column)) for f in columns)
    # Identifiers from the model's meta, every value a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        table, names, ", ".join(["%s"] * len(columns))
    )

    def flush(cursor: Any, batch: list[list[Any]]) -> None:
        if connection.vendor == "postgresql":
            # COPY: the rows stream in one command, values adapted by psycopg.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in batch:
                    copy.write_row(values)
        else:  # SQLite runs the prepared statement for each row in C
            cursor.executemany(sql, batch)

    indicator_at, period_at, version_at, value_at, last_year_at, narrative_at = at
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for indicator_id, period, version, value, last_year, narrative in rows:
            values = base.copy()
            values[indicator_at] = indicator_id
            values[period_at] = period
            values[version_at] = version
            values[value_at] = figure.get_db_prep_save(value, connection)
            values[last_year_at] = last_year_figure.get_db_prep_save(last_year, connection)
            values[narrative_at] = narrative
            batch.append(values)
            if len(batch) == BATCH_SIZE:
                flush(cursor, batch)
                batch = []
        if batch:
            flush(cursor, batch)
