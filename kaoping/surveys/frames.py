"""Reading an uploaded respondent list (.xlsx or .csv) into checked rows; no database.

The file's first worksheet (or the CSV, UTF-8 with or without BOM, else GBK/GB18030, or
UTF-16 with its BOM) is a table headed by Chinese column names; synonyms are accepted:

  姓名 (required) · 电话 / 手机 / 手机号 / 联系电话 (required) · 镇（街道） / 乡镇 / 单位 /
  所在单位 (required for residents; others default to 全县) · 编号 · 户数 / 权重

Title rows above the header (a merged “××镇居民名单”) are skipped: the header is the first
row among the first few that has a known column name. Every problem is returned with its
row number and column; none names a person's phone number or name (the problems are kept
with the list and must not hold personal data). Duplicates against other lists of the
project are the service's business (they need the database).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kaoping.core import spreadsheets
from kaoping.surveys import crypto

DEFAULT_STRATUM = "全县"
NAME_MAX = 40
STRATUM_MAX = 60
REF_MAX = 60
READ_COLUMNS = 40
HEADER_SEARCH_ROWS = 10
TEMPLATE_HEADERS = ("编号", "姓名", "手机号", "镇（街道）", "户数")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("姓名", "name")),
    Column(
        "phone", "手机号", ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "phone")
    ),
    Column(
        "stratum",
        "镇（街道）",
        (
            "镇（街道）",
            "乡镇",
            "乡镇（街道）",
            "单位",
            "所在单位",
            "stratum",
        ),
    ),
    Column("external_ref", "编号", ("编号", "ref")),
    Column("weight", "户数", ("户数", "权重", "weight")),
)


def _header_key(text: str) -> str:
    """A header as compared: no spaces, half-width brackets, no required-marker *, lower case."""
    text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").strip("*＊")
    return text.lower()


_BY_HEADER = {_header_key(s): c for c in COLUMNS for s in c.synonyms}


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file; `row` 0 means the whole file."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class FrameRow:
    """A valid row: the phone number normalised, the weight positive."""

    row: int
    name: str
    phone: str
    stratum: str
    external_ref: str
    weight: float


@dataclass
class ParsedFrame:
    rows: list[FrameRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # key → "手机号 (B)" as in the file
    # A problem with the file as a whole (nothing could be read): never importable.
    fatal: bool = False

    def refuse(self, message: str, *, row: int = 0, column: str = "") -> ParsedFrame:
        self.problems.append(Problem(row, column, message))
        self.fatal = True
        return self


# One cell: its text, or an error message (formulas, error values).
Cell = tuple[str, str]


def read_frame(data: bytes, *, filename: str, group: str, max_bytes: int) -> ParsedFrame:
    """Read and check an uploaded list for respondents of `group` (a RespondentGroup value)."""
    result = ParsedFrame()
    if not data:
        return result.refuse(_("The file is empty."))
    if len(data) > max_bytes:
        return result.refuse(
            _("The file is too large: %(size)d bytes, the limit is %(max)d.")
            % {"size": len(data), "max": max_bytes}
        )
    lower = filename.lower()
    if data.startswith((spreadsheets.ZIP_SIGNATURE, spreadsheets.OLE_SIGNATURE)) or lower.endswith(
        (".xlsx", ".xlsm", ".xls")
    ):
        problems = spreadsheets.xlsx_container_problems(data)
        if problems:
            for message in problems:
                result.refuse(message)
            return result
        return _read_workbook(data, group, result)
    if lower.endswith((".csv", ".txt")):
        text = _decode(data)
        if text is None:
            return result.refuse(
                _(
                    "The file is not a readable CSV table (neither UTF-8 nor GBK text): save "
                    "it from Excel as “CSV UTF-8” or upload the .xlsx workbook."
                )
            )
        return _read_table(_csv_rows(text), group, result)
    return result.refuse(
        _("This is not a spreadsheet: upload an Excel .xlsx workbook or a .csv file.")
    )


def _decode(data: bytes) -> str | None:
    """The text of a CSV file, or None when it is binary or in no encoding we read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t")
        return None if controls else text
    return None


