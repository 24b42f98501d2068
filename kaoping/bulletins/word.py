"""A bulletin as a Word document laid out after GB/T 9704-2012 (党政机关公文格式).

A4, margins top 37 mm, bottom 35, left 28, right 26; the issuing body (版头) in red in the
title font, the document number (发文字号) centred under it, a red separator line, the
title in 2号 小标宋, the body in 3号 仿宋 with a fixed line spacing of about 28 lines a page,
first-level headings (一、) in 黑体 and second-level ones (（一）) in 楷体, page numbers
"— 1 —" in the footer. Chinese fonts need `w:eastAsia` on the Normal style and on every
run (python-docx only sets the Latin ones).
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document as new_docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from kaoping.bulletins.content import Document

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xE6, 0x00, 0x12)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四
# 225 mm of text height / 22 lines ≈ 28.9 pt: the standard's 22 lines of 3号 text a page.
LINE = Pt(28.9)
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")


def set_fonts(run: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Latin and East-Asian font of a run (or a style)."""
    run.font.name = latin
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _run(
    paragraph: Paragraph,
    text: str,
    font: str,
    size: Pt,
    *,
    bold: bool = False,
    color: RGBColor | None = None,
) -> Any:
    run = paragraph.add_run(text)
    set_fonts(run, font)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _paragraph(
    doc: Any,
    *,
    align: int | None = None,
    indent: bool = False,
    line: Pt = LINE,
    space_before: Pt | None = None,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_after = Pt(0)
    fmt.space_before = space_before if space_before is not None else Pt(0)
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(32)  # two characters of 3号
    return paragraph


def _red_rule(paragraph: Paragraph) -> None:
    """The red separator line under the document number (a bottom border)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "12")
    bottom.set(qn("w:space"), "4")
    bottom.set(qn("w:color"), "E60012")
    borders.append(bottom)
    p_pr.append(borders)


def _page_number_footer(section: Any) -> None:
    """ "— N —" centred in the footer, N a PAGE field (4号 宋体)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", "宋体", SIZE_4)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        run = _run(paragraph, "", "宋体", SIZE_4)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text or ""
    end = _run(paragraph, "", "宋体", SIZE_4)
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    _run(paragraph, " —", "宋体", SIZE_4)


def _table(doc: Any, table: dict[str, Any]) -> None:
    caption = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(caption, table["title"], HEADING_FONT, SIZE_TABLE)
    columns = table["columns"]
    rows = table["rows"]
    grid = doc.add_table(rows=1 + len(rows), cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Row by row: `grid.cell(r, c)` rebuilds the table's whole cell list on every call, which
    # made long tables quadratic (the bulletin benchmark's docx took 27× its floor).
    for row_index, (values, row) in enumerate(zip([columns, *rows], grid.rows, strict=True)):
        for value, cell in zip(values, row.cells, strict=True):
            paragraph = cell.paragraphs[0]
            fmt = paragraph.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(18)
            if row_index == 0 or not isinstance(value, str):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            text = "—" if value is None else str(value)
            font = HEADING_FONT if row_index == 0 else BODY_FONT
            _run(paragraph, text, font, SIZE_TABLE)
    _paragraph(doc)  # a blank line after the table


def _title_size(text: str) -> Pt:
    """The header in 小初 (36 pt), smaller when the issuing body is too long for a line."""
    fit = TEXT_WIDTH_PT / max(len(text), 1) * 0.95
    return Pt(min(36.0, round(fit, 1)))


def render_docx(doc_data: Document) -> bytes:
    """The bulletin as .docx bytes."""
    doc = new_docx()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(25)
    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT)
    normal.font.size = SIZE_3
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE

    # 版头: issuing body in red, document number, red rule.
    header = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(60), space_before=Pt(40))
    _run(header, doc_data.issuing_body, TITLE_FONT, _title_size(doc_data.issuing_body), color=RED)
    number = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_before=Pt(24))
    _run(number, doc_data.document_number or " ", BODY_FONT, SIZE_3)
    _red_rule(number)
    _paragraph(doc)

    title = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35))
    _run(title, doc_data.title, TITLE_FONT, SIZE_2)
    _paragraph(doc)
    _run(_paragraph(doc), doc_data.addressees, BODY_FONT, SIZE_3)
    _run(_paragraph(doc, indent=True), doc_data.opening, BODY_FONT, SIZE_3)

    for part in doc_data.sections:
        _run(_paragraph(doc, indent=True), part["heading"], HEADING_FONT, SIZE_3)
        for line in str(part.get("text", "")).splitlines():
            if not line.strip():
                continue
            paragraph = _paragraph(doc, indent=True)
            match = SUBHEADING.match(line.strip())
            if match:
                _run(paragraph, match.group(0), SUBHEADING_FONT, SIZE_3)
                _run(paragraph, line.strip()[match.end() :], BODY_FONT, SIZE_3)
            else:
                _run(paragraph, line.strip(), BODY_FONT, SIZE_3)
        for table in part.get("tables", []):
            _table(doc, table)

    _paragraph(doc)
    signature = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.right_indent = Pt(64)
    _run(signature, doc_data.signature, BODY_FONT, SIZE_3)
    day = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
    day.paragraph_format.right_indent = Pt(64)
    _run(day, doc_data.date_text, BODY_FONT, SIZE_3)

    _page_number_footer(section)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
