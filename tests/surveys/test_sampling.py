"""The sample draw: the frame, previews, recorded draws and their cases, redraws, audit."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.appraisal import survey_calculations as calc
from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Role, Unit
from kaoping.surveys.models import Case, RespondentGroup, SampleDraw, SurveyProject
from kaoping.surveys.services import sampling
from tests.factories import make_unit, user_with_role
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db


@pytest.fixture
def framed(project: SurveyProject) -> SurveyProject:
    """Deputies taken whole (two strata), residents of two towns (40 and 60), cadres (20)."""
    add_respondents(project, RespondentGroup.DEPUTY, {"东城镇": 3, "西山镇": 2}, start=0)
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 40, "西山镇": 60}, start=100)
    add_respondents(project, RespondentGroup.CADRE, {"县直": 20}, start=300)
    return project


def office(world: Any) -> Any:
    return world.users[Role.OFFICE]


def counts() -> tuple[int, int]:
    return SampleDraw.objects.count(), Case.objects.count()


# --- the frame --------------------------------------------------------------------------------
def test_frame_entries_are_the_respondents_with_their_strata_and_census(
    framed: SurveyProject,
) -> None:
    frame = sampling.frame_entries(framed)
    resident = framed.respondents.filter(group=RespondentGroup.RESIDENT).first()
    assert resident is not None
    assert len(frame.entries) == 125
    assert calc.FrameEntry(str(resident.pk), f"resident:{resident.stratum}", 1.0) in frame.entries
    assert frame.census == {"deputy:东城镇", "deputy:西山镇"}
    assert frame.sizes == {
        "cadre:县直": 20,
        "deputy:东城镇": 3,
        "deputy:西山镇": 2,
        "resident:东城镇": 40,
        "resident:西山镇": 60,
    }
    assert frame.sampled_population == 120


def test_frame_digest_ignores_order_and_sees_a_changed_stratum(framed: SurveyProject) -> None:
    frame = sampling.frame_entries(framed)
    pairs = [(e.id, e.stratum) for e in frame.entries]
    assert frame.digest == sampling.frame_digest(reversed(pairs))
    assert len(frame.digest) == 64
    moved = [(pairs[0][0], "resident:别处"), *pairs[1:]]
    assert sampling.frame_digest(moved) != frame.digest


# --- previews ----------------------------------------------------------------------------------
def test_preview_is_reproducible_from_the_seed_and_saves_nothing(framed: SurveyProject) -> None:
    before = counts()
    first = sampling.preview_draw(project=framed, seed=20221, total=30)
    again = sampling.preview_draw(project=framed, seed=20221, total=30)
    other = sampling.preview_draw(project=framed, seed=20222, total=30)
    assert first == again
    assert first.selected != other.selected
    assert first.allocation == other.allocation
    assert counts() == before


def test_census_strata_are_taken_whole_without_reserves(framed: SurveyProject) -> None:
    draw = sampling.preview_draw(project=framed, seed=7, total=30)
    deputies = {str(r.pk) for r in framed.respondents.filter(group=RespondentGroup.DEPUTY)}
    drawn = set(draw.selected["deputy:东城镇"]) | set(draw.selected["deputy:西山镇"])
    assert drawn == deputies
    assert draw.reserves["deputy:东城镇"] == () and draw.reserves["deputy:西山镇"] == ()
    assert draw.census == {"deputy:东城镇", "deputy:西山镇"}


def test_total_is_shared_across_groups_by_people_and_within_a_group_by_weight(
    framed: SurveyProject,
) -> None:
    draw = sampling.preview_draw(project=framed, seed=1, total=60)
    # residents 100 and cadres 20 people → 50 : 10; residents' towns 40 : 60 → 20 : 30
    assert draw.allocation["resident:东城镇"] == 20
    assert draw.allocation["resident:西山镇"] == 30
    assert draw.allocation["cadre:县直"] == 10
    # within the residents, weights set the shares: 东城镇's 40 entries now stand for 3 each
    framed.respondents.filter(stratum="东城镇", group=RespondentGroup.RESIDENT).update(weight=3.0)
    weighted = sampling.preview_draw(project=framed, seed=1, total=60)
    # residents still 50 (people, not weight, split the groups); towns 120 : 60 → 33.3 : 16.7
    assert weighted.allocation["resident:东城镇"] == 33
    assert weighted.allocation["resident:西山镇"] == 17
    assert weighted.allocation["cadre:县直"] == 10


def test_minimum_per_stratum_is_honoured(framed: SurveyProject) -> None:
    plain = sampling.preview_draw(project=framed, seed=3, total=12)
    assert plain.allocation["cadre:县直"] == 2
    raised = sampling.preview_draw(project=framed, seed=3, total=12, minimum=8)
    for stratum in ("cadre:县直", "resident:东城镇", "resident:西山镇"):
        assert raised.allocation[stratum] >= 8
        assert len(raised.selected[stratum]) == raised.allocation[stratum]


def test_recommended_size_when_no_total_is_given(framed: SurveyProject) -> None:
    plan = sampling.draw_plan(project=framed, seed=5)
    expected = calc.sample_size(0.05, confidence=0.95, population=120)
    assert plan.recommended == expected
    assert plan.total == expected.draw == 92  # 384.1 / (1 + 383.1 / 120) = 91.6 → 92
    assert (
        sum(plan.draw.allocation[h] for h in ("cadre:县直", "resident:东城镇", "resident:西山镇"))
        == 92
    )


def test_reserves_follow_the_selected_in_drawn_order(framed: SurveyProject) -> None:
    draw = sampling.preview_draw(project=framed, seed=11, total=20, reserve_ratio=0.5)
    for stratum, selected in draw.selected.items():
        reserves = draw.reserves[stratum]
        assert not set(selected) & set(reserves)
        expected = 0 if stratum in draw.census else -(-len(selected) // 2)
        assert len(reserves) == expected
    # drawn order: the reserves are the next ones of the same seeded shuffle
    wider = sampling.preview_draw(project=framed, seed=11, total=20, reserve_ratio=2.0)
    for stratum, reserves in draw.reserves.items():
        assert wider.reserves[stratum][: len(reserves)] == reserves


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "The seed must be a whole number from 0 to"),
        ({"seed": 2**63}, "The seed must be a whole number from 0 to"),
        ({"seed": True}, "The seed must be a whole number from 0 to"),
        ({"seed": 1, "total": 121}, "Cannot draw 121: the lists drawn at random hold only 120"),
        ({"seed": 1, "total": -3}, "The number to draw must be a whole number"),
        ({"seed": 1, "reserve_ratio": -0.5}, "The reserve ratio must be a number from 0 to 10"),
        ({"seed": 1, "reserve_ratio": float("nan")}, "The reserve ratio must be a number"),
        ({"seed": 1, "reserve_ratio": 11}, "The reserve ratio must be a number from 0 to 10"),
        ({"seed": 1, "minimum": -1}, "The minimum per stratum must be a whole number"),
    ],
)
def test_bad_parameters_are_refused_clearly(
    framed: SurveyProject, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        sampling.preview_draw(project=framed, **kwargs)
    assert message in str(caught.value.message)


def test_the_longest_stratum_name_fits_a_case(world: Any, framed: SurveyProject) -> None:
    longest = "很长的镇名" * 12  # 60 characters, the most a respondent's stratum holds
    framed.respondents.filter(stratum="西山镇").update(stratum=longest)
    draw = sampling.sample_draw(project=framed, actor=office(world), seed=1, total=5)
    key = f"{RespondentGroup.RESIDENT}:{longest}"
    assert draw.cases.filter(stratum=key).exists()


def test_no_respondents_is_refused(project: SurveyProject) -> None:
    with pytest.raises(ApplicationError, match="no respondents yet"):
        sampling.preview_draw(project=project, seed=1)


def test_the_largest_seed_is_accepted(framed: SurveyProject, world: Any) -> None:
    draw = sampling.sample_draw(project=framed, actor=office(world), seed=2**63 - 1, total=5)
    draw.refresh_from_db()
    assert draw.seed == 2**63 - 1


# --- recording a draw --------------------------------------------------------------------------
def test_sample_draw_records_the_preview_as_cases(framed: SurveyProject, world: Any) -> None:
    preview = sampling.draw_plan(project=framed, seed=424242, total=30, minimum=2)
    draw = sampling.sample_draw(
        project=framed, actor=office(world), seed=424242, total=30, minimum=2
    )
    assert draw.seed == 424242
    assert draw.drawn_by == office(world)
    assert draw.allocation == preview.draw.allocation
    assert draw.frame_digest == preview.frame.digest
    assert draw.parameters["total"] == 30 and draw.parameters["minimum"] == 2
    for stratum, selected in preview.draw.selected.items():
        cases = list(Case.objects.filter(draw=draw, stratum=stratum).order_by("position"))
        chosen = [c for c in cases if not c.is_reserve]
        reserves = [c for c in cases if c.is_reserve]
        assert [str(c.respondent_id) for c in chosen] == list(selected)
        assert [str(c.respondent_id) for c in reserves] == list(preview.draw.reserves[stratum])
        assert [c.position for c in cases] == list(range(len(cases)))
        assert {c.status for c in chosen} <= {Case.Status.OPEN}
        assert {c.status for c in reserves} <= {Case.Status.RESERVE}
        assert all(c.project_id == framed.pk and c.interviewer is None for c in cases)


def test_the_draw_is_audited(framed: SurveyProject, world: Any) -> None:
    draw = sampling.sample_draw(project=framed, actor=office(world), seed=99, total=10)
    event = AuditEvent.objects.get(action="survey.sample_drawn")
    assert event.actor == office(world)
    assert event.object_id == str(draw.pk)
    assert event.after is not None
    assert event.after["seed"] == 99
    assert event.after["allocation"] == draw.allocation
    assert event.after["selected"] == Case.objects.filter(draw=draw, is_reserve=False).count()
    assert event.after["reserves"] == Case.objects.filter(draw=draw, is_reserve=True).count()
    assert event.after["previous_draw"] is None
    assert event.before is None


def test_a_blank_seed_is_generated_and_recorded(
    framed: SurveyProject, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []

    def fake_randbelow(limit: int) -> int:
        asked.append(limit)
        return 31337

    monkeypatch.setattr(sampling.secrets, "randbelow", fake_randbelow)
    draw = sampling.sample_draw(project=framed, actor=office(world), seed=None, total=10)
    assert asked == [2**31]
    assert draw.seed == 31337
    assert draw.allocation == sampling.preview_draw(project=framed, seed=31337, total=10).allocation


def test_a_redraw_needs_a_reason_and_keeps_the_history(framed: SurveyProject, world: Any) -> None:
    first = sampling.sample_draw(project=framed, actor=office(world), seed=1, total=10)
    for reason in ("", "typo"):
        with pytest.raises(ApplicationError, match="A redraw needs a reason"):
            sampling.sample_draw(
                project=framed, actor=office(world), seed=2, total=10, reason=reason
            )
    assert SampleDraw.objects.count() == 1
    second = sampling.sample_draw(
        project=framed, actor=office(world), seed=2, total=12, reason="居民名录更新后重抽"
    )
    first.refresh_from_db()
    assert first.superseded_at is not None
    assert first.superseded_reason == "居民名录更新后重抽"
    assert not Case.objects.filter(draw=first).exists()
    assert second.superseded_at is None
    assert set(SampleDraw.objects.filter(project=framed)) == {first, second}
    assert sampling.current_draw(framed) == second
    event = AuditEvent.objects.filter(action="survey.sample_drawn").order_by("-pk").first()
    assert event is not None and event.after is not None and event.before is not None
    assert event.reason == "居民名录更新后重抽"
    assert event.after["previous_draw"] == first.pk
    assert event.before["seed"] == 1


def test_the_draw_is_refused_once_fieldwork_starts(framed: SurveyProject, world: Any) -> None:
    sampling.sample_draw(project=framed, actor=office(world), seed=1, total=10)
    SurveyProject.objects.filter(pk=framed.pk).update(status=SurveyProject.Status.FIELDWORK)
    before = counts()
    with pytest.raises(ApplicationError, match="only be drawn while the survey is being prepared"):
        sampling.sample_draw(
            project=framed, actor=office(world), seed=2, total=10, reason="再抽一次试试"
        )
    assert counts() == before


def test_a_draw_made_meanwhile_is_reported_not_overwritten(
    framed: SurveyProject, world: Any
) -> None:
    # The office looked at the page when no draw was in force; someone recorded one since.
    other = sampling.sample_draw(project=framed, actor=office(world), seed=1, total=10)
    with pytest.raises(ApplicationError, match="recorded meanwhile") as caught:
        sampling.sample_draw(
            project=framed,
            actor=office(world),
            seed=2,
            total=10,
            reason="重抽的理由",
            seen_current=0,
        )
    assert f"no. {other.pk}" in str(caught.value.message)
    # …and a redraw decided on the old draw after another redraw is refused likewise
    newer = sampling.sample_draw(
        project=framed,
        actor=office(world),
        seed=3,
        total=10,
        reason="第二次重抽",
        seen_current=other.pk,
    )
    with pytest.raises(ApplicationError, match="recorded meanwhile"):
        sampling.sample_draw(
            project=framed,
            actor=office(world),
            seed=4,
            total=10,
            reason="第三次重抽",
            seen_current=other.pk,
        )
    assert sampling.current_draw(framed) == newer


def test_two_simultaneous_draws_leave_one_current_and_a_clear_message(
    framed: SurveyProject, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate the race: the losing transaction read "no draw in force" before the winner's
    # row was committed, so only the partial unique constraint stops it.
    winner = sampling.sample_draw(project=framed, actor=office(world), seed=1, total=10)
    real_current = sampling.current_draw
    calls: list[int] = []

    def stale_then_real(project: SurveyProject) -> SampleDraw | None:
        calls.append(1)
        return None if len(calls) == 1 else real_current(project)

    monkeypatch.setattr(sampling, "current_draw", stale_then_real)
    with pytest.raises(ApplicationError, match="recorded meanwhile"):
        sampling.sample_draw(project=framed, actor=office(world), seed=2, total=10)
    assert list(SampleDraw.objects.filter(superseded_at__isnull=True)) == [winner]
    assert Case.objects.exclude(draw=winner).count() == 0


def test_only_the_office_of_the_plan_draws(framed: SurveyProject, world: Any) -> None:
    other_county = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    outsider = user_with_role(Role.OFFICE, other_county, username="office_c02")
    for actor in (world.users[Role.INTERVIEWER], world.users[Role.LEADER], outsider):
        with pytest.raises(PermissionDeniedError):
            sampling.sample_draw(project=framed, actor=actor, seed=1, total=10)
    assert counts() == (0, 0)