def _csv_rows(text: str) -> Iterator[tuple[int, list[Cell]]]:
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    for number, record in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        yield number, [(_clean(value), "") for value in record[:READ_COLUMNS]]


def _read_workbook(data: bytes, group: str, result: ParsedFrame) -> ParsedFrame:
    try:
        workbook = spreadsheets.open_workbook(data)
    except Exception as exc:  # a damaged workbook raises many kinds of errors
        return result.refuse(_unreadable(exc))
    try:
        names = [n for n in workbook.sheetnames if n not in ("说明", "填写说明")]
        if not names:
            return result.refuse(_("The workbook has no worksheet with the list."))
        sheet = workbook[names[0]]
        sheet.reset_dimensions()  # trust the cells, not the file's declared size
        rows = (
            (number, [_cell(c) for c in cells])
            for number, cells in enumerate(sheet.iter_rows(max_col=READ_COLUMNS), start=1)
        )
        return _read_table(rows, group, result)
    except Exception as exc:  # damage found while streaming the sheet
        fresh = ParsedFrame()  # drop rows read before the damage
        return fresh.refuse(_unreadable(exc))
    finally:
        workbook.close()


def _unreadable(exc: BaseException) -> str:
    if spreadsheets.is_forbidden_xml(exc):
        return _(
            "The workbook contains XML that is refused (entity declarations or external "
            "references); save it again from Excel or WPS as a plain .xlsx."
        )
    return _("This is not an Excel .xlsx workbook (the file is damaged or another kind of zip).")


def _clean(text: str) -> str:
    """Cell text as read: trimmed, one leading apostrophe (a spreadsheet's escape) removed."""
    text = text.strip().replace("\u3000", " ").strip()
    return text[1:].strip() if text.startswith("'") else text


def _cell(cell: Any) -> Cell:
    value = getattr(cell, "value", None)
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        return str(value), _("The cell holds a formula; enter the value itself.")
    if data_type == "e":
        return str(value), _("The cell holds an error value (%(value)s).") % {"value": value}
    if value is None:
        return "", ""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value)), ""
        return repr(value), ""
    if isinstance(value, (int, Decimal)):
        return str(value), ""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(), ""
    return _clean(str(value)), ""


def _read_table(
    rows: Iterable[tuple[int, list[Cell]]], group: str, result: ParsedFrame
) -> ParsedFrame:
    from kaoping.surveys.models import RespondentGroup

    iterator = iter(rows)
    header: tuple[int, list[Cell]] | None = None
    first_nonempty: tuple[int, list[Cell]] | None = None
    searched = 0
    for number, cells in iterator:
        if all(not text for text, _error in cells):
            continue
        if first_nonempty is None:
            first_nonempty = (number, cells)
        if any(_header_key(text) in _BY_HEADER for text, _error in cells):
            header = (number, cells)  # rows above it are titles
            break
        searched += 1
        if searched >= HEADER_SEARCH_ROWS:
            break
    if first_nonempty is None:
        return result.refuse(_("The file is empty."))
    if header is None:
        # No known column name in the first rows: the first non-empty row was meant as the
        # header; say what is wrong with it (the required columns are missing: fatal).
        header = first_nonempty
    header_row, header_cells = header
    columns: dict[int, tuple[Column, str]] = {}
    seen: set[str] = set()
    for index, (text, _error) in enumerate(header_cells):
        if not text:
            continue
        letter = get_column_letter(index + 1)
        where = f"{text} ({letter})"
        column = _BY_HEADER.get(_header_key(text))
        if column is None:
            result.problems.append(
                Problem(header_row, where, _("Unknown column “%(column)s”.") % {"column": text})
            )
        elif column.key in seen:
            result.problems.append(
                Problem(
                    header_row,
                    where,
                    _("A second column for “%(column)s”; keep only one.")
                    % {"column": column.label},
                )
            )
        else:
            seen.add(column.key)
            columns[index] = (column, where)
    required = ["name", "phone"]
    if group == RespondentGroup.RESIDENT:
        required.append("stratum")
    for key in required:
        if key not in seen:
            column = next(c for c in COLUMNS if c.key == key)
            result.refuse(
                _("The column “%(column)s” is missing (also accepted: %(synonyms)s).")
                % {
                    "column": column.label,
                    "synonyms": "、".join(s for s in column.synonyms if not s.isascii()),
                },
                row=header_row,
            )
    if result.fatal:
        return result
    where_of = {column.key: where for column, where in columns.values()}
    result.columns = where_of
    first_seen: dict[str, int] = {}
    for number, cells in iterator:
        if all(not text for text, _error in cells):
            continue
        result.rows_read += 1
        values: dict[str, Cell] = {}
        for index, (column, _where) in columns.items():
            values[column.key] = cells[index] if index < len(cells) else ("", "")
        row = _check_row(number, values, where_of, group, result.problems, first_seen)
        if row is not None:
            result.rows.append(row)
    if result.rows_read == 0:
        return result.refuse(_("The file has a header but no rows below it."), row=header_row)
    return result


