"""Who may see what, cached under the `access` data version (kaoping.core.versions), and the
county dashboard cached whole per user (kaoping.tracking.cache.page_key).

A user's roles, grants and data scope are read once and kept until a write that could change
them commits: a role granted or revoked, a unit added, a leader's portfolio changed, a plan
published. Every such write must show on the user's very next request; nothing of one user's
may reach another; a whole page never carries another session's CSRF token nor hides a
message. Versions are bumped once a write commits, so writes are made inside `committed()`
(tests/conftest.py: it runs the after-commit callbacks as a commit would).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaoping.core import versions
from kaoping.org import services as org_services
from kaoping.org.models import Role, Unit, User
from kaoping.org.scopes import data_scope
from kaoping.plans.models import Plan
from kaoping.tracking.cache import CSRF_PLACEHOLDER
from tests.factories import run_pending_bumps, user_with_role
from tests.tracking.test_dashboards import Q3, county_url, make_result

COUNTY = reverse("tracking:dashboard_county")


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def access(world: Any, committed: Any) -> Any:
    """The world committed, with an `access` version: scopes are cached from here on."""
    with committed():
        versions.bump_access()
    return world


def fresh(user: User) -> User:
    """The account as a new request loads it (nothing memoised on the object)."""
    return User.objects.get(pk=user.pk)


def grant_reads(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if 'FROM "org_rolegrant"' in q["sql"]]


def status(client: Client, url: str) -> int:
    return int(client.get(url).status_code)


# --- the scope, cached ------------------------------------------------------------------------
def test_a_scope_is_read_once_and_then_from_the_cache(access) -> None:
    office = access.users[Role.OFFICE]
    first = data_scope(fresh(office))
    with CaptureQueriesContext(connection) as captured:
        again = fresh(office)
        assert data_scope(again) == first
        assert again.roles == frozenset({Role.OFFICE})
    # the account row and the access version; no grant or unit read
    assert not grant_reads(captured)
    assert [q for q in captured.captured_queries if "tracking_dataversion" in q["sql"]]
    assert len(captured) == 2


def test_without_an_access_version_nothing_is_cached(world) -> None:
    office = world.users[Role.OFFICE]
    data_scope(fresh(office))
    with CaptureQueriesContext(connection) as captured:
        data_scope(fresh(office))
    assert grant_reads(captured)


def test_a_granted_role_opens_its_pages_at_once_and_a_revoked_one_closes_them(
    access, committed
) -> None:
    security = access.users[Role.SECURITY_ADMIN]
    user = access.users["reporter_b"]
    client = Client()
    client.force_login(user)
    assert status(client, COUNTY) == 404
    assert status(client, COUNTY) == 404  # twice: the scope without the role is cached
    with committed():
        grant = org_services.role_grant(
            actor=security, user=fresh(user), role=Role.INSPECTOR, unit=access.county
        )
    assert status(client, COUNTY) == 200
    with committed():
        org_services.role_revoke(actor=security, grant=grant, reason="调岗")
    assert status(client, COUNTY) == 404


def test_a_grant_deleted_without_the_service_closes_the_pages_too(access, committed) -> None:
    client = access.client_for(Role.INSPECTOR)
    assert status(client, COUNTY) == 200
    with committed():
        access.users[Role.INSPECTOR].role_grants.all().delete()
    assert status(client, COUNTY) == 404


def test_a_portfolio_change_moves_the_leaders_scope_at_once(access, committed) -> None:
    leader = access.users[Role.LEADER]
    assert access.town_b.pk not in data_scope(fresh(leader)).unit_ids
    with committed():
        access.leader_person.portfolio.add(access.town_b)
    assert access.town_b.pk in data_scope(fresh(leader)).unit_ids
    with committed():
        access.leader_person.portfolio.remove(access.town_a)
    assert access.town_a.pk not in data_scope(fresh(leader)).unit_ids


def test_a_new_unit_joins_the_offices_scope_at_once(access, committed) -> None:
    office = access.users[Role.OFFICE]
    assert data_scope(fresh(office)).unit_ids == {u.pk for u in Unit.objects.all()}
    with committed():
        town = org_services.unit_create(
            actor=fresh(office),
            code="T03",
            name="南湖镇",
            kind=Unit.Kind.TOWN,
            parent=access.county,
        )
    assert town.pk in data_scope(fresh(office)).unit_ids


def test_a_published_plan_reaches_the_leaders_selector_at_once(access, committed) -> None:
    client = access.client_for(Role.LEADER)
    assert access.plan.name not in client.get(COUNTY).content.decode()  # a draft
    with committed():
        access.plan.status = Plan.Status.PUBLISHED
        access.plan.save()
    assert access.plan.name in client.get(COUNTY).content.decode()


def test_roles_changed_inside_a_transaction_are_seen_there(access) -> None:
    security = access.users[Role.SECURITY_ADMIN]
    user = access.users["reporter_b"]
    assert not fresh(user).has_role(Role.INSPECTOR)  # cached without it
    with transaction.atomic():
        org_services.role_grant(
            actor=security, user=fresh(user), role=Role.INSPECTOR, unit=access.county
        )
        # not committed: the version is still the old one, so nothing comes from the cache
        assert fresh(user).has_role(Role.INSPECTOR)


def test_users_never_share_a_scope_entry(access) -> None:
    scopes = {who: data_scope(fresh(access.users[who])) for who in (Role.OFFICE, Role.REPORTER)}
    assert scopes[Role.REPORTER].unit_ids == {access.town_a.pk}
    assert scopes[Role.OFFICE].unit_ids > {access.town_a.pk}
    # read again, from the cache, each its own
    assert data_scope(fresh(access.users[Role.REPORTER])).unit_ids == {access.town_a.pk}


# --- the county dashboard, whole --------------------------------------------------------------
@pytest.fixture
def county(access: Any, committed: Any) -> str:
    with committed():
        access.plan.status = Plan.Status.PUBLISHED
        access.plan.save()
        make_result(access.indicator_a, access.town_a, status="red", gap="-30", will_meet=False)
    return county_url(plan=access.plan.pk, period=Q3)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_each_session_gets_its_own_csrf_token_in_a_cached_page(access, county) -> None:
    office = access.users[Role.OFFICE]
    clients = []
    for _ in range(2):  # the same account in two browsers: two sessions, two CSRF secrets
        client = Client(enforce_csrf_checks=True)
        client.force_login(office)
        clients.append(client)
    first = clients[0].get(county)
    second = clients[1].get(county)  # the page the first request stored
    assert second.templates == [] and first.templates
    page = second.content.decode()
    assert CSRF_PLACEHOLDER not in page
    # the second browser's token works for the second browser (the language menu posts it)
    answer = clients[1].post(
        reverse("set_language"),
        {"csrfmiddlewaretoken": csrf_of(page), "language": "en", "next": county},
    )
    assert answer.status_code == 302
    # and htmx requests carry it too
    assert f'"X-CSRFToken": "{csrf_of(page)}"' in page


def test_a_message_is_shown_and_never_cached(access, county) -> None:
    client = access.client_for(Role.OFFICE)
    client.get(county)  # the page is stored
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    encoded = storage._encode([Message(constants.SUCCESS, "报告已审核通过")])
    client.cookies["messages"] = encoded
    shown = client.get(county)
    assert "报告已审核通过" in shown.content.decode() and shown.templates
    # shown once: the next request is the stored page again, without it
    again = client.get(county)
    assert "报告已审核通过" not in again.content.decode() and again.templates == []


def test_two_users_of_one_scope_never_share_a_page(access, county) -> None:
    other = user_with_role(Role.OFFICE, access.county, username="office_2")
    other.display_name = "第二位绩效办用户"
    other.save()
    run_pending_bumps()
    first = access.client_for(Role.OFFICE).get(county).content.decode()
    client = Client()
    client.force_login(other)
    second = client.get(county)
    assert second.templates  # rendered for this user, not the first one's page
    assert str(other) in second.content.decode() and str(other) not in first


def test_a_page_follows_the_language(access, county) -> None:
    client = access.client_for(Role.OFFICE)
    chinese = client.get(county).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(county).content.decode()
    assert "County overview" in english and "County overview" not in chinese


def test_a_revoked_role_is_not_served_its_cached_page(access, county, committed) -> None:
    client = access.client_for(Role.INSPECTOR)
    assert client.get(county).status_code == 200
    assert client.get(county).status_code == 200  # stored
    with committed():
        grant = access.users[Role.INSPECTOR].role_grants.get()
        org_services.role_revoke(actor=access.users[Role.SECURITY_ADMIN], grant=grant)
    assert client.get(county).status_code == 404


def test_the_portfolio_page_is_cached_and_follows_the_portfolio(access, county, committed) -> None:
    client = access.client_for(Role.LEADER)
    url = reverse("tracking:dashboard_portfolio") + f"?plan={access.plan.pk}&period={Q3}"
    first = client.get(url)
    second = client.get(url)
    assert first.templates and second.templates == []
    assert second.content == first.content.replace(
        csrf_of(first.content.decode()).encode(), csrf_of(second.content.decode()).encode()
    )
    assert access.town_b.name not in second.content.decode()
    with committed():
        access.leader_person.portfolio.add(access.town_b)
    third = client.get(url)
    assert third.templates and access.town_b.name in third.content.decode()
