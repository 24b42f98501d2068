"""Bulk progress entry by Excel: template, all-or-nothing import, idempotence, hostile files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kaoping.audit.models import AuditEvent
from kaoping.core import spreadsheets
from kaoping.core.errors import PermissionDeniedError
from kaoping.core.periods import Period
from kaoping.org.models import Role
from kaoping.plans.models import Indicator, Plan
from kaoping.tracking import progress_xlsx as px
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services.imports import (
    ProgressImportError,
    progress_import,
    progress_template_export,
)
from tests.factories import AssignmentFactory, IndicatorFactory

Q3 = Period.parse("2022Q3")
COLUMN = {c.key: get_column_letter(i) for i, c in enumerate(px.COLUMNS, start=1)}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in their English msgids, whatever the catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def entry(world: Any) -> Any:
    """Town A owes A01 (quarterly), A03 (monthly), A05 (qualitative) and A04 (yearly)."""
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save(update_fields=["status"])
    extra = {
        "A03": {"name": '=HYPERLINK("http://x")', "frequency": Indicator.Frequency.MONTHLY},
        "A04": {"name": "年度考核", "frequency": Indicator.Frequency.YEARLY},
        "A05": {"name": "党建工作", "kind": Indicator.Kind.QUALITATIVE, "target": None},
    }
    for order, (code, fields) in enumerate(extra.items(), start=3):
        indicator = IndicatorFactory(
            plan=world.plan, parent=world.category, code=code, order=order, **fields
        )
        AssignmentFactory(indicator=indicator, lead_unit=world.town_a)
    world.reporter = world.users[Role.REPORTER]
    return world


def template(world: Any, period: Period = Q3) -> bytes:
    return progress_template_export(actor=world.reporter, unit=world.town_a, period=period).data


def rows_of(data: bytes) -> dict[str, int]:
    """Indicator code → row number in the entry sheet."""
    ws = load_workbook(io.BytesIO(data))[px.SHEET_ENTRY]
    return {ws[f"A{r}"].value: r for r in range(px.HEADER_ROW + 1, ws.max_row + 1)}


def edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    """The workbook after `change(workbook)`."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fill(data: bytes, values: dict[str, dict[str, Any]]) -> bytes:
    """Fill cells by indicator code and column key."""
    rows = rows_of(data)

    def change(wb: Any) -> None:
        ws = wb[px.SHEET_ENTRY]
        for code, cells in values.items():
            for key, value in cells.items():
                ws[f"{COLUMN[key]}{rows[code]}"] = value

    return edit(data, change)


GOOD = {
    "A01": {"value": 75.5, "last_year_value": 60, "narrative": "按序时推进"},
    "A03": {"value": 12, "last_year_value": 10.25, "narrative": "'=1+1 是文字"},
    "A05": {"narrative": "召开专题会议3次"},
}


def run(world: Any, data: bytes, **kwargs: Any) -> Any:
    options = {
        "actor": world.reporter,
        "unit": world.town_a,
        "period": Q3,
        "filename": "进度.xlsx",
    } | kwargs
    return progress_import(data=data, **options)


def problems_of(world: Any, data: bytes, **kwargs: Any) -> list[str]:
    """The located problems of a refused import; asserts that nothing was written."""
    before = (
        ProgressReport.objects.count(),
        AuditEvent.objects.filter(action="progress.import").count(),
    )
    with pytest.raises(ProgressImportError) as caught:
        run(world, data, **kwargs)
    after = (
        ProgressReport.objects.count(),
        AuditEvent.objects.filter(action="progress.import").count(),
    )
    assert after == before
    return [str(p) for p in caught.value.problems]


def one_problem(problems: list[str], *fragments: str) -> str:
    matching = [p for p in problems if all(f in p for f in fragments)]
    assert matching, problems
    return matching[0]


