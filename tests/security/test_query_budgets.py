"""No page above its query budget, and no page whose queries grow with the data (N+1).

Every GET URL of the crawl (tests.security.url_walk, filled with county B's objects) is asked
by each of county B's six working roles; every page answered 200 is measured cold (caches
emptied) with CaptureQueriesContext. Measured twice, on county B as built and on county B
grown by GROW_BY more towns, indicators, reports with evidence, tasks, findings, deductions,
vetoes, accounts, notifications, respondents and cases (tests.security.crawl_world.
grow_county_b): each page must stay within its budget both times, and answer the grown
county with at most GROWTH_ALLOWANCE more queries. The budgets are documented in
docs/query-budgets.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from tests.security.crawl_world import build_county_b, grow_county_b, populate_county_b
from tests.security.page_walk import every_page, own_clients, routes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_session_touch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The session-expiry middleware saves the session once a minute of wall time (one more
    query on whichever page comes then); every fetch is rolled back, so on a slow machine that
    would be every page after the first minute. Counts must not depend on the clock."""
    monkeypatch.setattr("kaoping.org.middleware._TOUCH_EVERY", 10**9)


# Queries any page may make: session, user, role grants and scope, the navigation's
# counters, then the page's own reads. The largest measured page makes 22.
DEFAULT_BUDGET = 20
# Pages allowed more, each with its measured count and why (URL name -> budget).
BUDGETS = {
    # 22: the project's hub checks readiness across questionnaire, frames, draw, staff and
    # quotas, one aggregate each.
    "surveys:project_detail": 24,
    # 20 (as a leader): the unit dashboard's cards, each one query for the whole unit; the
    # page belongs to the dashboards' owner (kaoping/tracking/views/dashboards.py).
    "tracking:dashboard_unit": 22,
}
# More rows of every kind in the grown county B.
GROW_BY = 6
# Extra queries a page may make for the grown county, independent of its size: a page whose
# list was empty skips a query the non-empty list needs (a count, a "has more" check).
GROWTH_ALLOWANCE = 2


@dataclass(frozen=True)
class Measured:
    name: str
    path: str
    who: str
    queries: int
    size: int


def measure(grow_by: int) -> dict[tuple[str, str], Measured]:
    """Each route's page as each role of county B, built (and grown by `grow_by`) inside a
    savepoint rolled back afterwards, so the next measurement starts from the same database."""
    savepoint = transaction.savepoint()
    try:
        b = build_county_b()
        populate_county_b(b)
        if grow_by:
            grow_county_b(b, grow_by)
        return {
            (page.route.template, page.who): Measured(
                page.route.name, page.path, page.who, page.queries, len(page.body)
            )
            for page in every_page(b, own_clients(b))
            if page.status == 200
        }
    finally:
        transaction.savepoint_rollback(savepoint)


def over_budget(pages: dict[tuple[str, str], Measured]) -> list[str]:
    return sorted(
        f"{m.name} {m.path} as {m.who}: {m.queries} > {BUDGETS.get(m.name, DEFAULT_BUDGET)}"
        for m in pages.values()
        if m.queries > BUDGETS.get(m.name, DEFAULT_BUDGET)
    )


def growing(
    small: dict[tuple[str, str], Measured], large: dict[tuple[str, str], Measured]
) -> list[str]:
    return sorted(
        f"{large[key].name} {large[key].path} as {large[key].who}: "
        f"{small[key].queries} -> {large[key].queries}"
        for key in small.keys() & large.keys()
        if large[key].queries > small[key].queries + GROWTH_ALLOWANCE
    )


def test_the_checks_catch_a_page_over_budget_and_an_n_plus_1() -> None:
    """Positive control on made-up measurements: a list page making one query per row."""
    key = ("x/", "office")
    small = {key: Measured("x:list", "/x/", "office", 8, 100)}
    large = {key: Measured("x:list", "/x/", "office", 8 + GROW_BY, 900)}
    assert growing(small, large) == [f"x:list /x/ as office: 8 -> {8 + GROW_BY}"]
    assert growing(small, small) == []
    heavy = {key: Measured("x:list", "/x/", "office", DEFAULT_BUDGET + 1, 100)}
    assert over_budget(heavy) == [f"x:list /x/ as office: {DEFAULT_BUDGET + 1} > {DEFAULT_BUDGET}"]
    assert over_budget(small) == []


def test_every_page_within_its_budget_and_constant_in_the_data() -> None:
    small = measure(0)
    large = measure(GROW_BY)

    # Given the same pages answered in both counties, by the same roles
    assert len(small) > 300  # every role's pages, the admin's and the API's included
    assert set(small) == set(large)
    grew = [key for key in small if large[key].size > small[key].size]
    assert len(grew) > 60  # the grown rows really reached the pages

    # Then every page is within its budget, in both counties
    assert over_budget(small) == []
    assert over_budget(large) == []

    # And no page's queries grow with the rows it shows
    assert growing(small, large) == []


def test_the_budgets_name_real_pages() -> None:
    """An override for a URL name that no longer exists would silently never apply."""
    names = {route.name for route in routes()}
    assert set(BUDGETS) <= names
    assert all(budget > DEFAULT_BUDGET for budget in BUDGETS.values())
