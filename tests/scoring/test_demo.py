"""The demo county's scoring: idempotent, the veto case graded lowest with its reason, quotas."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from kaoping.demo.loader import load_demo
from kaoping.demo.scoring import SAFETY_TOWN, load_scoring
from kaoping.plans.models import Plan
from kaoping.scoring.inputs import current_official_run
from kaoping.scoring.models import ScoreLine, ScoreRun, UnitResult


@pytest.fixture(scope="module")
def demo_scored(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The whole demo (load_demo runs the inspections, leader-rating and scoring loaders in
    that order); yields what the scoring loader created."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo().parts["scoring"]
        transaction.set_rollback(True)


@pytest.fixture
def county_run(demo_scored: Any, db: Any) -> ScoreRun:
    plan = Plan.objects.get(code="county-2022")
    run = current_official_run(plan)
    assert run is not None
    return run


def test_loads_published_runs_for_both_years(demo_scored: dict[str, int], db: Any) -> None:
    assert demo_scored["runs_published"] == 4
    assert demo_scored["component_scores"] > 40
    assert demo_scored["vetoes"] >= 1 and demo_scored["adjustments"] == 10  # 7 in 2021, 3 in 2022
    for code in ("provincial-2021", "county-2021", "provincial-2022", "county-2022"):
        assert current_official_run(Plan.objects.get(code=code)) is not None


def test_second_load_adds_nothing(demo_scored: Any, db: Any) -> None:
    runs = ScoreRun.objects.count()
    again = load_scoring()
    assert set(again.values()) == {0}
    assert ScoreRun.objects.count() == runs


def test_safety_veto_takes_lowest_grade_with_reason(county_run: ScoreRun) -> None:
    row = UnitResult.objects.get(run=county_run, unit__code=SAFETY_TOWN)
    assert row.vetoed
    assert row.grade == "较差"
    assert "重大安全生产责任事故" in row.veto_reason
    assert row.composite is not None and row.rank is not None  # still shown


def test_excellent_within_quota_per_group(county_run: ScoreRun) -> None:
    by_group: dict[str, list[UnitResult]] = defaultdict(list)
    for row in UnitResult.objects.filter(run=county_run):
        by_group[row.group_name].append(row)
    assert len(by_group) == 4
    for rows in by_group.values():
        excellent = [r for r in rows if r.grade == "优秀"]
        assert len(excellent) <= math.floor(0.3 * len(rows))
        assert not any(r.vetoed for r in excellent)


def test_changes_against_2021(county_run: ScoreRun) -> None:
    rows = UnitResult.objects.filter(run=county_run)
    assert any(r.score_change is not None for r in rows)
    assert any(r.rank_change is not None for r in rows)


def test_provincial_accountability(demo_scored: Any, db: Any) -> None:
    run = current_official_run(Plan.objects.get(code="provincial-2022"))
    assert run is not None
    assert run.points_lost.exists()
    county = current_official_run(Plan.objects.get(code="county-2022"))
    assert UnitResult.objects.filter(run=county, points_lost__gt=0).exists()


def test_demo_pages_render(county_run: ScoreRun, client: Any) -> None:
    from django.urls import reverse

    from kaoping.org.models import User

    client.force_login(User.objects.get(username="office"))
    body = client.get(reverse("scoring:run_detail", args=[county_run.pk])).content.decode()
    assert "重大安全生产责任事故" in body and 'data-chart="chart-group-0"' in body
    town = UnitResult.objects.get(run=county_run, unit__code=SAFETY_TOWN)
    page = client.get(reverse("scoring:unit_scorecard", args=[county_run.pk, town.unit_id]))
    assert page.status_code == 200 and "data-veto" in page.content.decode()
    accountability = client.get(reverse("scoring:accountability")).content.decode()
    assert "data-responsible-unit" in accountability
    for name in ("vetoes", "adjustments", "component_scores"):
        assert client.get(reverse(f"scoring:{name}")).status_code == 200
    client.force_login(User.objects.get(username="cgz_head"))
    body = client.get(reverse("scoring:run_detail", args=[county_run.pk])).content.decode()
    assert 'data-unit="SFX-CGZ"' in body and 'data-unit="SFX-QSZ"' not in body


def test_2021_grades_spread_across_the_groups(demo_scored: Any, db: Any) -> None:
    run = current_official_run(Plan.objects.get(code="county-2021"))
    assert run is not None
    by_group: dict[str, list[UnitResult]] = defaultdict(list)
    for row in UnitResult.objects.filter(run=run):
        by_group[row.group_name].append(row)
    for group, rows in by_group.items():
        grades = Counter(r.grade for r in rows)
        assert grades.most_common(1)[0][0] == "良好", group
        assert grades["优秀"] == math.floor(0.3 * len(rows)), group
        assert grades["一般"] >= 1, group
        assert all(70 <= r.composite <= 97 for r in rows), group
    # the milestone, count and ranking indicators score for the units, not 0 for everyone
    for code in ("ZB01", "BA02", "ZB04", "ZC01"):
        scores = ScoreLine.objects.filter(run=run, indicator__code=code)
        assert scores.filter(score__gt=0).count() >= scores.count() * 0.85, code


def test_the_county_is_graded_by_thresholds_alone_in_the_provincial_plan(
    demo_scored: Any, db: Any
) -> None:
    plan = Plan.objects.get(code="provincial-2021")
    assert all("quota" not in rule for rule in plan.grade_rules)
    run = current_official_run(plan)
    assert run is not None
    (county,) = UnitResult.objects.filter(run=run)
    assert county.grade in ("优秀", "良好")
