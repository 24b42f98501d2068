"""Data scope: each role sees what DESIGN.md says, and nothing else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from kaoping.core.scope import ScopedQuerySet
from kaoping.org.models import Role, Unit
from kaoping.org.scopes import data_scope
from kaoping.plans.models import Assignment, Plan


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def test_office_sees_its_county_and_below(world) -> None:
    assert codes(Unit.objects.for_user(world.users[Role.OFFICE])) == {
        "C01",
        "T01",
        "T02",
        "D01",
        "D02",
    }


def test_reporter_sees_only_own_unit(world) -> None:
    assert codes(Unit.objects.for_user(world.users[Role.REPORTER])) == {"T01"}


def test_leader_sees_portfolio_units(world) -> None:
    assert codes(Unit.objects.for_user(world.users[Role.LEADER])) == {"T01", "D01"}


@pytest.mark.parametrize(
    "role", [Role.INTERVIEWER, Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN]
)
def test_roles_without_unit_data_see_no_units(world, role) -> None:
    assert not Unit.objects.for_user(world.users[role]).exists()


def test_reporter_reads_the_county_plan_but_not_the_county_unit(world) -> None:
    reporter = world.users[Role.REPORTER]
    assert Plan.objects.for_user(reporter).filter(pk=world.plan.pk).exists()
    assert not Unit.objects.for_user(reporter).filter(pk=world.county.pk).exists()


def test_assignments_follow_lead_and_supporting_units(world) -> None:
    reporter_b = world.users["reporter_b"]
    assert set(Assignment.objects.for_user(reporter_b)) == {world.assignment_b}
    world.assignment_a.supporting_units.add(world.town_b)
    reporter_b = type(reporter_b).objects.get(pk=reporter_b.pk)  # fresh scope cache
    assert set(Assignment.objects.for_user(reporter_b)) == {world.assignment_a, world.assignment_b}


def test_roles_combine_by_or(world) -> None:
    from kaoping.org.models import RoleGrant

    user = world.users["reporter_b"]
    RoleGrant.objects.create(user=user, role=Role.UNIT_HEAD, unit=world.dept_b)
    user = type(user).objects.get(pk=user.pk)
    assert codes(Unit.objects.for_user(user)) == {"T02", "D02"}


def test_anonymous_sees_nothing(db) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert data_scope(AnonymousUser()).is_empty
    assert not Unit.objects.for_user(AnonymousUser()).exists()


def test_model_without_scope_filter_is_refused(db) -> None:
    from kaoping.audit.models import AuditEvent

    qs = ScopedQuerySet(model=AuditEvent)
    with pytest.raises(ImproperlyConfigured):
        qs.for_user(None)
