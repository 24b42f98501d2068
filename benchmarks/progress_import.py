"""Progress import benchmark: a workbook of R rows through the real import, against reading it.

In a new database (SQLite in a temporary folder, or a new database on the PostgreSQL server
of KAOPING_DATABASE_URL, dropped at the end) one department of a county answers for R
quarterly indicators of a published plan (rows written in bulk, not timed). The entry
workbook of 2022Q3 (kaoping.tracking.progress_xlsx.write_template, the format of
`kaoping progresstemplate`) is written with a figure in every row (not timed).

Timed, best of `repeat` (a fresh database state each time: the drafts of the previous run are
deleted first): `kaoping.tracking.services.imports.progress_import` on the file — checking the
container, reading, checking every row against the plan, writing R draft reports — against
the floor: the fastest reader alone, the one the import uses (calamine), loading the same
bytes and iterating every row's values of every sheet, nothing else. openpyxl's read-only
read of the same bytes is timed too, for reference. `ratio` = import time / floor time. The
work runs in a child process configured for its own database, so the caller's Django (if
any) is untouched.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_ROWS = 100_000
TARGET_SECONDS = 20.0


def progress_plan_workbook(county: Any, unit: Any, *, year: int, rows: int, code: str) -> bytes:
    """A published county plan of `year` whose `rows` quarterly indicators `unit` leads, and
    its Q3 entry workbook with a figure and last year's figure in every row."""
    from decimal import Decimal

    from kaoping.core.periods import Period
    from kaoping.plans.models import Assignment, Cycle, Indicator, Plan
    from kaoping.tracking.progress_xlsx import TemplateHeader, TemplateRow, write_template

    cycle = Cycle.objects.create(year=year, name=f"{year}年度")
    plan = Plan.objects.create(
        cycle=cycle,
        owner=county,
        code=code,
        name=f"第1县{year}年度考评方案",
        kind=Plan.Kind.COUNTY,
        status=Plan.Status.PUBLISHED,
    )
    top = Indicator.objects.create(
        plan=plan,
        code="1",
        name="经济建设",
        category=Indicator.Category.ECONOMIC,
        kind=Indicator.Kind.QUALITATIVE,
        scoring_rule=Indicator.ScoringRule.SUM_CHILDREN,
        points=Decimal("100"),
    )
    leaves = Indicator.objects.bulk_create(
        [
            Indicator(
                plan=plan,
                parent=top,
                code=f"1.{i}",
                name=f"统计指标{i}",
                level=2,
                order=i,
                category=Indicator.Category.ECONOMIC,
                kind=Indicator.Kind.QUANTITATIVE,
                unit_of_measure="万元",
                target=Decimal(1000 + i % 997),
                points=Decimal("0.01"),
                frequency=Indicator.Frequency.QUARTERLY,
            )
            for i in range(1, rows + 1)
        ],
        batch_size=2000,
    )
    Assignment.objects.bulk_create(
        [Assignment(indicator=leaf, lead_unit=unit) for leaf in leaves], batch_size=2000
    )
    header = TemplateHeader(
        unit_code=unit.code,
        unit_name=unit.name,
        period=f"{year}Q3",
        period_label=Period.parse(f"{year}Q3").label(),
        plan_code=plan.code,
        plan_name=plan.name,
        generated_at=f"{year}-10-08 09:00:00",
    )
    data = write_template(
        header,
        [
            TemplateRow(
                code=leaf.code,
                name=leaf.name,
                unit_of_measure=leaf.unit_of_measure,
                target=leaf.target,
                target_text="",
                value=Decimal(f"{700 + i % 613}.25"),
                last_year_value=Decimal(f"{650 + i % 587}.5"),
                narrative="",
                allows_negative=False,
            )
            for i, leaf in enumerate(leaves)
        ],
    )
    return data


