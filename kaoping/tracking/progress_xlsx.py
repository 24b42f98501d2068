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
then openpyxl reads the sheet in read-only mode, formulas kept as formulas and refused. Every
problem is collected in one pass as a located `Problem` (sheet, row, column header and
letter). Whether the unit, period, plan and indicator codes are right is for
kaoping.tracking.services.imports, which has the database.

Formula injection: text written to a cell goes through the plan workbook's escaper (a leading
= + - @ tab CR or ' gets one extra apostrophe) and one leading apostrophe is removed on reading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
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
from kaoping.plans.planfile import NULL, FieldReader, Loc, Problem, Problems, Raw, sorted_problems
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
    where: dict[str, Loc] = field(default_factory=dict)
    bad: frozenset[str] = frozenset()  # fields whose cell could not be read (reported)


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


def _read_into(result: ParsedWorkbook, data: bytes, problems: Problems) -> None:
    try:
        workbook = spreadsheets.open_workbook(data)
    except Exception as exc:  # a damaged workbook raises many kinds of errors
        problems.add(Loc(), _unreadable(exc))
        return
    try:
        if SHEET_ENTRY not in workbook.sheetnames:
            problems.add(
                Loc(sheet=SHEET_ENTRY),
                _(
                    "The workbook has no sheet “%(sheet)s” (it has: %(names)s). Use the "
                    "template downloaded for this unit and period."
                )
                % {"sheet": SHEET_ENTRY, "names": "、".join(workbook.sheetnames)},
            )
            return
        sheet = workbook[SHEET_ENTRY]
        merges = spreadsheets.merged_ranges(data, sheet._worksheet_path)
        _SheetReader(result, problems, merges).read(sheet)
        if SHEET_README in workbook.sheetnames:
            _check_readme(workbook[SHEET_README], result, problems)
    except Exception as exc:  # damage found while streaming the sheet
        problems.add(Loc(), _unreadable(exc))
        result.rows = []
    finally:
        workbook.close()


def _unreadable(exc: BaseException) -> str:
    if spreadsheets.is_forbidden_xml(exc):
        return _(
            "The workbook contains XML that is refused (entity declarations or external "
            "references); save it again from Excel or WPS as a plain .xlsx."
        )
    return _("This is not an Excel .xlsx workbook (the file is damaged or another kind of zip).")


def _plain_text(value: Any) -> str:
    """A header cell as text: whole numbers without .0, dates of a month as 2022-09."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}-{value.month:02d}"
    return str(value).strip()


class _SheetReader:
    """One pass over the entry sheet: header block, column headers, data rows."""

    def __init__(self, result: ParsedWorkbook, problems: Problems, merges: list[str]) -> None:
        self.result = result
        self.problems = problems
        self.fields = FieldReader(problems)
        self.merges = merges
        self.columns: dict[int, tuple[Column, str]] = {}
        self.header_row = 0
        self.seen_codes: dict[str, int] = {}

    def read(self, sheet: Any) -> None:
        sheet.reset_dimensions()  # trust the cells, not the file's declared size
        broken = False
        for number, cells in enumerate(sheet.iter_rows(max_col=READ_COLUMNS), start=1):
            self._refuse_formulas(number, cells)
            if not self.header_row:
                if number > HEADER_SEARCH_ROWS:
                    break
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
        return any(
            isinstance(c.value, str) and c.value.strip() in (code.label, code.key) for c in cells
        )

    def _read_header_pairs(self, number: int, cells: Sequence[Any]) -> None:
        for index in range(0, len(cells) - 1, 2):
            label = _plain_text(cells[index].value)
            key = HEADER_KEYS.get(label)
            if key is None or cells[index + 1].data_type == "f":
                continue
            letter = get_column_letter(index + 2)
            loc = Loc(number, f"{label} ({letter})", SHEET_ENTRY)
            if key in self.result.header:
                self.problems.add(
                    loc, _("“%(label)s” is given twice in the header block.") % {"label": label}
                )
                continue
            value = cells[index + 1].value
            text = _plain_text(value)
            if isinstance(value, str):
                text = cell_raw(value, "s").text.strip()
            self.result.header[key] = text
            self.result.header_where[key] = loc

    # column headers --------------------------------------------------------------------------
    def _read_column_headers(self, number: int, cells: Sequence[Any]) -> bool:
        """Map columns by their headers; False if a required column is missing."""
        by_header = {c.label: c for c in COLUMNS} | {c.key: c for c in COLUMNS}
        seen: set[str] = set()
        for index, cell in enumerate(cells):
            text = _plain_text(cell.value)
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
            if cell.data_type == "f":
                column = self.columns.get(index)
                letter = get_column_letter(index + 1)
                where = f"{column[0].label} ({letter})" if column else letter
                self.problems.add(
                    Loc(number, where, SHEET_ENTRY),
                    _("The cell holds a formula (%(formula)s); enter the value itself.")
                    % {"formula": str(cell.value)[:60]},
                )

    def _read_row(self, number: int, cells: Sequence[Any]) -> None:
        raws: dict[str, tuple[Raw, Loc]] = {}
        formulas: set[str] = set()
        for index, (column, letter) in self.columns.items():
            cell = cells[index] if index < len(cells) else None
            raw = NULL
            if cell is not None and cell.data_type == "f":  # reported already
                formulas.add(column.key)
            elif cell is not None:
                raw = cell_raw(cell.value, cell.data_type)
            raws[column.key] = (raw, Loc(number, f"{column.label} ({letter})", SHEET_ENTRY))
        filled = [k for k in ("value", "last_year_value", "narrative") if not raws[k][0].is_empty]
        code_raw, code_loc = raws["code"]
        if not filled and not formulas:
            if not code_raw.is_empty:
                self.result.blank_rows += 1
                self._remember_code(self.fields.code(code_raw, code_loc), code_loc)
            return
        f = self.fields
        bad: set[str] = set(formulas)

        def read(key: str, convert: Any, **options: Any) -> Any:
            before = len(self.problems)
            converted = convert(*raws[key], **options)
            if len(self.problems) > before:
                bad.add(key)
            return converted

        code = read("code", f.code)
        self._remember_code(code, code_loc)
        number_options = {"max_digits": VALUE_MAX_DIGITS, "places": VALUE_PLACES}
        value = read("value", f.decimal, **number_options)
        last_year = read("last_year_value", f.decimal, **number_options)
        narrative = read("narrative", f.text, max_length=NARRATIVE_MAX_LENGTH)
        self.result.rows.append(
            EntryRow(
                line=number,
                code=code,
                value=value,
                last_year_value=last_year,
                narrative=narrative,
                where={key: loc for key, (_raw, loc) in raws.items()},
                bad=frozenset(bad),
            )
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


def _blank(cells: Sequence[Any]) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


def _check_readme(sheet: Any, result: ParsedWorkbook, problems: Problems) -> None:
    """The hidden 说明 sheet: the format must be ours, the header must match its checksum."""
    sheet.reset_dimensions()
    values: dict[str, tuple[str, int]] = {}
    for number, cells in enumerate(sheet.iter_rows(max_col=2), start=1):
        if number > 20:
            break
        if len(cells) < 2 or cells[1].data_type == "f":
            continue
        label = _plain_text(cells[0].value)
        if label in (README_FORMAT, README_VERSION, README_CHECKSUM):
            values[label] = (_plain_text(cells[1].value), number)
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
