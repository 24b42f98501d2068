"""A small scored world: the `world` county plan with two groups, figures, ratings."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import translation

from kaoping.plans.models import Indicator, Plan, UnitGroup
from kaoping.tracking.models import ProgressReport


def approved(
    indicator: Indicator, unit: Any, period: str, value: str, last: str | None = None
) -> ProgressReport:
    """An office-approved report (the only figures scoring reads)."""
    return ProgressReport.objects.create(
        indicator=indicator,
        unit=unit,
        period=period,
        status=ProgressReport.Status.APPROVED,
        value=D(value),
        last_year_value=D(last) if last else None,
    )


@pytest.fixture
def scored(world: Any) -> Any:
    """The world's plan published, with a towns group (A01, A02 apply to both towns) and a
    departments group, targets of 100, and approved figures at 2022Q4."""
    plan = world.plan
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.PUBLISHED)
    plan.refresh_from_db()
    towns = UnitGroup.objects.create(plan=plan, code="towns", name="乡镇组", order=1)
    towns.units.set([world.town_a, world.town_b])
    depts = UnitGroup.objects.create(plan=plan, code="depts", name="部门组", order=2)
    depts.units.set([world.dept_a, world.dept_b])
    for ind in (world.category, world.indicator_a, world.indicator_b):
        ind.groups.set([towns])
    Indicator.objects.filter(pk__in=[world.indicator_a.pk, world.indicator_b.pk]).update(
        points=D(20), target=D(100), frequency=Indicator.Frequency.QUARTERLY
    )
    Indicator.objects.filter(pk=world.category.pk).update(
        points=D(40), scoring_rule=Indicator.ScoringRule.SUM_CHILDREN
    )
    dept_ind = Indicator.objects.create(
        plan=plan,
        code="B",
        name="业务工作",
        category="business",
        points=D(10),
        target=D(50),
        order=5,
        level=1,
    )
    dept_ind.groups.set([depts])
    world.dept_indicator = dept_ind
    world.towns, world.depts = towns, depts
    approved(world.indicator_a, world.town_a, "2022Q4", "100")
    approved(world.indicator_b, world.town_a, "2022Q4", "90")
    approved(world.indicator_a, world.town_b, "2022Q4", "80")
    approved(world.indicator_b, world.town_b, "2022Q4", "70")
    approved(dept_ind, world.dept_a, "2022Q4", "50")
    approved(dept_ind, world.dept_b, "2022Q4", "40")
    for ind in (world.category, world.indicator_a, world.indicator_b, dept_ind):
        ind.refresh_from_db()
    plan.refresh_from_db()
    return world


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages compared below are the English msgids; the site itself defaults to Chinese."""
    with translation.override("en"):
        yield
