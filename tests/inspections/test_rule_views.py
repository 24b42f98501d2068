"""The deduction rules page: the office sets, changes and removes a plan's rules (audited);
everyone else in scope reads them; bad input is refused with the input kept; a rule set here
is the one a deduction then falls under (its points per item and its cap)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError
from kaoping.inspections import services
from kaoping.inspections.models import DeductionRule
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan
from tests.factories import PlanFactory, make_unit
from tests.inspections.test_views import client_for

URL = reverse("inspections:rule_list")


def rules_of(plan: Plan) -> list[tuple[str, str, Decimal | None, Decimal | None]]:
    return [
        (r.indicator.code if r.indicator else "", r.category, r.points_per_item, r.cap)
        for r in DeductionRule.objects.filter(plan=plan).select_related("indicator")
    ]


def test_the_office_sets_a_rule_and_a_deduction_falls_under_it(insp: Any) -> None:
    plan = insp.world.plan
    client = client_for(insp.world, Role.OFFICE)
    page = client.get(f"{URL}?plan={plan.pk}")
    assert page.status_code == 200 and "has no deduction rule" in page.content.decode()
    answer = client.post(
        f"{URL}?plan={plan.pk}",
        {
            "plan": plan.pk,
            "indicator": insp.world.indicator_a.pk,
            "name": "税收台账",
            "points_per_item": "0.5",
            "cap": "1",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == f"{URL}?plan={plan.pk}"
    assert rules_of(plan) == [("A01", "", Decimal("0.50"), Decimal("1.00"))]
    assert AuditEvent.objects.filter(action="inspection.deduction_rule_set").count() == 1
    listed = client.get(answer["Location"]).content.decode()
    assert "税收台账" in listed and "The deduction rule was saved." in listed
    # a deduction without points takes the rule's; past the cap it is refused
    indicator = insp.world.indicator_a

    def deduct(reason: str) -> Any:
        return services.deduction_record(
            actor=insp.inspector, finding=insp.finding(), reason=reason, indicator=indicator
        )

    assert deduct("台账缺失").points == Decimal("0.50")
    deduct("再次")
    try:
        deduct("第三次")
    except ApplicationError as exc:
        assert exc.extra == {"cap": "1.00", "used": "1.00"}
    else:
        raise AssertionError("a deduction past the cap was accepted")


def test_the_office_changes_and_removes_a_rule(insp: Any) -> None:
    plan = insp.world.plan
    client = client_for(insp.world, Role.OFFICE)
    rule = services.deduction_rule_set(
        actor=insp.office, plan=plan, category="executive", points_per_item="1", cap="3"
    )
    form = client.get(f"{URL}?plan={plan.pk}&edit={rule.pk}")
    assert 'name="cap" value="3.00"' in form.content.decode()
    assert "Change the rule" in form.content.decode()
    client.post(
        f"{URL}?plan={plan.pk}",
        {"plan": plan.pk, "category": "executive", "points_per_item": "2", "cap": ""},
    )
    assert rules_of(plan) == [("", "executive", Decimal("2.00"), None)]  # replaced, not added
    answer = client.post(reverse("inspections:rule_delete", args=[rule.pk]))
    assert answer.status_code == 302 and rules_of(plan) == []
    event = AuditEvent.objects.get(action="inspection.deduction_rule_delete")
    assert event.before["points_per_item"] == "2.00" and event.before["cap"] is None


def test_a_rule_without_a_target_is_refused_with_the_input_kept(insp: Any) -> None:
    plan = insp.world.plan
    client = client_for(insp.world, Role.OFFICE)
    answer = client.post(
        f"{URL}?plan={plan.pk}", {"plan": plan.pk, "name": "没有对象的规则", "cap": "-1"}
    )
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "Choose an indicator or a category." in text
    assert 'value="没有对象的规则"' in text
    assert rules_of(plan) == []


def test_only_the_plans_office_writes_others_read(insp: Any) -> None:
    plan = insp.world.plan
    plan.status = Plan.Status.PUBLISHED
    plan.save()
    services.deduction_rule_set(actor=insp.office, plan=plan, category="executive", cap="3")
    for who in (Role.INSPECTOR, Role.LEADER, Role.UNIT_HEAD, Role.REPORTER):
        client = client_for(insp.world, who)
        page = client.get(f"{URL}?plan={plan.pk}")
        assert page.status_code == 200, who
        text = page.content.decode()
        assert "Save the rule" not in text and "Executive capacity" in text, who
        post = client.post(f"{URL}?plan={plan.pk}", {"plan": plan.pk, "category": "economic"})
        assert post.status_code == 404, who
        rule = DeductionRule.objects.get(plan=plan)
        assert client.post(reverse("inspections:rule_delete", args=[rule.pk])).status_code == 404
    assert len(rules_of(plan)) == 1
    # a plan of another county answers 404, to its readers and to this county's office
    other_county = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    elsewhere = PlanFactory(owner=other_county, code="c02-2022", status=Plan.Status.PUBLISHED)
    for who in (Role.OFFICE, "reporter_b"):
        assert client_for(insp.world, who).get(f"{URL}?plan={elsewhere.pk}").status_code == 404
