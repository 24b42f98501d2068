"""Evidence files (佐证材料): checked by their content, stored by their hash, sent as downloads.

What a file is comes from its bytes, never from its name: libmagic names the type, and the
containers are opened to be sure — an Office Open XML file (DOCX, XLSX, PPTX) must be a zip
whose `[Content_Types].xml` declares exactly one main document part that is really there, and
a legacy Word or Excel file must be an OLE compound file holding a `WordDocument` or
`Workbook` stream. Other zips, macro-enabled documents, encrypted containers, executables,
HTML and SVG (which can carry scripts) are refused.

Files are stored through Django's default storage (a local folder, or S3-compatible object
storage in production) under `tracking.models.evidence_path`, i.e. by SHA-256: the same bytes
are kept once, whoever uploads them, and a stored file never changes.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any
from xml.etree.ElementTree import Element

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.tracking.models import Evidence, evidence_path

HEAD_BYTES = 8192
NAME_LENGTH = 200
# A [Content_Types].xml larger than this is not a document's (guards against zip bombs).
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 20000


@dataclass(frozen=True)
class FileType:
    """An accepted kind of evidence file: its MIME type, a label and its usual extension."""

    content_type: str
    label: str
    extension: str


PDF = FileType("application/pdf", "PDF", ".pdf")
PNG = FileType("image/png", "PNG", ".png")
JPEG = FileType("image/jpeg", "JPEG", ".jpg")
GIF = FileType("image/gif", "GIF", ".gif")
WEBP = FileType("image/webp", "WebP", ".webp")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", ".docx"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", ".xlsx"
)
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint",
    ".pptx",
)
DOC = FileType("application/msword", "Word 97-2003", ".doc")
XLS = FileType("application/vnd.ms-excel", "Excel 97-2003", ".xls")

ACCEPTED_TYPES: tuple[FileType, ...] = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, DOC, XLS)
TYPE_BY_CONTENT_TYPE = {t.content_type: t for t in ACCEPTED_TYPES}
# What the file chooser offers; the server decides from the bytes anyway.
ACCEPT_ATTRIBUTE = ",".join(t.extension for t in ACCEPTED_TYPES) + ",.jpeg"

# Pictures: libmagic's answer and the signature the bytes must start with.
_PICTURES: dict[str, tuple[FileType, tuple[bytes, ...]]] = {
    "image/png": (PNG, (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": (JPEG, (b"\xff\xd8\xff",)),
    "image/gif": (GIF, (b"GIF87a", b"GIF89a")),
    "image/webp": (WEBP, (b"RIFF",)),
}
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_OOXML_MACRO = re.compile(r"macroEnabled|vbaProject|vbaData", re.IGNORECASE)
_CT_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"


class EvidenceRejected(ApplicationError):
    """An uploaded file that is not accepted as evidence; the message says why."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: what it is, how big, and its SHA-256."""

    name: str
    file_type: FileType
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return self.file_type.content_type


def max_upload_bytes() -> int:
    return int(settings.KAOPING_MAX_UPLOAD_BYTES)


def accepted_types_text() -> str:
    """The accepted kinds, for help texts."""
    return "PDF, PNG, JPEG, GIF, WebP, Word (DOCX, DOC), Excel (XLSX, XLS), PowerPoint (PPTX)"


