"""The plan as an Excel workbook: the same `PlanDocument` as the YAML file, one sheet per part.

Sheets (names and column headers are part of the file format, fixed whatever the interface
language; a column may also be headed by its English key):
  说明 instructions (written on export, ignored on import)
  方案 plan settings, one `字段 | 值` row per setting (keys as in the YAML file, dotted for
       nested ones: `weights.indicators`, `status_rule.preset`)
  等次 grade rules · 否决 veto rules · 组别 unit groups
  指标 the indicator tree, one row per indicator with its parent's code (上级代码)
  分解目标 per-unit targets · 分工 assignments

Reading uses openpyxl in read-only mode (XML through defusedxml) after checking that the file
is a zip of bounded uncompressed size. Formula cells are refused, never evaluated.

Formula injection: on export a text value starting with `=`, `+`, `-`, `@`, a tab, a carriage
return or an apostrophe is written with one extra leading apostrophe (`'=SUM(A1)`), so no
spreadsheet program takes it for a formula; on import one leading apostrophe is removed from
every text cell. Numbers go to numeric cells while they have at most 15 significant digits
(what a spreadsheet's double keeps exactly) and to text cells beyond that.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.core.spreadsheets import declared_xml_problems
from kaoping.plans import planfile as pf
from kaoping.plans.planfile import (
    NULL,
    AssignmentDoc,
    FieldReader,
    GradeRule,
    Group,
    IndicatorDoc,
    Loc,
    PlanDocument,
    Problem,
    Problems,
    Raw,
    UnitTarget,
    VetoRule,
    Weights,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A workbook may not unpack to more than this many times the file size limit (zip bombs).
MAX_UNPACKED_RATIO = 10
MAX_NUMERIC_DIGITS = 15
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "'")

SHEET_README = "说明"
SHEET_PLAN = "方案"
SHEET_GRADES = "等次"
SHEET_VETOES = "否决"
SHEET_GROUPS = "组别"
SHEET_INDICATORS = "指标"
SHEET_TARGETS = "分解目标"
SHEET_ASSIGNMENTS = "分工"
SHEET_ORDER = (
    SHEET_README,
    SHEET_PLAN,
    SHEET_GRADES,
    SHEET_VETOES,
    SHEET_GROUPS,
    SHEET_INDICATORS,
    SHEET_TARGETS,
    SHEET_ASSIGNMENTS,
)


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its key (as in YAML), its Chinese header, whether it must exist."""

    key: str
    label: str
    required: bool = False
    width: int = 12


