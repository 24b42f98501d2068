"""Users see Chinese: every marked string has a reviewed zh-hans translation."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kaoping"
PO_FILE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header; plural forms joined."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        fuzzy = bool(re.search(r"^#,.*\bfuzzy\b", block, re.M))
        parts: dict[str, list[str]] = {}
        key = ""
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line)
            if match:
                key = match[1]
                parts.setdefault(key, []).append(match[2])
            elif line.startswith('"') and key:
                parts[key].append(line[1:-1])
        msgid = "".join(parts.get("msgid", []))
        msgstr = "".join(
            "".join(v)
            for k, v in parts.items()
            if k.startswith("msgstr") and (k == "msgstr" or k == "msgstr[0]")
        )
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_chinese_entry_is_translated_and_not_fuzzy() -> None:
    entries = po_entries(PO_FILE.read_text(encoding="utf-8"))
    assert entries, "the zh_Hans catalogue is empty"
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_catalogue_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """makemessages over a copy of the package finds no string the catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext (xgettext) is required to check the catalogue")
    copy = tmp_path / "kaoping"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
            "-v",
            "0",
        ],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    fresh = {
        msgid
        for msgid, _s, _f in po_entries(
            (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text("utf-8")
        )
    }
    known = {msgid for msgid, _s, _f in po_entries(PO_FILE.read_text(encoding="utf-8"))}
    assert sorted(fresh - known) == []
