"""Plan services: weights, the tree, publishing, assignments, optimistic locking, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Role
from kaoping.plans import services
from kaoping.plans.models import Cycle, Indicator, Plan


@pytest.fixture
def office(world):
    return world.users[Role.OFFICE]


def test_cycle_get_or_create_is_idempotent(world, office) -> None:
    first = services.cycle_get_or_create(actor=office, year=2023)
    second = services.cycle_get_or_create(actor=office, year=2023)
    assert first.pk == second.pk
    assert Cycle.objects.filter(year=2023).count() == 1


def test_plan_create_checks_weights(world, office) -> None:
    cycle = world.plan.cycle
    with pytest.raises(ApplicationError) as info:
        services.plan_create(
            actor=office,
            cycle=cycle,
            owner=world.county,
            code="bad",
            name="权重错误",
            kind=Plan.Kind.COUNTY,
            weight_indicators=Decimal("0.7"),
            weight_public=Decimal("0.3"),
            weight_leader=Decimal("0.1"),
        )
    assert "1.1" in str(info.value.message)
    assert not Plan.objects.filter(code="bad").exists()


def test_plan_create_and_update_are_audited(world, office) -> None:
    plan = services.plan_create(
        actor=office,
        cycle=world.plan.cycle,
        owner=world.county,
        code="p2",
        name="方案二",
        kind=Plan.Kind.COUNTY,
    )
    services.plan_update(
        actor=office,
        plan=plan,
        expected_version=1,
        weight_indicators=Decimal("0.5"),
        weight_public=Decimal("0.4"),
    )
    plan.refresh_from_db()
    assert plan.weight_public == Decimal("0.4") and plan.row_version == 2
    update = AuditEvent.objects.get(action="plan.update", object_id=str(plan.pk))
    assert Decimal(update.before["weight_public"]) == Decimal("0.3")
    assert Decimal(update.after["weight_public"]) == Decimal("0.4")


def test_plan_update_with_stale_version_conflicts(world, office) -> None:
    services.plan_update(actor=office, plan=world.plan, expected_version=1, name="改名一")
    with pytest.raises(ConflictError):
        services.plan_update(actor=office, plan=world.plan, expected_version=1, name="改名二")
    world.plan.refresh_from_db()
    assert world.plan.name == "改名一"


def test_only_the_office_writes_plans(world) -> None:
    for role in (Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR, Role.AUDITOR):
        with pytest.raises(PermissionDeniedError):
            services.indicator_create(
                actor=world.users[role], plan=world.plan, code="Z", name="越权"
            )
    assert not Indicator.objects.filter(code="Z").exists()


def test_indicator_tree_depth_is_limited_to_four(world, office) -> None:
    parent = world.indicator_a
    for level in (3, 4):
        parent = services.indicator_create(
            actor=office, plan=world.plan, code=f"L{level}", name=f"第{level}级", parent=parent
        )
        assert parent.level == level
        assert parent.category == world.category.category
    with pytest.raises(ApplicationError):
        services.indicator_create(
            actor=office, plan=world.plan, code="L5", name="第5级", parent=parent
        )


def test_indicator_codes_are_unique_in_a_plan(world, office) -> None:
    with pytest.raises(ApplicationError):
        services.indicator_create(actor=office, plan=world.plan, code="A01", name="重复")


def test_indicator_update_validates_choices(world, office) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.indicator_update(
            actor=office, indicator=world.indicator_a, expected_version=1, direction="sideways"
        )
    world.indicator_a.refresh_from_db()
    assert world.indicator_a.direction == Indicator.Direction.HIGHER


def test_published_plan_is_frozen(world, office) -> None:
    services.plan_publish(actor=office, plan=world.plan, expected_version=1)
    world.plan.refresh_from_db()
    assert world.plan.status == Plan.Status.PUBLISHED
    with pytest.raises(ApplicationError):
        services.indicator_update(
            actor=office,
            indicator=world.indicator_a,
            expected_version=world.indicator_a.row_version,
            name="改",
        )
    with pytest.raises(ApplicationError):
        services.indicator_delete(actor=office, indicator=world.indicator_b)
    assert Indicator.objects.filter(pk=world.indicator_b.pk).exists()


def test_empty_plan_cannot_be_published(world, office) -> None:
    plan = services.plan_create(
        actor=office,
        cycle=world.plan.cycle,
        owner=world.county,
        code="empty",
        name="空方案",
        kind=Plan.Kind.COUNTY,
    )
    with pytest.raises(ApplicationError):
        services.plan_publish(actor=office, plan=plan, expected_version=1)


def test_indicator_delete_removes_subtree_and_audits(world, office) -> None:
    services.indicator_delete(actor=office, indicator=world.category, reason="重新设计")
    assert not world.plan.indicators.exists()
    event = AuditEvent.objects.get(action="indicator.delete")
    assert event.reason == "重新设计" and event.before["code"] == "A"


def test_assignment_upsert_sets_four_ones_and_supporting_units(world, office) -> None:
    assignment = services.assignment_upsert(
        actor=office,
        indicator=world.indicator_b,
        lead_unit=world.dept_a,
        supporting_units=[world.dept_b, world.town_a],
        responsible_leader=world.leader_person,
        is_key_project=True,
        work_team="外贸攻坚专班",
    )
    assert assignment.is_key_project
    assert set(assignment.supporting_units.all()) == {world.dept_b, world.town_a}
    same = services.assignment_upsert(
        actor=office,
        indicator=world.indicator_b,
        lead_unit=world.dept_a,
        supporting_units=[world.dept_b, world.town_a],
        responsible_leader=world.leader_person,
        is_key_project=True,
        work_team="外贸攻坚专班",
    )
    assert same.pk == assignment.pk
    assert AuditEvent.objects.filter(action__startswith="assignment.").count() == 1


def test_assignment_refuses_inactive_person(world, office) -> None:
    world.leader_person.is_active = False
    world.leader_person.save()
    with pytest.raises(ApplicationError):
        services.assignment_upsert(
            actor=office,
            indicator=world.indicator_b,
            lead_unit=world.dept_a,
            responsible_leader=world.leader_person,
        )


def test_office_of_another_county_cannot_touch_this_plan(world) -> None:
    from tests.factories import make_unit, user_with_role

    other_county = make_unit("C02", "邻县", "county")
    outsider = user_with_role(Role.OFFICE, other_county, username="other_office")
    with pytest.raises(PermissionDeniedError):
        services.indicator_create(actor=outsider, plan=world.plan, code="X", name="越界")
