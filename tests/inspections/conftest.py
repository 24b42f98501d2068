"""Fixtures of the inspections tests: an open county round over the `world` county and a
provincial plan with its own round, plus small helpers to record findings and deductions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kaoping.inspections import services
from kaoping.inspections.models import Deduction, Finding, InspectionRound
from kaoping.org.models import Person, Role
from kaoping.plans.models import Indicator, Plan
from tests.factories import AssignmentFactory, IndicatorFactory, PersonFactory, PlanFactory

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
FOUND = date(2022, 9, 20)
CONFIRMED = date(2022, 10, 10)


def pdf(name: str = "问题照片.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Inspections:
    """The `world` with an open county round, a provincial plan and round, and people."""

    world: Any
    county_round: InspectionRound
    provincial_plan: Plan
    provincial_round: InspectionRound
    trade: Indicator  # 外贸进出口总额 of the provincial plan, led by dept_a
    dept_leader: Person
    dept_staff: Person

    @property
    def office(self) -> Any:
        return self.world.users[Role.OFFICE]

    @property
    def inspector(self) -> Any:
        return self.world.users[Role.INSPECTOR]

    def finding(self, **kwargs: Any) -> Finding:
        fields: dict[str, Any] = {
            "inspection_round": self.county_round,
            "unit": self.world.town_a,
            "title": "税收台账不完整",
            "found_on": FOUND,
            "indicator": self.world.indicator_a,
        }
        fields.update(kwargs)
        return services.finding_record(actor=self.inspector, **fields)

    def deduction(self, finding: Finding | None = None, points: str = "1", **kwargs: Any) -> Any:
        return services.deduction_record(
            actor=self.inspector,
            finding=finding or self.finding(),
            points=points,
            reason=kwargs.pop("reason", "按考评细则每项扣1分"),
            **kwargs,
        )

    def confirmed(self, points: str = "1", on: date = CONFIRMED, **kwargs: Any) -> Deduction:
        deduction = self.deduction(points=points, **kwargs)
        return services.deduction_confirm(actor=self.office, deduction=deduction, today=on)


@pytest.fixture
def insp(world: Any) -> Inspections:
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    county_round = services.round_create(
        actor=world.users[Role.OFFICE],
        plan=world.plan,
        code="2022-q3",
        name="2022年第三季度县察访核验",
        level=InspectionRound.Level.COUNTY,
        period_start=date(2022, 7, 1),
        period_end=date(2022, 9, 30),
    )
    services.round_open(actor=world.users[Role.OFFICE], inspection_round=county_round)
    provincial = PlanFactory(
        owner=world.county,
        code="provincial-2022",
        name="省对县2022年度绩效考评指标",
        kind=Plan.Kind.PROVINCIAL,
        status=Plan.Status.PUBLISHED,
    )
    economy = IndicatorFactory(plan=provincial, code="A", name="经济建设", points=40)
    trade = IndicatorFactory(plan=provincial, parent=economy, code="A0111", name="外贸进出口总额")
    IndicatorFactory(
        plan=provincial,
        code="E",
        name="效能建设",
        category=Indicator.Category.EXECUTIVE,
        points=12,
    )
    dept_leader = PersonFactory(
        unit=world.county, name="周副县长", position=Person.Position.COUNTY_LEADER
    )
    dept_staff = PersonFactory(unit=world.dept_a, name="钱股长")
    AssignmentFactory(
        indicator=trade,
        lead_unit=world.dept_a,
        responsible_leader=dept_leader,
        responsible_person=dept_staff,
    )
    provincial_round = services.round_create(
        actor=world.users[Role.INSPECTOR],
        plan=provincial,
        code="2022-province",
        name="2022年度省察访核验",
        level=InspectionRound.Level.PROVINCIAL,
        period_start=date(2022, 1, 1),
        period_end=date(2022, 9, 30),
    )
    services.round_open(actor=world.users[Role.INSPECTOR], inspection_round=provincial_round)
    return Inspections(
        world, county_round, provincial, provincial_round, trade, dept_leader, dept_staff
    )


def points(value: str) -> Decimal:
    return Decimal(value)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages compared below are the English msgids; the site itself defaults to Chinese."""
    with translation.override("en"):
        yield
