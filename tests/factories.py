"""factory-boy factories for the models tests build on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan

PASSWORD = "Test-Passw0rd!x"


def make_unit(code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """A unit added to the tree (treebeard needs add_root/add_child, not save)."""
    fields = {"code": code, "name": name, "kind": kind, "short_name": name[:10]}
    if parent is not None:
        return Unit.objects.add_child(parent, create_kwargs=fields)
    return Unit.objects.add_root(create_kwargs=fields)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"人员{n}")
    position = Person.Position.STAFF
    title = factory.Sequence(lambda n: f"职务{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()


def user_with_role(
    role: str,
    unit: Unit | None = None,
    *,
    username: str | None = None,
    person: Person | None = None,
) -> User:
    """A user holding one role anchored at a unit."""
    user = UserFactory(**({"username": username} if username else {}), person=person)
    RoleGrant.objects.create(user=user, role=role, unit=unit)
    return user


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle
        django_get_or_create = ("year",)

    year = 2022
    name = factory.LazyAttribute(lambda o: f"{o.year}年度")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    cycle = factory.SubFactory(CycleFactory)
    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"考评方案{n}")
    kind = Plan.Kind.COUNTY


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"I{n:03d}")
    name = factory.Sequence(lambda n: f"指标{n}")
    category = Indicator.Category.ECONOMIC
    points = Decimal("10")
    target = Decimal("100")
    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    indicator = factory.SubFactory(IndicatorFactory)


__all__ = [
    "PASSWORD",
    "AssignmentFactory",
    "CycleFactory",
    "IndicatorFactory",
    "PersonFactory",
    "PlanFactory",
    "Role",
    "UserFactory",
    "make_unit",
    "user_with_role",
]


def run_pending_bumps() -> None:
    """Write the data versions the test's transaction has bumped so far, as its commit would
    (kaoping.core.versions bumps after the commit, and a test's transaction never commits)."""
    from django.db import connection

    from kaoping.core.versions import _Bump

    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Bump) and not callback.written:
            callback()
