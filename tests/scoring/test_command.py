"""`kaoping score`: JSON for scripts, nothing stored without --save, what-if files."""

from __future__ import annotations

import json
from decimal import Decimal as D
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaoping.scoring import services
from kaoping.scoring.models import ScoreRun

pytestmark = pytest.mark.django_db

KEYS = {
    "plan_code",
    "run_id",
    "unit_code",
    "unit_name",
    "group",
    "score",
    "components",
    "indicator_points",
    "components_missing",
    "failed",
    "grade",
    "rank",
    "vetoed",
    "veto_reason",
    "score_change",
    "rank_change",
    "points_lost",
}
COMPONENTS = {
    "indicators",
    "public_appraisal",
    "leader_evaluation",
    "bonus",
    "penalty",
    "deductions",
}


def score_json(*args: str) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("score", "--cycle", "2022", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_json_rows_without_saving(scored: Any) -> None:
    services.component_score_record(
        actor=None, plan=scored.plan, unit=scored.town_a, score=D("80.125"), source="民调中心"
    )
    rows = score_json("--plan", scored.plan.code)
    assert ScoreRun.objects.count() == 0
    assert len(rows) == 4
    by_code = {r["unit_code"]: r for r in rows}
    a = by_code["T01"]
    assert set(a) == KEYS and set(a["components"]) == COMPONENTS
    assert a["group"] == "乡镇组" and a["unit_name"] == "东城镇"
    assert a["components"]["indicators"] == 95.0
    assert a["components"]["public_appraisal"] == 80.13  # half-up at the edge
    assert a["components"]["leader_evaluation"] is None
    assert a["components_missing"] == ["leader_evaluation"]
    # renormalised over 0.9: (0.6 × 95 + 0.3 × 80.125) / 0.9 = 90.0416…
    assert a["score"] == 90.04
    assert a["rank"] == 1 and a["vetoed"] is False and a["veto_reason"] is None
    assert a["grade"] == "良好"  # 优秀 by score, but 30 % of a group of two is 0 places
    assert a["score_change"] is None and a["rank_change"] is None and a["points_lost"] == 0.0
    assert a["run_id"] is None


def test_save_records_an_official_draft(scored: Any) -> None:
    rows = score_json("--plan", scored.plan.code, "--save", "--label", "命令行")
    run = ScoreRun.objects.get()
    assert run.kind == ScoreRun.Kind.OFFICIAL and run.status == ScoreRun.Status.DONE
    assert run.label == "命令行" and {r["run_id"] for r in rows} == {run.pk}


def test_what_if_file(scored: Any, tmp_path: Path) -> None:
    path = tmp_path / "what-if.yaml"
    path.write_text(
        "weights: {indicators: 0.5, public: 0.5, leader: 0}\n"
        "component_scores:\n  public_appraisal: {T01: 60, T02: 100}\n",
        encoding="utf-8",
    )
    rows = {
        r["unit_code"]: r for r in score_json("--plan", scored.plan.code, "--what-if", str(path))
    }
    assert rows["T01"]["score"] == 77.5  # 0.5 × 95 + 0.5 × 60
    assert rows["T02"]["score"] == 87.5  # 0.5 × 75 + 0.5 × 100
    assert rows["T02"]["rank"] == 1
    assert ScoreRun.objects.count() == 0
    score_json("--plan", scored.plan.code, "--what-if", str(path), "--save")
    assert ScoreRun.objects.get().kind == ScoreRun.Kind.WHAT_IF


def test_table_output(scored: Any) -> None:
    out = StringIO()
    call_command("score", "--cycle", "2022", stdout=out)
    assert "东城镇" in out.getvalue()


def test_errors(scored: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        score_json("--plan", "nope")
    with pytest.raises(CommandError):
        score_json("--period", "2021Q3")
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: {indicators: 2}\n", encoding="utf-8")
    with pytest.raises(CommandError):
        score_json("--what-if", str(bad))