# --- the template --------------------------------------------------------------------------------
def test_template_lists_what_the_unit_owes_in_the_period(entry: Any) -> None:
    # given the plan and town A's obligations, when the Q3 template is made
    data = template(entry)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[px.SHEET_ENTRY]
    # then the header block says unit, period and plan
    assert (ws["A1"].value, ws["B1"].value, ws["D1"].value) == ("单位编码", "T01", "东城镇")
    assert (ws["B2"].value, ws["D2"].value) == ("2022Q3", "2022年第三季度")
    assert ws["B3"].value == "county-2022"
    assert [c.value for c in ws[px.HEADER_ROW]] == [c.label for c in px.COLUMNS]
    # and one row per due indicator: not the yearly A04, not town B's A02, not the category
    assert list(rows_of(data)) == ["A01", "A03", "A05"]
    # text that looks like a formula is escaped, never a formula
    assert ws[f"B{rows_of(data)['A03']}"].value == '\'=HYPERLINK("http://x")'
    assert ws[f"B{rows_of(data)['A03']}"].data_type == "s"
    # fixed cells are locked, the cells to fill are open, the sheet is protected
    first = px.HEADER_ROW + 1
    assert ws.protection.sheet
    assert ws[f"A{first}"].protection.locked
    assert not ws[f"{COLUMN['value']}{first}"].protection.locked
    assert not ws[f"{COLUMN['narrative']}{first}"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "textLength"} <= kinds
    # the checksum sits in the hidden 说明 sheet
    readme = wb[px.SHEET_README]
    assert readme.sheet_state == "hidden"
    assert readme["A3"].value == "模板校验码" and len(readme["B3"].value) == 64
    assert AuditEvent.objects.filter(action="progress.template_export").count() == 1


def test_template_is_prefilled_with_current_reports(entry: Any) -> None:
    run(entry, fill(template(entry), GOOD))
    data = template(entry)
    ws = load_workbook(io.BytesIO(data))[px.SHEET_ENTRY]
    row = rows_of(data)["A03"]
    assert ws[f"{COLUMN['value']}{row}"].value == 12
    assert ws[f"{COLUMN['narrative']}{row}"].value == "'=1+1 是文字"


