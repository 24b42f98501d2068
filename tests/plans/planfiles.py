"""Helpers for the plan-file tests: a small valid plan, edits of it, and problem lookup."""

from __future__ import annotations

from pathlib import Path

from kaoping.plans.planfile import Problem

FILES = Path(__file__).parent / "files"
EXAMPLE_YAML = FILES / "plan.yaml"

# A small valid plan for the units and persons of tests.conftest.world.
MINI_YAML = """\
format: kaoping-plan
version: 1
cycle: 2022
code: mini
name: 小方案
kind: county
owner: C01
groups:
  - {code: towns, name: 乡镇组, units: [T01, T02]}
indicators:
  - code: A
    name: 经济建设
    category: economic
    points: 10
    children:
      - code: A01
        name: 税收收入
        target: 100
        points: 10
        assignments:
          - {lead_unit: T01, responsible_person: 赵干事}
"""


def edit(text: str, *replacements: tuple[str, str]) -> str:
    """The text with each (old, new) replaced once; fails loudly if `old` is absent."""
    for old, new in replacements:
        assert old in text, f"{old!r} not in the text"
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `fragment`."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) >= occurrence, f"{fragment!r} not found {occurrence} times"
    return lines[occurrence - 1]


def located(problems: list[Problem]) -> list[tuple[str, int | None, str, str]]:
    """Problems as comparable tuples (sheet, line, field, message)."""
    return [(p.sheet, p.line, p.field, p.message) for p in problems]
