"""Run Kaoping's benchmarks: `python benchmarks/run.py scoring [--units N] …` or `… all`.

Each benchmark registers a function in BENCHMARKS taking the parsed options and returning
whether its checks passed; `all` runs every one. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere


def _scoring(options: argparse.Namespace) -> bool:
    from benchmarks import scoring

    return scoring.run(
        units=options.units or 10_000,
        indicators=options.indicators or 50,
        seed=options.seed,
        repeat=options.repeat,
    ).agree


BENCHMARKS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "scoring": _scoring,
    "dashboard_load": lambda o: __import__("benchmarks.dashboard_load").dashboard_load.run_options(
        o
    ),
    "progress_import": lambda o: __import__(
        "benchmarks.progress_import"
    ).progress_import.run_options(o),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--units", type=int, default=None, help="units (default per benchmark)")
    parser.add_argument("--indicators", type=int, default=None, help="leaf indicators")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs timed; the best counts")
    options = parser.parse_args(argv)
    names = list(BENCHMARKS) if options.benchmark == "all" else [options.benchmark]
    ok = True
    for name in names:
        ok = BENCHMARKS[name](options) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
