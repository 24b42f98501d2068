"""CSRF everywhere: every URL of Kaoping refuses a POST that carries the session cookie but no
CSRF token, whatever the view would have done with it, and no view opts out except the API,
which checks the token itself for cookie-authenticated calls.

The URL list is walked from the resolver, so a page added later is covered without touching
this file. Arguments are filled with "1": every converter the project uses accepts it, and
the CSRF check runs before the view looks anything up.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from tests.security.url_walk import Route, walk

pytestmark = pytest.mark.django_db

API_PREFIX = "api/"


def _path(route: Route) -> str:
    return route.fill(dict.fromkeys(route.args, "1"))


def _routes() -> list[Route]:
    routes = list(walk())
    assert len(routes) > 100  # the walk found the whole URL map
    return routes


def test_no_page_opts_out_of_the_csrf_check() -> None:
    """Only the API's views are csrf_exempt (django-ninja checks the token itself when the
    caller signs in with the session cookie; token callers carry no cookie to forge)."""
    exempt = [
        route.template
        for route in _routes()
        if getattr(route.view, "csrf_exempt", False) and not route.template.startswith(API_PREFIX)
    ]
    assert exempt == []


@pytest.mark.parametrize("role", [Role.OFFICE, Role.REPORTER])
def test_every_url_refuses_a_post_without_a_token(world: Any, role: str) -> None:
    """A signed-in user's browser tricked into posting to any page: 403, nothing written."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    events_before = AuditEvent.objects.count()
    answered: dict[str, int] = {}
    for route in _routes():
        if route.template.startswith(API_PREFIX):
            continue
        path = _path(route)
        response = client.post(path, {"name": "forged", "action": "submit"})
        answered[path] = response.status_code
    wrong = {path: status for path, status in answered.items() if status != 403}
    assert wrong == {}
    # Nothing reached a service: no audit event was written by any of those requests.
    assert AuditEvent.objects.count() == events_before


def test_the_refusal_is_the_csrf_check_and_a_token_lets_the_form_through(world: Any) -> None:
    """The same POST with the token gets past the check (so the 403s above are CSRF's)."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    assert page.status_code == 200
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    without = client.post("/login/", {"username": "office", "password": "wrong"})
    assert without.status_code == 403
    with_token = client.post(
        "/login/", {"username": "office", "password": "wrong", "csrfmiddlewaretoken": token}
    )
    assert with_token.status_code == 200  # the form again, with its error: the check passed


def test_the_api_refuses_a_cookie_post_without_a_token(world: Any) -> None:
    """The API accepts the session cookie for the pages' own calls: a POST with the cookie
    and without the token is refused, not run."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[Role.OFFICE])
    api_posts = [
        route
        for route in _routes()
        if route.template.startswith(API_PREFIX) and "docs" not in route.template
    ]
    assert api_posts
    events_before = AuditEvent.objects.count()
    statuses = {}
    for route in api_posts:
        path = _path(route)
        response = client.post(path, data="{}", content_type="application/json")
        statuses[path] = response.status_code
    # 405 where the endpoint has no POST at all; every endpoint that takes a POST refuses it.
    posting = {path: status for path, status in statuses.items() if status != 405}
    assert any(path.endswith("/submit") for path in posting)  # the report endpoints are among them
    assert set(posting.values()) == {403}, posting
    assert AuditEvent.objects.count() == events_before