def _check_row(
    number: int,
    values: dict[str, Cell],
    where_of: dict[str, str],
    group: str,
    problems: list[Problem],
    first_seen: dict[str, int],
) -> FrameRow | None:
    """The row's values checked; each problem appended; None when the row is not importable.

    `first_seen` maps each phone number met so far to its row (a later row with the same
    number is a duplicate, whether or not the earlier row had other problems)."""
    from kaoping.surveys.models import RespondentGroup

    before = len(problems)

    def problem(key: str, message: str) -> None:
        problems.append(Problem(number, where_of.get(key, key), message))

    for key, (_text, error) in values.items():
        if error:
            problem(key, error)
    if len(problems) > before:
        return None
    name = values["name"][0]
    if not name:
        problem("name", _("The name is missing."))
    elif len(name) > NAME_MAX:
        problem("name", _("The name is longer than %(max)d characters.") % {"max": NAME_MAX})
    raw_phone = values["phone"][0]
    phone = ""
    if not raw_phone:
        problem("phone", _("The phone number is missing."))
    else:
        try:
            phone = crypto.normalise_phone(raw_phone)
        except crypto.InvalidPhone:
            problem(
                "phone",
                _(
                    "The phone number is malformed: expected a mainland mobile number of 11 "
                    "digits or a landline with its area code."
                ),
            )
        else:
            earlier = first_seen.setdefault(phone, number)
            if earlier != number:
                problem(
                    "phone",
                    _("The same phone number as row %(row)d of this file.") % {"row": earlier},
                )
    stratum = values.get("stratum", ("", ""))[0]
    if not stratum:
        if group == RespondentGroup.RESIDENT:
            problem("stratum", _("The town (street) is missing."))
        stratum = DEFAULT_STRATUM
    elif len(stratum) > STRATUM_MAX:
        problem(
            "stratum",
            _("The town or unit is longer than %(max)d characters.") % {"max": STRATUM_MAX},
        )
    external_ref = values.get("external_ref", ("", ""))[0]
    if len(external_ref) > REF_MAX:
        problem(
            "external_ref", _("The number is longer than %(max)d characters.") % {"max": REF_MAX}
        )
    weight = 1.0
    raw_weight = values.get("weight", ("", ""))[0]
    if raw_weight:
        try:
            weight = float(raw_weight.replace(",", ""))
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight <= 0:
            problem(
                "weight",
                _("The weight “%(value)s” is not a positive number.") % {"value": raw_weight[:20]},
            )
    if len(problems) > before:
        return None
    return FrameRow(number, name, phone, stratum, external_ref, weight)
