"""A bulletin as PDF (WeasyPrint), from the HTML template bulletins/document.html.

The official fonts (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312) are mapped to Noto CJK SC by
the fontconfig file shipped beside this module, selected with FONTCONFIG_FILE only while
WeasyPrint loads its font configuration; the fonts are embedded as subsets, so the PDF looks
the same on a machine without them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from kaoping.bulletins.content import Document
from kaoping.bulletins.word import SUBHEADING

FONTS_CONF = Path(__file__).with_name("fonts.conf")
# FONTCONFIG_FILE is process-wide: renders in threads (Huey workers) take turns setting it.
_FONTCONFIG_LOCK = threading.Lock()


def _font_configuration() -> object:
    from weasyprint.text.fonts import FontConfiguration

    with _FONTCONFIG_LOCK:
        before = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
        try:
            return FontConfiguration()
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before


def _cell(value: Any) -> tuple[str, bool]:
    """A table cell as (text, is a number)."""
    if value is None:
        return "—", True
    return str(value), isinstance(value, (int, float))


def _section(part: dict[str, Any]) -> dict[str, Any]:
    """A section ready for the template: lines split off their （一） lead, cells typed."""
    lines = []
    for line in str(part.get("text", "")).splitlines():
        text = line.strip()
        if not text:
            continue
        match = SUBHEADING.match(text)
        lines.append((match.group(0), text[match.end() :]) if match else ("", text))
    tables = [
        {
            "title": table["title"],
            "columns": table["columns"],
            "rows": [[_cell(v) for v in row] for row in table["rows"]],
        }
        for table in part.get("tables", [])
    ]
    return {"heading": part["heading"], "lines": lines, "tables": tables}


def render_html(doc_data: Document) -> str:
    """The bulletin as the HTML page the PDF is made from."""
    sections = [_section(part) for part in doc_data.sections]
    return render_to_string("bulletins/document.html", {"doc": doc_data, "sections": sections})


def render_pdf(doc_data: Document) -> bytes:
    """The bulletin as PDF bytes with embedded Chinese fonts."""
    from weasyprint import HTML

    config = _font_configuration()
    pdf: bytes = HTML(string=render_html(doc_data)).write_pdf(font_config=config)
    return pdf
