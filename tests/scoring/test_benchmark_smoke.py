"""The scoring benchmark runs end to end on a tiny province and DuckDB agrees with the engine.

Timings are printed by the benchmark but never asserted on.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("duckdb")

from benchmarks import scoring
from benchmarks.province import generate_province
from kaoping.scoring.calculations import score


def test_scoring_benchmark_on_a_tiny_province() -> None:
    lines: list[str] = []
    result = scoring.run(units=200, indicators=20, seed=7, repeat=1, out=lines.append)
    assert result.max_abs_diff < 1e-6
    assert result.ranks_identical
    assert result.agree
    assert re.fullmatch(r"ratio: \d+\.\d\d", lines[-1])


def test_reference_sql_sees_a_changed_figure() -> None:
    # the cross-check is not vacuous: a different input moves both sides the same way
    inputs = generate_province(units=200, indicators=20, seed=7)
    inputs.actual[0, 1] = inputs.target[0, 1] * 0.3  # below the floor
    con = scoring.load_duckdb(inputs)
    composite, rank = scoring.reference_scores(con, inputs)
    engine = score(inputs)
    np.testing.assert_allclose(composite, engine.composite, atol=1e-6)
    assert np.array_equal(rank, engine.rank)


def test_province_is_reproducible() -> None:
    a = generate_province(units=50, indicators=12, seed=3)
    b = generate_province(units=50, indicators=12, seed=3)
    c = generate_province(units=50, indicators=12, seed=4)
    assert np.array_equal(a.actual, b.actual, equal_nan=True)
    assert not np.array_equal(a.actual, c.actual, equal_nan=True)
    assert {n.rule for n in a.nodes} >= {"ratio_to_best", "ranking", "growth_rate", "bonus"}
