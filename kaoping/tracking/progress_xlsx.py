"""The progress-entry workbook (进度填报): a template per unit, period and plan, and reading it.

Sheet 进度填报 opens with a header block of label/value pairs (单位编码, 单位名称, 报送期, 期间,
考评方案, 方案名称, 生成时间), then a row of column headers and one row per indicator the unit
reports on in the period. The fixed columns are locked (sheet protection without a password:
it guards against slips, not people); 本期累计完成值, 去年同期累计值 and 进展情况 are left open,
with data validation on the number cells. A hidden sheet 说明 holds the format name, version
and a checksum of the header, so a header edited by hand (say, last quarter's file relabelled)
is caught. Sheet names and column headers are fixed Chinese constants, whatever the interface
language; only the messages are translated.

Reading is pure (no database): the container is checked first (kaoping.core.spreadsheets),
then the values are read by calamine (python-calamine, about ten times faster than openpyxl)
when a scan of the parts finds no formula, error cell or out-of-range address, else by
openpyxl in read-only mode, formulas kept as formulas and refused. Both readers give the
same cell values to one pass over the rows, which collects every problem as a located
`Problem` (sheet, row, column header and letter). Whether the unit, period, plan and
indicator codes are right is for kaoping.tracking.services.imports, which has the database.

Formula injection: text written to a cell goes through the plan workbook's escaper (a leading
= + - @ tab CR or ' gets one extra apostrophe) and one leading apostrophe is removed on reading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.core import spreadsheets
from kaoping.plans.planfile import (
    CODE_MAX_LENGTH,
    CODE_RE,
    NULL,
    FieldReader,
    Loc,
    Problem,
    Problems,
    Raw,
    sorted_problems,
)
from kaoping.plans.planxlsx import cell_raw, cell_value, escape_text

FORMAT_NAME = "kaoping-progress"
FORMAT_VERSION = 1

# --- the file format: sheet names, labels and columns (data, not translated) ----------------
SHEET_ENTRY = "进度填报"
SHEET_README = "说明"
SHEET_ORDER = (SHEET_ENTRY, SHEET_README)

LABEL_UNIT_CODE = "单位编码"
LABEL_UNIT_NAME = "单位名称"
LABEL_PERIOD = "报送期"
LABEL_PERIOD_NAME = "期间"
LABEL_PLAN = "考评方案"
LABEL_PLAN_NAME = "方案名称"
LABEL_GENERATED = "生成时间"
LABEL_NOTE = "填写说明"
README_FORMAT = "格式"
README_VERSION = "版本"
README_CHECKSUM = "模板校验码"
# Header keys the import needs, by label.
HEADER_KEYS = {
    LABEL_UNIT_CODE: "unit_code",
    LABEL_UNIT_NAME: "unit_name",
    LABEL_PERIOD: "period",
    LABEL_PLAN: "plan_code",
    LABEL_GENERATED: "generated_at",
}
REQUIRED_HEADER = (LABEL_UNIT_CODE, LABEL_PERIOD, LABEL_PLAN)


@dataclass(frozen=True)
class Column:
    """A column of the entry sheet: key, Chinese header, whether the unit fills it."""

    key: str
    label: str
    fill: bool = False
    required: bool = False
    width: int = 12


COLUMNS = (
    Column("code", "指标编码", required=True, width=14),
    Column("name", "指标名称", width=36),
    Column("unit_of_measure", "计量单位", width=10),
    Column("target", "目标值", width=14),
    Column("value", "本期累计完成值", fill=True, required=True, width=16),
    Column("last_year_value", "去年同期累计值", fill=True, required=True, width=16),
    Column("narrative", "进展情况", fill=True, required=True, width=60),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
_READ = ("code", "value", "last_year_value", "narrative")  # the columns an import uses
HEADER_ROW = 6  # where the template puts the column headers; reading searches for them
HEADER_SEARCH_ROWS = 20
READ_COLUMNS = 16  # cells read per row (A–P): room for added columns, bounded work per row
MAX_DATA_ROWS = 200_000
EXCEL_MAX_ROWS = 1_048_576
VALUE_MAX_DIGITS = 20  # ProgressReport.value: max_digits=20, decimal_places=4
VALUE_PLACES = 4
NARRATIVE_MAX_LENGTH = 10_000
VALUE_LIMIT = Decimal("1e15")


# --- the template -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateHeader:
    """What a template is for: the unit, the period, the plan, when it was made."""

    unit_code: str
    unit_name: str
    period: str
    period_label: str
    plan_code: str
    plan_name: str
    generated_at: str

    def checksum(self) -> str:
        return header_checksum(self.unit_code, self.period, self.plan_code, self.generated_at)


def header_checksum(unit_code: str, period: str, plan_code: str, generated_at: str) -> str:
    """The SHA-256 of what identifies a template; it detects hand edits, it is no secret."""
    text = "|".join((FORMAT_NAME, str(FORMAT_VERSION), unit_code, period, plan_code, generated_at))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TemplateRow:
    """One indicator the unit reports on, with what is already reported (prefilled)."""

    code: str
    name: str
    unit_of_measure: str
    target: Decimal | None
    target_text: str
    value: Decimal | None = None
    last_year_value: Decimal | None = None
    narrative: str = ""
    allows_negative: bool = False


_BOLD = Font(bold=True)
_FIXED_FILL = PatternFill("solid", fgColor="DDEBF7")
_OPEN_FILL = PatternFill("solid", fgColor="FFF2CC")
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")


def write_template(header: TemplateHeader, rows: Sequence[TemplateRow]) -> bytes:
    """The entry workbook for a unit, period and plan, readable by `read_workbook`."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_ENTRY
    _write_header_block(ws, header)
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index, value=column.label)
        cell.font = _BOLD
        cell.fill = _OPEN_FILL if column.fill else _FIXED_FILL
        ws.column_dimensions[get_column_letter(index)].width = column.width
    first = HEADER_ROW + 1
    for number, row in enumerate(rows, start=first):
        target: Any = cell_value(row.target) if row.target is not None else None
        if target is None and row.target_text:
            target = escape_text(row.target_text)
        values = (
            escape_text(row.code),
            escape_text(row.name),
            escape_text(row.unit_of_measure),
            target,
            cell_value(row.value),
            cell_value(row.last_year_value),
            escape_text(row.narrative) if row.narrative else None,
        )
        for index, (column, value) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = ws.cell(row=number, column=index, value=value)
            if column.fill:
                cell.protection = _UNLOCKED
            if column.key == "narrative":
                cell.alignment = _WRAP
    _add_validations(ws, rows, first)
    ws.freeze_panes = ws.cell(row=first, column=1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    _write_readme(wb.create_sheet(SHEET_README), header)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_header_block(ws: Worksheet, header: TemplateHeader) -> None:
    pairs = (
        ((LABEL_UNIT_CODE, header.unit_code), (LABEL_UNIT_NAME, header.unit_name)),
        ((LABEL_PERIOD, header.period), (LABEL_PERIOD_NAME, header.period_label)),
        ((LABEL_PLAN, header.plan_code), (LABEL_PLAN_NAME, header.plan_name)),
        (
            (LABEL_GENERATED, header.generated_at),
            (
                LABEL_NOTE,
                _(
                    "Fill in 本期累计完成值, 去年同期累计值 and 进展情况 only; enter values, "
                    "never formulas. Rows left empty are not imported."
                ),
            ),
        ),
    )
    for number, row in enumerate(pairs, start=1):
        for offset, (label, value) in enumerate(row):
            label_cell = ws.cell(row=number, column=2 * offset + 1, value=label)
            label_cell.font = _BOLD
            label_cell.fill = _FIXED_FILL
            ws.cell(row=number, column=2 * offset + 2, value=escape_text(value))


def _runs(numbers: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Consecutive runs of row numbers as (first, last)."""
    start = last = None
    for number in numbers:
        if last is not None and number == last + 1:
            last = number
            continue
        if start is not None and last is not None:
            yield start, last
        start = last = number
    if start is not None and last is not None:
        yield start, last


def _add_validations(ws: Worksheet, rows: Sequence[TemplateRow], first: int) -> None:
    """Number cells accept decimals only (not below 0 where negatives make no sense)."""
    if not rows:
        return
    value_letter = get_column_letter(_column_index("value"))
    last_year_letter = get_column_letter(_column_index("last_year_value"))
    narrative_letter = get_column_letter(_column_index("narrative"))
    title = _("Not a valid value")
    non_negative = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=_("Enter a number not below 0, without units or formulas."),
    )
    any_number = DataValidation(
        type="decimal",
        operator="between",
        formula1="-1E+15",
        formula2="1E+15",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=_("Enter a number, without units or formulas."),
    )
    text = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(NARRATIVE_MAX_LENGTH),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=_("The narrative may have at most %(n)d characters.") % {"n": NARRATIVE_MAX_LENGTH},
    )
    for validation, wanted in ((non_negative, False), (any_number, True)):
        numbers = [first + i for i, row in enumerate(rows) if row.allows_negative is wanted]
        for start, end in _runs(numbers):
            validation.add(f"{value_letter}{start}:{last_year_letter}{end}")
        if numbers:
            ws.add_data_validation(validation)
    text.add(f"{narrative_letter}{first}:{narrative_letter}{first + len(rows) - 1}")
    ws.add_data_validation(text)


def _write_readme(ws: Worksheet, header: TemplateHeader) -> None:
    ws.sheet_state = "hidden"
    for key, value in (
        (README_FORMAT, FORMAT_NAME),
        (README_VERSION, FORMAT_VERSION),
        (README_CHECKSUM, header.checksum()),
    ):
        ws.append([key, value])
    lines = (
        _("Kaoping progress entry template, format %(name)s version %(version)d.")
        % {"name": FORMAT_NAME, "version": FORMAT_VERSION},
        _("Keep the sheet names, the header block and the column headers as they are."),
        _(
            "Values are cumulative from the start of the year unless the indicator is measured "
            "at a point in time."
        ),
        _(
            "The checksum above detects edits to the header block; download a new template "
            "for another unit or period."
        ),
    )
    for line in lines:
        ws.append([escape_text(line)])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 70
    ws.protection.sheet = True


def _column_index(key: str) -> int:
    return next(i for i, c in enumerate(COLUMNS, start=1) if c.key == key)


# --- reading ------------------------------------------------------------------------------------
@dataclass
class EntryRow:
    """One filled row of the entry sheet, converted; `where` locates each field."""

    line: int
    code: str
    value: Decimal | None
    last_year_value: Decimal | None
    narrative: str
    columns: dict[str, str] = field(default_factory=dict)  # key → "header (letter)", shared
    bad: frozenset[str] = frozenset()  # fields whose cell could not be read (reported)

    @property
    def where(self) -> dict[str, Loc]:
        """Where each field of the row is (made when asked: most rows never need it)."""
        return {key: self.loc(key) for key in self.columns}

    def loc(self, key: str) -> Loc:
        """Where one field of the row is."""
        return Loc(self.line, self.columns.get(key, ""), SHEET_ENTRY)


@dataclass
class ParsedWorkbook:
    """What an uploaded workbook says, and every problem found reading it."""

    header: dict[str, str] = field(default_factory=dict)
    header_where: dict[str, Loc] = field(default_factory=dict)
    rows: list[EntryRow] = field(default_factory=list)
    blank_rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    def loc(self, key: str) -> Loc:
        """Where a header value is (or the sheet, if the header lacks it)."""
        return self.header_where.get(key, Loc(sheet=SHEET_ENTRY))


def read_workbook(data: bytes, *, max_bytes: int) -> ParsedWorkbook:
    """Read an uploaded entry workbook; nothing but the bytes is trusted."""
    result = ParsedWorkbook()
    problems = Problems()
    if len(data) > max_bytes:
        problems.add(
            Loc(),
            _("The file is too large: %(size)d bytes, the limit is %(max)d.")
            % {"size": len(data), "max": max_bytes},
        )
    else:
        for message in spreadsheets.xlsx_container_problems(data):
            problems.add(Loc(), message)
    if not problems:
        _read_into(result, data, problems)
    result.problems = sorted_problems(problems, SHEET_ORDER)
    return result


class _Formula(str):
    """A formula cell's text, as openpyxl gives it; refused wherever it is."""


class _ErrorValue(str):
    """An error cell (#DIV/0!, #N/A …), as openpyxl gives it."""


@dataclass
class _Book:
    """What the reading needs of a workbook, whichever library read it."""

    sheetnames: list[str]
    entry: Iterable[Sequence[Any]]  # the entry sheet's rows of values from row 1 (A–P)
    merges: list[str]
    readme: Iterable[Sequence[Any]]  # the 说明 sheet's rows (empty if it has none)
    formulas: bool  # whether a value may be a _Formula (calamine is only used without)


def _read_into(result: ParsedWorkbook, data: bytes, problems: Problems) -> None:
    book = _calamine_book(data) if spreadsheets.values_readable(data) else None
    if book is not None:
        _read_book(result, problems, book)
        return
    try:
        workbook = spreadsheets.open_workbook(data)
    except Exception as exc:  # a damaged workbook raises many kinds of errors
        problems.add(Loc(), _unreadable(exc))
        return
    try:
        names = list(workbook.sheetnames)
        entry: Iterable[Sequence[Any]] = ()
        merges: list[str] = []
        if SHEET_ENTRY in names:
            sheet = workbook[SHEET_ENTRY]
            merges = spreadsheets.merged_ranges(data, sheet._worksheet_path)
            sheet.reset_dimensions()  # trust the cells, not the file's declared size
            entry = _openpyxl_values(sheet.iter_rows(max_col=READ_COLUMNS))
        readme: Iterable[Sequence[Any]] = ()
        if SHEET_README in names:
            notes = workbook[SHEET_README]
            notes.reset_dimensions()
            readme = _openpyxl_values(notes.iter_rows(max_col=2))
        _read_book(result, problems, _Book(names, entry, merges, readme, formulas=True))
    except Exception as exc:  # damage found while streaming the sheet
        problems.add(Loc(), _unreadable(exc))
        result.rows = []
    finally:
        workbook.close()


def _openpyxl_values(rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    """openpyxl's cells as values, formulas and error cells marked by their type."""
    for cells in rows:
        yield [
            _Formula(c.value)
            if c.data_type == "f"
            else _ErrorValue(c.value)
            if c.data_type == "e"
            else c.value
            for c in cells
        ]


def _calamine_book(data: bytes) -> _Book | None:
    """The workbook as read by calamine, or None if calamine cannot read it (openpyxl will,
    or will say what is wrong). Only for bytes `spreadsheets.values_readable` passed."""
    try:
        workbook = spreadsheets.open_values_workbook(data)
    except Exception:
        return None
    try:
        names = list(workbook.sheet_names)
        entry: list[list[Any]] = []
        merges: list[str] = []
        if SHEET_ENTRY in names:
            sheet = workbook.get_sheet_by_name(SHEET_ENTRY)
            # From A1, whatever the first used cell: row and column numbers stay absolute.
            entry = sheet.to_python(skip_empty_area=False)
            merges = [
                f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"
                for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ()
            ]
        readme: list[list[Any]] = []
        if SHEET_README in names:
            readme = workbook.get_sheet_by_name(SHEET_README).to_python(skip_empty_area=False)
    except Exception:
        return None
    finally:
        workbook.close()
    return _Book(names, entry, merges, readme, formulas=False)


def _read_book(result: ParsedWorkbook, problems: Problems, book: _Book) -> None:
    if SHEET_ENTRY not in book.sheetnames:
        problems.add(
            Loc(sheet=SHEET_ENTRY),
            _(
                "The workbook has no sheet “%(sheet)s” (it has: %(names)s). Use the "
                "template downloaded for this unit and period."
            )
            % {"sheet": SHEET_ENTRY, "names": "、".join(book.sheetnames)},
        )
        return
    _SheetReader(result, problems, book.merges, formulas=book.formulas).read(book.entry)
    if SHEET_README in book.sheetnames:
        _check_readme(book.readme, result, problems)


def _unreadable(exc: BaseException) -> str:
    if spreadsheets.is_forbidden_xml(exc):
        return _(
            "The workbook contains XML that is refused (entity declarations or external "
            "references); save it again from Excel or WPS as a plain .xlsx."
        )
    return _("This is not an Excel .xlsx workbook (the file is damaged or another kind of zip).")


def _plain_text(value: Any) -> str:
    """A header cell as text: whole numbers without .0, dates of a month as 2022-09."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}-{value.month:02d}"
    return str(value).strip()


class _SheetReader:
    """One pass over the entry sheet: header block, column headers, data rows."""

    def __init__(
        self, result: ParsedWorkbook, problems: Problems, merges: list[str], *, formulas: bool
    ) -> None:
        self.result = result
        self.formulas = formulas
        self.problems = problems
        self.fields = FieldReader(problems)
        self.merges = merges
        self.columns: dict[int, tuple[Column, str]] = {}
        self.column_text: dict[str, str] = {}  # key → "header (letter)", for locations
        self.read_at: list[tuple[str, int]] = []  # (key, index) of the columns a row needs
        self.header_row = 0
        self.seen_codes: dict[str, int] = {}

    def read(self, rows: Iterable[Sequence[Any]]) -> None:
        broken = False
        for number, cells in enumerate(rows, start=1):
            if self.formulas:
                self._refuse_formulas(number, cells)
            if not self.header_row:
                if number > HEADER_SEARCH_ROWS:
                    break
                cells = _padded(cells, READ_COLUMNS)
                if self._is_column_header(cells):
                    self.header_row = number
                    broken = not self._read_column_headers(number, cells)
                    self._check_merges()
                else:
                    self._read_header_pairs(number, cells)
                continue
            if number > EXCEL_MAX_ROWS or (
                number - self.header_row > MAX_DATA_ROWS and not _blank(cells)
            ):
                self.problems.add(
                    Loc(number, "", SHEET_ENTRY),
                    _("The sheet has more than %(n)d rows; split the entries over several files.")
                    % {"n": MAX_DATA_ROWS},
                )
                break
            if not broken:
                self._read_row(number, cells)
        if not self.header_row:
            self.problems.add(
                Loc(sheet=SHEET_ENTRY),
                _(
                    "The sheet has no row of column headers (with “%(code)s”) in "
                    "its first %(n)d rows."
                )
                % {"code": COLUMN_BY_KEY["code"].label, "n": HEADER_SEARCH_ROWS},
            )
        for label in REQUIRED_HEADER:
            if HEADER_KEYS[label] not in self.result.header:
                self.problems.add(
                    Loc(sheet=SHEET_ENTRY, field=label),
                    _(
                        "The header block has no “%(label)s”; use the template "
                        "downloaded for this unit and period."
                    )
                    % {"label": label},
                )
        if broken:
            self.result.rows = []

    # header block ----------------------------------------------------------------------------
    @staticmethod
    def _is_column_header(cells: Sequence[Any]) -> bool:
        code = COLUMN_BY_KEY["code"]
        return any(isinstance(c, str) and c.strip() in (code.label, code.key) for c in cells)

    def _read_header_pairs(self, number: int, cells: Sequence[Any]) -> None:
        for index in range(0, len(cells) - 1, 2):
            label = _plain_text(cells[index])
            key = HEADER_KEYS.get(label)
            if key is None or type(cells[index + 1]) is _Formula:
                continue
            letter = get_column_letter(index + 2)
            loc = Loc(number, f"{label} ({letter})", SHEET_ENTRY)
            if key in self.result.header:
                self.problems.add(
                    loc, _("“%(label)s” is given twice in the header block.") % {"label": label}
                )
                continue
            value = cells[index + 1]
            text = _plain_text(value)
            if isinstance(value, str):
                text = _raw(value).text.strip()
            self.result.header[key] = text
            self.result.header_where[key] = loc

    # column headers --------------------------------------------------------------------------
    def _read_column_headers(self, number: int, cells: Sequence[Any]) -> bool:
        """Map columns by their headers; False if a required column is missing."""
        by_header = {c.label: c for c in COLUMNS} | {c.key: c for c in COLUMNS}
        seen: set[str] = set()
        for index, cell in enumerate(cells):
            text = _plain_text(cell)
            if not text:
                continue
            letter = get_column_letter(index + 1)
            column = by_header.get(text)
            loc = Loc(number, f"{text} ({letter})", SHEET_ENTRY)
            if column is None:
                self.problems.add(
                    loc,
                    _(
                        "Unknown column “%(column)s”: keep the template's "
                        "column headers as they are."
                    )
                    % {"column": text},
                )
            elif column.key in seen:
                self.problems.add(
                    loc, _("The column “%(column)s” appears twice.") % {"column": column.label}
                )
            else:
                seen.add(column.key)
                self.columns[index] = (column, letter)
                self.column_text[column.key] = f"{column.label} ({letter})"
        self.read_at = [(c.key, i) for i, (c, _letter) in self.columns.items() if c.key in _READ]
        missing = [c for c in COLUMNS if c.required and c.key not in seen]
        for column in missing:
            self.problems.add(
                Loc(number, column.label, SHEET_ENTRY),
                _("The column “%(column)s” is missing (renamed or deleted?).")
                % {"column": column.label},
            )
        return not missing

    def _check_merges(self) -> None:
        names = {
            index + 1: (column.label, letter) for index, (column, letter) in self.columns.items()
        }
        for ref in self.merges:
            try:
                min_col, min_row, _max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            if max_row is None or max_row >= self.header_row:
                label, letter = names.get(min_col or 1, ("", get_column_letter(min_col or 1)))
                self.problems.add(
                    Loc(min_row, f"{label} ({letter})" if label else letter, SHEET_ENTRY),
                    _(
                        "Merged cells %(range)s in the table: unmerge them and give every row its "
                        "own values."
                    )
                    % {"range": ref},
                )

    # data rows ---------------------------------------------------------------------------------
    def _refuse_formulas(self, number: int, cells: Sequence[Any]) -> None:
        for index, cell in enumerate(cells):
            if type(cell) is _Formula:
                column = self.columns.get(index)
                letter = get_column_letter(index + 1)
                where = f"{column[0].label} ({letter})" if column else letter
                self.problems.add(
                    Loc(number, where, SHEET_ENTRY),
                    _("The cell holds a formula (%(formula)s); enter the value itself.")
                    % {"formula": str(cell)[:60]},
                )

    def _read_row(self, number: int, cells: Sequence[Any]) -> None:
        width = len(cells)
        raws: dict[str, Raw] = {}
        for key, index in self.read_at:
            cell = cells[index] if index < width else None
            raws[key] = NULL if cell is None or type(cell) is _Formula else _raw(cell)
        formulas: set[str] = set()
        if self.formulas:  # reported already; the row is refused
            formulas = {
                column.key
                for index, (column, _letter) in self.columns.items()
                if index < width and type(cells[index]) is _Formula
            }
        code_raw = raws["code"]
        filled = not (
            raws["value"].is_empty
            and raws["last_year_value"].is_empty
            and raws["narrative"].is_empty
        )
        text = self.column_text
        if not filled and not formulas:
            if not code_raw.is_empty:
                self.result.blank_rows += 1
                code_loc = Loc(number, text["code"], SHEET_ENTRY)
                self._remember_code(self.fields.code(code_raw, code_loc), code_loc)
            return
        f = self.fields
        problems = self.problems
        bad: set[str] = set(formulas)
        count = len(problems)
        code_loc = Loc(number, text["code"], SHEET_ENTRY)
        code = _plain_code(code_raw)
        if code is None:
            code = f.code(code_raw, code_loc)
        if len(problems) > count:
            bad.add("code")
        self._remember_code(code, code_loc)
        count = len(problems)
        value = self._decimal(raws["value"], number, "value")
        if len(problems) > count:
            bad.add("value")
            count = len(problems)
        last_year = self._decimal(raws["last_year_value"], number, "last_year_value")
        if len(problems) > count:
            bad.add("last_year_value")
            count = len(problems)
        narrative = f.text(
            raws["narrative"],
            Loc(number, text["narrative"], SHEET_ENTRY),
            max_length=NARRATIVE_MAX_LENGTH,
        )
        if len(problems) > count:
            bad.add("narrative")
        self.result.rows.append(
            EntryRow(
                line=number,
                code=code,
                value=value,
                last_year_value=last_year,
                narrative=narrative,
                columns=text,
                bad=frozenset(bad),
            )
        )

    def _decimal(self, raw: Raw, number: int, key: str) -> Decimal | None:
        """A figure; a plain number that fits (most of them) skips the general conversion,
        which would give the same Decimal."""
        if raw.kind == "number" and _FITTING_NUMBER.fullmatch(raw.text):
            return Decimal(raw.text)
        return self.fields.decimal(
            raw,
            Loc(number, self.column_text[key], SHEET_ENTRY),
            max_digits=VALUE_MAX_DIGITS,
            places=VALUE_PLACES,
        )

    def _remember_code(self, code: str, loc: Loc) -> None:
        if not code:
            return
        first = self.seen_codes.get(code)
        if first is not None:
            self.problems.add(
                loc,
                _(
                    "The indicator %(code)s has a second row (first on row "
                    "%(row)d); keep one row per indicator."
                )
                % {"code": code, "row": first},
            )
        else:
            self.seen_codes[code] = loc.line or 0


def _plain_code(raw: Raw) -> str | None:
    """A code FieldReader.code accepts as it is (most of them), else None."""
    if raw.kind != "text" or raw.error:
        return None
    code = raw.text.strip()
    return code if code and len(code) <= CODE_MAX_LENGTH and CODE_RE.match(code) else None


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _padded(cells: Sequence[Any], width: int) -> Sequence[Any]:
    """The first `width` cells of a row, empty cells added up to it (as openpyxl gives them)."""
    if len(cells) == width:
        return cells
    return [*cells[:width], *([None] * (width - len(cells)))]


_EXACT_FLOAT = 2**53
# A number written in plain digits, without trailing zeros, that fits a report's figure:
# FieldReader.decimal accepts it and returns exactly Decimal(text).
_FITTING_NUMBER = re.compile(
    rf"(?!-0\Z)-?(?:0|[1-9]\d{{0,{VALUE_MAX_DIGITS - VALUE_PLACES - 1}}})"
    rf"(?:\.\d{{0,{VALUE_PLACES - 1}}}[1-9])?"
)


def _raw(value: Any) -> Raw:
    """A cell value as a Raw, as `planxlsx.cell_raw` makes it, quick for the common kinds.

    calamine gives every number as a float and an empty cell as "": a whole float is written
    without ".0" (openpyxl gives those as int), "" is an empty cell. calamine gives a date
    without time as a date, openpyxl as midnight of that day.
    """
    kind = type(value)
    if kind is str:
        return Raw("text", value[1:] if value.startswith("'") else value) if value else NULL
    if kind is float:
        if value.is_integer() and -_EXACT_FLOAT < value < _EXACT_FLOAT:
            return Raw("number", str(int(value)))
        return Raw("number", repr(value))
    if kind is _Formula:
        return cell_raw(value, "f")
    if kind is _ErrorValue:
        return cell_raw(value, "e")
    if kind is dt.date:
        return cell_raw(dt.datetime.combine(value, dt.time()), None)
    return cell_raw(value, None)


def _check_readme(
    rows: Iterable[Sequence[Any]], result: ParsedWorkbook, problems: Problems
) -> None:
    """The hidden 说明 sheet: the format must be ours, the header must match its checksum."""
    values: dict[str, tuple[str, int]] = {}
    for number, row in enumerate(rows, start=1):
        if number > 20:
            break
        cells = _padded(row, 2)
        if type(cells[1]) is _Formula:
            continue
        label = _plain_text(cells[0])
        if label in (README_FORMAT, README_VERSION, README_CHECKSUM):
            values[label] = (_plain_text(cells[1]), number)
    fmt = values.get(README_FORMAT)
    if fmt and fmt[0] != FORMAT_NAME:
        problems.add(
            Loc(fmt[1], README_FORMAT, SHEET_README),
            _("This is not a Kaoping progress workbook (format “%(format)s”).")
            % {"format": fmt[0]},
        )
        return
    checksum = values.get(README_CHECKSUM)
    header = result.header
    if checksum is None or not all(HEADER_KEYS[label] in header for label in REQUIRED_HEADER):
        return
    expected = header_checksum(
        header.get("unit_code", ""),
        header.get("period", ""),
        header.get("plan_code", ""),
        header.get("generated_at", ""),
    )
    if checksum[0] != expected:
        problems.add(
            result.loc("period"),
            _(
                "The header block was changed after the template was made (unit, period, "
                "plan or time no longer match its checksum): download a new template "
                "for this unit and period."
            ),
        )
