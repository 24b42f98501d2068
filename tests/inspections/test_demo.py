"""The demo county's inspections: loaded with the demo, idempotent, every rectification state,
deductions attributed to the departments the seed speech names."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from kaoping.audit.models import AuditEvent
from kaoping.demo import data
from kaoping.demo.inspections import COUNTY_ROUND, PROVINCIAL_ROUND, load_inspections
from kaoping.demo.loader import load_demo
from kaoping.demo.progress import SWEEP_DAY
from kaoping.inspections import selectors
from kaoping.inspections.models import (
    Appeal,
    Deduction,
    Finding,
    InspectionRound,
    Rectification,
)
from kaoping.plans.models import Plan


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The demo county with its inspections, loaded once for the module, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo().parts["inspections"]
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_creates_both_rounds(demo: dict[str, int]) -> None:
    assert demo["rounds"] == 2 and demo["findings"] == 9 and demo["appeals"] == 1
    provincial = InspectionRound.objects.get(code=PROVINCIAL_ROUND)
    county = InspectionRound.objects.get(code=COUNTY_ROUND)
    assert provincial.level == "provincial" and provincial.status == "closed"
    assert county.level == "county" and county.status == "open"


@pytest.mark.django_db
def test_loading_again_creates_nothing(demo: dict[str, int]) -> None:
    before = (
        Finding.objects.count(),
        Deduction.objects.count(),
        Rectification.objects.count(),
        AuditEvent.objects.count(),
    )
    again = load_inspections()
    assert set(again.values()) == {0}
    assert (
        Finding.objects.count(),
        Deduction.objects.count(),
        Rectification.objects.count(),
        AuditEvent.objects.count(),
    ) == before


@pytest.mark.django_db
def test_every_rectification_state_is_there(demo: dict[str, int]) -> None:
    states = set(Rectification.objects.values_list("status", flat=True))
    assert states == set(Rectification.Status.values)
    overdue = [r for r in Rectification.objects.all() if r.is_overdue(SWEEP_DAY)]
    assert len(overdue) == 1 and overdue[0].escalation_level == "yellow"
    county_plan = Plan.objects.get(owner__code=data.COUNTY, code="county-2022")
    assert selectors.rectification_summary(plan=county_plan, today=SWEEP_DAY)["overdue"] == 1


@pytest.mark.django_db
def test_provincial_deductions_fall_on_the_county_and_the_named_departments(
    demo: dict[str, int],
) -> None:
    plan = Plan.objects.get(owner__code=data.COUNTY, code="provincial-2022")
    rows = selectors.deductions_for_scoring(plan=plan)
    assert {r.unit_id for r in rows} == {plan.owner_id}
    answered = set(
        Deduction.objects.filter(finding__round__plan=plan).values_list(
            "responsible_unit__short_name", flat=True
        )
    )
    assert {"经贸局", "统计局", "教育局", "气象局", "公安局"} <= answered
    assert sum(r.points for r in rows) == Decimal("3.5")


@pytest.mark.django_db
def test_the_appeal_was_partly_upheld(demo: dict[str, int]) -> None:
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.PARTLY_UPHELD
    assert appeal.deduction.effective_points == Decimal("0.50")
    assert Deduction.objects.filter(status=Deduction.Status.PROPOSED).count() == 1
