"""Opening uploaded .xlsx workbooks safely: the container is inspected before openpyxl runs.

An .xlsx file is a zip of XML parts. Before any XML is parsed, `xlsx_container_problems`
reads only the zip's central directory and refuses what a workbook never needs and an
attacker would use: an old .xls or a password-encrypted workbook (both OLE files), another
kind of zip, more members than a workbook has, members that unpack to more than a fixed total
or at a compression ratio no spreadsheet reaches (zip bombs), encrypted members, compression
methods other than stored/deflate, duplicate names, nested archives, embedded objects and
macros. Python's zipfile never unpacks more than a member's declared size (it stops there
and fails the CRC), so the declared sizes checked here bound what openpyxl can read.

openpyxl then parses XML through defusedxml (installed as a dependency; it refuses entity
declarations, so no "billion laughs"), in read-only mode, never evaluating formulas.

Reading values fast: calamine (Rust, python-calamine) reads a 100,000-row sheet about ten
times faster than openpyxl, but it loads a sheet as a dense grid from its first to its last
used cell, gives a formula's cached result instead of the formula, and turns error cells into
empty ones. `values_readable` therefore scans the parts first and admits calamine only for a
workbook without formulas, without error or ISO-date cells, and whose cells all carry an
explicit address within `VALUES_MAX_COLUMN` columns and `VALUES_MAX_ROW` rows (so two cells
at A1 and XFD1048576 cannot make it allocate terabytes). Anything else is read by openpyxl as
before. calamine's XML parser (quick-xml) expands no entities and fetches nothing; the prolog
check above refuses document type declarations before either reader runs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# An Office file encrypted with a password to open is an OLE file with this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_NESTED_SUFFIXES = (
    ".zip",
    ".xlsx",
    ".xlsm",
    ".xlsb",
    ".xls",
    ".docx",
    ".docm",
    ".pptx",
    ".jar",
    ".gz",
    ".tgz",
    ".bz2",
    ".xz",
    ".7z",
    ".rar",
    ".cab",
    ".exe",
    ".dll",
)
_EMBEDDED_PARTS = ("embeddings/", "activex/", "vbaproject", "oleobject")
_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ContainerLimits:
    """Bounds on a workbook's zip container; the defaults fit any real progress workbook.

    A 100,000-row sheet written by openpyxl unpacks to about 31 MB at a ratio near 10;
    Excel's own files are denser. The ratio cap of 100 is Apache POI's default (its
    ZipSecureFile refuses an inflate ratio below 0.01); it only applies to members above
    `ratio_floor`, since tiny parts compress unpredictably.
    """

    max_members: int = 500
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 100
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = ContainerLimits()


def xlsx_container_problems(data: bytes, *, limits: ContainerLimits = DEFAULT_LIMITS) -> list[str]:
    """Why these bytes are not a workbook openpyxl may safely open (empty list: none)."""
    if data.startswith(OLE_SIGNATURE):
        if _ENCRYPTED_PACKAGE in data:
            return [
                _(
                    "The workbook is protected with a password to open: remove the password "
                    "(File › Info › Protect Workbook), save it as .xlsx and upload it again."
                )
            ]
        return [
            _("This is an old .xls workbook: save it as .xlsx (Excel Workbook) and upload that.")
        ]
    if not data.startswith(ZIP_SIGNATURE):
        return [_("This is not an Excel .xlsx workbook.")]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return [
            _("This is not an Excel .xlsx workbook (the file is damaged or another kind of zip).")
        ]
    if len(members) > limits.max_members:
        return [
            _("The workbook has %(n)d parts, more than the %(max)d a workbook may have.")
            % {"n": len(members), "max": limits.max_members}
        ]
    problems: list[str] = []
    names: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        lowered = name.lower()
        if name in names:
            problems.append(
                _("The part “%(name)s” appears twice in the workbook.") % {"name": name[:100]}
            )
        names.add(name)
        if info.flag_bits & 0x1:
            problems.append(
                _("The part “%(name)s” is encrypted; encrypted workbooks are refused.")
                % {"name": name[:100]}
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(
                _("The part “%(name)s” uses an unsupported compression method.")
                % {"name": name[:100]}
            )
        if lowered.endswith(_NESTED_SUFFIXES) or any(p in lowered for p in _EMBEDDED_PARTS):
            problems.append(
                _(
                    "The workbook contains an embedded file, archive or macro "
                    "(“%(name)s”); save a plain .xlsx with values only."
                )
                % {"name": name[:100]}
            )
        total += info.file_size
        if info.file_size > limits.ratio_floor and (
            info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio
        ):
            problems.append(
                _(
                    "The part “%(name)s” unpacks to %(size)d bytes from %(packed)d "
                    "(a compression bomb?); refused."
                )
                % {"name": name[:100], "size": info.file_size, "packed": info.compress_size}
            )
    if total > limits.max_unpacked_bytes:
        problems.append(
            _("The workbook unpacks to %(size)d bytes, more than the %(max)d allowed.")
            % {"size": total, "max": limits.max_unpacked_bytes}
        )
    if not problems:
        problems.extend(declared_xml_problems(data))
    if not problems and not all(part in names for part in _REQUIRED_PARTS):
        problems.append(
            _(
                "This is not an Excel .xlsx workbook (another kind of zip: an .xlsb, "
                ".ods or other file)."
            )
        )
    return problems


_PROLOG_LIMIT = 64 * 1024
_NAME_START = re.compile(rb"[A-Za-z_]")


def xml_prolog_refused(head: bytes) -> bool:
    """Whether an XML part's prolog must be refused. `head` is the part's first bytes (up to
    `_PROLOG_LIMIT`); the prolog is read token by token up to the root element's start tag.

    Allowed before the root: a UTF-8 byte-order mark, the XML declaration and other
    processing instructions, comments and white space. Refused: a document type declaration
    (where entities are declared: billion laughs, external entities) or any other `<!…`, a
    UTF-16 part (Office writes UTF-8; UTF-16 would hide a declaration from this scan), text
    before the root, and a prolog that does not end within the limit.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:256]:
        return True
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while pos < len(head) and head[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
            pos += 1
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos + 2)
            if end < 0:
                return True
            pos = end + 2
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos + 4)
            if end < 0:
                return True
            pos = end + 3
        else:
            # The root element ends the prolog; anything else is refused: <!DOCTYPE,
            # <!ENTITY, text, or a prolog running past the limit.
            return not (head.startswith(b"<", pos) and _NAME_START.match(head, pos + 1))