PLAN_COLUMNS = (
    Column("field", "字段", True, 34),
    Column("value", "值", True, 40),
    Column("note", "说明", False, 40),
)
# The settings of the 方案 sheet, with the note written beside each (ignored on import).
PLAN_KEYS: dict[str, Any] = {
    "format": gettext_lazy("file format, always kaoping-plan"),
    "version": gettext_lazy("format version"),
    "cycle": gettext_lazy("evaluation year"),
    "cycle_name": gettext_lazy("name of the year, used if the import creates it"),
    "code": gettext_lazy("plan code"),
    "name": gettext_lazy("plan name"),
    "kind": gettext_lazy("plan kind: provincial or county"),
    "owner": gettext_lazy("code of the unit whose plan this is"),
    "description": gettext_lazy("description"),
    "weights.indicators": gettext_lazy("weight of indicator assessment"),
    "weights.public": gettext_lazy("weight of public appraisal"),
    "weights.leader": gettext_lazy("weight of leader evaluation"),
    "missing_component": gettext_lazy("when a component is missing: renormalise or fail"),
    "points_total": gettext_lazy("total points of the top level (optional)"),
    "status_rule.preset": gettext_lazy(
        "early-warning preset: default, yinchuan, sanya, growth_peer or custom"
    ),
    "status_rule.green_within_pp": gettext_lazy("green while behind by at most (pp)"),
    "status_rule.yellow_within_pp": gettext_lazy("yellow while behind by at most (pp)"),
    "status_rule.yellow_within_share": gettext_lazy(
        "or: yellow while behind by at most this share of expected progress"
    ),
    "status_rule.expected_progress": gettext_lazy("expected progress: seasonal or linear"),
    "status_rule.escalation_periods": gettext_lazy(
        "red periods before the blue, yellow and red notices"
    ),
    "status_rule.explanation_days": gettext_lazy("working days to explain a lag"),
}
TABLES: dict[str, tuple[Column, ...]] = {
    SHEET_GRADES: (
        Column("grade", "等次", True),
        Column("min_score", "最低分", True),
        Column("quota", "比例上限"),
    ),
    SHEET_VETOES: (
        Column("code", "代码", True),
        Column("name", "否决事项", True, 30),
        Column("cap_grade", "最高等次"),
        Column("min_points_lost", "失分达到"),
        Column("description", "说明", False, 30),
    ),
    SHEET_GROUPS: (
        Column("code", "代码", True),
        Column("name", "名称", True, 20),
        Column("units", "单位代码", True, 40),
    ),
    SHEET_INDICATORS: (
        Column("code", "代码", True),
        Column("parent", "上级代码", True),
        Column("name", "名称", True, 30),
        Column("category", "类别"),
        Column("kind", "类型"),
        Column("unit_of_measure", "计量单位"),
        Column("direction", "方向"),
        Column("accumulation", "累计方式"),
        Column("target", "目标值"),
        Column("target_text", "目标（文字）", False, 24),
        Column("baseline", "基数"),
        Column("points", "分值"),
        Column("source_level", "来源层级"),
        Column("scoring_rule", "计分规则", False, 18),
        Column("scoring_params", "计分参数", False, 24),
        Column("frequency", "报送频次"),
        Column("evidence_requirement", "佐证要求", False, 24),
        Column("description", "说明", False, 24),
        Column("is_public", "公开"),
        Column("groups", "适用组别", False, 16),
    ),
    SHEET_TARGETS: (
        Column("indicator", "指标代码", True),
        Column("unit", "单位代码", True),
        Column("target", "目标值"),
        Column("baseline", "基数"),
    ),
    SHEET_ASSIGNMENTS: (
        Column("indicator", "指标代码", True),
        Column("lead_unit", "牵头单位", True),
        Column("supporting_units", "配合单位", False, 20),
        Column("responsible_leader", "责任领导", False, 16),
        Column("responsible_person", "责任人", False, 16),
        Column("key_project", "重点项目（四个一）"),
        Column("work_team", "工作专班", False, 16),
        Column("share", "分值比例"),
        Column("note", "备注", False, 24),
    ),
}
CHOICES = {
    "category": pf.CATEGORIES,
    "kind": pf.INDICATOR_KINDS,
    "direction": pf.DIRECTIONS,
    "accumulation": pf.ACCUMULATIONS,
    "source_level": pf.SOURCE_LEVELS,
    "scoring_rule": pf.SCORING_RULES,
    "frequency": pf.FREQUENCIES,
}


# --- cells ------------------------------------------------------------------------------------
def escape_text(value: str) -> str:
    """Text as written to a cell: a formula-like start gets one leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_LEADS) else value


def unescape_text(value: str) -> str:
    """Text as read from a cell: one leading apostrophe (our escape) removed."""
    return value[1:] if value.startswith("'") else value


def cell_value(value: Any) -> Any:
    """A document value as a cell value (numbers exact, text escaped, booleans 是/否)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        value = pf.canonical_decimal(value)
        if len(value.as_tuple().digits) <= MAX_NUMERIC_DIGITS:
            return int(value) if value == value.to_integral_value() else value
        return escape_text(pf.format_decimal(value))
    if isinstance(value, int):
        return value
    return escape_text(str(value)) if value != "" else None