def test_template_refused_outside_the_users_units(entry: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        progress_template_export(actor=entry.users["reporter_b"], unit=entry.town_a, period=Q3)


# --- the import ---------------------------------------------------------------------------------
def test_round_trip_creates_draft_reports(entry: Any) -> None:
    # given a filled template, when it is imported
    data = fill(template(entry), GOOD)
    result = run(entry, data)
    # then each filled row is a draft report of the indicator's own period
    assert (result.created, result.updated, result.unchanged, result.rows) == (3, 0, 0, 3)
    assert not result.already_imported
    reports = {r.indicator.code: r for r in ProgressReport.objects.select_related("indicator")}
    assert set(reports) == {"A01", "A03", "A05"}
    a01, a03, a05 = reports["A01"], reports["A03"], reports["A05"]
    assert (a01.period, a01.value, a01.last_year_value) == ("2022Q3", Decimal("75.5"), 60)
    assert (a03.period, a03.value, a03.last_year_value) == ("2022-09", 12, Decimal("10.25"))
    assert a03.narrative == "=1+1 是文字"
    assert a05.value is None and a05.narrative == "召开专题会议3次"
    assert all(
        r.status == ProgressReport.Status.DRAFT and r.version == 1 and r.is_current
        for r in reports.values()
    )
    assert all(r.source == "excel:" + result.sha256 for r in reports.values())
    assert a01.created_by == entry.reporter
    # and the import is audited once, with the file's hash and the counts
    event = AuditEvent.objects.get(action="progress.import")
    assert event.after["sha256"] == result.sha256
    assert (event.after["created"], event.after["rows"]) == (3, 3)


def test_reimporting_the_same_file_changes_nothing(entry: Any) -> None:
    data = fill(template(entry), GOOD)
    run(entry, data)
    snapshot = list(
        ProgressReport.objects.values_list("pk", "version", "row_version", "updated_at")
    )
    result = run(entry, data)
    assert result.already_imported and not result.changed
    assert result.unchanged == 3
    assert (
        list(ProgressReport.objects.values_list("pk", "version", "row_version", "updated_at"))
        == snapshot
    )


def test_a_changed_file_updates_the_drafts(entry: Any) -> None:
    run(entry, fill(template(entry), GOOD))
    changed = fill(template(entry), {"A01": {"value": 80}})
    result = run(entry, changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    a01 = ProgressReport.objects.get(indicator__code="A01")
    assert (a01.value, a01.version, a01.row_version) == (80, 1, 2)
    assert ProgressReport.objects.count() == 3


def test_empty_rows_are_left_alone(entry: Any) -> None:
    result = run(entry, fill(template(entry), {"A01": GOOD["A01"]}))
    assert (result.created, result.blank) == (1, 2)


def test_a_file_with_nothing_filled_is_refused(entry: Any) -> None:
    one_problem(problems_of(entry, template(entry)), "nothing to import")


def test_one_bad_row_writes_nothing(entry: Any) -> None:
    # given a draft already there, and a file with good rows and one bad one
    run(entry, fill(template(entry), {"A05": GOOD["A05"]}))
    a05 = ProgressReport.objects.get(indicator__code="A05")
    bad = fill(template(entry), GOOD | {"A05": {"narrative": "新的"}, "A03": {"value": "abc"}})
    # when it is imported, then every problem is listed and nothing changed
    problem = one_problem(problems_of(entry, bad), "“abc” is not a number")
    row = rows_of(bad)["A03"]
    assert f"sheet “进度填报”, row {row}, 本期累计完成值 ({COLUMN['value']})" in problem
    a05.refresh_from_db()
    assert a05.narrative == "召开专题会议3次" and a05.row_version == 1


def test_all_problems_are_listed_in_one_pass(entry: Any) -> None:
    bad = fill(
        template(entry),
        {
            "A01": {"value": "12,5"},
            "A03": {"value": -3, "last_year_value": "NaN"},
            "A05": {"narrative": None, "value": None, "last_year_value": None},
        },
    )
    bad = fill(bad, {"A05": {"last_year_value": 1}})
    problems = problems_of(entry, bad)
    one_problem(problems, "“12,5” is not a number")
    one_problem(problems, "“NaN” is not a finite number")
    one_problem(problems, f"row {rows_of(bad)['A05']}", "Describe the progress")


def test_negative_values_are_refused_unless_the_plan_has_them(entry: Any) -> None:
    bad = fill(template(entry), {"A03": {"value": -3}})
    one_problem(problems_of(entry, bad), "Must not be negative")
    Indicator.objects.filter(code="A03").update(baseline=Decimal("-10"))
    assert run(entry, bad).created == 1


def test_submitted_and_approved_reports_are_not_overwritten(entry: Any) -> None:
    data = fill(template(entry), GOOD)
    run(entry, data)
    ProgressReport.objects.filter(indicator__code="A01").update(
        status=ProgressReport.Status.APPROVED
    )
    ProgressReport.objects.filter(indicator__code="A03").update(
        status=ProgressReport.Status.SUBMITTED
    )
    # identical rows are fine (nothing to change)
    assert run(entry, data).unchanged == 3
    # differing rows are refused, each with its reason
    changed = fill(data, {"A01": {"value": 99}, "A03": {"value": 99}})
    problems = problems_of(entry, changed)
    one_problem(problems, "A01", "approved and locked; submit a correction")
    one_problem(problems, "A03", "under review")


def test_returned_reports_can_be_reworked(entry: Any) -> None:
    run(entry, fill(template(entry), GOOD))
    ProgressReport.objects.filter(indicator__code="A01").update(
        status=ProgressReport.Status.RETURNED
    )
    assert run(entry, fill(template(entry), {"A01": {"value": 99}})).updated == 1


def test_header_decides_unit_and_period_when_not_given(entry: Any) -> None:
    result = progress_import(actor=entry.reporter, data=fill(template(entry), GOOD))
    assert (result.unit, str(result.period)) == (entry.town_a, "2022Q3")
    with pytest.raises(PermissionDeniedError):
        progress_import(actor=entry.users["reporter_b"], data=fill(template(entry), GOOD))


def test_office_in_scope_may_import_for_a_town(entry: Any) -> None:
    result = run(entry, fill(template(entry), GOOD), actor=entry.users[Role.OFFICE])
    assert result.created == 3


# --- wrong content ------------------------------------------------------------------------------
def test_wrong_period_in_the_header(entry: Any) -> None:
    q2 = fill(template(entry, Period.parse("2022Q2")), {"A01": GOOD["A01"]})
    problem = one_problem(problems_of(entry, q2), "for 2022年第二季度, not for 2022年第三季度")
    assert "row 2, 报送期 (B)" in problem


def test_header_edited_by_hand_is_caught(entry: Any) -> None:
    q2 = fill(template(entry, Period.parse("2022Q2")), {"A01": GOOD["A01"]})

    def relabel(wb: Any) -> None:
        wb[px.SHEET_ENTRY]["B2"] = "2022Q3"

    one_problem(problems_of(entry, edit(q2, relabel)), "row 2", "checksum")


def test_another_units_workbook(entry: Any) -> None:
    data = fill(template(entry), GOOD)
    problem = one_problem(
        problems_of(entry, data, unit=entry.town_b, actor=entry.users[Role.OFFICE]),
        "for the unit T01, not for",
    )
    assert "row 1, 单位编码 (B)" in problem


def test_unknown_not_owed_and_not_due_codes(entry: Any) -> None:
    def add_rows(wb: Any) -> None:
        ws = wb[px.SHEET_ENTRY]
        for code in ("ZZ9", "A02", "A04", "A"):
            ws.append([code, "", "", "", 1, 1, "x"])

    data = edit(fill(template(entry), GOOD), add_rows)
    problems = problems_of(entry, data)
    one_problem(problems, "指标编码 (A)", "There is no indicator ZZ9")
    one_problem(problems, "A02", "does not report on")
    one_problem(problems, "A04", "nothing is due for it in 2022年第三季度")
    one_problem(problems, "A 经济建设", "not reported on directly")


def test_duplicate_rows(entry: Any) -> None:
    def duplicate(wb: Any) -> None:
        wb[px.SHEET_ENTRY].append(["A01", "", "", "", 1, 1, "again"])

    data = edit(fill(template(entry), GOOD), duplicate)
    one_problem(problems_of(entry, data), "A01 has a second row (first on row 7)")


# --- hostile and malformed files ------------------------------------------------------------------
def test_wrong_sheet(entry: Any) -> None:
    def rename(wb: Any) -> None:
        wb[px.SHEET_ENTRY].title = "Sheet1"

    problem = one_problem(
        problems_of(entry, edit(fill(template(entry), GOOD), rename)), "no sheet “进度填报”"
    )
    assert "Sheet1" in problem


def test_renamed_column(entry: Any) -> None:
    def rename(wb: Any) -> None:
        wb[px.SHEET_ENTRY][f"{COLUMN['value']}{px.HEADER_ROW}"] = "本期完成值"

    problems = problems_of(entry, edit(fill(template(entry), GOOD), rename))
    one_problem(problems, f"row {px.HEADER_ROW}", "Unknown column “本期完成值”")
    one_problem(problems, "The column “本期累计完成值” is missing")


def test_merged_cells_in_the_table(entry: Any) -> None:
    data = fill(template(entry), GOOD)
    row = rows_of(data)["A03"]

    def merge(wb: Any) -> None:
        wb[px.SHEET_ENTRY].merge_cells(f"E{row}:F{row}")

    problem = one_problem(problems_of(entry, edit(data, merge)), f"Merged cells E{row}:F{row}")
    assert f"row {row}, 本期累计完成值 (E)" in problem


def test_formula_is_refused_with_its_location(entry: Any) -> None:
    data = fill(template(entry), GOOD | {"A01": {"value": "=SUM(1,2)"}})
    problem = one_problem(problems_of(entry, data), "formula (=SUM(1,2))")
    assert f"row {rows_of(data)['A01']}, 本期累计完成值 (E)" in problem


def test_too_large_file(entry: Any) -> None:
    data = b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024)
    one_problem(problems_of(entry, data), "too large")


def _zip(members: dict[str, bytes], **options: Any) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, **options) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


