"""Leader evaluation fixtures: the world's plan with a group of its four units, and five
county leaders (the world's leader and four more), each with an account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from kaoping.appraisal import services
from kaoping.appraisal.models import LeaderRater, LeaderRatingRound
from kaoping.org.models import Person, Role, User
from kaoping.plans.models import Plan, UnitGroup
from tests.factories import PersonFactory, user_with_role


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are matched in English, whatever the translations say."""
    with translation.override("en"):
        yield


def english_client(user: User | None = None, **kwargs: Any) -> Client:
    """A test client asking for English pages, signed in as `user`."""
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Rating:
    """The world, its plan's group, five leader accounts and a draft round."""

    world: Any
    group: UnitGroup
    leaders: list[User]  # leaders[0] is the world's leader (portfolio: town A, dept A)
    round: LeaderRatingRound

    @property
    def office(self) -> User:
        return self.world.users[Role.OFFICE]

    @property
    def units(self) -> list[Any]:
        w = self.world
        return [w.town_a, w.town_b, w.dept_a, w.dept_b]

    def client_for(self, user: User) -> Client:
        return english_client(user)

    def sheet(self, user: User) -> LeaderRater:
        return LeaderRater.objects.select_related("round", "round__plan").get(
            round=self.round, user=user
        )


@pytest.fixture
def rating(world: Any) -> Rating:
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    world.plan.refresh_from_db()
    group = UnitGroup.objects.create(plan=world.plan, code="all", name="全部单位")
    group.units.set([world.town_a, world.town_b, world.dept_a, world.dept_b])
    leaders = [world.users[Role.LEADER]]
    for n, name in enumerate(["张县长", "王副县长", "陈副县长", "刘副县长"], start=2):
        person = PersonFactory(unit=world.county, name=name, position=Person.Position.COUNTY_LEADER)
        person.portfolio.set([world.town_b] if n % 2 else [world.dept_b])
        leaders.append(
            user_with_role(Role.LEADER, world.county, username=f"leader{n}", person=person)
        )
    round = services.round_create(
        actor=world.users[Role.OFFICE], plan=world.plan, name="2022年度领导评价", trim=True
    )
    return Rating(world=world, group=group, leaders=leaders, round=round)


@pytest.fixture
def open_round(rating: Rating) -> Rating:
    """The round with all five leaders as raters, opened."""
    services.raters_assign(actor=rating.office, round=rating.round, users=rating.leaders)
    services.round_open(actor=rating.office, round=rating.round)
    rating.round.refresh_from_db()
    return rating
