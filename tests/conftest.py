"""Shared fixtures: a small county with towns and departments, users of every role, a plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from kaoping.org.models import Person, Role, Unit, User
from kaoping.plans.models import Assignment, Indicator, Plan
from tests.factories import (
    AssignmentFactory,
    IndicatorFactory,
    PersonFactory,
    PlanFactory,
    make_unit,
    run_pending_bumps,
    user_with_role,
)


@dataclass
class World:
    """A county with two towns and two departments, one user per role, one plan."""

    county: Unit
    town_a: Unit
    town_b: Unit
    dept_a: Unit
    dept_b: Unit
    leader_person: Person
    users: dict[str, User]
    plan: Plan
    category: Indicator
    indicator_a: Indicator
    indicator_b: Indicator
    assignment_a: Assignment
    assignment_b: Assignment

    def client_for(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


@pytest.fixture(autouse=True)
def _no_dead_connection(request: pytest.FixtureRequest) -> None:
    """Before a test on committed data, close a connection an earlier test's outage left dead.

    The fault tests (tests/core/test_faults.py, tests/browser/test_faults.py) terminate every
    backend of the PostgreSQL test database. The browser tests hold their own connection
    (Playwright runs them in its own context, and Django keeps connections per context), so
    the idle one of the other tests can be dead without anyone noticing until it is used.
    """
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """A block of its own whose after-commit callbacks (the data versions' bumps,
    kaoping.core.versions) run at its end, as a commit would run them; the bumps of the writes
    before it (the world's) run first. A test's transaction never commits, so without it a
    write leaves the versions as they were. (Some modules define a `committed` of their own,
    on a transactional database.)"""

    @contextmanager
    def block() -> Iterator[None]:
        run_pending_bumps()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            yield

    return block


@pytest.fixture
def world(db: Any) -> World:
    county = make_unit("C01", "示范县", Unit.Kind.COUNTY)
    town_a = make_unit("T01", "东城镇", Unit.Kind.TOWN, county)
    town_b = make_unit("T02", "西山镇", Unit.Kind.TOWN, county)
    dept_a = make_unit("D01", "县发展和改革局", Unit.Kind.DEPARTMENT, county)
    dept_b = make_unit("D02", "县气象局", Unit.Kind.DEPARTMENT, county)
    leader_person = PersonFactory(
        unit=county, name="李副县长", position=Person.Position.COUNTY_LEADER
    )
    leader_person.portfolio.set([town_a, dept_a])
    head_a = PersonFactory(unit=town_a, name="王镇长", position=Person.Position.HEAD)
    staff_a = PersonFactory(unit=town_a, name="赵干事")
    users = {
        Role.OFFICE: user_with_role(Role.OFFICE, county, username="office"),
        Role.REPORTER: user_with_role(Role.REPORTER, town_a, username="reporter_a", person=staff_a),
        Role.UNIT_HEAD: user_with_role(Role.UNIT_HEAD, town_a, username="head_a", person=head_a),
        Role.LEADER: user_with_role(Role.LEADER, county, username="leader", person=leader_person),
        Role.INSPECTOR: user_with_role(Role.INSPECTOR, county, username="inspector"),
        Role.INTERVIEWER: user_with_role(Role.INTERVIEWER, None, username="interviewer"),
        Role.AUDITOR: user_with_role(Role.AUDITOR, None, username="auditor"),
        Role.SYSTEM_ADMIN: user_with_role(Role.SYSTEM_ADMIN, None, username="sysadmin"),
        Role.SECURITY_ADMIN: user_with_role(Role.SECURITY_ADMIN, None, username="secadmin"),
    }
    users["reporter_b"] = user_with_role(Role.REPORTER, town_b, username="reporter_b")
    plan = PlanFactory(owner=county, code="county-2022", name="示范县2022年度绩效考评方案")
    category = IndicatorFactory(plan=plan, code="A", name="经济建设", target=None, points=40)
    indicator_a = IndicatorFactory(plan=plan, parent=category, code="A01", name="税收收入")
    indicator_b = IndicatorFactory(plan=plan, parent=category, code="A02", name="外贸进出口总额")
    assignment_a = AssignmentFactory(
        indicator=indicator_a,
        lead_unit=town_a,
        responsible_leader=head_a,
        responsible_person=staff_a,
    )
    assignment_b = AssignmentFactory(indicator=indicator_b, lead_unit=town_b)
    return World(
        county,
        town_a,
        town_b,
        dept_a,
        dept_b,
        leader_person,
        users,
        plan,
        category,
        indicator_a,
        indicator_b,
        assignment_a,
        assignment_b,
    )
