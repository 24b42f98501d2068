"""A county with figures for a bulletin: approved reports at 2022Q3 (one on schedule, one
far behind with an explanation, a year-on-year comparison), a confirmed deduction with a
rectification, and a published official score run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import translation

from kaoping.bulletins import content
from kaoping.bulletins.content import Document
from kaoping.core.periods import Period
from kaoping.inspections import services as inspections
from kaoping.plans.models import Indicator, Plan, UnitGroup
from kaoping.scoring import services as scoring
from kaoping.tracking.models import Explanation, ProgressReport
from tests.factories import AssignmentFactory, CycleFactory, IndicatorFactory, PlanFactory

TODAY = date(2022, 10, 8)
PERIOD = Period.parse("2022Q3")


def approved(indicator: Indicator, unit: Any, period: str, value: str, last: str = "") -> None:
    ProgressReport.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        status=ProgressReport.Status.APPROVED,
        value=D(value),
        last_year_value=D(last) if last else None,
    )


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages compared below are the English msgids; the site itself defaults to Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def county(world: Any) -> Any:
    """`world` with figures, an explanation, a deduction and a published score run."""
    plan = world.plan
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.PUBLISHED)
    plan.refresh_from_db()
    towns = UnitGroup.objects.create(plan=plan, code="towns", name="乡镇组", order=1)
    towns.units.set([world.town_a, world.town_b])
    Indicator.objects.filter(pk__in=[world.indicator_a.pk, world.indicator_b.pk]).update(
        points=D(20), target=D(1000), frequency=Indicator.Frequency.QUARTERLY
    )
    Indicator.objects.filter(pk=world.category.pk).update(
        points=D(40), scoring_rule=Indicator.ScoringRule.SUM_CHILDREN
    )
    for ind in (world.category, world.indicator_a, world.indicator_b):
        ind.groups.set([towns])
    # Last year's tax revenue, so this year's growth has something to compare with.
    last = PlanFactory(
        owner=world.county,
        code="county-2021",
        cycle=CycleFactory(year=2021),
        status=Plan.Status.PUBLISHED,
    )
    a21 = IndicatorFactory(plan=last, code="A01", name="税收收入")
    AssignmentFactory(indicator=a21, lead_unit=world.town_a)
    approved(a21, world.town_a, "2021Q3", "600", last="500")
    approved(a21, world.town_a, "2021Q4", "1000")
    approved(world.indicator_a, world.town_a, "2022Q3", "800", last="600")  # ahead, growing
    approved(world.indicator_b, world.town_b, "2022Q3", "300", last="280")  # far behind
    Explanation.objects.create(
        indicator=world.indicator_b,
        unit=world.town_b,
        period="2022Q3",
        due=date(2022, 10, 14),
        status=Explanation.Status.SUBMITTED,
        text="受疫情影响外贸订单减少",
        measures="四季度加大招商力度",
    )
    office = world.users["office"]
    inspection_round = inspections.round_create(
        actor=office,
        plan=plan,
        code="r1",
        name="第三季度察访核验",
        level="county",
        period_start=date(2022, 7, 1),
        period_end=date(2022, 9, 30),
    )
    inspections.round_open(actor=office, inspection_round=inspection_round)
    finding = inspections.finding_record(
        actor=office,
        inspection_round=inspection_round,
        unit=world.town_b,
        title="台账资料不完整",
        found_on=date(2022, 8, 15),
        responsible_unit=world.town_b,
    )
    deduction = inspections.deduction_record(
        actor=office, finding=finding, reason="资料不全", points="1.5", indicator=world.indicator_b
    )
    inspections.deduction_confirm(actor=office, deduction=deduction, today=date(2022, 8, 20))
    inspections.rectification_open(
        actor=office,
        finding=finding,
        deadline=date(2022, 9, 30),
        plan_text="补齐台账资料",
        today=date(2022, 8, 20),
    )
    for ind in (world.category, world.indicator_a, world.indicator_b):
        ind.refresh_from_db()
    run = scoring.score_run_start(actor=office, plan=plan, label="三季度")
    scoring.score_run_publish(actor=office, run=run)
    world.run = run
    world.deduction = deduction
    return world


@pytest.fixture
def sections(county: Any) -> list[dict[str, Any]]:
    return content.build_sections(plan=county.plan, period=PERIOD, today=TODAY)


@pytest.fixture
def doc(county: Any, sections: list[dict[str, Any]]) -> Document:
    return content.document(
        plan=county.plan,
        period=PERIOD,
        sections=sections,
        document_number="示绩办〔2022〕12号",
        day=TODAY,
    )
