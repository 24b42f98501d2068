"""A bulletin's tables as an Excel workbook: one sheet per table, numbers kept as numbers,
text escaped against formula injection (kaoping.plans.planxlsx.escape_text)."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kaoping.bulletins.content import Document
from kaoping.plans.planxlsx import escape_text

# Characters a sheet title may not hold, and its length limit.
_BAD_TITLE = re.compile(r"[\[\]\*\?/\\:]")
TITLE_LIMIT = 31


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name made from a table title."""
    base = _BAD_TITLE.sub("_", title).strip("'") or "表"
    name = base[:TITLE_LIMIT]
    counter = 2
    while name in taken:
        suffix = f"({counter})"
        name = base[: TITLE_LIMIT - len(suffix)] + suffix
        counter += 1
    taken.add(name)
    return name


def render_xlsx(doc_data: Document) -> bytes:
    """The workbook as .xlsx bytes (a sheet "通报" with the title when there is no table)."""
    book = Workbook()
    first = book.active
    tables = doc_data.tables()
    if not tables:
        assert first is not None
        first.title = "通报"
        first.append([escape_text(doc_data.title)])
    else:
        book.remove(first)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(sheet_title(table["title"], taken))
        sheet.append([escape_text(str(c)) for c in table["columns"]])
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for row in table["rows"]:
            sheet.append([escape_text(value) if isinstance(value, str) else value for value in row])
        for index, column in enumerate(table["columns"], start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(10, min(40, len(str(column)) * 2 + 4))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
