"""`kaoping survey draw`: a dry run prints what a seed draws and saves nothing; otherwise the
draw is recorded as the command line's, audited."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kaoping.audit.models import AuditEvent
from kaoping.surveys.models import Case, RespondentGroup, SampleDraw, SurveyProject
from kaoping.surveys.services import sampling
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db


@pytest.fixture
def framed(project: SurveyProject) -> SurveyProject:
    add_respondents(project, RespondentGroup.MEMBER, {"政协委员": 4}, start=0)
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 30, "西山镇": 50}, start=100)
    return project


def run(*args: str) -> str:
    out = StringIO()
    call_command("survey", "draw", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return SampleDraw.objects.count(), Case.objects.count(), AuditEvent.objects.count()


def test_dry_run_json_is_the_preview_and_writes_nothing(framed: SurveyProject) -> None:
    before = counts()
    printed = json.loads(
        run(
            "--survey",
            "T-ZH",
            "--seed",
            "2022",
            "--total",
            "16",
            "--minimum",
            "3",
            "--dry-run",
            "--json",
        )
    )
    assert counts() == before
    preview = sampling.preview_draw(project=framed, seed=2022, total=16, minimum=3)
    assert printed["survey"] == "T-ZH"
    assert printed["seed"] == 2022
    assert printed["total"] == 16
    assert printed["allocation"] == preview.allocation
    assert printed["census"] == ["member:政协委员"]
    assert printed["saved"] is False
    assert printed["frame_digest"] == sampling.frame_entries(framed).digest
    assert set(printed["strata"]) == set(preview.selected)
    for stratum, ids in printed["strata"].items():
        assert ids["selected"] == [int(i) for i in preview.selected[stratum]]
        assert ids["reserves"] == [int(i) for i in preview.reserves[stratum]]
        assert all(isinstance(i, int) for i in ids["selected"] + ids["reserves"])


def test_the_same_seed_prints_the_same_sample(framed: SurveyProject) -> None:
    args = ("--survey", "T-ZH", "--seed", "7", "--dry-run", "--json")
    first, again = json.loads(run(*args)), json.loads(run(*args))
    assert first == again
    other = json.loads(run("--survey", "T-ZH", "--seed", "8", "--dry-run", "--json"))
    assert other["strata"] != first["strata"]
    # no --total: the recommended size for ±5% at 95% over the 80 residents
    assert first["total"] == 67


def test_dry_run_text_is_a_readable_table(framed: SurveyProject) -> None:
    text = run("--survey", "T-ZH", "--seed", "3", "--total", "10", "--dry-run")
    assert "survey T-ZH, seed 3" in text
    assert "resident:西山镇" in text and "census" in text and "random" in text
    assert "dry run: nothing saved" in text
    assert SampleDraw.objects.count() == 0


def test_without_dry_run_the_draw_is_recorded_and_audited(framed: SurveyProject) -> None:
    printed = json.loads(run("--survey", "T-ZH", "--seed", "11", "--total", "20", "--json"))
    assert printed["saved"] is True
    draw = SampleDraw.objects.get()
    assert draw.seed == 11 and draw.drawn_by is None
    assert draw.allocation == printed["allocation"]
    selected = Case.objects.filter(draw=draw, is_reserve=False, stratum="resident:东城镇")
    assert [c.respondent_id for c in selected.order_by("position")] == printed["strata"][
        "resident:东城镇"
    ]["selected"]
    event = AuditEvent.objects.get(action="survey.sample_drawn")
    assert event.actor is None and event.actor_name == "system"
    assert event.after is not None and event.after["via"] == "command line"


def test_a_second_draw_from_the_command_line_is_refused(framed: SurveyProject) -> None:
    text = run("--survey", "T-ZH", "--seed", "11", "--total", "20")
    assert f"recorded as draw {SampleDraw.objects.get().pk}" in text
    with pytest.raises(CommandError, match="A redraw needs a reason"):
        run("--survey", "T-ZH", "--seed", "12", "--total", "20")
    assert SampleDraw.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--survey", "NOPE", "--seed", "1"), "No survey project with the code 'NOPE'"),
        (("--survey", "T-ZH", "--seed", "-1", "--dry-run"), "The seed must be a whole number"),
        (("--survey", "T-ZH", "--seed", "1", "--total", "81", "--dry-run"), "Cannot draw 81"),
        (("--survey", "T-ZH", "--seed", "1", "--reserve-ratio", "-1"), "The reserve ratio"),
    ],
)
def test_bad_arguments_fail_clearly(
    framed: SurveyProject, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert SampleDraw.objects.count() == 0
