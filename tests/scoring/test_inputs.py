"""Gathering a run's inputs: figures as tracking reads them, the other apps' contracts, the
office's inputs, last year's run — in a fixed number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from kaoping.plans.models import Indicator, IndicatorTarget
from kaoping.scoring import inputs, services
from kaoping.scoring.models import ScoreAdjustment, Veto
from kaoping.tracking.models import Milestone, ProgressReport, Task
from tests.scoring.conftest import approved

pytestmark = pytest.mark.django_db


def _fig(raw: dict[str, Any], unit: Any, indicator: Any) -> dict[str, Any]:
    return raw["figures"][f"{unit.pk}:{indicator.pk}"]


def test_units_come_from_groups_with_their_group(scored: Any) -> None:
    _snapshot, raw = inputs.gather(scored.plan)
    got = {u["code"]: u["group_code"] for u in raw["units"]}
    assert got == {"T01": "towns", "T02": "towns", "D01": "depts", "D02": "depts"}


def test_applicability_follows_indicator_groups(scored: Any) -> None:
    snapshot, raw = inputs.gather(scored.plan)
    codes = [n["code"] for n in snapshot["indicators"]]
    row = {
        u["code"]: dict(zip(codes, raw["applicable"][i], strict=True))
        for i, u in enumerate(raw["units"])
    }
    assert row["T01"] == {"A": True, "A01": True, "A02": True, "B": False}
    assert row["D01"] == {"A": False, "A01": False, "A02": False, "B": True}


def test_tree_order_puts_parents_first(scored: Any) -> None:
    snapshot, _raw = inputs.gather(scored.plan)
    seen: set[int] = set()
    for node in snapshot["indicators"]:
        assert node["parent_id"] is None or node["parent_id"] in seen
        seen.add(node["id"])


def test_latest_approved_figure_up_to_the_period_counts(scored: Any) -> None:
    # given a Q3 approved figure, and a Q4 figure only submitted
    w = scored
    ProgressReport.objects.filter(indicator=w.indicator_a, unit=w.town_b).delete()
    approved(w.indicator_a, w.town_b, "2022Q3", "60")
    ProgressReport.objects.create(
        indicator=w.indicator_a,
        unit=w.town_b,
        period="2022Q4",
        value=D(95),
        status=ProgressReport.Status.SUBMITTED,
    )
    # when the inputs are gathered for the year
    _snapshot, raw = inputs.gather(w.plan)
    # then the approved Q3 figure is used, with its period and report
    fig = _fig(raw, w.town_b, w.indicator_a)
    assert fig["actual"] == 60.0 and fig["period"] == "2022Q3"
    assert fig["reports"] and fig["target"] == 100.0
    # and as of Q3 the Q4 figures of the other town are not read
    _snapshot, raw_q3 = inputs.gather(w.plan, "2022Q3")
    assert _fig(raw_q3, w.town_a, w.indicator_a)["actual"] is None


def test_unit_target_and_last_year_value(scored: Any) -> None:
    w = scored
    IndicatorTarget.objects.create(indicator=w.indicator_a, unit=w.town_a, target=D(125))
    ProgressReport.objects.filter(indicator=w.indicator_a, unit=w.town_a).update(
        last_year_value=D(90)
    )
    _snapshot, raw = inputs.gather(w.plan)
    fig = _fig(raw, w.town_a, w.indicator_a)
    assert fig["target"] == 125.0
    assert fig["last_year"] == 90.0


def test_milestones_counted_on_time_late_and_all(scored: Any) -> None:
    w = scored
    Indicator.objects.filter(pk=w.indicator_b.pk).update(
        kind=Indicator.Kind.MILESTONE, scoring_rule=Indicator.ScoringRule.MILESTONES
    )
    task = Task.objects.create(
        assignment=w.assignment_b, unit=w.town_b, name="倒排任务", deadline=date(2022, 12, 31)
    )
    Milestone.objects.create(task=task, name="一", due=date(2022, 3, 31), done_on=date(2022, 3, 30))
    Milestone.objects.create(task=task, name="二", due=date(2022, 6, 30), done_on=date(2022, 7, 20))
    Milestone.objects.create(task=task, name="三", due=date(2022, 11, 30))
    _snapshot, raw = inputs.gather(w.plan)
    assert _fig(raw, w.town_b, w.indicator_b)["milestones"] == [1, 1, 3]


def test_deductions_and_leader_scores_come_through_their_contracts(
    scored: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaoping.appraisal import selectors as appraisal
    from kaoping.inspections import selectors as inspections

    w = scored
    monkeypatch.setattr(
        inspections,
        "deductions_for_scoring",
        lambda *, plan, include_pending_appeals=True: [
            inspections.DeductionInput(
                deduction_id=7,
                unit_id=w.town_a.pk,
                indicator_id=w.indicator_a.pk,
                category="economic",
                points=D("1.5"),
                responsible_unit_id=w.town_a.pk,
                responsible_leader_id=None,
                appeal_pending=False,
            ),
            inspections.DeductionInput(
                deduction_id=8,
                unit_id=w.town_b.pk,
                indicator_id=None,
                category="executive",
                points=D("0.5"),
                responsible_unit_id=None,
                responsible_leader_id=None,
                appeal_pending=True,
            ),
        ],
    )
    monkeypatch.setattr(
        appraisal,
        "leader_scores_for_scoring",
        lambda *, plan: {
            w.town_a.pk: appraisal.LeaderScoreInput(
                unit_id=w.town_a.pk,
                score=D("88"),
                valid_ballots=9,
                trimmed=True,
                round_id=3,
                final=True,
            )
        },
    )
    snapshot, raw = inputs.gather(w.plan)
    assert [d["id"] for d in raw["deductions"]] == [7, 8]
    assert raw["leader_evaluation"][str(w.town_a.pk)]["score"] == "88"
    built = inputs.build(snapshot, raw)
    i = list(built.units).index("T01")
    j = [n.key for n in built.nodes].index("A01")
    assert built.deductions[i, j] == 1.5
    assert built.deductions_unattached[list(built.units).index("T02")] == 0.5
    assert built.leader_evaluation[i] == 88.0


def test_office_inputs_count_only_when_approved(scored: Any) -> None:
    w = scored
    office = w.users["office"]
    services.component_score_record(
        actor=office, plan=w.plan, unit=w.town_a, score=D("86.5"), source="民调中心"
    )
    services.adjustment_record(
        actor=office, plan=w.plan, unit=w.town_a, kind="bonus", points=D(2), reason="表彰"
    )
    Veto.objects.create(plan=w.plan, unit=w.town_b, condition="x", reason="r")  # proposed only
    _snapshot, raw = inputs.gather(w.plan)
    assert raw["public_appraisal"][str(w.town_a.pk)] == {"score": "86.5000", "source": "民调中心"}
    assert raw["adjustments"] == [] and raw["vetoes"] == []
    ScoreAdjustment.objects.update(status=ScoreAdjustment.Status.APPROVED)
    Veto.objects.update(status=Veto.Status.APPROVED)
    _snapshot, raw = inputs.gather(w.plan)
    assert len(raw["adjustments"]) == 1 and len(raw["vetoes"]) == 1


def test_gathering_takes_a_fixed_number_of_queries(scored: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_unit

    w = scored
    inputs.gather(w.plan)  # warm the plan's cached relations
    with CaptureQueriesContext(connection) as small:
        inputs.gather(w.plan)
    # given ten more towns, each with figures on both indicators
    for n in range(10):
        town = make_unit(f"T9{n}", f"新镇{n}", "town", w.county)
        w.towns.units.add(town)
        approved(w.indicator_a, town, "2022Q4", "90")
        approved(w.indicator_b, town, "2022Q4", "80")
    with CaptureQueriesContext(connection) as big:
        _snapshot, raw = inputs.gather(w.plan)
    assert len(raw["units"]) == 14
    assert len(big.captured_queries) == len(small.captured_queries)


def test_snapshot_records_the_plan_version(scored: Any) -> None:
    snapshot, _raw = inputs.gather(scored.plan)
    assert snapshot["weights"] == {"indicators": "0.6", "public": "0.3", "leader": "0.1"}
    assert len(snapshot["hash"]) == 64
    assert inputs.plan_snapshot(scored.plan)["hash"] == snapshot["hash"]
    Indicator.objects.filter(pk=scored.indicator_a.pk).update(points=D(25))
    assert inputs.plan_snapshot(scored.plan)["hash"] != snapshot["hash"]
