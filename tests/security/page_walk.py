"""Every page of the URL map fetched as county B's own users, for the checks that look at whole
pages: the markup (tests/security/test_inline_scripts.py) and the queries behind each page
(tests/security/test_query_budgets.py).

The URLs are the crawl's (tests.security.url_walk, filled with county B's objects by
test_url_crawl.fill); here they are asked by B's own users, for whom most of them are real
pages. Every request runs in a savepoint rolled back afterwards, so pages see the same data
whatever the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kaoping.org.models import Role
from tests.security.crawl_world import County
from tests.security.test_url_crawl import fill
from tests.security.url_walk import Route, walk

# County B's users, the one whose scope is widest first: the office reaches most pages, the
# others the pages of their own work (a unit head's review queue, a reporter's forms, a
# leader's ballots, an inspector's rounds, an interviewer's cases).
ROLES_BY_REACH = (
    Role.OFFICE,
    Role.UNIT_HEAD,
    Role.REPORTER,
    Role.LEADER,
    Role.INSPECTOR,
    Role.INTERVIEWER,
)


@dataclass
class Page:
    """One answered GET: the route, the URL, who asked, the answer, its body, its queries."""

    route: Route
    path: str
    who: str
    status: int
    content_type: str
    body: str
    queries: int

    @property
    def is_html(self) -> bool:
        return self.status == 200 and self.content_type.startswith("text/html")


def own_clients(b: County, roles: Iterable[str] = ROLES_BY_REACH) -> dict[str, Client]:
    """One signed-in client per role of county B, keyed by role."""
    clients = {}
    for role in roles:
        client = Client(raise_request_exception=False)
        client.force_login(b.users[role])
        clients[role] = client
    return clients


def fetch(route: Route, path: str, who: str, client: Client) -> Page:
    """GET `path`, the body read inside the query capture (streamed files query as they go).

    Caches are emptied first: every page is measured cold, whatever was asked before it."""
    for cache in caches.all(initialized_only=True):
        cache.clear()
    # CaptureQueriesContext slices the connection's log, a deque of at most 9000 entries: once
    # full, its length stops growing and every capture would count 0. Start each one empty.
    connection.queries_log.clear()
    savepoint = transaction.savepoint()
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            if getattr(response, "streaming", False):
                data = b"".join(response.streaming_content)
            else:
                data = response.content
    finally:
        transaction.savepoint_rollback(savepoint)
    content_type = response.get("Content-Type", "")
    text = data.decode("utf-8", errors="ignore") if content_type.startswith("text/") else ""
    return Page(
        route, path, who, response.status_code, content_type, text, len(captured.captured_queries)
    )


def routes() -> list[Route]:
    """The URL map, as the crawl walks it."""
    return list(walk())


def every_page(b: County, clients: dict[str, Client]) -> Iterator[Page]:
    """Every route, filled with B's objects, as each of `clients` (in their order)."""
    unfilled: set[str] = set()
    for route in routes():
        path, _has_b = fill(route, b, unfilled)
        for who, client in clients.items():
            yield fetch(route, path, who, client)


def widest_pages(b: County, clients: dict[str, Client]) -> dict[str, Page]:
    """Each route's page as the first of `clients` answered 200, keyed by the filled URL."""
    found: dict[str, Page] = {}
    unfilled: set[str] = set()
    for route in routes():
        path, _has_b = fill(route, b, unfilled)
        for who, client in clients.items():
            page = fetch(route, path, who, client)
            if page.status == 200:
                found[path] = page
                break
    return found


__all__ = ["ROLES_BY_REACH", "Page", "every_page", "fetch", "own_clients", "widest_pages"]
