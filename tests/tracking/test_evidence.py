"""Evidence files: accepted and refused by their content (never their name), hashed, stored
once by hash through Django's storage, and sent back as attachments that are never sniffed."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kaoping.tracking import evidence
from kaoping.tracking.evidence import EvidenceRejected, check_upload
from kaoping.tracking.models import Evidence


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are matched in English, whatever the translations say."""
    with translation.override("en"):
        yield


# --- sample files, built from their formats ------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 70
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def webp() -> bytes:
    body = b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", len(body)) + body


MAIN_PARTS = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def ooxml(kind: str, *, with_part: bool = True, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML package of a kind (its content types and main part)."""
    part, content_type = MAIN_PARTS[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" ContentType="applicatio'
            f'n/xml"/><Override PartName="/{part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        if with_part:
            archive.writestr(part, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx() -> bytes:
    """A real workbook, as openpyxl writes it."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "税收收入"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


_NOSTREAM, _END = 0xFFFFFFFF, 0xFFFFFFFE


def ole_file(*entries: tuple[str, int]) -> bytes:
    """A minimal OLE compound file (MS-CFB v3) with empty streams (type 2) or storages
    (type 1) of the given names under the root; at most three entries."""
    assert len(entries) <= 3
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<III", header, 44, 1, 1, 0)  # FAT sectors, first directory sector
    struct.pack_into("<IIIIII", header, 56, 4096, _END, 0, _END, 0, 0)
    struct.pack_into("<109I", header, 76, 0, *([_NOSTREAM] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, _END, *([_NOSTREAM] * 126))

    def entry(name: str, kind: int, right: int, child: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded) + 2, kind, 1)
        struct.pack_into("<III", raw, 68, _NOSTREAM, right, child)
        struct.pack_into("<IQ", raw, 116, _END, 0)
        return bytes(raw)

    rows = [entry("Root Entry", 5, _NOSTREAM, 1 if entries else _NOSTREAM)]
    for index, (name, kind) in enumerate(entries, start=1):
        rows.append(entry(name, kind, index + 1 if index < len(entries) else _NOSTREAM, _NOSTREAM))
    directory = b"".join(rows).ljust(512, b"\x00")
    return bytes(header) + fat + directory


DOC = ole_file(("WordDocument", 2), ("\x05SummaryInformation", 2))
XLS = ole_file(("Workbook", 2))


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- accepted ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("进度.pdf", PDF, evidence.PDF),
        ("现场.png", png(), evidence.PNG),
        ("现场.jpg", JPEG, evidence.JPEG),
        ("动图.gif", GIF, evidence.GIF),
        ("照片.webp", webp(), evidence.WEBP),
        ("报告.docx", ooxml("docx"), evidence.DOCX),
        ("台账.xlsx", xlsx(), evidence.XLSX),
        ("汇报.pptx", ooxml("pptx"), evidence.PPTX),
        ("旧报告.doc", DOC, evidence.DOC),
        ("旧台账.xls", XLS, evidence.XLS),
    ],
)
def test_accepted_types_are_recognised_by_content(name: str, data: bytes, expected: Any) -> None:
    checked = check_upload(upload(name, data))
    assert checked.file_type == expected
    assert checked.content_type == expected.content_type
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.name == name


def test_the_name_does_not_decide_the_type() -> None:
    # Given a PDF named like a picture, and a picture named like a PDF
    assert check_upload(upload("照片.jpg", PDF)).file_type == evidence.PDF
    assert check_upload(upload("文件.pdf", png())).file_type == evidence.PNG


def test_the_upload_can_be_read_again_after_the_check() -> None:
    file = upload("a.pdf", PDF)
    check_upload(file)
    assert file.read() == PDF