XLSX_SKELETON = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def test_zip_bomb_by_ratio(entry: Any) -> None:
    # 50 MB of zeros packs into about 50 KB: a ratio no worksheet reaches
    bomb = _zip(XLSX_SKELETON | {"xl/worksheets/sheet1.xml": bytes(50 * 1024 * 1024)})
    assert len(bomb) < 200_000
    one_problem(problems_of(entry, bomb), "xl/worksheets/sheet1.xml", "compression bomb")


def test_zip_bomb_by_declared_size(entry: Any) -> None:
    # a central directory claiming 4 GB unpacked, checked before anything is unpacked
    data = bytearray(_zip(XLSX_SKELETON | {"xl/sharedStrings.xml": b"x" * 100}))
    entry_at = data.rfind(b"PK\x01\x02")
    while data[entry_at + 46 : entry_at + 46 + 20] != b"xl/sharedStrings.xml":
        entry_at = data.rfind(b"PK\x01\x02", 0, entry_at)
    data[entry_at + 24 : entry_at + 28] = (0xFFFFFFFE).to_bytes(4, "little")
    one_problem(problems_of(entry, bytes(data)), "unpacks to", "allowed")


def test_too_many_parts_and_nested_archives(entry: Any) -> None:
    many = _zip(XLSX_SKELETON | {f"xl/media/{i}.xml": b"" for i in range(600)})
    one_problem(problems_of(entry, many), "parts, more than")
    nested = _zip(XLSX_SKELETON | {"xl/embeddings/inner.zip": b"PK"})
    one_problem(problems_of(entry, nested), "embedded file, archive or macro")


