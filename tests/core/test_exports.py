"""The generic table export: typed cells, formula injection neutralised in both formats, a
Chinese file name, and an audit event per export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation
from openpyxl import load_workbook

from kaoping.audit.models import AuditEvent
from kaoping.core import exports
from kaoping.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


RISKY = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x")']
HEADERS = ["单位", "得分", "日期", "时间", "是否", "说明"]
AT = timezone.make_aware(datetime(2022, 9, 30, 14, 5))


def _rows() -> list[list[Any]]:
    rows: list[list[Any]] = [["东城镇", Decimal("87.25"), date(2022, 9, 30), AT, True, "正常"]]
    rows += [[text, 1, None, None, False, text] for text in RISKY]
    return rows


def _request(world: Any, query: str = "") -> Any:
    request = RequestFactory().get(f"/tracking/tasks/{query}")
    request.user = world.users[Role.OFFICE]
    return request


def test_xlsx_types_header_and_escaping() -> None:
    content = exports.xlsx_bytes(exports.Table("任务清单", HEADERS, _rows()))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "任务清单"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert [c.value for c in sheet[1]] == HEADERS
    first = [c.value for c in sheet[2]]
    assert first[1] == pytest.approx(87.25) and isinstance(first[1], float | int)
    assert first[2] == datetime(2022, 9, 30)  # a date cell (openpyxl reads dates as datetimes)
    assert sheet.cell(row=2, column=3).is_date
    assert first[3] == datetime(2022, 9, 30, 14, 5)  # local time, no time zone
    assert first[4] == "Yes"
    for n, text in enumerate(RISKY, start=3):
        assert sheet.cell(row=n, column=1).value == "'" + text
        assert sheet.cell(row=n, column=6).value == "'" + text
        assert sheet.cell(row=n, column=1).data_type == "s"
    assert sheet.column_dimensions["A"].width >= 8  # 东城镇: three wide characters


def test_csv_has_a_bom_and_escapes_every_text_field() -> None:
    content = exports.csv_bytes(exports.Table("t", HEADERS, _rows()))
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert rows[1] == ["东城镇", "87.25", "2022-09-30", "2022-09-30 14:05", "Yes", "正常"]
    for row, text in zip(rows[2:], RISKY, strict=True):
        assert row[0] == "'" + text
        assert row[5] == "'" + text
    for row in rows[1:]:
        for field in row:
            assert not field.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_risky_header_or_sheet_title_is_neutralised() -> None:
    content = exports.xlsx_bytes(exports.Table("a/b:c", ["=cmd"], []))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "'=cmd"
    assert sheet.title == "a b c"


def test_content_disposition_is_rfc5987_with_an_ascii_fallback() -> None:
    header = exports.content_disposition("任务清单-20221001.xlsx")
    assert header.startswith('attachment; filename="export-20221001.xlsx"; ')
    encoded = header.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "任务清单-20221001.xlsx"
    assert exports.content_disposition("ranking-1.csv").startswith(
        'attachment; filename="ranking-1.csv"'
    )


def test_export_response_is_audited_with_what_and_rows(world: Any) -> None:
    response = exports.export_response(
        request=_request(world, "?status=done"),
        fmt="csv",
        title="任务清单",
        headers=HEADERS,
        rows=_rows(),
        what="tracking.tasks",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CSV_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert "%E4%BB%BB%E5%8A%A1" in response["Content-Disposition"]  # 任务
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.actor_id == world.users[Role.OFFICE].pk
    assert event.after["what"] == "tracking.tasks"
    assert event.after["rows"] == len(RISKY) + 1
    assert event.after["format"] == "csv"


def test_requested_format_and_links(world: Any) -> None:
    assert exports.requested_format(_request(world, "?export=xlsx")) == "xlsx"
    assert exports.requested_format(_request(world, "?export=pdf")) is None
    assert exports.requested_format(_request(world)) is None
    links = exports.export_links(_request(world, "?unit=3&page=2"), "deductions")
    assert links["csv"] == "/tracking/tasks/?unit=3&export=csv&table=deductions"


def test_an_unknown_format_is_a_programming_error(world: Any) -> None:
    with pytest.raises(ValueError):
        exports.export_response(
            request=_request(world), fmt="pdf", title="t", headers=[], rows=[], what="x"
        )
