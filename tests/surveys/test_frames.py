"""Importing respondent lists: reading files, every problem located, all-or-nothing by default,
the valid rows on request, encryption at rest, refusals after the draw."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.db import connection
from openpyxl import Workbook, load_workbook

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError
from kaoping.surveys import crypto
from kaoping.surveys import frames as parsing
from kaoping.surveys.models import (
    Frame,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.surveys.services import frames as services
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db

HEADER = ["编号", "姓名", "手机号", "镇（街道）", "户数"]


def xlsx(rows: list[list[Any]], *, title_rows: list[list[Any]] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in title_rows or []:
        ws.append(row)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(",".join(str(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def residents(n: int, *, start: int = 0) -> list[list[Any]]:
    return [
        [f"R{i}", f"居民{i}", f"138{i:08d}", "东城镇" if i % 2 else "西山镇", 1]
        for i in range(start, start + n)
    ]


def do_import(project: SurveyProject, world: Any, data: bytes, **kwargs: Any) -> Frame:
    kwargs.setdefault("filename", "list.xlsx")
    kwargs.setdefault("group", RespondentGroup.RESIDENT)
    return services.frame_import(project=project, actor=world.users["office"], data=data, **kwargs)


def refused(project: SurveyProject, world: Any, data: bytes, **kwargs: Any) -> list[str]:
    with pytest.raises(services.FrameImportError) as info:
        do_import(project, world, data, **kwargs)
    assert not Frame.objects.filter(project=project).exists()
    return [f"{p.row}|{p.column}|{p.message}" for p in info.value.problems]


# --- reading ------------------------------------------------------------------------------------
def test_a_good_workbook_is_imported_encrypted_and_masked(project: Any, world: Any) -> None:
    frame = do_import(project, world, xlsx([HEADER, *residents(3)]))
    assert (frame.rows, frame.imported, frame.problems) == (3, 3, [])
    assert frame.census is False
    people = list(Respondent.objects.filter(frame=frame).order_by("external_ref"))
    first = people[0]
    assert first.name_masked == "居**"
    assert first.phone_masked == "138****0000"
    assert crypto.decrypt(first.phone_encrypted) == "13800000000"
    assert crypto.decrypt(first.name_encrypted) == "居民0"
    assert first.phone_hash == crypto.phone_fingerprint("13800000000")
    # Matched to the county's towns by name.
    assert first.unit == world.town_b and first.stratum == "西山镇"
    assert people[1].unit == world.town_a


def test_the_clear_phone_is_nowhere_in_the_database_row(project: Any, world: Any) -> None:
    frame = do_import(project, world, xlsx([HEADER, ["", "张三丰", "13912345678", "东城镇", ""]]))
    respondent = Respondent.objects.get(frame=frame)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM surveys_respondent WHERE id = %s", [respondent.pk]
        )  # the raw row, as a backup would hold it
        row = cursor.fetchone()
    text = " ".join(str(v) for v in row)
    assert "13912345678" not in text
    assert "张三丰" not in text
    assert "139****5678" in text


def test_header_synonyms_title_rows_and_phone_formats(project: Any, world: Any) -> None:
    rows = [
        ["姓名", "联系电话", "所在单位", "权重"],
        ["王五", "139 0000 0001", "T01", 2.5],
        ["赵六", 13900000002, "", ""],
        ["钱七", "+86 139-0000-0003", "县气象局", "3"],
        ["孙八", "(0571) 8765 4321", "某企业", 1],
    ]
    frame = do_import(
        project,
        world,
        xlsx(rows, title_rows=[["示范县人大代表名单"], []]),
        group=RespondentGroup.DEPUTY,
    )
    assert frame.imported == 4 and frame.census is True
    people = {r.phone_masked: r for r in Respondent.objects.filter(frame=frame)}
    assert people["139****0001"].unit == world.town_a  # by code
    assert people["139****0001"].weight == 2.5
    assert people["139****0002"].stratum == parsing.DEFAULT_STRATUM  # not for residents
    assert people["139****0003"].unit == world.dept_b
    assert people["0571****4321"].stratum == "某企业" and people["0571****4321"].unit is None


def test_census_can_be_set_against_the_group_default(project: Any, world: Any) -> None:
    frame = do_import(
        project, world, xlsx([HEADER, *residents(2)]), group=RespondentGroup.CADRE, census=True
    )
    assert frame.census is True


def test_utf8_csv_with_and_without_bom_and_gbk(project: Any, world: Any) -> None:
    plain = csv_bytes([HEADER, *residents(2)])
    bom = b"\xef\xbb\xbf" + csv_bytes([HEADER, *residents(2, start=10)])
    gbk = csv_bytes([HEADER, *residents(2, start=20)], "gbk")
    for i, data in enumerate((plain, bom, gbk)):
        frame = do_import(project, world, data, filename=f"list{i}.csv")
        assert frame.imported == 2
    gbk_people = Respondent.objects.filter(frame__file_name="list2.csv").order_by("pk")
    assert crypto.decrypt(gbk_people[0].name_encrypted) == "居民20"
    assert gbk_people[0].stratum == "西山镇"
    bom_people = Respondent.objects.filter(frame__file_name="list1.csv").order_by("pk")
    assert bom_people[0].external_ref == "R10"  # the BOM is not part of the first header


def test_not_a_spreadsheet(project: Any, world: Any) -> None:
    problems = refused(project, world, b"\x89PNG\r\n\x1a\n\x00\x00", filename="photo.png")
    assert problems == [
        "0||This is not a spreadsheet: upload an Excel .xlsx workbook or a .csv file."
    ]
    problems = refused(project, world, b"\x89PNG\r\n\x1a\n\x00\x00binary", filename="x.csv")
    assert "not a readable CSV table" in problems[0]
    problems = refused(project, world, b"PK\x03\x04 broken zip", filename="x.xlsx")
    assert "not an Excel .xlsx workbook" in problems[0]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "empty.xlsx"),
        (b"\r\n\r\n", "empty.csv"),
        (xlsx([]), "empty.xlsx"),
    ],
)
def test_an_empty_file_is_refused(project: Any, world: Any, data: bytes, filename: str) -> None:
    assert refused(project, world, data, filename=filename) == ["0||The file is empty."]


def test_a_header_without_rows_is_refused(project: Any, world: Any) -> None:
    assert refused(project, world, xlsx([HEADER])) == [
        "1||The file has a header but no rows below it."
    ]


def test_missing_and_unknown_columns(project: Any, world: Any) -> None:
    problems = refused(project, world, xlsx([["姓名", "性别", "地址"], ["张三", "男", "某地"]]))
    assert "1|性别 (B)|Unknown column “性别”." in problems
    assert "1|地址 (C)|Unknown column “地址”." in problems
    assert any(p.startswith("1||The column “手机号” is missing") for p in problems)
    assert any(p.startswith("1||The column “镇（街道）” is missing") for p in problems)
    # Not required outside residents:
    problems = refused(project, world, xlsx([["姓名"], ["张三"]]), group=RespondentGroup.MEMBER)
    assert len(problems) == 1 and "手机号" in problems[0]


def test_every_row_problem_is_located(project: Any, world: Any) -> None:
    rows = [
        HEADER,
        ["1", "", "13800000001", "东城镇", ""],  # no name
        ["2", "李四", "12345", "东城镇", ""],  # malformed phone
        ["3", "王五", "13800000003", "", ""],  # no town (resident)
        ["4", "赵六", "13800000004", "东城镇", "-2"],  # bad weight
        ["5", "钱七", "13800000005", "东城镇", "abc"],  # bad weight
        ["6", "孙八", "138-0000-0005", "西山镇", ""],  # duplicate of row 6
        ["7", "周九", "", "西山镇", ""],  # no phone
        ["8", "吴十", "13800000008", "西山镇", "2"],  # fine
    ]
    problems = refused(project, world, xlsx(rows))
    assert problems == [
        "2|姓名 (B)|The name is missing.",
        "3|手机号 (C)|The phone number is malformed: expected a mainland mobile number of 11 "
        "digits or a landline with its area code.",
        "4|镇（街道） (D)|The town (street) is missing.",
        "5|户数 (E)|The weight “-2” is not a positive number.",
        "6|户数 (E)|The weight “abc” is not a positive number.",
        "7|手机号 (C)|The same phone number as row 6 of this file.",
        "8|手机号 (C)|The phone number is missing.",
    ]
    assert not Respondent.objects.filter(project=project).exists()


def test_no_problem_message_holds_personal_data(project: Any, world: Any) -> None:
    rows = [
        HEADER,
        ["1", "欧阳锋", "1380000", "东城镇", ""],
        ["2", "", "13812345678", "东城镇", ""],
    ]
    problems = refused(project, world, xlsx(rows))
    assert len(problems) == 2
    assert not any("1380000" in p or "欧阳锋" in p or "13812345678" in p for p in problems)


def test_a_formula_cell_is_a_problem(project: Any, world: Any) -> None:
    problems = refused(project, world, xlsx([HEADER, ["1", "=A1", "13800000001", "东城镇", ""]]))
    assert problems == ["2|姓名 (B)|The cell holds a formula; enter the value itself."]


def test_phones_already_in_the_project_are_problems(project: Any, world: Any) -> None:
    do_import(project, world, xlsx([HEADER, *residents(3)]), filename="first.xlsx")
    second = [HEADER, ["X", "新人", "138 0000 0001", "东城镇", ""], *residents(1, start=50)]
    problems = refused_second(project, world, xlsx(second))
    assert problems == [
        "2|手机号 (C)|The phone number is already in this survey (list “first.xlsx”)."
    ]


def refused_second(project: Any, world: Any, data: bytes) -> list[str]:
    before = Frame.objects.filter(project=project).count()
    with pytest.raises(services.FrameImportError) as info:
        do_import(project, world, data, filename="second.xlsx")
    assert Frame.objects.filter(project=project).count() == before
    return [f"{p.row}|{p.column}|{p.message}" for p in info.value.problems]


def test_valid_rows_mode_imports_them_and_keeps_the_problems(project: Any, world: Any) -> None:
    rows = [HEADER, *residents(3), ["9", "", "13899999999", "东城镇", ""]]
    frame = do_import(project, world, xlsx(rows), import_valid_rows=True)
    assert (frame.rows, frame.imported) == (4, 3)
    assert frame.problems == [{"row": 5, "column": "姓名 (B)", "message": "The name is missing."}]
    assert Respondent.objects.filter(frame=frame).count() == 3


def test_valid_rows_mode_still_refuses_a_broken_file(project: Any, world: Any) -> None:
    refused(project, world, xlsx([["姓名"], ["张三"]]), import_valid_rows=True)
    problems = refused(
        project, world, xlsx([HEADER, ["1", "", "138", "东城镇", ""]]), import_valid_rows=True
    )
    assert len(problems) == 2  # no valid row: nothing to import


def test_the_same_file_twice_is_refused(project: Any, world: Any) -> None:
    data = xlsx([HEADER, *residents(2)])
    do_import(project, world, data, filename="a.xlsx")
    with pytest.raises(ApplicationError, match=r"imported already, as the list “a\.xlsx”"):
        do_import(project, world, data, filename="b.xlsx")


def test_import_after_a_draw_or_after_fieldwork_is_refused(project: Any, world: Any) -> None:
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 2})
    SampleDraw.objects.create(project=project, seed=1, frame_digest="x")
    with pytest.raises(ApplicationError, match="The sample has been drawn already"):
        do_import(project, world, xlsx([HEADER, *residents(2, start=100)]))
    SampleDraw.objects.update(superseded_at=project.created_at)
    SurveyProject.objects.filter(pk=project.pk).update(status=SurveyProject.Status.FIELDWORK)
    project.refresh_from_db()
    with pytest.raises(ApplicationError, match="only while the survey is being prepared"):
        do_import(project, world, xlsx([HEADER, *residents(2, start=100)]))


def test_one_audit_event_with_counts_and_no_personal_data(project: Any, world: Any) -> None:
    frame = do_import(
        project,
        world,
        xlsx([HEADER, *residents(2), ["", "", "1", "东城镇", ""]]),
        import_valid_rows=True,
    )
    events = AuditEvent.objects.filter(action="survey.frame_imported")
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(frame.pk)
    assert event.after["imported"] == 2 and event.after["rows"] == 3
    assert event.after["problems"] == 2
    assert "13800000000" not in str(event.after) and "居民0" not in str(event.after)


def test_delete_a_list_before_the_draw(project: Any, world: Any) -> None:
    frame = do_import(project, world, xlsx([HEADER, *residents(3)]))
    assert services.frame_delete(frame=frame, actor=world.users["office"]) == 3
    assert not Respondent.objects.filter(project=project).exists()
    event = AuditEvent.objects.get(action="survey.frame_deleted")
    assert event.before["respondents"] == 3
    # The same file may come back after its list was deleted.
    assert do_import(project, world, xlsx([HEADER, *residents(3)])).imported == 3


def test_delete_after_the_draw_is_refused(project: Any, world: Any) -> None:
    frame = do_import(project, world, xlsx([HEADER, *residents(3)]))
    SampleDraw.objects.create(project=project, seed=1, frame_digest="x")
    with pytest.raises(ApplicationError, match="drawn already"):
        services.frame_delete(frame=frame, actor=world.users["office"])
    assert Respondent.objects.filter(frame=frame).count() == 3


def test_ten_thousand_rows_import_quickly(project: Any, world: Any) -> None:
    data = csv_bytes([HEADER, *residents(10_000)])
    started = time.perf_counter()
    frame = do_import(project, world, data, filename="big.csv")
    elapsed = time.perf_counter() - started
    assert frame.imported == 10_000
    assert Respondent.objects.filter(project=project).count() == 10_000
    assert elapsed < 30  # a generous bound for slow CI machines; a few seconds in practice


def test_the_template_is_readable_and_has_the_headers() -> None:
    book = load_workbook(io.BytesIO(services.frame_template()))
    assert [c.value for c in book["名单"][1]] == list(parsing.TEMPLATE_HEADERS)
    assert "说明" in book.sheetnames
    # The template itself parses (as an empty list).
    result = parsing.read_frame(
        services.frame_template(), filename="t.xlsx", group="resident", max_bytes=10**7
    )
    assert result.fatal and result.problems[0].message.startswith("The file has a header")


def test_too_large_a_file_is_refused() -> None:
    result = parsing.read_frame(b"x" * 100, filename="a.csv", group="resident", max_bytes=10)
    assert result.fatal and "too large" in result.problems[0].message