def _child(rows: int, repeat: int) -> None:
    """Runs inside the configured child process: build, write, time, print."""
    import io

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    from kaoping.org.models import Unit
    from kaoping.tracking.models import ProgressReport
    from kaoping.tracking.services.imports import progress_import

    settings.KAOPING_MAX_UPLOAD_BYTES = settings.KAOPING_MAX_WORKBOOK_BYTES = 1 << 30
    call_command("migrate", verbosity=0)
    county = Unit.objects.add_root(
        create_kwargs={"code": "C001", "name": "第1县人民政府", "kind": Unit.Kind.COUNTY}
    )
    unit = Unit.objects.add_child(
        county,
        create_kwargs={"code": "C001-D01", "name": "第1县统计局", "kind": Unit.Kind.DEPARTMENT},
    )
    data = progress_plan_workbook(county, unit, year=2022, rows=rows, code="county-2022")
    print(f"workbook: {rows} rows, {len(data) / 1e6:.2f} MB", flush=True)

    def read() -> int:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        count = 0
        for name in book.sheet_names:
            for _row in book.get_sheet_by_name(name).iter_rows():
                count += 1
        book.close()
        return count

    def read_openpyxl() -> int:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        count = 0
        for sheet in book.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                count += 1
        book.close()
        return count

    read_best = openpyxl_best = import_best = float("inf")
    created = 0
    for _round in range(repeat):
        start = time.perf_counter()
        read_openpyxl()
        openpyxl_best = min(openpyxl_best, time.perf_counter() - start)
        start = time.perf_counter()
        read()
        read_best = min(read_best, time.perf_counter() - start)
        ProgressReport.objects.all().delete()
        start = time.perf_counter()
        result = progress_import(actor=None, data=data, filename="bench.xlsx")
        import_best = min(import_best, time.perf_counter() - start)
        created = result.created
    print(f"calamine read (floor): {read_best:.3f} s (best of {repeat})")
    print(f"openpyxl read_only read (reference): {openpyxl_best:.3f} s (best of {repeat})")
    print(
        f"progress_import: {import_best:.3f} s (best of {repeat}), {created} reports created, "
        f"{rows / import_best:,.0f} rows/s"
    )
    if created != rows:
        print(f"MISMATCH: {created} reports created for {rows} rows")
    projected = import_best * TARGET_ROWS / rows
    print(
        f"target (issue 7): {TARGET_ROWS:,} rows in under {TARGET_SECONDS:.0f} s → "
        + (
            f"{import_best:.1f} s here"
            if rows == TARGET_ROWS
            else f"{projected:.1f} s projected linearly from {rows:,} rows"
        )
    )
    print(f"ratio: {import_best / read_best:.2f}", flush=True)


def run(
    *, rows: int = 10_000, repeat: int = 1, out: Callable[[str], None] = print
) -> tuple[bool, float]:
    """Run the benchmark in a child process; (checks passed, ratio)."""
    from benchmarks.bulletin import child_env, new_database

    with (
        tempfile.TemporaryDirectory(prefix="kaoping-bench-import-") as tmp,
        new_database(Path(tmp), "import") as (url, label),
    ):
        out(f"progress_import: {rows} rows, {label}")
        command = [sys.executable, str(Path(__file__).resolve()), "--child"]
        command += ["--rows", str(rows), "--repeat", str(repeat)]
        env = child_env(Path(tmp), url)
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    for line in done.stdout.splitlines():
        out(line)
    if done.returncode != 0:
        out(done.stderr[-3000:])
        return False, float("nan")
    ratio = float(done.stdout.strip().splitlines()[-1].removeprefix("ratio: "))
    return "MISMATCH" not in done.stdout, ratio


def run_options(options: argparse.Namespace) -> bool:
    """For benchmarks/run.py: 10,000 rows, or `--units` rows (100000 for the issue's target)."""
    return run(rows=options.units or 10_000)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        _child(options.rows, options.repeat)
        return 0
    ok, _ratio = run(rows=options.rows, repeat=options.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
