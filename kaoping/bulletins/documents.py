"""The three file formats of a bulletin, and the Document a bulletin (or the CLI) lays out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from kaoping.bulletins.content import Document, document
from kaoping.core.periods import Period

if TYPE_CHECKING:
    from kaoping.bulletins.models import Bulletin


@dataclass(frozen=True)
class Format:
    """A file format: its extension, content type and renderer."""

    extension: str
    content_type: str
    render: Callable[[Document], bytes]


def _docx(doc: Document) -> bytes:
    from kaoping.bulletins.word import render_docx

    return render_docx(doc)


def _pdf(doc: Document) -> bytes:
    from kaoping.bulletins.pdf import render_pdf

    return render_pdf(doc)


def _xlsx(doc: Document) -> bytes:
    from kaoping.bulletins.workbook import render_xlsx

    return render_xlsx(doc)


FORMATS: dict[str, Format] = {
    "docx": Format(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _docx,
    ),
    "pdf": Format("pdf", "application/pdf", _pdf),
    "xlsx": Format(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx
    ),
}


def bulletin_document(bulletin: Bulletin, day: date | None = None) -> Document:
    """A bulletin's document, dated on its issue day (or `day`, or today for a draft)."""
    if day is None:
        moment = bulletin.issued_at or timezone.now()
        day = timezone.localdate(moment)
    sections: list[dict[str, Any]] = list(bulletin.sections or [])
    return document(
        plan=bulletin.plan,
        period=Period.parse(bulletin.period),
        sections=sections,
        title=bulletin.title,
        document_number=bulletin.document_number,
        issuing_body=bulletin.issuing_body,
        day=day,
    )


def file_name(bulletin_title: str, period: str, extension: str) -> str:
    """A download's file name: the period and the title."""
    return f"{period}-{bulletin_title}.{extension}"
