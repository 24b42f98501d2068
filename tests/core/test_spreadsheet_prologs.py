"""XML parts of uploaded workbooks are refused when their prolog declares a document type,
whatever parser openpyxl then uses (with lxml installed it does not go through defusedxml)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from kaoping.core.spreadsheets import xlsx_container_problems, xml_prolog_refused


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<workbook xmlns="x"/>',
        b"\xef\xbb\xbf<?xml version='1.0'?><worksheet/>",
        b"<!-- made by WPS --><?pi data?>\n  <Relationships/>",
        b"<a/>",
    ],
)
def test_ordinary_prologs_pass(head: bytes) -> None:
    assert not xml_prolog_refused(head)


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY lol "lol">]><workbook/>',
        b'<!-- <a --><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        b"<!-- " + b"x" * 70000,  # a comment hiding what follows past the scanned bytes
        "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE a><a/>".encode("utf-16"),
        b"text before the root<a/>",
        b"<?xml version='1.0'",  # unterminated declaration
    ],
)
def test_declarations_and_tricks_are_refused(head: bytes) -> None:
    assert xml_prolog_refused(head[: 64 * 1024])


def _workbook_with(member: str, prolog: bytes) -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    xml = parts[member]
    root = re.search(rb"<[A-Za-z_]", xml)
    assert root is not None
    start = root.start()
    parts[member] = xml[:start] + prolog + xml[start:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def test_a_workbook_with_an_entity_declaration_in_a_sheet_is_refused() -> None:
    data = _workbook_with("xl/worksheets/sheet1.xml", b'<!DOCTYPE w [<!ENTITY a "aaaa">]>')
    with translation.override("en"):
        (problem,) = xlsx_container_problems(data)
    assert "XML that is refused" in problem


def test_a_plain_workbook_passes() -> None:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert xlsx_container_problems(buffer.getvalue()) == []


def test_a_plan_workbook_with_an_entity_declaration_is_refused() -> None:
    from kaoping.plans.planxlsx import read_xlsx

    data = _workbook_with("xl/workbook.xml", b'<!DOCTYPE w [<!ENTITY a "aaaa">]>')
    with translation.override("en"):
        document, problems = read_xlsx(data)
    assert document is None
    assert any("XML that is refused" in str(p.message) for p in problems)
