"""Bulletin benchmark: a county's progress bulletin through the real code, against a floor.

One county is generated (`kaoping.demo.generate.generate_province`, 20 towns and 40
departments by default) into a new database — SQLite in a temporary folder, or a new database
on the PostgreSQL server of KAOPING_DATABASE_URL, dropped at the end — and its plan's official
score run at 2022Q3 is computed and published (`score_run_start`, `score_run_publish`), so the
bulletin has its rankings and points-lost tables. None of that is timed. The work runs in a
child process configured for that database, so the caller's Django (if any) is untouched.

Timed, best of `repeat`, each on a new bulletin started by `bulletin_generate` (as the office
of the county; the queued job is never consumed):

- content: `kaoping.bulletins.services.bulletin_build`, the service the Huey job
  `build_bulletin_job` calls (tracking figures, explanations, deductions, rankings, points
  lost; the draft saved and audited);
- docx, pdf, xlsx: `FORMATS[ext].render` on `bulletin_document(bulletin)`, the renderers
  issuing uses (word.py, pdf.py with its font configuration, workbook.py).

The floor, timed the same way in the same process: the same libraries writing the same text
and tables already gathered, without Kaoping's data gathering or layout — python-docx adding
one plain paragraph per line and one plain table per table; WeasyPrint rendering a plain HTML
page of the same lines and tables (no stylesheet, default font configuration, which falls
back to the same Noto CJK fonts); openpyxl appending the same rows, one sheet per table.
`ratio` = (content + docx + pdf + xlsx) / (docx floor + pdf floor + xlsx floor).

Checked: the draft has its seven sections; the .docx opens with python-docx and holds every
table; the PDF has pages (pdfinfo, else its page objects); the .xlsx opens with openpyxl with
a sheet per table; issuing (`bulletin_issue`, timed once for information) archives three
files whose hashes match.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2022Q3"
COUNTY = "C001"
OFFICE = "c001_office"


# --- shared with benchmarks/memory.py ---------------------------------------------------------
@contextmanager
def new_database(tmp: Path, tag: str) -> Iterator[tuple[str, str]]:
    """(URL, label) of a new, empty database: SQLite in `tmp`, or, when KAOPING_DATABASE_URL
    is PostgreSQL, `kaoping_bench_<tag>_<pid>` on that server, dropped afterwards."""
    url = os.environ.get("KAOPING_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp / 'bench.sqlite3'}", "SQLite"
        return
    import psycopg

    name = f"kaoping_bench_{tag}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}")), "PostgreSQL"
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_env(tmp: Path, url: str) -> dict[str, str]:
    """The environment of a benchmark child: Kaoping's settings (static files from the
    finders, as benchmarks.dashboard_settings) on the given database, data in `tmp`, jobs
    queued in `tmp` (never in the caller's Redis)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.dashboard_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "KAOPING_DATA_DIR": str(tmp),
        "KAOPING_DATABASE_URL": url,
        "KAOPING_SECRET_KEY": "benchmark-secret-key-" + "x" * 40,
        "KAOPING_DEBUG": "false",
        "KAOPING_SSL_REDIRECT": "false",
        "KAOPING_SECURE_COOKIES": "false",
        "KAOPING_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
    env.pop("KAOPING_REDIS_URL", None)
    return env


def generate_county(towns: int, departments: int, seed: int) -> Any:
    """Inside a configured child: migrate, generate one county, publish its plan's official
    run at PERIOD; returns the county plan."""
    import django

    django.setup()
    from django.core.management import call_command

    from kaoping.demo.generate import generate_province
    from kaoping.org.models import User
    from kaoping.plans.models import Plan
    from kaoping.scoring.services import score_run_publish, score_run_start

    call_command("migrate", verbosity=0)
    generate_province(counties=1, seed=seed, towns=towns, departments=departments)
    office = User.objects.get(username=OFFICE)
    plan = Plan.objects.select_related("cycle", "owner").get(owner__code=COUNTY, cycle__year=2022)
    run = score_run_start(actor=office, plan=plan, as_of=PERIOD)
    score_run_publish(actor=office, run=run)
    return plan


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF: pdfinfo's count when poppler is installed, else its page objects."""
    import re
    import shutil

    if shutil.which("pdfinfo"):
        done = subprocess.run(
            ["pdfinfo", "-"],  # noqa: S607
            input=data,
            capture_output=True,
            check=False,
        )
        match = re.search(rb"^Pages:\s+(\d+)", done.stdout, re.MULTILINE)
        return int(match.group(1)) if done.returncode == 0 and match else 0
    return len(re.findall(rb"/Type\s*/Page\b", data))


# --- the floor ---------------------------------------------------------------------------------
def _lines(doc: Any) -> list[str]:
    lines = [doc.issuing_body, doc.document_number, doc.title, doc.addressees, doc.opening]
    for part in doc.sections:
        lines.append(part["heading"])
        lines.extend(line.strip() for line in str(part.get("text", "")).splitlines())
    lines += [doc.signature, doc.date_text]
    return [line for line in lines if line]


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def floor_docx(doc: Any) -> bytes:
    """python-docx: a plain paragraph per line, a plain table per table (filled row by row
    through `row.cells`: `table.cell(r, c)` rebuilds the cell list on every call)."""
    import io

    from docx import Document as new_docx

    out = new_docx()
    for line in _lines(doc):
        out.add_paragraph(line)
    for table in doc.tables():
        out.add_paragraph(table["title"])
        rows = [table["columns"], *table["rows"]]
        grid = out.add_table(rows=len(rows), cols=len(table["columns"]))
        for row, values in zip(grid.rows, rows, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = _text(value)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def floor_pdf(doc: Any) -> bytes:
    """WeasyPrint: a plain HTML page of the same lines and tables, no stylesheet."""
    from html import escape

    from weasyprint import HTML

    parts = ['<html lang="zh"><meta charset="utf-8"><body>']
    parts += [f"<p>{escape(line)}</p>" for line in _lines(doc)]
    for table in doc.tables():
        parts.append(f"<p>{escape(table['title'])}</p><table>")
        for values in [table["columns"], *table["rows"]]:
            parts.append("<tr>" + "".join(f"<td>{escape(_text(v))}</td>" for v in values) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    pdf: bytes = HTML(string="".join(parts)).write_pdf()
    return pdf


def floor_xlsx(doc: Any) -> bytes:
    """openpyxl: the same rows, one sheet per table."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for index, table in enumerate(doc.tables(), start=1):
        sheet = book.create_sheet(f"T{index}")
        sheet.append(list(table["columns"]))
        for row in table["rows"]:
            sheet.append(list(row))
    if not book.worksheets:
        book.create_sheet("T1").append([doc.title])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the child ---------------------------------------------------------------------------------
def _child(towns: int, departments: int, seed: int, repeat: int) -> None:
    """Runs inside the configured child process: build, time, check, print."""
    import io
    import time

    import docx
    import openpyxl
    import weasyprint  # noqa: F401 - imported before timing, as a worker has it loaded

    started = time.perf_counter()
    plan = generate_county(towns, departments, seed)

    from kaoping.bulletins.documents import FORMATS, bulletin_document
    from kaoping.bulletins.models import Bulletin
    from kaoping.bulletins.services import (
        archived_file,
        bulletin_build,
        bulletin_generate,
        bulletin_issue,
    )
    from kaoping.org.models import Unit, User

    office = User.objects.get(username=OFFICE)
    units = Unit.objects.filter(path__startswith=plan.owner.path).count()
    print(
        f"setup: 1 county ({towns} towns, {departments} departments, {units} units), "
        f"official run published, {time.perf_counter() - started:.1f} s (not timed)",
        flush=True,
    )

    best: dict[str, float] = {}
    data: dict[str, bytes] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = fn()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
        return value

    bulletin = None
    for _round in range(repeat):
        fresh = bulletin_generate(plan=plan, period=PERIOD, actor=office)
        bulletin = timed("content", partial(bulletin_build, bulletin_id=fresh.pk))
        doc = bulletin_document(bulletin)
        for ext, fmt in FORMATS.items():
            data[ext] = timed(ext, partial(fmt.render, doc))
        for name, render_floor in (("docx", floor_docx), ("pdf", floor_pdf), ("xlsx", floor_xlsx)):
            data[f"floor {name}"] = timed(f"floor {name}", partial(render_floor, doc))
    assert bulletin is not None
    problems = []
    if bulletin.status != Bulletin.Status.DRAFT or len(bulletin.sections) != 7:
        problems.append(f"the build left {bulletin.status} with {len(bulletin.sections)} sections")
    tables = doc.tables()
    text_lines = len(_lines(doc))
    table_rows = sum(len(t["rows"]) for t in tables)
    print(
        f"bulletin {PERIOD}: 7 sections, {text_lines} lines of text, {len(tables)} tables, "
        f"{table_rows} table rows"
    )

    word = docx.Document(io.BytesIO(data["docx"]))
    if len(word.tables) != len(tables):
        problems.append(f"docx has {len(word.tables)} tables, expected {len(tables)}")
    pages = pdf_pages(data["pdf"])
    floor_pages = pdf_pages(data["floor pdf"])
    if pages < 1:
        problems.append("the PDF has no pages")
    book = openpyxl.load_workbook(io.BytesIO(data["xlsx"]), read_only=True)
    sheets = len(book.sheetnames)
    book.close()
    if sheets != max(1, len(tables)):
        problems.append(f"xlsx has {sheets} sheets, expected {len(tables)}")

    def kb(name: str) -> str:
        return f"{len(data[name]) / 1024:.0f} KB"

    print(f"content (bulletin_build): {best['content']:.3f} s")
    print(
        f"docx: {best['docx']:.3f} s, {kb('docx')}, {len(word.paragraphs)} paragraphs, "
        f"{len(word.tables)} tables (Word computes pages when it opens the file)"
    )
    print(f"pdf: {best['pdf']:.3f} s, {kb('pdf')}, {pages} pages")
    print(f"xlsx: {best['xlsx']:.3f} s, {kb('xlsx')}, {sheets} sheets")
    print(f"floor docx (plain python-docx): {best['floor docx']:.3f} s, {kb('floor docx')}")
    print(
        f"floor pdf (plain HTML, WeasyPrint): {best['floor pdf']:.3f} s, {kb('floor pdf')}, "
        f"{floor_pages} pages"
    )
    print(f"floor xlsx (plain openpyxl): {best['floor xlsx']:.3f} s, {kb('floor xlsx')}")

    start = time.perf_counter()
    issued = bulletin_issue(bulletin=bulletin, actor=office)
    issue_seconds = time.perf_counter() - start
    for ext in FORMATS:
        try:
            archived_file(issued, ext)
        except Exception as exc:  # reported as a failed check
            problems.append(f"the issued {ext} cannot be read back: {exc}")
    print(f"bulletin_issue (three renders, archived, hashed): {issue_seconds:.3f} s, once")

    full = best["content"] + best["docx"] + best["pdf"] + best["xlsx"]
    floor_seconds = best["floor docx"] + best["floor pdf"] + best["floor xlsx"]
    print(f"full generation: {full:.3f} s; floor: {floor_seconds:.3f} s (best of {repeat} each)")
    for problem in problems:
        print(f"MISMATCH: {problem}")
    print(f"ratio: {full / floor_seconds:.2f}", flush=True)


# --- the parent --------------------------------------------------------------------------------
def run(
    *,
    towns: int = 20,
    departments: int = 40,
    seed: int = 0,
    repeat: int = 3,
    out: Callable[[str], None] = print,
) -> tuple[bool, float]:
    """Run the benchmark in a child process on a new database; (checks passed, ratio)."""
    with tempfile.TemporaryDirectory(prefix="kaoping-bench-bulletin-") as name:
        tmp = Path(name)
        with new_database(tmp, "bulletin") as (url, label):
            out(f"bulletin: {label}, repeat {repeat}")
            command = [sys.executable, str(Path(__file__).resolve()), "--child"]
            command += ["--towns", str(towns), "--departments", str(departments)]
            command += ["--seed", str(seed), "--repeat", str(repeat)]
            done = subprocess.run(  # noqa: S603
                command, env=child_env(tmp, url), cwd=ROOT, capture_output=True, text=True
            )
    for line in done.stdout.splitlines():
        out(line)
    if done.returncode != 0:
        out(done.stderr[-3000:])
        return False, float("nan")
    last = done.stdout.strip().splitlines()[-1]
    return "MISMATCH" not in done.stdout, float(last.removeprefix("ratio: "))


def run_options(options: argparse.Namespace) -> bool:
    """For benchmarks/run.py: a whole county (20 towns, 40 departments); `--units U` there
    sets towns + departments (a third towns)."""
    towns, departments = 20, 40
    if options.units:
        towns = max(1, options.units // 3)
        departments = max(1, options.units - towns)
    return run(towns=towns, departments=departments, seed=options.seed, repeat=options.repeat)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        _child(options.towns, options.departments, options.seed, options.repeat)
        return 0
    ok, _ratio = run(
        towns=options.towns,
        departments=options.departments,
        seed=options.seed,
        repeat=options.repeat,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
