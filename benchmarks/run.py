"""Run Kaoping's benchmarks: `python benchmarks/run.py scoring [--units N] …` or `… all`.

Each benchmark registers a function in BENCHMARKS taking the parsed options and returning
whether its checks passed; it prints its figures and ends with a `ratio: X` line. `all` runs
every one (a failing or crashing one does not stop the others) and ends with a summary table
of each benchmark's ratio, checks and wall time. Exit status 1 when a check fails.

Default sizes (`--units` changes each, see docs/performance.md): scoring 10,000 units × 50
indicators; dashboard_load and bulletin one whole county (20 towns, 40 departments);
progress_import 10,000 rows; memory 10,000 units and rows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

RATIO = re.compile(r"^ratio: (\S+)$", re.MULTILINE)


def _scoring(options: argparse.Namespace) -> bool:
    from benchmarks import scoring

    return scoring.run(
        units=options.units or 10_000,
        indicators=options.indicators or 50,
        seed=options.seed,
        repeat=options.repeat,
    ).agree


def _module(name: str) -> Callable[[argparse.Namespace], bool]:
    """A benchmark module's `run_options`, imported when it runs."""

    def run(options: argparse.Namespace) -> bool:
        import importlib

        ok: bool = importlib.import_module(f"benchmarks.{name}").run_options(options)
        return ok

    return run


BENCHMARKS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "scoring": _scoring,
    "dashboard_load": _module("dashboard_load"),
    "progress_import": _module("progress_import"),
    "bulletin": _module("bulletin"),
    "memory": _module("memory"),
}


class _Tee(io.TextIOBase):
    """Writes through to a stream and keeps a copy, to read the `ratio:` line back."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.copy.write(text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


@dataclass(frozen=True)
class Outcome:
    """One benchmark's line of the summary."""

    name: str
    ratio: str
    passed: bool
    seconds: float


def run_one(name: str, options: argparse.Namespace) -> Outcome:
    """Run a benchmark, echoing its output; its last `ratio:` and whether its checks passed
    (an exception counts as failed, with its traceback printed)."""
    tee = _Tee(sys.stdout)
    started = time.perf_counter()
    with contextlib.redirect_stdout(tee):
        try:
            passed = BENCHMARKS[name](options)
        except Exception:  # `all` goes on; the failure is shown and counted
            traceback.print_exc(file=sys.stdout)
            passed = False
    ratios = RATIO.findall(tee.copy.getvalue())
    return Outcome(name, ratios[-1] if ratios else "—", passed, time.perf_counter() - started)


def summary(outcomes: list[Outcome]) -> str:
    """The table `all` ends with."""
    lines = [f"{'benchmark':<16} {'ratio':>8}  {'passed':<6} {'seconds':>8}"]
    for o in outcomes:
        lines.append(
            f"{o.name:<16} {o.ratio:>8}  {'yes' if o.passed else 'NO':<6} {o.seconds:>8.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--units", type=int, default=None, help="size (default per benchmark)")
    parser.add_argument("--indicators", type=int, default=None, help="leaf indicators")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs timed; the best counts")
    options = parser.parse_args(argv)
    if options.benchmark != "all":
        return 0 if BENCHMARKS[options.benchmark](options) else 1
    outcomes = []
    for name in BENCHMARKS:
        print(f"=== {name}", flush=True)
        outcomes.append(run_one(name, options))
        print(flush=True)
    print("=== summary")
    print(summary(outcomes), flush=True)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