def test_encrypted_parts_other_compression_and_macros(entry: Any) -> None:
    data = bytearray(_zip(XLSX_SKELETON))
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # the "encrypted" flag of the last member
    one_problem(problems_of(entry, bytes(data)), "is encrypted")
    bzip = io.BytesIO()
    with zipfile.ZipFile(bzip, "w", compression=zipfile.ZIP_BZIP2) as archive:
        for name, content in XLSX_SKELETON.items():
            archive.writestr(name, content)
    one_problem(problems_of(entry, bzip.getvalue()), "unsupported compression method")
    macros = _zip(XLSX_SKELETON | {"xl/vbaProject.bin": b"\0" * 10})
    one_problem(problems_of(entry, macros), "xl/vbaProject.bin", "macro")


def test_not_an_xlsx_at_all(entry: Any) -> None:
    one_problem(problems_of(entry, b"%PDF-1.7 not a workbook"), "not an Excel .xlsx workbook")
    one_problem(problems_of(entry, _zip({"hello.txt": b"hi"})), "another kind of zip")
    one_problem(problems_of(entry, b"PK\x03\x04 damaged"), "damaged")


def test_old_xls_file(entry: Any) -> None:
    ole = spreadsheets.OLE_SIGNATURE + b"\0" * 504
    one_problem(problems_of(entry, ole), "old .xls workbook")


def test_password_encrypted_workbook(entry: Any) -> None:
    encrypted = (
        spreadsheets.OLE_SIGNATURE
        + b"\0" * 100
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 100
    )
    one_problem(problems_of(entry, encrypted), "protected with a password")


