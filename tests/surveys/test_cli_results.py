"""`kaoping survey results --survey CODE [--json]`: provisional then frozen results."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kaoping.surveys.models import SurveyProject
from kaoping.surveys.services.results import compute_results, project_close
from tests.surveys.test_results import rate_town_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(world: Any, project: SurveyProject) -> SurveyProject:
    return rate_town_a(world, project)


KEYS = {
    "unit_code",
    "unit_name",
    "index",
    "index_ci",
    "satisfied_rate",
    "satisfied_rate_ci",
    "completes",
    "rr1",
    "coop1",
    "ref1",
    "index_change",
}


def _json(code: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("survey", "results", "--survey", code, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_json_keys_and_values(rated: SurveyProject, world: Any) -> None:
    data = _json(rated.code)
    assert data["survey"] == "T-ZH" and data["status"] == "fieldwork"
    assert data["provisional"] is True
    codes = [u["unit_code"] for u in data["units"]]
    assert codes == sorted(codes) == ["D01", "D02", "T01", "T02"]
    assert all(set(u) == KEYS for u in data["units"])
    town_a = next(u for u in data["units"] if u["unit_code"] == "T01")
    live = next(r for r in compute_results(project=rated) if r.unit_code == "T01")
    assert live.index is not None and live.index_ci_low is not None
    assert town_a["index"] == round(live.index, 4)
    assert town_a["index_ci"] == [round(live.index_ci_low, 4), round(live.index_ci_high, 4)]
    assert town_a["satisfied_rate"] == round(6 / 9, 4)
    assert town_a["completes"] == 5 and town_a["unit_name"] == "东城镇"
    assert town_a["index_change"] is None
    dept_b = next(u for u in data["units"] if u["unit_code"] == "D02")
    assert dept_b["index"] is None and dept_b["index_ci"] is None
    assert dept_b["satisfied_rate_ci"] is None and dept_b["completes"] == 0


def test_closed_survey_prints_the_frozen_results(rated: SurveyProject, world: Any) -> None:
    project_close(project=rated, actor=world.users["office"])
    data = _json(rated.code)
    assert data["status"] == "closed" and data["provisional"] is False
    town_a = next(u for u in data["units"] if u["unit_code"] == "T01")
    assert town_a["satisfied_rate"] == 0.6667 and town_a["rr1"] == 1.0


def test_plain_table(rated: SurveyProject) -> None:
    out = io.StringIO()
    call_command("survey", "results", "--survey", rated.code, stdout=out)
    text = out.getvalue()
    assert "provisional" in text and "T01" in text and "66.7%" in text


def test_unknown_survey_is_a_clear_error(world: Any) -> None:
    with pytest.raises(CommandError, match="No survey project with the code 'NOPE'"):
        call_command("survey", "results", "--survey", "NOPE", "--json")