def cell_raw(value: Any, data_type: str | None) -> Raw:
    """A cell as a raw value for the shared field conversions."""
    if data_type == "f":
        return Raw(
            "text",
            str(value),
            error=_("The cell holds a formula (%(formula)s); enter the value itself.")
            % {"formula": str(value)[:60]},
        )
    if data_type == "e":
        return Raw(
            "text",
            str(value),
            error=_("The cell holds an error value (%(value)s).") % {"value": value},
        )
    if value is None:
        return NULL
    if isinstance(value, bool):
        return Raw("bool", "TRUE" if value else "FALSE", value)
    if isinstance(value, int):
        return Raw("number", str(value))
    if isinstance(value, float):
        return Raw("number", repr(value))
    if isinstance(value, Decimal):
        return Raw("number", str(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return Raw("text", value.isoformat())
    return Raw("text", unescape_text(str(value)))


# --- writing ------------------------------------------------------------------------------------
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header(ws: Worksheet, columns: Sequence[Column]) -> None:
    ws.append([c.label for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"


def _append(ws: Worksheet, values: Iterable[Any]) -> None:
    ws.append([cell_value(v) for v in values])


def _join(codes: Iterable[str]) -> str:
    return "、".join(codes)


def _params_text(params: dict[str, Decimal]) -> str:
    return "; ".join(f"{key}={pf.format_decimal(value)}" for key, value in params.items())


def write_xlsx(doc: PlanDocument) -> bytes:
    """The document as an .xlsx workbook that `read_xlsx` reads back to an equal document."""
    wb = Workbook()
    readme = wb.active
    readme.title = SHEET_README
    _write_readme(readme)
    _write_plan_sheet(wb.create_sheet(SHEET_PLAN), doc)

    ws = wb.create_sheet(SHEET_GRADES)
    _header(ws, TABLES[SHEET_GRADES])
    for rule in doc.grade_rules:
        _append(ws, (rule.grade, rule.min_score, rule.quota))
    ws = wb.create_sheet(SHEET_VETOES)
    _header(ws, TABLES[SHEET_VETOES])
    for veto in doc.veto_rules:
        _append(ws, (veto.code, veto.name, veto.cap_grade, veto.min_points_lost, veto.description))
    ws = wb.create_sheet(SHEET_GROUPS)
    _header(ws, TABLES[SHEET_GROUPS])
    for group in doc.groups:
        _append(ws, (group.code, group.name, _join(group.units)))

    indicators = wb.create_sheet(SHEET_INDICATORS)
    targets = wb.create_sheet(SHEET_TARGETS)
    assignments = wb.create_sheet(SHEET_ASSIGNMENTS)
    for ws, name in (
        (indicators, SHEET_INDICATORS),
        (targets, SHEET_TARGETS),
        (assignments, SHEET_ASSIGNMENTS),
    ):
        _header(ws, TABLES[name])
    for node, parent, _level in doc.walk():
        _append(
            indicators,
            (
                node.code,
                parent.code if parent else "",
                node.name,
                node.category if parent is None or node.category != parent.category else "",
                node.kind,
                node.unit_of_measure,
                node.direction,
                node.accumulation,
                node.target,
                node.target_text,
                node.baseline,
                node.points,
                node.source_level,
                node.scoring_rule,
                _params_text(node.scoring_params),
                node.frequency,
                node.evidence_requirement,
                node.description,
                node.is_public,
                _join(node.groups),
            ),
        )
        for target in node.unit_targets:
            _append(targets, (node.code, target.unit, target.target, target.baseline))
        for a in node.assignments:
            _append(
                assignments,
                (
                    node.code,
                    a.lead_unit,
                    _join(a.supporting_units),
                    a.responsible_leader,
                    a.responsible_person,
                    a.key_project,
                    a.work_team,
                    a.share,
                    a.note,
                ),
            )
    _add_choice_lists(indicators)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_readme(ws: Worksheet) -> None:
    lines = [
        _("Kaoping plan template, format %(name)s version %(version)d.")
        % {"name": pf.FORMAT_NAME, "version": pf.FORMAT_VERSION},
        _(
            "Fill in the sheets 方案, 等次, 否决, 组别, 指标, 分解目标 and 分工; this sheet is "
            "ignored on import. The reference is docs/plan-format.md."
        ),
        _("Keep the sheet names and column headers. Enter values, never formulas."),
        _(
            "Indicators: one row each; 上级代码 is the code of the parent row (empty at the "
            "top). Trees go at most %(n)d levels deep."
        )
        % {"n": pf.MAX_DEPTH},
        _(
            "Lists (units, groups) are separated by 、 or commas; persons are written 姓名, "
            "姓名@单位代码 or 姓名（职务）@单位代码."
        ),
        _(
            "Text that starts with = + - @ or ' was written with one extra leading apostrophe "
            "so that it is not taken for a formula; the apostrophe is removed on import."
        ),
        _(
            "Scoring parameters are written key=value separated by semicolons, e.g. "
            "cap=1.2; floor=0.6."
        ),
    ]
    ws.column_dimensions["A"].width = 110
    for line in lines:
        ws.append([escape_text(line)])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True)


def _write_plan_sheet(ws: Worksheet, doc: PlanDocument) -> None:
    _header(ws, PLAN_COLUMNS)
    rule = doc.status_rule
    values: dict[str, Any] = {
        "format": doc.format,
        "version": doc.version,
        "cycle": doc.cycle,
        "cycle_name": doc.cycle_name,
        "code": doc.code,
        "name": doc.name,
        "kind": doc.kind,
        "owner": doc.owner,
        "description": doc.description,
        "weights.indicators": doc.weights.indicators,
        "weights.public": doc.weights.public,
        "weights.leader": doc.weights.leader,
        "missing_component": doc.missing_component,
        "points_total": doc.points_total,
        "status_rule.preset": rule.preset,
        "status_rule.green_within_pp": rule.green_within_pp,
        "status_rule.yellow_within_pp": rule.yellow_within_pp,
        "status_rule.yellow_within_share": rule.yellow_within_share,
        "status_rule.expected_progress": rule.expected_progress,
        "status_rule.escalation_periods": ", ".join(map(str, rule.escalation_periods)),
        "status_rule.explanation_days": rule.explanation_days,
    }
    for key, note in PLAN_KEYS.items():
        _append(ws, (key, values[key], str(note)))


def _add_choice_lists(ws: Worksheet) -> None:
    """Drop-down lists of the allowed values on the enumerated indicator columns."""
    columns = TABLES[SHEET_INDICATORS]
    for index, column in enumerate(columns, start=1):
        choices = CHOICES.get(column.key)
        if not choices:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
        )
        validation.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(validation)


# --- reading ------------------------------------------------------------------------------------
Row = dict[str, tuple[Raw, Loc]]


def read_xlsx(
    data: bytes,
    *,
    max_bytes: int | None = None,
) -> tuple[PlanDocument | None, list[Problem]]:
    """Read a plan workbook; every problem is returned, located by sheet, row and column."""
    problems = Problems()
    if max_bytes is not None and len(data) > max_bytes:
        problems.add(
            Loc(),
            _("The file is too large: %(size)d bytes, the limit is %(max)d.")
            % {"size": len(data), "max": max_bytes},
        )
        return None, problems
    workbook = _open_workbook(data, problems, max_bytes=max_bytes)
    if workbook is None:
        return None, problems
    try:
        document = _WorkbookReader(workbook, problems).document()
    finally:
        workbook.close()
    if document is not None:
        pf.complete_document(document)
        problems.extend(pf.validate_document(document))
    return document, pf.sorted_problems(problems, SHEET_ORDER)


def _open_workbook(data: bytes, problems: Problems, *, max_bytes: int | None) -> Any:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        problems.add(
            Loc(),
            _("This is an old .xls workbook: save it as .xlsx (Excel Workbook) and import that."),
        )
        return None
    if not data.startswith(b"PK"):
        problems.add(Loc(), _("This is not an Excel .xlsx workbook."))
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.add(
            Loc(),
            _("This is not an Excel .xlsx workbook (the file is damaged or another kind of zip)."),
        )
        return None
    limit = (max_bytes or len(data)) * MAX_UNPACKED_RATIO
    if max_bytes is not None and unpacked > limit:
        problems.add(
            Loc(),
            _("The workbook unpacks to %(size)d bytes, more than the %(max)d allowed.")
            % {"size": unpacked, "max": limit},
        )
        return None
    declared = declared_xml_problems(data)
    if declared:
        problems.add(Loc(), declared[0])
        return None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # a damaged workbook raises many kinds of errors
        problems.add(
            Loc(),
            _("This is not an Excel .xlsx workbook (the file is damaged or another kind of zip)."),
        )
        return None


class _WorkbookReader:
    """Reads the sheets of a workbook into a PlanDocument."""

    def __init__(self, workbook: Any, problems: Problems) -> None:
        self.workbook = workbook
        self.problems = problems
        self.fields = FieldReader(problems)

    def document(self) -> PlanDocument | None:
        names = set(self.workbook.sheetnames)
        missing = [s for s in (SHEET_PLAN, SHEET_INDICATORS) if s not in names]
        for sheet in missing:
            self.problems.add(
                Loc(sheet=sheet), _("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet}
            )
        if missing:
            return None
        doc = self.plan_sheet()
        if doc is None:
            return None
        if SHEET_GRADES in names:
            doc.grade_rules = [self.grade(row) for row in self.table(SHEET_GRADES)]
        if SHEET_VETOES in names:
            doc.veto_rules = [self.veto(row) for row in self.table(SHEET_VETOES)]
        if SHEET_GROUPS in names:
            doc.groups = [self.group(row) for row in self.table(SHEET_GROUPS)]
        doc.indicators = self.indicator_tree()
        doc.where["indicators"] = Loc(sheet=SHEET_INDICATORS)
        return doc

    # sheets as rows ---------------------------------------------------------------------------
    def rows(self, sheet: str) -> Iterable[tuple[int, list[Any]]]:
        for number, cells in enumerate(self.workbook[sheet].iter_rows(), start=1):
            yield number, list(cells)

    def table(self, sheet: str) -> list[Row]:
        """The rows of a tabular sheet as {key: (raw, loc)}, headers checked."""
        columns = TABLES[sheet]
        by_header = {c.label: c for c in columns} | {c.key.lower(): c for c in columns}
        result: list[Row] = []
        keys: dict[int, tuple[Column, str]] = {}
        header_seen = False
        for number, cells in self.rows(sheet):
            if not header_seen:
                if all(c.value in (None, "") for c in cells):
                    continue
                header_seen = True
                keys = self._headers(sheet, number, cells, by_header)
                found = {c.key for c, _letter in keys.values()}
                for column in columns:
                    if column.required and column.key not in found:
                        self.problems.add(
                            Loc(number, column.label, sheet),
                            _("The column “%(column)s” is missing.") % {"column": column.label},
                        )
                if any(c.required and c.key not in found for c in columns):
                    return []
                continue
            row: Row = {}
            for index, cell in enumerate(cells):
                if index in keys:
                    column, letter = keys[index]
                    row[column.key] = (
                        cell_raw(cell.value, cell.data_type),
                        Loc(number, f"{column.label} ({letter})", sheet),
                    )
            if all(raw.is_empty for raw, _loc in row.values()):
                continue
            row[""] = (NULL, Loc(number, "", sheet))
            result.append(row)
        if not header_seen:
            self.problems.add(Loc(sheet=sheet), _("The sheet has no header row."))
        return result

    def _headers(
        self, sheet: str, number: int, cells: list[Any], by_header: dict[str, Column]
    ) -> dict[int, tuple[Column, str]]:
        keys: dict[int, tuple[Column, str]] = {}
        seen: set[str] = set()
        for index, cell in enumerate(cells):
            text = str(cell.value).strip() if cell.value is not None else ""
            if not text:
                continue
            letter = get_column_letter(index + 1)
            column = by_header.get(text) or by_header.get(text.lower())
            loc = Loc(number, f"{text} ({letter})", sheet)
            if column is None:
                self.problems.add(loc, _("Unknown column “%(column)s”.") % {"column": text})
            elif column.key in seen:
                self.problems.add(
                    loc, _("The column “%(column)s” appears twice.") % {"column": column.label}
                )
            else:
                seen.add(column.key)
                keys[index] = (column, letter)
        return keys

    @staticmethod
    def get(row: Row, key: str) -> tuple[Raw, Loc]:
        if key in row:
            return row[key]
        return NULL, row[""][1].with_field(key)

    # the plan sheet ---------------------------------------------------------------------------
    def plan_sheet(self) -> PlanDocument | None:
        values: Row = {}
        first_line: dict[str, int] = {}
        for number, cells in self.rows(SHEET_PLAN):
            key_raw = cell_raw(cells[0].value, cells[0].data_type) if cells else NULL
            key = key_raw.text.strip() if not key_raw.error else ""
            if not key or key in {"字段", "field"}:
                continue
            value_cell = cells[1] if len(cells) > 1 else None
            raw = cell_raw(value_cell.value, value_cell.data_type) if value_cell else NULL
            loc = Loc(number, key, SHEET_PLAN)
            if key not in PLAN_KEYS:
                self.problems.add(loc, _("Unknown setting “%(key)s”.") % {"key": key})
            elif key in values:
                self.problems.add(
                    loc,
                    _("The setting “%(key)s” is given twice (first on row %(row)d).")
                    % {"key": key, "row": first_line[key]},
                )
            else:
                values[key] = (raw, loc)
                first_line[key] = number
        values[""] = (NULL, Loc(1, "", SHEET_PLAN))
        f = self.fields

        def g(key: str) -> tuple[Raw, Loc]:
            return self.get(values, key)

        fmt = f.text(*g("format"), required=True)
        if fmt and fmt != pf.FORMAT_NAME:
            self.problems.add(
                g("format")[1],
                _("This is not a Kaoping plan file: “format” must be %(name)s.")
                % {"name": pf.FORMAT_NAME},
            )
            return None
        version = f.integer(*g("version"), required=True)
        where = {key: loc for key, (_raw, loc) in values.items()}
        weights = Weights(
            **{
                k: f.decimal(
                    *g(f"weights.{k}"),
                    required=True,
                    max_digits=5,
                    places=4,
                    minimum=Decimal(0),
                    maximum=Decimal(1),
                )
                for k in pf.WEIGHT_KEYS
            },
            where={"": g("weights.indicators")[1]},
        )
        status_raws = {
            key.split(".", 1)[1]: value
            for key, value in values.items()
            if key.startswith("status_rule.")
            and not value[0].is_empty
            and key != "status_rule.escalation_periods"
        }
        escalation = g("status_rule.escalation_periods")
        status_where = {
            key.split(".", 1)[1]: loc
            for key, (_raw, loc) in values.items()
            if key.startswith("status_rule.")
        }
        status_where[""] = g("status_rule.preset")[1]
        status = pf.read_status_rule(
            f, status_raws, [] if escalation[0].is_empty else [escalation[0]], status_where
        )
        return PlanDocument(
            format=fmt or pf.FORMAT_NAME,
            version=pf.FORMAT_VERSION if version is None else version,
            cycle=f.integer(*g("cycle"), required=True, minimum=2000, maximum=2200) or 0,
            cycle_name=f.text(*g("cycle_name"), max_length=100),
            code=f.code(*g("code"), slug=True),
            name=f.text(*g("name"), required=True, max_length=200),
            kind=f.choice(*g("kind"), pf.PLAN_KINDS, required=True),
            owner=f.code(*g("owner"), max_length=pf.UNIT_CODE_MAX_LENGTH),
            description=f.text(*g("description")),
            weights=weights,
            missing_component=f.choice(
                *g("missing_component"), pf.MISSING_COMPONENT, default="renormalise"
            ),
            points_total=f.decimal(*g("points_total"), max_digits=8, places=2, minimum=Decimal(0)),
            status_rule=status,
            where=where,
        )

    # rules and groups -----------------------------------------------------------------------
    def grade(self, row: Row) -> GradeRule:
        f = self.fields
        return GradeRule(
            grade=f.text(*self.get(row, "grade"), required=True, max_length=20),
            min_score=f.decimal(
                *self.get(row, "min_score"), required=True, minimum=Decimal(0), maximum=Decimal(100)
            )
            or Decimal(0),
            quota=f.decimal(
                *self.get(row, "quota"),
                minimum=Decimal(0),
                maximum=Decimal(1),
                exclusive_minimum=True,
            ),
            where=_where(row),
        )

    def veto(self, row: Row) -> VetoRule:
        f = self.fields
        return VetoRule(
            code=f.code(*self.get(row, "code"), slug=True),
            name=f.text(*self.get(row, "name"), required=True, max_length=200),
            cap_grade=f.text(*self.get(row, "cap_grade")),
            min_points_lost=f.decimal(
                *self.get(row, "min_points_lost"), max_digits=10, places=2, minimum=Decimal(0)
            ),
            description=f.text(*self.get(row, "description")),
            where=_where(row),
        )

    def group(self, row: Row) -> Group:
        f = self.fields
        return Group(
            code=f.code(*self.get(row, "code"), slug=True),
            name=f.text(*self.get(row, "name"), required=True, max_length=100),
            units=f.codes([self.get(row, "units")[0]], self.get(row, "units")[1]),
            where=_where(row),
        )

    # indicators -----------------------------------------------------------------------------
    def indicator(self, row: Row) -> IndicatorDoc:
        f = self.fields

        def g(key: str) -> tuple[Raw, Loc]:
            return self.get(row, key)

        params_raw, params_loc = g("scoring_params")
        return IndicatorDoc(
            code=f.code(*g("code")),
            name=f.text(*g("name"), required=True, max_length=200),
            category=f.choice(*g("category"), pf.CATEGORIES, aliases=pf.CATEGORY_ALIASES),
            kind=f.choice(*g("kind"), pf.INDICATOR_KINDS, default="quantitative"),
            unit_of_measure=f.text(*g("unit_of_measure"), max_length=20),
            direction=f.choice(*g("direction"), pf.DIRECTIONS, default="higher"),
            accumulation=f.choice(*g("accumulation"), pf.ACCUMULATIONS, default="cumulative"),
            target=f.decimal(*g("target")),
            target_text=f.text(*g("target_text"), max_length=500),
            baseline=f.decimal(*g("baseline")),
            points=f.decimal(*g("points"), max_digits=8, places=2, minimum=Decimal(0))
            or Decimal(0),
            source_level=f.choice(*g("source_level"), pf.SOURCE_LEVELS, default="county"),
            scoring_rule=f.choice(*g("scoring_rule"), pf.SCORING_RULES),
            scoring_params=self.params(params_raw, params_loc),
            frequency=f.choice(*g("frequency"), pf.FREQUENCIES, default="quarterly"),
            evidence_requirement=f.text(*g("evidence_requirement")),
            description=f.text(*g("description")),
            is_public=f.boolean(*g("is_public")),
            groups=f.codes([g("groups")[0]], g("groups")[1], max_length=pf.CODE_MAX_LENGTH),
            where=_where(row),
        )

    def params(self, raw: Raw, loc: Loc) -> dict[str, Decimal]:
        """`key=value; key=value` from one cell."""
        text = self.fields.text(raw, loc)
        items: list[tuple[str, Raw, Loc]] = []
        for part in (p.strip() for p in text.replace("；", ";").split(";")):
            if not part:
                continue
            key, sep, value = part.replace("＝", "=").partition("=")
            if not sep or not key.strip():
                self.problems.add(
                    loc, _("“%(part)s” is not of the form key=value.") % {"part": part}
                )
                continue
            items.append((key.strip(), Raw("text", value.strip()), loc))
        return pf.read_params(self.fields, items)

    def indicator_tree(self) -> list[IndicatorDoc]:
        """Rows with parent codes → the tree; duplicates, unknown parents and cycles reported."""
        nodes: dict[str, IndicatorDoc] = {}
        parents: dict[str, tuple[str, Loc]] = {}
        order: list[str] = []
        for row in self.table(SHEET_INDICATORS):
            node = self.indicator(row)
            parent = self.fields.code(*self.get(row, "parent"), required=False)
            if not node.code:
                continue
            if node.code in nodes:
                self.problems.add(
                    node.where["code"],
                    _("The code %(code)s is used twice (first on row %(row)d).")
                    % {"code": node.code, "row": nodes[node.code].where["code"].line or 0},
                )
                continue
            nodes[node.code] = node
            order.append(node.code)
            if parent:
                parents[node.code] = (parent, self.get(row, "parent")[1])
        broken = self._broken_links(nodes, parents)
        roots: list[IndicatorDoc] = []
        for code in order:
            if code in broken:
                continue
            if code in parents:
                nodes[parents[code][0]].children.append(nodes[code])
            else:
                roots.append(nodes[code])
        self._attach_rows(nodes)
        return roots

    def _broken_links(
        self, nodes: dict[str, IndicatorDoc], parents: dict[str, tuple[str, Loc]]
    ) -> set[str]:
        """Codes whose parent chain is unknown or circular (reported), and their subtrees."""
        broken: set[str] = set()
        reported_cycles: set[frozenset[str]] = set()
        for code, (parent, loc) in parents.items():
            if parent not in nodes:
                self.problems.add(
                    loc, _("There is no indicator with the code %(code)s.") % {"code": parent}
                )
                broken.add(code)
        for code in parents:
            chain = [code]
            current = code
            while current in parents and parents[current][0] in nodes:
                current = parents[current][0]
                if current in chain:
                    cycle = chain[chain.index(current) :]
                    if frozenset(cycle) not in reported_cycles:
                        reported_cycles.add(frozenset(cycle))
                        first = min(cycle, key=lambda c: parents[c][1].line or 0)
                        path = " → ".join([*cycle, current])
                        self.problems.add(
                            parents[first][1],
                            _("The parent codes form a cycle: %(path)s.") % {"path": path},
                        )
                    broken.add(code)
                    break
                chain.append(current)
            if current in broken or (current in parents and parents[current][0] not in nodes):
                broken.add(code)
        return broken

    def _attach_rows(self, nodes: dict[str, IndicatorDoc]) -> None:
        """Per-unit targets and assignments from their sheets, onto their indicators."""
        names = set(self.workbook.sheetnames)
        f = self.fields
        if SHEET_TARGETS in names:
            for row in self.table(SHEET_TARGETS):
                node = self._indicator_of(row, nodes)
                target = UnitTarget(
                    unit=f.code(*self.get(row, "unit"), max_length=pf.UNIT_CODE_MAX_LENGTH),
                    target=f.decimal(*self.get(row, "target")),
                    baseline=f.decimal(*self.get(row, "baseline")),
                    where=_where(row),
                )
                if node is not None:
                    node.unit_targets.append(target)
        if SHEET_ASSIGNMENTS in names:
            for row in self.table(SHEET_ASSIGNMENTS):
                node = self._indicator_of(row, nodes)
                assignment = AssignmentDoc(
                    lead_unit=f.code(
                        *self.get(row, "lead_unit"), max_length=pf.UNIT_CODE_MAX_LENGTH
                    ),
                    supporting_units=f.codes(
                        [self.get(row, "supporting_units")[0]], self.get(row, "supporting_units")[1]
                    ),
                    responsible_leader=f.text(*self.get(row, "responsible_leader"), max_length=200),
                    responsible_person=f.text(*self.get(row, "responsible_person"), max_length=200),
                    key_project=f.boolean(*self.get(row, "key_project")),
                    work_team=f.text(*self.get(row, "work_team"), max_length=200),
                    share=f.share(*self.get(row, "share")),
                    note=f.text(*self.get(row, "note")),
                    where=_where(row),
                )
                if node is not None:
                    node.assignments.append(assignment)

    def _indicator_of(self, row: Row, nodes: dict[str, IndicatorDoc]) -> IndicatorDoc | None:
        code = self.fields.code(*self.get(row, "indicator"))
        if code and code not in nodes:
            self.problems.add(
                self.get(row, "indicator")[1],
                _("There is no indicator with the code %(code)s.") % {"code": code},
            )
        return nodes.get(code)


def _where(row: Row) -> dict[str, Loc]:
    return {key: loc for key, (_raw, loc) in row.items()}
