"""The load benchmarks run end to end at a tiny size and end with a parseable `ratio:` line.

Only the output format and the checks are asserted, never a timing.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from benchmarks import dashboard_load, progress_import

RATIO = re.compile(r"^ratio: (\d+(?:\.\d+)?)$")


def _ratio(lines: list[str]) -> float:
    match = RATIO.match(lines[-1])
    assert match, lines[-1]
    return float(match.group(1))


def test_progress_import_at_a_tiny_size() -> None:
    lines: list[str] = []
    ok, ratio = progress_import.run(rows=25, out=lines.append)
    assert ok, "\n".join(lines)
    assert any("25 reports created" in line for line in lines)
    # the floor is the reader the import uses; openpyxl's read is printed for reference
    assert any(line.startswith("calamine read (floor):") for line in lines)
    assert any(line.startswith("openpyxl read_only read (reference):") for line in lines)
    assert math.isclose(_ratio(lines), ratio, rel_tol=1e-9) and ratio > 0


def test_dashboard_load_at_a_tiny_size() -> None:
    lines: list[str] = []
    result = dashboard_load.run(
        towns=1, departments=1, clients=2, seconds=1.0, tool="threads", out=lines.append
    )
    assert result.ok, "\n".join(lines)
    assert min(f.requests for f in (result.floor, result.dashboard, result.review_queue)) > 0
    loads = ("floor:", "dashboard:", "review_queue:")
    assert [line.split(":")[0] for line in lines if line.startswith(loads)] == [
        "floor",
        "dashboard",
        "review_queue",
    ]
    assert lines[-2] == f"review_queue ratio: {result.review_queue_ratio:.2f}"
    assert _ratio(lines) == round(result.ratio, 2)


@pytest.mark.skipif(not Path(dashboard_load.WRK).exists(), reason="wrk is not installed")
def test_dashboard_load_with_wrk_at_a_tiny_size() -> None:
    # wrk's Lua script sends each request with the next user's session: a session it got
    # wrong would answer a redirect to the sign-in page, counted as an error
    lines: list[str] = []
    result = dashboard_load.run(
        towns=1, departments=1, clients=3, seconds=1.0, tool="wrk", out=lines.append
    )
    assert result.ok and result.tool == "wrk", "\n".join(lines)
    assert min(f.requests for f in (result.floor, result.dashboard, result.review_queue)) > 0


def test_run_py_registers_both_benchmarks() -> None:
    from benchmarks.run import BENCHMARKS

    assert {"scoring", "dashboard_load", "progress_import"} <= set(BENCHMARKS)
