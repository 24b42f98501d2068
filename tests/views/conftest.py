"""Fixtures of the page tests: a second county outside everyone's scope, and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from kaoping.org.models import Person, Unit
from kaoping.plans.models import Assignment, Indicator, Plan
from tests.factories import (
    AssignmentFactory,
    IndicatorFactory,
    PersonFactory,
    PlanFactory,
    make_unit,
)


@dataclass
class OtherCounty:
    """A neighbouring county nobody in `world` may see."""

    county: Unit
    town: Unit
    person: Person
    plan: Plan
    indicator: Indicator
    assignment: Assignment


@pytest.fixture
def other(world: Any) -> OtherCounty:
    county = make_unit("C99", "邻县", Unit.Kind.COUNTY)
    town = make_unit("T99", "邻县北镇", Unit.Kind.TOWN, county)
    person = PersonFactory(
        unit=town, name="孙镇长", position=Person.Position.HEAD, phone="13900000099"
    )
    plan = PlanFactory(owner=county, code="other-2022", name="邻县2022年度绩效考评方案")
    category = IndicatorFactory(plan=plan, code="X", name="经济建设", target=None)
    indicator = IndicatorFactory(plan=plan, parent=category, code="X01", name="规上工业增加值")
    assignment = AssignmentFactory(indicator=indicator, lead_unit=town, responsible_person=person)
    return OtherCounty(county, town, person, plan, indicator, assignment)


@pytest.fixture
def anon() -> Client:
    return Client()


def login_url(path: str) -> str:
    return f"/login/?next={path}"
