"""The bulletin's Word, PDF and Excel files: layout (GB/T 9704), fonts, text and numbers.

The Word file is converted by LibreOffice headless once (a fresh profile per run) and the
resulting PDF's pages and text are checked; the WeasyPrint PDF's text and embedded fonts are
checked with poppler's pdftotext and pdffonts.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.shared import Mm
from openpyxl import load_workbook

from kaoping.bulletins import content
from kaoping.bulletins.content import Document
from kaoping.bulletins.pdf import render_html, render_pdf
from kaoping.bulletins.word import BODY_FONT, HEADING_FONT, TITLE_FONT, render_docx
from kaoping.bulletins.workbook import render_xlsx, sheet_title
from tests.bulletins.conftest import PERIOD, TODAY

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFFONTS = shutil.which("pdffonts")
PDFINFO = shutil.which("pdfinfo")
needs_soffice = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT and PDFINFO),
    reason="LibreOffice (soffice) and poppler-utils (pdftotext, pdfinfo) are not installed",
)
needs_poppler = pytest.mark.skipif(
    not (PDFTOTEXT and PDFFONTS), reason="poppler-utils (pdftotext, pdffonts) are not installed"
)


def tool(*args: str) -> str:
    """Run an installed tool (LibreOffice, poppler) and return what it printed."""
    done = subprocess.run(  # noqa: S603 - installed tools, arguments made here
        list(args), capture_output=True, text=True, check=True, timeout=180
    )
    return done.stdout


def pdf_text(path: Path) -> str:
    return tool(PDFTOTEXT or "pdftotext", "-layout", str(path), "-")


def pdf_pages(path: Path) -> int:
    info = tool(PDFINFO or "pdfinfo", str(path))
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match.group(1))


def squeeze(text: str) -> str:
    """PDF text without the spaces and line breaks layout puts between characters."""
    return re.sub(r"\s+", "", text)


def long_doc(doc: Document) -> Document:
    """The document with a long 下步要求, so it runs over several pages."""
    sections = [dict(s) for s in doc.sections]
    sections[-1]["text"] = "\n".join(
        f"（{'一二三四五六七八九十'[i % 10]}）第{i + 1}项要求：各单位要对照目标任务抓好落实。"
        for i in range(40)
    )
    return Document(**{**doc.__dict__, "sections": sections})


# --- Word ---------------------------------------------------------------------------------------
def test_docx_page_setup_and_fonts(doc: Document) -> None:
    word = open_docx(io.BytesIO(render_docx(doc)))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1)
    assert abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1)
    assert abs(section.right_margin - Mm(26)) < Mm(0.1)
    normal_fonts = word.styles["Normal"].element.rPr.rFonts
    assert normal_fonts.get(qn("w:eastAsia")) == BODY_FONT
    runs = [run for p in word.paragraphs for run in p.runs if run.text.strip()]
    assert runs
    for run in runs:  # every run carries its East-Asian font
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")), run.text
    by_text: dict[str, Any] = {}
    for run in runs:
        by_text.setdefault(run.text, run)
    header = by_text[doc.issuing_body]
    assert header._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    assert str(header.font.color.rgb) == "E60012"
    assert by_text[doc.title].font.size.pt == 22  # 二号
    heading = by_text["一、总体情况"]
    assert heading._element.rPr.rFonts.get(qn("w:eastAsia")) == HEADING_FONT
    assert heading.font.size.pt == 16  # 三号
    assert "（一）" in by_text and by_text["（一）"]._element.rPr.rFonts.get(
        qn("w:eastAsia")
    ).startswith("楷体")
    number = next(p for p in word.paragraphs if p.text == "示绩办〔2022〕12号")
    assert number.alignment == 1  # centred
    assert number._p.pPr.find(qn("w:pBdr")) is not None  # the red separator line


def test_docx_footer_has_a_page_field(doc: Document) -> None:
    word = open_docx(io.BytesIO(render_docx(doc)))
    footer = word.sections[0].footer.paragraphs[0]
    xml = footer._p.xml
    assert "PAGE" in "".join(t.text or "" for t in footer._p.iter(qn("w:instrText")))
    assert xml.count("w:fldChar ") == 3 or xml.count("<w:fldChar") == 3
    assert footer.text.startswith("— ") and footer.text.endswith(" —")


def test_docx_tables_hold_the_figures(doc: Document, sections: list[dict[str, Any]]) -> None:
    word = open_docx(io.BytesIO(render_docx(doc)))
    cells = {cell.text for table in word.tables for row in table.rows for cell in row.cells}
    assert {
        "外贸进出口总额",
        "西山镇",
        "-45.0",
        "受疫情影响外贸订单减少；四季度加大招商力度",
    } <= cells
    assert len(word.tables) == len(doc.tables())


@needs_soffice
def test_docx_renders_in_libreoffice(doc: Document, tmp_path: Path) -> None:
    """One headless conversion: the pages numbered "— n —" in order, the title and the
    first heading in the text."""
    source = tmp_path / "bulletin.docx"
    source.write_bytes(render_docx(long_doc(doc)))
    profile = tmp_path / "lo-profile"
    tool(
        SOFFICE or "soffice",
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path / "out"),
        str(source),
    )
    pdf = tmp_path / "out" / "bulletin.pdf"
    text = squeeze(pdf_text(pdf))
    pages = pdf_pages(pdf)
    assert pages >= 3
    for page in range(1, pages + 1):
        assert f"—{page}—" in text
    assert f"—{pages + 1}—" not in text
    assert squeeze(doc.title) in text
    assert "一、总体情况" in text
    assert "七、下步要求" in text and "第40项要求" in text


# --- PDF ------------------------------------------------------------------------------------
@needs_poppler
def test_pdf_text_and_embedded_fonts(doc: Document, tmp_path: Path) -> None:
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(render_pdf(doc))
    text = squeeze(pdf_text(path))
    assert squeeze(doc.issuing_body) in text
    assert "示绩办〔2022〕12号" in text
    assert "关于2022年第三季度绩效考评指标进度情况的通报" in text
    for heading in content.HEADINGS.values():
        assert heading in text
    assert "滞后任务较多的单位是：西山镇" in text
    assert "—1—" in text
    fonts = tool(PDFFONTS or "pdffonts", str(path)).splitlines()[2:]
    assert fonts
    assert any("CJK" in line for line in fonts)
    for line in fonts:
        columns = line.split()
        assert columns[-5] == "yes", line  # "emb" column: every font embedded


def test_pdf_html_maps_official_fonts(doc: Document) -> None:
    html = render_html(doc)
    assert '"仿宋_GB2312"' in html and '"方正小标宋简体"' in html and '"黑体"' in html
    assert '<span class="sub">（一）</span>' in html


# --- Excel --------------------------------------------------------------------------------------
def test_xlsx_reopens_with_the_same_numbers(doc: Document) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(doc)))
    tables = doc.tables()
    assert len(book.sheetnames) == len(tables)
    for name, table in zip(book.sheetnames, tables, strict=True):
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == table["columns"]
        assert [list(r) for r in rows[1:]] == table["rows"]
    lagging = book[sheet_title("滞后指标和单位", set())]
    assert lagging["D2"].value == 30.0 and lagging["F2"].value == -45.0
    assert lagging["F2"].data_type == "n"  # a number, not text


def test_xlsx_neutralises_formulas(doc: Document) -> None:
    sections = [
        {
            "key": "x",
            "heading": "x",
            "text": "",
            "tables": [{"title": "表/1", "columns": ["=A1"], "rows": [["=HYPERLINK(1)", 3]]}],
        }
    ]
    evil = Document(**{**doc.__dict__, "sections": sections})
    book = load_workbook(io.BytesIO(render_xlsx(evil)))
    sheet = book[book.sheetnames[0]]
    assert book.sheetnames == ["表_1"]
    assert sheet["A1"].value == "'=A1"
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["B2"].value == 3
    assert sheet["A2"].data_type == "s"


def test_sheet_titles_are_unique_and_short() -> None:
    taken: set[str] = set()
    first = sheet_title("很长的表名" * 10, taken)
    second = sheet_title("很长的表名" * 10, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second


def test_document_front_matter(county: Any) -> None:
    doc = content.document(plan=county.plan, period=PERIOD, sections=[], day=TODAY)
    assert doc.issuing_body == "示范县绩效考评办公室"
    assert doc.date_text == "2022年10月8日"
    assert doc.title == "关于2022年第三季度绩效考评指标进度情况的通报"