def clean_name(name: str) -> str:
    """The uploader's file name without folders or control characters, kept for display."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if not base or base in {".", ".."}:
        base = "file"
    if len(base) > NAME_LENGTH:
        suffix = PurePath(base).suffix[:20]
        base = base[: NAME_LENGTH - len(suffix)] + suffix
    return base


# --- the checks -------------------------------------------------------------------------------
def check_upload(upload: File) -> CheckedFile:
    """Check an uploaded file: not empty, within the size limit, of an accepted type judged
    from its content; returns what it is with its SHA-256, or raises EvidenceRejected."""
    import magic

    name = clean_name(upload.name or "")
    limit = max_upload_bytes()
    declared = upload.size or 0
    if declared > limit:
        raise _too_large(name, limit)
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    head = b""
    for chunk in upload.chunks():
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        size += len(chunk)
        if size > limit:
            raise _too_large(name, limit)
        digest.update(chunk)
    upload.seek(0)
    if size == 0:
        raise EvidenceRejected(_("The file %(name)s is empty.") % {"name": name})
    detected = magic.from_buffer(head, mime=True)
    file_type = _file_type(upload, head, detected, name)
    return CheckedFile(name=name, file_type=file_type, size=size, sha256=digest.hexdigest())


def _too_large(name: str, limit: int) -> EvidenceRejected:
    return EvidenceRejected(
        _("The file %(name)s is larger than the limit of %(mb)s MB.")
        % {"name": name, "mb": _megabytes(limit)}
    )


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _refused(name: str, detected: str) -> EvidenceRejected:
    return EvidenceRejected(
        _(
            "The file %(name)s is not accepted as evidence (its content is %(type)s). Upload "
            "%(accepted)s."
        )
        % {"name": name, "type": detected, "accepted": accepted_types_text()}
    )


def _file_type(upload: File, head: bytes, detected: str, name: str) -> FileType:
    """The accepted type of the content, or EvidenceRejected."""
    if detected == "application/pdf" and head.startswith(b"%PDF-"):
        return PDF
    if detected in _PICTURES:
        file_type, signatures = _PICTURES[detected]
        if head.startswith(signatures) and (file_type is not WEBP or head[8:12] == b"WEBP"):
            return file_type
        raise _refused(name, detected)
    if head.startswith(_ZIP_SIGNATURE):
        return _ooxml_type(upload, name)
    if head.startswith(_OLE_SIGNATURE):
        return _ole_type(upload, name)
    raise _refused(name, detected)


def _ooxml_type(upload: File, name: str) -> FileType:
    """DOCX, XLSX or PPTX: a zip whose [Content_Types].xml names one main part, present."""
    from defusedxml import ElementTree as SafeXML

    not_office = EvidenceRejected(
        _(
            "The file %(name)s is a zip archive but not a Word, Excel or PowerPoint document; "
            "archives are not accepted as evidence."
        )
        % {"name": name}
    )
    try:
        with zipfile.ZipFile(_raw(upload)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise not_office
            names = {m.filename for m in members}
            info = next((m for m in members if m.filename == "[Content_Types].xml"), None)
            if info is None or info.file_size > MAX_CONTENT_TYPES_BYTES:
                raise not_office
            root: Element = SafeXML.fromstring(archive.read(info))
    except EvidenceRejected:
        raise
    except Exception:  # a broken zip, a broken or hostile XML document
        raise not_office from None
    finally:
        upload.seek(0)
    declared: list[tuple[str, str]] = []
    for element in root:
        content_type = element.get("ContentType", "")
        if element.tag == f"{_CT_NAMESPACE}Override":
            declared.append((element.get("PartName", "").lstrip("/"), content_type))
        elif element.tag == f"{_CT_NAMESPACE}Default":
            declared.append(("", content_type))
    if any(_OOXML_MACRO.search(ct) for _part, ct in declared) or any(
        _OOXML_MACRO.search(n) for n in names
    ):
        raise EvidenceRejected(
            _("The file %(name)s contains macros; save it without macros and upload it again.")
            % {"name": name}
        )
    mains = {_OOXML_MAIN[ct] for part, ct in declared if ct in _OOXML_MAIN and part in names}
    if len(mains) != 1:
        raise not_office
    return mains.pop()


def _ole_type(upload: File, name: str) -> FileType:
    """DOC or XLS: an OLE compound file with a WordDocument or Workbook stream, no macros."""
    try:
        entries = ole_entry_names(_raw(upload))
    except (ValueError, struct.error, OSError):
        entries = set()
    finally:
        upload.seek(0)
    if entries & {"Macros", "_VBA_PROJECT_CUR", "VBA"}:
        raise EvidenceRejected(
            _("The file %(name)s contains macros; save it without macros and upload it again.")
            % {"name": name}
        )
    if "WordDocument" in entries:
        return DOC
    if entries & {"Workbook", "Book"}:
        return XLS
    raise EvidenceRejected(
        _(
            "The file %(name)s is not a Word or Excel document we can accept (it may be "
            "encrypted, or another kind of Office file). Upload %(accepted)s."
        )
        % {"name": name, "accepted": accepted_types_text()}
    )


def _raw(upload: File) -> IO[bytes]:
    """The seekable binary file behind an upload."""
    raw: Any = getattr(upload, "file", None) or upload
    raw.seek(0)
    return raw


# --- a minimal reader of OLE compound files (MS-CFB), enough to list the entries ----------
_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_SECTORS = 1 << 20


def ole_entry_names(stream: IO[bytes]) -> set[str]:
    """The names of the storages and streams in an OLE compound file (raises ValueError if
    it is not a well-formed one)."""
    stream.seek(0)
    header = stream.read(512)
    if len(header) < 512 or not header.startswith(_OLE_SIGNATURE):
        raise ValueError("not an OLE file")
    sector_shift = struct.unpack_from("<H", header, 30)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << sector_shift
    fat_count, first_dir = struct.unpack_from("<II", header, 44)
    first_difat, difat_count = struct.unpack_from("<II", header, 68)
    if fat_count > _MAX_SECTORS // (sector_size // 4):
        raise ValueError("too many FAT sectors")

    def read_sector(number: int) -> bytes:
        if number >= _MAX_SECTORS:
            raise ValueError("sector out of range")
        stream.seek(sector_size * (number + 1))
        data = stream.read(sector_size)
        if len(data) != sector_size:
            raise ValueError("truncated file")
        return data

    per_sector = sector_size // 4
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s != _FREE]
    difat, visited = first_difat, set()
    for _step in range(min(difat_count, _MAX_SECTORS)):
        if difat in (_FREE, _END_OF_CHAIN) or difat in visited:
            break
        visited.add(difat)
        data = read_sector(difat)
        values = struct.unpack(f"<{per_sector}I", data)
        fat_sectors.extend(v for v in values[:-1] if v != _FREE)
        difat = values[-1]
    fat: list[int] = []
    for number in fat_sectors[:fat_count]:
        fat.extend(struct.unpack(f"<{per_sector}I", read_sector(number)))
    names: set[str] = set()
    sector, seen = first_dir, set[int]()
    while sector not in (_END_OF_CHAIN, _FREE):
        if sector in seen or sector >= len(fat) or len(seen) > _MAX_SECTORS:
            raise ValueError("broken directory chain")
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            entry = data[offset : offset + 128]
            length = struct.unpack_from("<H", entry, 64)[0]
            kind = entry[66]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.add(entry[: length - 2].decode("utf-16-le", errors="replace"))
        sector = fat[sector]
    return names


# --- storage and download ---------------------------------------------------------------------
def store(upload: File, checked: CheckedFile) -> str:
    """Put the bytes in the default storage under their hash (once) and return the name."""
    probe = Evidence(sha256=checked.sha256)
    path = evidence_path(probe, checked.name)
    if default_storage.exists(path):
        return path
    upload.seek(0)
    return default_storage.save(path, upload)


def forget_if_unused(name: str) -> None:
    """Delete stored bytes no evidence row refers to any more (runs after the commit)."""
    if name and not Evidence.objects.filter(file=name).exists():
        default_storage.delete(name)


def download_name(evidence: Evidence) -> str:
    """The name a download is saved under: the uploader's, with the extension of the type
    the content really is."""
    file_type = TYPE_BY_CONTENT_TYPE.get(evidence.content_type)
    name = evidence.original_name or "file"
    if file_type is None:
        return name
    suffix = PurePath(name).suffix.lower()
    if suffix == file_type.extension or (file_type is JPEG and suffix == ".jpeg"):
        return name
    return f"{name}{file_type.extension}"


def evidence_response(evidence: Evidence) -> FileResponse:
    """The file as an attachment, never rendered by the browser."""
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = evidence.content_type
    if content_type not in TYPE_BY_CONTENT_TYPE:
        content_type = "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(evidence), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
