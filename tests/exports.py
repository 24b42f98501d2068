"""Reading an export response back in tests: the rows of an .xlsx or a BOM-prefixed CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from kaoping.plans.planxlsx import XLSX_CONTENT_TYPE


def export_rows(response: Any, fmt: str) -> list[list[Any]]:
    """The rows (header first) of a 200 export answer in `fmt` (xlsx or csv)."""
    assert response.status_code == 200
    if fmt == "xlsx":
        assert response["Content-Type"] == XLSX_CONTENT_TYPE
        sheet = load_workbook(io.BytesIO(response.content)).active
        return [[c.value for c in row] for row in sheet.iter_rows()]
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