# --- refused -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("report.pdf", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00", id="exe-as-pdf"),
        pytest.param("tool.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, id="elf"),
        pytest.param(
            "page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"
        ),
        pytest.param(
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
            id="svg",
        ),
        pytest.param("notes.txt", "纯文本说明".encode(), id="text"),
        pytest.param("archive.docx", plain_zip(), id="plain-zip"),
        pytest.param("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100, id="broken-zip"),
        pytest.param("nopart.docx", ooxml("docx", with_part=False), id="ooxml-without-main-part"),
        pytest.param("macro.docx", ooxml("docm"), id="macro-enabled"),
        pytest.param(
            "vba.docx", ooxml("docx", extra={"word/vbaProject.bin": b"\x00"}), id="vba-project"
        ),
        pytest.param("deck.ppt", ole_file(("PowerPoint Document", 2)), id="ole-powerpoint"),
        pytest.param("secret.docx", ole_file(("EncryptedPackage", 2)), id="ole-encrypted"),
        pytest.param(
            "macro.doc", ole_file(("WordDocument", 2), ("Macros", 1)), id="ole-with-macros"
        ),
        pytest.param("fake.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, id="bad-ole"),
        pytest.param("fake.png", b"\x89PNX" + b"\x00" * 40, id="bad-signature"),
    ],
)
def test_other_content_is_refused(name: str, data: bytes) -> None:
    with pytest.raises(EvidenceRejected):
        check_upload(upload(name, data, "application/pdf"))


def test_an_xml_bomb_in_the_content_types_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&b;</Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", bomb)
        archive.writestr("word/document.xml", "<d/>")
    with pytest.raises(EvidenceRejected):
        check_upload(upload("bomb.docx", buffer.getvalue()))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(EvidenceRejected, match="empty"):
        check_upload(upload("空.pdf", b""))


def test_a_file_over_the_limit_is_refused(settings: Any) -> None:
    settings.KAOPING_MAX_UPLOAD_BYTES = 100
    with pytest.raises(EvidenceRejected):
        check_upload(upload("big.pdf", PDF + b"\x00" * 200))
    assert check_upload(upload("small.pdf", PDF)).size == len(PDF)


def test_the_size_is_counted_not_trusted(settings: Any) -> None:
    # Given an upload that claims to be small
    settings.KAOPING_MAX_UPLOAD_BYTES = 100
    file = upload("big.pdf", PDF + b"\x00" * 200)
    file.size = 10
    with pytest.raises(EvidenceRejected):
        check_upload(file)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\王\\报告.pdf", "报告.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("", "file"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_are_cleaned_for_display(given: str, kept: str) -> None:
    assert evidence.clean_name(given) == kept


# --- storage and download ---------------------------------------------------------------------
@pytest.mark.django_db
def test_files_are_stored_once_by_their_hash() -> None:
    first = upload("a.pdf", PDF)
    checked = check_upload(first)
    name = evidence.store(first, checked)
    assert name == f"evidence/{checked.sha256[:2]}/{checked.sha256}"
    assert default_storage.open(name).read() == PDF
    # Storing the same bytes again, under another name, reuses the stored file
    again = upload("b.pdf", PDF)
    assert evidence.store(again, check_upload(again)) == name


@pytest.mark.parametrize(
    ("name", "content_type", "download"),
    [
        ("报告.pdf", "application/pdf", "报告.pdf"),
        ("照片.JPEG", "image/jpeg", "照片.JPEG"),
        ("报告.html", "application/pdf", "报告.html.pdf"),
        ("台账", evidence.XLSX.content_type, "台账.xlsx"),
    ],
)
def test_downloads_carry_the_extension_of_their_real_type(
    name: str, content_type: str, download: str
) -> None:
    assert evidence.download_name(Evidence(original_name=name, content_type=content_type)) == (
        download
    )


@pytest.mark.django_db
def test_the_download_is_an_attachment_never_sniffed() -> None:
    file = upload("进度报告.pdf", PDF)
    checked = check_upload(file)
    item = Evidence(
        file=evidence.store(file, checked),
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    response = evidence.evidence_response(item)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E8%BF%9B%E5%BA%A6" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_a_missing_stored_file_is_not_found() -> None:
    from django.http import Http404

    item = Evidence(file="evidence/00/missing", original_name="x.pdf", content_type="x/y")
    with pytest.raises(Http404):
        evidence.evidence_response(item)


def test_ole_entries_are_read() -> None:
    assert evidence.ole_entry_names(io.BytesIO(DOC)) >= {"Root Entry", "WordDocument"}
