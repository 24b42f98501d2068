"""Excel exports of ranking tables and scorecards (openpyxl), safe against formula injection.

Text goes through the plan workbook's escaper (kaoping.plans.planxlsx.escape_text), as every
workbook Kaoping writes: a formula-like start gets a leading apostrophe so it shows as typed
(OWASP "CSV injection"). Numbers stay numbers, rounded half-up to 2 decimals.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from kaoping.plans.planxlsx import XLSX_CONTENT_TYPE, escape_text

__all__ = ["XLSX_CONTENT_TYPE", "safe_cell", "workbook"]


def safe_cell(value: Any) -> Any:
    """A value fit for a cell: numbers rounded to 2 places, risky text neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if isinstance(value, (int, float)):
        return value
    return escape_text(str(value))


def workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx with one sheet per (title, headers, rows)."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=str(safe_cell(title))[:31])
        sheet.append([safe_cell(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
