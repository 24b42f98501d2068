"""The bulletin and memory benchmarks run end to end at a tiny size, and `run.py all` sums up.

Only the output format and the checks are asserted, never a timing or a memory figure.
"""

from __future__ import annotations

import argparse
import math
import re

import pytest

from benchmarks import bulletin, memory, run

RATIO = re.compile(r"^ratio: (\d+(?:\.\d+)?)$")


def _ratio(lines: list[str]) -> float:
    match = RATIO.match(lines[-1])
    assert match, lines[-1]
    return float(match.group(1))


def test_bulletin_at_a_tiny_size() -> None:
    lines: list[str] = []
    ok, ratio = bulletin.run(towns=1, departments=1, repeat=1, out=lines.append)
    assert ok, "\n".join(lines)
    assert not any("MISMATCH" in line for line in lines)
    pdf = next(line for line in lines if line.startswith("pdf:"))
    pages = re.search(r"(\d+) pages", pdf)
    assert pages and int(pages.group(1)) >= 1, pdf
    for name in ("content (bulletin_build):", "docx:", "xlsx:", "floor docx", "floor pdf"):
        assert any(line.startswith(name) for line in lines), name
    assert math.isclose(_ratio(lines), ratio, rel_tol=1e-9) and ratio > 0


def test_memory_at_a_tiny_size() -> None:
    lines: list[str] = []
    ok, ratio = memory.run(units=20, towns=1, departments=1, out=lines.append)
    assert ok, "\n".join(lines)
    peaks = {}
    for line in lines:
        match = re.match(r"^(\w+): peak (\d+\.\d) MB", line)
        if match:
            peaks[match.group(1)] = float(match.group(2))
    assert set(peaks) == set(memory.OPERATIONS), lines
    assert any("20 reports created" in line for line in lines)
    assert any("HTTP 200" in line for line in lines)
    assert _ratio(lines) == round(ratio, 2)
    assert math.isclose(ratio, max(peaks.values()) / peaks["baseline"], rel_tol=0.01)


def test_run_all_goes_on_after_a_failure_and_sums_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def good(options: argparse.Namespace) -> bool:
        print("figures\nratio: 1.50")
        return True

    def broken(options: argparse.Namespace) -> bool:
        raise RuntimeError("boom")

    def unchecked(options: argparse.Namespace) -> bool:
        print("ratio: 2.25")
        return False

    monkeypatch.setattr(run, "BENCHMARKS", {"good": good, "broken": broken, "bad": unchecked})
    assert run.main(["all"]) == 1
    printed = capsys.readouterr().out
    table = printed.split("=== summary\n", 1)[1].splitlines()
    assert table[0].split() == ["benchmark", "ratio", "passed", "seconds"]
    assert [row.split()[:3] for row in table[1:]] == [
        ["good", "1.50", "yes"],
        ["broken", "—", "NO"],
        ["bad", "2.25", "NO"],
    ]
    assert "RuntimeError: boom" in printed


def test_run_py_registers_the_new_benchmarks() -> None:
    assert {"bulletin", "memory"} <= set(run.BENCHMARKS)
