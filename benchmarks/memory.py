"""Memory benchmark: the peak resident memory of Kaoping's heavy operations, one child each.

A county is generated into a new database (as benchmarks/bulletin.py: SQLite in a temporary
folder or a new PostgreSQL database, dropped at the end; its official run at 2022Q3
published), and a published plan of the 2023 cycle with U quarterly indicators led by one
department, whose entry workbook of 2023Q3 (one figure per row) is written to a file. That
setup runs in a child of its own, not counted.

Then each operation runs in a new Python process, which prints its own peak resident set
size as it ends (VmHWM of /proc/self/status: the high-water mark of the address space exec
gave it, so the parent's size never leaks in):

- baseline: Django set up with Kaoping's settings and every URLconf, view and model of
  Kaoping imported — and nothing done;
- scoring: a synthetic province of U units × 50 indicators (benchmarks/province.py) scored by
  `kaoping.scoring.calculations.score`;
- bulletin_pdf: the county's bulletin gathered (`content.build_sections`) and rendered to PDF
  (`kaoping.bulletins.pdf.render_pdf`, WeasyPrint);
- progress_import: the U-row workbook through `kaoping.tracking.services.imports.
  progress_import`;
- dashboard: the county dashboard at 2022Q3 rendered through Django's test client, signed in
  as the county's office.

Printed: each peak in MB and its ratio to the baseline; `ratio` = the largest peak / the
baseline. Checked: every child exits 0 and says what it did.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ("baseline", "scoring", "bulletin_pdf", "progress_import", "dashboard")
WORKBOOK = "progress.xlsx"
PROGRESS_PLAN = "bench-2023"
PROGRESS_UNIT = "C001-D01"
PEAK_LINE = "peak-rss-kb: "


@dataclass(frozen=True)
class Peak:
    """One child: what it ran, its peak RSS, its exit code and what it printed."""

    name: str
    peak_mb: float
    returncode: int
    output: str


# --- the children ------------------------------------------------------------------------------
def _setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.KAOPING_MAX_UPLOAD_BYTES = settings.KAOPING_MAX_WORKBOOK_BYTES = 1 << 30
    import kaoping.urls  # noqa: F401 - every view, form and model of Kaoping


def _setup(tmp: Path, units: int, towns: int, departments: int, seed: int) -> None:
    """The database and the workbook the measured children use."""

    from benchmarks.bulletin import generate_county
    from benchmarks.progress_import import progress_plan_workbook

    generate_county(towns, departments, seed)
    from kaoping.org.models import Unit

    county = Unit.objects.get(code="C001")
    unit = Unit.objects.get(code=PROGRESS_UNIT)
    data = progress_plan_workbook(county, unit, year=2023, rows=units, code=PROGRESS_PLAN)
    (tmp / WORKBOOK).write_bytes(data)
    print(
        f"setup: 1 county ({towns} towns, {departments} departments), official run "
        f"published; a {units}-row workbook of {len(data) / 1e6:.2f} MB"
    )


def _operation(name: str, tmp: Path, units: int, seed: int) -> None:
    """One measured operation, in its own process."""
    _setup_django()  # in every child, so that the baseline's share is the same in each
    if name == "baseline":
        print("Django and Kaoping imported, nothing done")
    elif name == "scoring":
        from benchmarks.province import generate_province
        from kaoping.scoring.calculations import score

        result = score(generate_province(units=units, indicators=50, seed=seed))
        print(f"scored {len(result.composite)} units × 50 indicators")
    elif name == "bulletin_pdf":
        from django.utils import timezone

        from kaoping.bulletins import content
        from kaoping.bulletins.pdf import render_pdf
        from kaoping.core.periods import Period
        from kaoping.plans.models import Plan

        plan = Plan.objects.select_related("cycle", "owner").get(
            owner__code="C001", cycle__year=2022
        )
        period = Period.parse("2022Q3")
        today = timezone.localdate()
        sections = content.build_sections(plan=plan, period=period, today=today)
        pdf = render_pdf(content.document(plan=plan, period=period, sections=sections, day=today))
        if not pdf.startswith(b"%PDF"):
            raise SystemExit("render_pdf returned no PDF")
        print(f"bulletin PDF of {len(pdf) / 1024:.0f} KB")
    elif name == "progress_import":
        from kaoping.tracking.services.imports import progress_import

        imported = progress_import(
            actor=None, data=(tmp / WORKBOOK).read_bytes(), filename="bench.xlsx"
        )
        if imported.created != units:
            raise SystemExit(f"{imported.created} reports created for {units} rows")
        print(f"progress import: {imported.created} reports created")
    elif name == "dashboard":
        from django.test import Client

        from kaoping.org.models import User
        from kaoping.plans.models import Plan

        plan = Plan.objects.get(owner__code="C001", cycle__year=2022)
        client = Client()
        client.force_login(User.objects.get(username="c001_office"))
        response = client.get(f"/tracking/dashboards/county/?plan={plan.pk}&period=2022Q3")
        if response.status_code != 200:
            raise SystemExit(f"the dashboard answered HTTP {response.status_code}")
        print(f"county dashboard: HTTP 200, {len(response.content) / 1024:.0f} KB")
    else:
        raise SystemExit(f"unknown operation {name}")


# --- the parent --------------------------------------------------------------------------------
def peak_rss_kb() -> int:
    """This process's peak resident set size in KiB: VmHWM, the high-water mark of the
    address space exec gave it, where /proc exists. (`ru_maxrss`, the fallback, also counts
    the resident pages of the parent it was forked from: under `run.py all`, whose process
    already holds hundreds of MB, every child would show the parent's size.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS


def _measure(name: str, args: list[str], env: dict[str, str]) -> Peak:
    """Run `memory.py --child NAME …`; it prints what it did, then its peak as it ends."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, *args]
    done = subprocess.run(  # noqa: S603
        command, env=env, cwd=ROOT, capture_output=True, text=True
    )
    lines = done.stdout.strip().splitlines()
    peak_kb = 0
    if lines and lines[-1].startswith(PEAK_LINE):
        peak_kb = int(lines.pop().removeprefix(PEAK_LINE))
    output = "\n".join(lines) + ("\n" + done.stderr[-3000:] if done.returncode else "")
    returncode = done.returncode or (0 if peak_kb else 1)
    return Peak(name, peak_kb / 1024, returncode, output.strip())


def run(
    *,
    units: int = 10_000,
    towns: int = 20,
    departments: int = 40,
    seed: int = 0,
    out: Callable[[str], None] = print,
) -> tuple[bool, float]:
    """Set up, measure every operation in a child of its own, print; (checks passed, ratio)."""
    from benchmarks.bulletin import child_env, new_database

    peaks: list[Peak] = []
    with tempfile.TemporaryDirectory(prefix="kaoping-bench-memory-") as name:
        tmp = Path(name)
        with new_database(tmp, "memory") as (url, label):
            env = child_env(tmp, url)
            args = ["--tmp", str(tmp), "--units", str(units), "--seed", str(seed)]
            args += ["--towns", str(towns), "--departments", str(departments)]
            out(
                f"memory: {label}; scoring {units} units × 50 indicators, progress import "
                f"{units} rows, a county of {towns} towns and {departments} departments"
            )
            setup = _measure("setup", args, env)
            said = setup.output.splitlines()[-1] if setup.output else ""
            out(f"{said} (peak {setup.peak_mb:.0f} MB, not counted)")
            if setup.returncode != 0:
                out(setup.output[-3000:])
                return False, float("nan")
            for operation in OPERATIONS:
                peaks.append(_measure(operation, args, env))
    baseline = peaks[0].peak_mb
    ok = True
    for peak in peaks:
        said = peak.output.splitlines()[-1] if peak.output else ""
        if peak.returncode != 0:
            ok = False
            out(f"{peak.name}: FAILED (exit {peak.returncode})")
            out(peak.output[-3000:])
            continue
        times = peak.peak_mb / baseline
        out(f"{peak.name}: peak {peak.peak_mb:.1f} MB, {times:.2f}× baseline ({said})")
    largest = max(peaks, key=lambda p: p.peak_mb)
    out(f"largest: {largest.name}")
    ratio = largest.peak_mb / baseline
    out(f"ratio: {ratio:.2f}")
    return ok, ratio


def run_options(options: argparse.Namespace) -> bool:
    """For benchmarks/run.py: 10,000 units (scoring) and rows (progress import), or `--units`."""
    return run(units=options.units or 10_000, seed=options.seed)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["setup", *OPERATIONS], help=argparse.SUPPRESS)
    parser.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        if options.child == "setup":
            _setup(options.tmp, options.units, options.towns, options.departments, options.seed)
        else:
            _operation(options.child, options.tmp, options.units, options.seed)
        print(f"{PEAK_LINE}{peak_rss_kb()}", flush=True)
        return 0
    ok, _ratio = run(
        units=options.units, towns=options.towns, departments=options.departments, seed=options.seed
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
