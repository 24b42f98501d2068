"""Exports of the tables the pages show, as Excel (.xlsx) or CSV, safe and audited.

A page that shows a table offers `?export=xlsx` and `?export=csv`: its view reads the rows with
the same selector as the page (so the user's data scope holds), lists the columns and hands
them to `export_response`. Here:

- every text cell is neutralised against formula injection (OWASP "CSV injection": a cell
  starting with = + - @, a tab or a carriage return gets a leading apostrophe) by the escaper
  every Kaoping workbook uses, kaoping.plans.planxlsx.escape_text, in both formats;
- in .xlsx numbers stay numbers and dates dates; the header row is bold and frozen, and the
  columns are as wide as their content (within bounds);
- CSV is UTF-8 with a byte-order mark, so Excel opens Chinese correctly;
- the file name may be Chinese (RFC 5987 `filename*`, with an ASCII fallback);
- every export is audited (action "export": what, the format and how many rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kaoping.plans.planxlsx import XLSX_CONTENT_TYPE, escape_text

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Table:
    """What an export holds: a title (sheet and file name), headers and rows of plain values."""

    title: str
    headers: Sequence[Any]
    rows: Sequence[Sequence[Any]]


def requested_format(request: HttpRequest) -> str | None:
    """`xlsx` or `csv` when the page was asked for an export (`?export=`), else None."""
    wanted = request.GET.get("export", "")
    return wanted if wanted in FORMATS else None


def requested_table(request: HttpRequest) -> str:
    """Which of a page's tables to export (`?table=`), for pages with more than one."""
    return request.GET.get("table", "")


def export_links(request: HttpRequest, table: str = "") -> dict[str, str]:
    """The page's own address with `export=xlsx` / `export=csv` (its filters kept)."""
    links = {}
    for fmt in FORMATS:
        query = request.GET.copy()
        query["export"] = fmt
        query.pop("page", None)
        query.pop("table", None)
        if table:
            query["table"] = table
        links[fmt] = f"{request.path}?{query.urlencode()}"
    return links


# --- cell values ---------------------------------------------------------------------------
def _local(value: datetime) -> datetime:
    """A naive local datetime (spreadsheets know no time zones)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def xlsx_value(value: Any) -> Any:
    """A value as an .xlsx cell: numbers and dates as they are, text escaped."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return value
    return escape_text(str(value))


def csv_value(value: Any) -> str:
    """A value as a CSV field: numbers and dates written plainly, text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral() else value, "f")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return escape_text(str(value))


def _text(value: Any) -> str:
    return str(value) if isinstance(value, Promise) else value


# --- files -----------------------------------------------------------------------------------
def xlsx_bytes(table: Table) -> bytes:
    """The table as a one-sheet workbook: bold frozen header, fitted widths, typed cells."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(table.title)
    sheet.append([xlsx_value(_text(h)) for h in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [_width(h) for h in table.headers]
    for row in table.rows:
        values = [xlsx_value(_text(v)) for v in row]
        sheet.append(values)
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = max(widths[index], _width(value))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(table: Table) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (for Excel), every field escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_value(_text(h)) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_value(_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return (cleaned or "Sheet")[:31]


def _width(value: Any) -> float:
    """A column width for a value: Chinese characters count double."""
    if value is None:
        return MIN_WIDTH
    if isinstance(value, datetime):
        text = "2022-01-01 00:00"
    elif isinstance(value, date):
        text = "2022-01-01"
    else:
        text = str(value)
    longest = max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.split("\n"))
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def content_disposition(filename: str) -> str:
    """`attachment` with the (Chinese) name per RFC 5987 and an ASCII fallback."""
    stem, _dot, ext = filename.rpartition(".")
    ascii_stem = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "_-"))
    if not any(ch.isalpha() for ch in ascii_stem):
        ascii_stem = "export" + (f"-{ascii_stem.strip('-_')}" if ascii_stem.strip("-_") else "")
    ascii_name = f"{ascii_stem}.{ext}" if stem else ascii_stem
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_response(
    *,
    request: HttpRequest,
    fmt: str,
    title: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    what: str,
) -> HttpResponse:
    """The table as a download in `fmt` (xlsx or csv), audited as an export by the user.

    `title` names the sheet and the file (with today's date); `what` says in the audit trail
    which table it was (e.g. "tracking.tasks").
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    table = Table(str(title), list(headers), [list(r) for r in rows])
    if fmt == "xlsx":
        content, content_type = xlsx_bytes(table), XLSX_CONTENT_TYPE
    else:
        content, content_type = csv_bytes(table), CSV_CONTENT_TYPE
    from kaoping.audit.services import audit_event

    audit_event(
        actor=request.user,
        action="export",
        object_type="export",
        object_id=what,
        object_repr=table.title,
        after={
            "what": what,
            "format": fmt,
            "rows": len(table.rows),
            "query": request.GET.urlencode(),
        },
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(f"{table.title}-{stamp}.{fmt}")
    response["Cache-Control"] = "no-store"
    return response
