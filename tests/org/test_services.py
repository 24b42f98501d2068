"""Organisation services: units, persons, regions — each write audited, conflicts caught."""

from __future__ import annotations

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org import services
from kaoping.org.models import Person, Region, Role, Unit


def test_unit_create_adds_child_and_audits(world) -> None:
    office = world.users[Role.OFFICE]
    unit = services.unit_create(
        actor=office, code="T03", name="南河乡", kind=Unit.Kind.TOWN, parent=world.county
    )
    assert Unit.objects.get_parent(unit) == world.county
    assert unit.path.startswith(world.county.path)
    event = AuditEvent.objects.get(action="unit.create", object_id=str(unit.pk))
    assert event.actor == office and event.after["code"] == "T03"


def test_unit_create_refuses_duplicate_code(world) -> None:
    with pytest.raises(ApplicationError):
        services.unit_create(
            actor=world.users[Role.OFFICE],
            code="T01",
            name="重复",
            kind=Unit.Kind.TOWN,
            parent=world.county,
        )


@pytest.mark.parametrize("role", [Role.REPORTER, Role.LEADER, Role.AUDITOR, Role.INSPECTOR])
def test_unit_create_refused_for_other_roles(world, role) -> None:
    before = Unit.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.unit_create(
            actor=world.users[role], code="X1", name="x", kind=Unit.Kind.TOWN, parent=world.county
        )
    assert Unit.objects.count() == before


def test_unit_update_records_before_and_after(world) -> None:
    office = world.users[Role.OFFICE]
    services.unit_update(actor=office, unit=world.town_a, name="东城街道")
    event = AuditEvent.objects.get(action="unit.update")
    assert event.before["name"] == "东城镇" and event.after["name"] == "东城街道"
    world.town_a.refresh_from_db()
    assert world.town_a.row_version == 2


def test_unit_update_with_stale_version_conflicts_and_changes_nothing(world) -> None:
    office = world.users[Role.OFFICE]
    stale = Unit.objects.get(pk=world.town_a.pk)
    services.unit_update(actor=office, unit=world.town_a, name="先保存者")
    with pytest.raises(ConflictError):
        services.unit_update(actor=office, unit=stale, expected_version=1, name="后保存者")
    assert Unit.objects.get(pk=world.town_a.pk).name == "先保存者"


def test_unit_update_rejects_tree_fields(world) -> None:
    with pytest.raises(ApplicationError):
        services.unit_update(actor=world.users[Role.OFFICE], unit=world.town_a, path="0001")


def test_person_upsert_is_idempotent_and_sets_portfolio(world) -> None:
    office = world.users[Role.OFFICE]
    person = services.person_upsert(
        actor=office,
        unit=world.county,
        name="陈副县长",
        position=Person.Position.COUNTY_LEADER,
        title="副县长",
        portfolio=[world.town_b],
    )
    again = services.person_upsert(
        actor=office,
        unit=world.county,
        name="陈副县长",
        position=Person.Position.COUNTY_LEADER,
        title="副县长",
        portfolio=[world.town_b],
    )
    assert person.pk == again.pk
    assert list(again.portfolio.all()) == [world.town_b]
    assert (
        AuditEvent.objects.filter(action__startswith="person.", object_id=str(person.pk)).count()
        == 1
    )


def test_region_upsert_creates_once(world) -> None:
    office = world.users[Role.OFFICE]
    province = services.region_upsert(
        actor=office, code="990000", name="示范省", level=Region.Level.PROVINCE
    )
    services.region_upsert(actor=office, code="990000", name="示范省", level="province")
    assert Region.objects.filter(code="990000").count() == 1
    assert province.name == "示范省"
    assert AuditEvent.objects.filter(action="region.create").count() == 1