def test_xml_entities_are_refused_by_defusedxml(entry: Any) -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    laughs = (
        b'<!DOCTYPE workbook [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def poison(data: bytes) -> bytes:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            members = {i.filename: source.read(i) for i in source.infolist()}
        xml = members["xl/workbook.xml"]
        start = xml.index(b"<workbook")
        members["xl/workbook.xml"] = xml[:start] + laughs + xml[start:]
        return _zip(members)

    data = poison(fill(template(entry), GOOD))
    one_problem(problems_of(entry, data), "XML that is refused")


# --- the two readers ---------------------------------------------------------------------------
def read_both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The workbook as calamine reads it, then as openpyxl does (calamine refused)."""
    fast = px.read_workbook(data, max_bytes=1 << 30)
    with monkeypatch.context() as patch:
        patch.setattr(spreadsheets, "values_readable", lambda _data: False)
        slow = px.read_workbook(data, max_bytes=1 << 30)
    return fast, slow


def test_calamine_reads_numbers_text_and_blanks_as_openpyxl(
    entry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a filled template with every kind of cell a unit may type
    data = fill(
        template(entry),
        {
            "A01": {"value": 75.5, "last_year_value": -60, "narrative": "  按序时推进 "},
            "A03": {"value": "12,5", "last_year_value": 0.0001, "narrative": "'=1+1 是文字"},
            "A05": {"value": True, "last_year_value": 1234567890123456, "narrative": "x"},
        },
    )

    def extra_rows(wb: Any) -> None:
        ws = wb[px.SHEET_ENTRY]
        ws.append(["A04", "", "", "", dt.date(2022, 9, 30), dt.datetime(2022, 9, 30, 8), ""])
        ws.append([" A06 ", None, None, None, 1e-05, 10**17, None])
        ws.append(["A07", None, None, None, None, None, None])  # an empty row
        ws.append([None, None, None, None, 3, None, None])  # a figure without a code

    data = edit(data, extra_rows)
    assert spreadsheets.values_readable(data)
    # when both readers read it, then they agree on everything, problems included
    fast, slow = read_both(data, monkeypatch)
    assert fast == slow
    rows = {r.code: r for r in fast.rows}
    assert (rows["A01"].value, rows["A01"].last_year_value) == (Decimal("75.5"), -60)
    assert rows["A01"].narrative == "按序时推进"
    assert rows["A03"].narrative == "=1+1 是文字" and rows["A03"].value is None
    assert rows["A03"].last_year_value == Decimal("0.0001")
    assert rows["A05"].last_year_value == 1234567890123456
    assert fast.blank_rows == 1  # A07
    problems = [str(p) for p in fast.problems]
    one_problem(problems, "“12,5” is not a number")
    one_problem(problems, "“TRUE” is not a number")
    one_problem(problems, "“2022-09-30T00:00:00” is not a number")
    one_problem(problems, "“2022-09-30T08:00:00” is not a number")
    one_problem(problems, "too many decimal places")
    one_problem(problems, "is too large")
    one_problem(problems, "This field is required")  # the figure without a code
    assert fast.header["period"] == "2022Q3"


def test_merged_cells_and_renamed_columns_read_alike(
    entry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = fill(template(entry), GOOD)

    def damage(wb: Any) -> None:
        ws = wb[px.SHEET_ENTRY]
        ws.merge_cells("E8:F8")
        ws[f"C{px.HEADER_ROW}"] = "单位"
        ws["A20"] = "A01"  # a second row for A01
        ws["G20"] = "again"

    data = edit(data, damage)
    fast, slow = read_both(data, monkeypatch)
    assert fast == slow
    problems = [str(p) for p in fast.problems]
    one_problem(problems, "Merged cells E8:F8")
    one_problem(problems, "Unknown column “单位”")
    one_problem(problems, "A01 has a second row (first on row 7)")


def _cells_at(*cells: tuple[str, Any]) -> bytes:
    """A template-like workbook with a few more cells."""
    wb = load_workbook(io.BytesIO(_plain_template()))
    for ref, value in cells:
        wb[px.SHEET_ENTRY][ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plain_template() -> bytes:
    header = px.TemplateHeader(
        "T01", "东城镇", "2022Q3", "2022年第三季度", "p", "方案", "2022-10-08"
    )
    return px.write_template(header, [px.TemplateRow("A01", "税收", "万元", Decimal(1), "")])


def test_what_calamine_would_misread_goes_to_openpyxl() -> None:
    assert spreadsheets.values_readable(_plain_template())
    # a formula (calamine gives its cached result), an error cell (calamine: empty), an
    # ISO date cell, a cell beyond column P or beyond the row limit (calamine allocates the
    # whole grid up to it: A1 and XFD1048576 would be 17 billion cells)
    assert not spreadsheets.values_readable(_cells_at(("E7", "=1+1")))
    assert not spreadsheets.values_readable(_cells_at(("E7", "#N/A")))
    assert not spreadsheets.values_readable(_cells_at(("Q7", 1)))
    assert not spreadsheets.values_readable(_cells_at(("XFD1048576", 1)))
    row = spreadsheets.VALUES_MAX_ROW
    assert spreadsheets.values_readable(_cells_at((f"P{row}", 1)))
    assert not spreadsheets.values_readable(_cells_at((f"A{row + 1}", 1)))


def test_error_cells_and_far_cells_are_still_read(entry: Any) -> None:
    data = fill(template(entry), GOOD | {"A01": {"value": "#N/A"}})
    problem = one_problem(problems_of(entry, data), "error value (#N/A)")
    assert f"row {rows_of(data)['A01']}, 本期累计完成值 (E)" in problem

    def far(wb: Any) -> None:
        wb[px.SHEET_ENTRY]["XFD7"] = "a note far to the right"

    far_away = edit(fill(template(entry), GOOD), far)
    assert not spreadsheets.values_readable(far_away)
    assert run(entry, far_away).created == 3


def test_calamine_expands_no_entities() -> None:
    # the prolog check refuses the part before any reader runs; calamine alone would not
    # expand the entity either (nor read the external one): it fails on it
    with zipfile.ZipFile(io.BytesIO(_plain_template())) as source:
        members = {i.filename: source.read(i) for i in source.infolist()}
    xml = members["xl/worksheets/sheet1.xml"]
    start = xml.index(b"<worksheet")
    members["xl/worksheets/sheet1.xml"] = (
        xml[:start]
        + b'<!DOCTYPE worksheet [<!ENTITY lol "LOLLOL"><!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        + xml[start:].replace(b"<t>A01</t>", b"<t>&lol;&ext;</t>", 1)
    )
    data = _zip(members)
    parsed = px.read_workbook(data, max_bytes=1 << 30)
    assert any("XML that is refused" in p.message for p in parsed.problems)
    book = spreadsheets.open_values_workbook(data)
    with pytest.raises(Exception, match="entity"):
        book.get_sheet_by_name(px.SHEET_ENTRY).to_python()


def test_obligations_of_one_unit_load_only_its_own(entry: Any) -> None:
    from kaoping.plans.models import UnitGroup
    from kaoping.tracking.obligations import obligations, owed_indicator_ids

    group = UnitGroup.objects.create(plan=entry.plan, code="towns", name="乡镇组")
    group.units.set([entry.town_a, entry.town_b])
    shared = IndicatorFactory(plan=entry.plan, parent=entry.category, code="A09", order=9)
    shared.groups.add(group)
    for unit in (entry.town_a, entry.town_b):
        everyone = [o for o in obligations(entry.plan) if o.unit == unit]
        mine = obligations(entry.plan, units=[unit])
        assert mine == everyone
        assert [o.unit.path for o in mine] == [o.unit.path for o in everyone]
        assert owed_indicator_ids(entry.plan, unit) == {o.indicator.pk for o in mine}
    assert "A09" in {o.indicator.code for o in obligations(entry.plan, units=[entry.town_b])}
    assert obligations(entry.plan, units=[]) == []


# --- command line -------------------------------------------------------------------------------
def test_commands_write_a_template_and_import_it(entry: Any, tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    out = io.StringIO()
    call_command(
        "progresstemplate",
        "--unit",
        "T01",
        "--period",
        "2022Q3",
        "-o",
        str(target),
        "--actor",
        "reporter_a",
        stdout=out,
    )
    assert list(rows_of(target.read_bytes())) == ["A01", "A03", "A05"]
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(target.read_bytes(), GOOD))
    out = io.StringIO()
    call_command("importprogress", str(filled), "--actor", "reporter_a", stdout=out)
    assert ProgressReport.objects.count() == 3
    assert "3" in out.getvalue()


def test_import_command_lists_problems_and_fails(entry: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill(template(entry), GOOD | {"A01": {"value": "abc"}, "A03": {"value": "=1"}}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("importprogress", str(bad), "--period", "2022Q3", stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert "“abc”" in lines[0] and "=1" in lines[1]
    assert ProgressReport.objects.count() == 0


# --- scale --------------------------------------------------------------------------------------
def test_queries_do_not_grow_with_the_rows(entry: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def imported(values: dict[str, dict[str, Any]]) -> int:
        data = fill(template(entry), values)
        with CaptureQueriesContext(connection) as queries:
            run(entry, data)
        return len(queries)

    small = imported({"A01": {"value": 1}})
    for n in range(100):
        indicator = IndicatorFactory(
            plan=entry.plan, parent=entry.category, code=f"B{n:03d}", order=10 + n
        )
        AssignmentFactory(indicator=indicator, lead_unit=entry.town_a)
    large = imported({f"B{n:03d}": {"value": n, "narrative": "x"} for n in range(100)})
    assert ProgressReport.objects.count() == 101
    # a hundred rows cost a few more batches of inserts (SQLite bounds parameters per query)
    assert large <= small + 4
    # and an update of all of them is as cheap
    again = imported({f"B{n:03d}": {"value": n + 1} for n in range(100)})
    assert again <= small + 4


def test_a_large_workbook_in_one_pass(entry: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given 3,000 more indicators town A reports on, and their template filled in
    leaves = Indicator.objects.bulk_create(
        [
            Indicator(
                plan=entry.plan,
                parent=entry.category,
                code=f"L{n:04d}",
                name=f"指标{n}",
                level=2,
                order=100 + n,
                kind=Indicator.Kind.QUANTITATIVE,
                frequency=Indicator.Frequency.QUARTERLY,
            )
            for n in range(3000)
        ]
    )
    from kaoping.plans.models import Assignment

    Assignment.objects.bulk_create(
        [Assignment(indicator=i, lead_unit=entry.town_a) for i in leaves]
    )
    data = template(entry)
    rows = rows_of(data)

    def figures(wb: Any) -> None:
        ws = wb[px.SHEET_ENTRY]
        for n in range(3000):
            ws[f"{COLUMN['value']}{rows[f'L{n:04d}']}"] = n + 0.25
            ws[f"{COLUMN['last_year_value']}{rows[f'L{n:04d}']}"] = n

    data = edit(data, figures)
    assert spreadsheets.values_readable(data)
    # when it is imported, then every row is a draft, in a few queries
    with CaptureQueriesContext(connection) as queries:
        result = run(entry, data)
    assert (result.created, result.blank) == (3000, 3)
    assert len(queries) < 40
    report = ProgressReport.objects.get(indicator__code="L2999")
    assert (report.value, report.last_year_value, report.period) == (
        Decimal("2999.25"),
        2999,
        "2022Q3",
    )
    assert report.source == "excel:" + result.sha256 and report.created_by == entry.reporter
    assert AuditEvent.objects.filter(action="progress.import").count() == 1