def declared_xml_problems(data: bytes) -> list[str]:
    """Refuse XML parts declaring a document type, whatever parser openpyxl then uses.

    defusedxml guards openpyxl only when lxml is absent; python-docx brings lxml, with which
    openpyxl parses worksheets without defusedxml. Checking the prologs here keeps the
    guarantee independent of the parser.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as part:
                head = part.read(_PROLOG_LIMIT)
            if xml_prolog_refused(head):
                return [
                    _(
                        "The workbook contains XML that is refused (entity declarations or "
                        "external references); save it again from Excel or WPS as a plain .xlsx."
                    )
                ]
    return []


def open_workbook(data: bytes) -> Any:
    """openpyxl's read-only workbook over bytes already passed by `xlsx_container_problems`.

    Formulas are kept as formulas (data_only=False) so callers can refuse them; nothing is
    evaluated. Raises whatever a damaged workbook makes openpyxl raise.
    """
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)


def is_forbidden_xml(exc: BaseException) -> bool:
    """Whether defusedxml refused the XML (entity declarations, external references)."""
    from defusedxml import DefusedXmlException

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # openpyxl wraps parse errors
        if isinstance(current, DefusedXmlException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


_MERGE_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*([\"'])([A-Za-z0-9:$]+)\1"
)
_CHUNK = 1024 * 1024


def merged_ranges(data: bytes, worksheet_path: str) -> list[str]:
    """The merged ranges (`A8:C8`) of a worksheet part, read by streaming its XML.

    openpyxl's read-only mode does not report merged cells. The part is scanned in chunks
    for `mergeCell` elements without building a tree (they carry only a `ref`), so a large
    sheet costs one decompression pass and constant memory.
    """
    ranges: list[str] = []
    path = worksheet_path.lstrip("/")
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as part:
        tail = b""
        for chunk in _chunks(part):
            buffer = tail + chunk
            last_end = 0
            for match in _MERGE_RE.finditer(buffer):
                ranges.append(match[2].decode("ascii").replace("$", "").upper())
                last_end = match.end()
            # Keep an unfinished element for the next chunk, never one already counted.
            start = max(last_end, buffer.rfind(b"<"))
            tail = buffer[start:] if start >= last_end and len(buffer) - start < 4096 else b""
    return ranges


def _chunks(stream: Any) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


# --- reading values with calamine -----------------------------------------------------------
VALUES_MAX_COLUMN = 16  # A–P
VALUES_MAX_ROW = 209_999
_VALUES_ROW = rb"(?:[1-9]\d{0,4}|1\d{5}|20\d{4})"  # 1 … 209,999
_ATTRIBUTE = rb"""[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*')"""
# Anything calamine would read differently from openpyxl, or into too large a grid: a formula
# element, or a cell start tag that is not `<c r="A1" …>` with its address first, within
# A–P and the row limit, and without t="e" (error) or t="d" (ISO date).
_NOT_FOR_CALAMINE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:f[\s/>]|c(?:[\t\n\r/>]| (?!r=\"[A-P]"
    + _VALUES_ROW
    + rb"\"(?:\s+(?!t\s*=\s*[\"'][ed][\"'])"
    + _ATTRIBUTE
    + rb")*\s*/?>)))"
)


def values_readable(data: bytes) -> bool:
    """Whether calamine may read this workbook (already passed by `xlsx_container_problems`).

    Every part is scanned, not only the worksheets the workbook names: whatever part a
    relationship points calamine at has been checked. A part that merely looks suspicious
    (a formula in a chart, say) only sends the workbook to openpyxl, which is slower.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as part:
                if _NOT_FOR_CALAMINE.search(part.read()):
                    return False
    return True


def open_values_workbook(data: bytes) -> Any:
    """calamine's workbook over bytes already passed by `values_readable`.

    Raises python_calamine.CalamineError (or another error) for what it cannot read.
    """
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data))
