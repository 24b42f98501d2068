"""The dashboards' cache (kaoping.tracking.cache): served from the cache on the second
request, invalidated by every kind of write, never shared across data scopes or languages,
keyed on a data version read from the database (so other processes see a bump), and the
same page whether it came from the cache or not.

Versions are bumped once a write commits (`transaction.on_commit`); a test runs inside one
transaction, so writes are made inside `committed()`, which runs those callbacks as a commit
would. Without it the plan's version stays as it was, as before a real commit.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaoping.audit.services import audit_event
from kaoping.core import versions
from kaoping.core.periods import Period
from kaoping.org.models import Role, Unit
from kaoping.plans import services as plan_services
from kaoping.plans.models import Plan
from kaoping.tracking import cache as dashboard_cache
from kaoping.tracking.models import (
    Explanation,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from kaoping.tracking.services import reports as report_services
from kaoping.tracking.services import results as result_services
from kaoping.tracking.services import supervision as supervision_services
from kaoping.tracking.services import tasks as task_services
from tests.factories import IndicatorFactory, PlanFactory
from tests.tracking import test_dashboards
from tests.tracking.test_dashboards import Q3, county_url, kpi, make_result

seed = test_dashboards.seed  # the seed speech's picture (a fixture)

# Tables the county overview reads; a page served from the cache reads none of them.
OVERVIEW_TABLES = ("tracking_trackingresult", "tracking_supervisionnotice", "tracking_explanation")


def overview_queries(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in OVERVIEW_TABLES)
    ]


def get(client: Client, url: str) -> tuple[Any, CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, captured


def page_text(response: Any) -> str:
    """The page without what differs per request (CSRF tokens, CSP nonces) or per address
    (the language menu posts the address back)."""
    text = response.content.decode()
    text = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", text)
    text = re.sub(r'(name="next" type="hidden" value=")[^"]*', r"\1", text)
    text = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1", text)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', text)


def elsewhere(url: str) -> str:
    """The same dashboard at another address: the whole page is cached per address, the
    overview per plan, period and scope, so this renders the page around the cached overview."""
    return f"{url}&again=1"


def kpis(response: Any) -> list[int]:
    return [kpi(response, s) for s in ("green", "yellow", "red", "not_comparable")]


@pytest.fixture(autouse=True)
def empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def county(world: Any, committed: Any) -> str:
    """The county plan's overview at 2022Q3: 税收收入 red at 东城镇, 外贸 green at 西山镇."""
    with committed():
        world.plan.status = Plan.Status.PUBLISHED  # leaders and inspectors read published plans
        world.plan.save()
        make_result(world.indicator_a, world.town_a, status="red", gap="-30", will_meet=False)
        make_result(world.indicator_b, world.town_b, status="green", gap="2", will_meet=True)
    return county_url(plan=world.plan.pk, period=Q3)


@pytest.fixture
def seeded(seed: Any, committed: Any) -> Any:
    """The seed speech's plan, its writes committed."""
    with committed():
        dashboard_cache.bump_plans([seed.plan.pk])
    return seed


# --- served from the cache -----------------------------------------------------------------
def test_the_second_request_is_served_from_the_cache(world, county) -> None:
    client = world.client_for(Role.OFFICE)
    first, cold = get(client, county)
    second, warm = get(client, county)
    # the second request reads none of the overview's tables and far fewer queries in all
    assert overview_queries(cold) and not overview_queries(warm)
    assert len(warm) <= len(cold) - 4, [q["sql"][:100] for q in warm.captured_queries]
    assert kpis(second) == kpis(first) == [1, 0, 1, 0]
    assert page_text(second) == page_text(first)


def test_a_cached_page_is_the_page_computed_afresh(world, seeded, settings, committed) -> None:
    # given the seed picture (year on year, lagging units, misses, notices), read twice
    client = world.client_for(Role.OFFICE)
    url = county_url(plan=seeded.plan.pk, period=Q3)
    today = timezone.localdate()
    with committed():
        Explanation.objects.create(
            indicator=seeded.indicators["外贸进出口总额"],
            unit=world.town_a,
            period=Q3,
            due=today - timedelta(days=1),
        )
    get(client, url)
    page, hit = get(client, url)  # the same user at the same address: the page as it was
    assert rendered(page) == [] and not overview_queries(hit)
    cached, warm = get(client, elsewhere(url))  # the page rendered around the cached overview
    assert not overview_queries(warm) and OVERVIEW_TEMPLATE not in rendered(cached)
    # when the cache is turned off, the page computed afresh is the same, byte for byte
    settings.KAOPING_DASHBOARD_CACHE = False
    fresh, cold = get(client, url)
    assert overview_queries(cold)
    assert page_text(cached) == page_text(fresh) == page_text(page)
    assert kpi(cached, "overdue") == 1
    # and what the page does not show is read again on use, the same as computed afresh
    assert cached.context["overview"].items == fresh.context["overview"].items
    assert len(cached.context["overview"].items) == 16


def test_long_lists_keep_their_length_and_are_read_again_only_when_used(
    world, county, committed
) -> None:
    # given 20 items behind schedule and projected to miss, more than the page lists (15)
    with committed():
        for n in range(19):
            indicator = IndicatorFactory(plan=world.plan, code=f"R{n:02d}", name=f"指标{n}")
            make_result(indicator, world.town_b, status="red", gap=str(-n), will_meet=False)
    office = world.client_for(Role.OFFICE)
    fresh = get(office, county)[0].context["overview"]
    response, captured = get(office, elsewhere(county))
    cached = response.context["overview"]
    assert not overview_queries(captured)
    # the page's lengths and first rows come from the cache without a query
    with CaptureQueriesContext(connection) as reads:
        assert len(cached.behind) == len(fresh.behind) == 20
        assert len(cached.misses) == len(fresh.misses) == 20 and cached.misses
        assert cached.behind[:15] == fresh.behind[:15]
    assert not reads.captured_queries
    assert kpi(response, "misses") == 20
    # every row beyond is read again on use, the same as computed afresh
    assert list(cached.behind) == list(fresh.behind)
    assert cached.misses[19] == fresh.misses[19]
    assert cached.items == fresh.items


def test_the_portfolio_is_cached_too(world, seeded, committed) -> None:
    client = world.client_for(Role.LEADER)
    url = reverse("tracking:dashboard_portfolio")
    first, cold = get(client, url)
    second, warm = get(client, url)
    assert overview_queries(cold) and not overview_queries(warm)
    assert page_text(second) == page_text(first)
    # a figure of the portfolio turning red shows at once
    figure = seeded.results["税收收入"]
    figure.status, figure.gap = "red", D("-9")
    with committed():
        figure.save()
    third, _ = get(client, url)
    rows = {lag.unit.name: lag.red for lag in third.context["dash"].lags}
    assert rows["县发展和改革局"] == 1


# --- invalidated by writes -----------------------------------------------------------------
def test_an_approved_report_shows_at_once(
    world, county, committed, django_capture_on_commit_callbacks
) -> None:
    office = world.client_for(Role.OFFICE)
    assert kpis(get(office, county)[0]) == [1, 0, 1, 0]
    # when 东城镇 reports 90 of 100 for Q3 and the report is approved (recomputed on commit)
    users = world.users
    draft = report_services.report_create_draft(
        actor=users[Role.REPORTER],
        indicator=world.indicator_a,
        unit=world.town_a,
        period=Q3,
        value="90",
        last_year_value="80",
        narrative="稳步推进。",
    )
    report_services.evidence_attach(
        actor=users[Role.REPORTER],
        report=draft,
        upload=_pdf(),
    )
    report_services.report_submit(actor=users[Role.REPORTER], report=draft)
    report_services.report_unit_approve(actor=users[Role.UNIT_HEAD], report=draft)
    with django_capture_on_commit_callbacks() as after_commit:
        report_services.report_office_approve(actor=users[Role.OFFICE], report=draft)
    # the approval commits: its bump runs first, then the recompute (a job in production)
    bump, *jobs = after_commit
    bump()
    # a request in between still shows the old figure, cached under the approval's version
    assert kpi(get(office, county)[0], "red") == 1
    with committed():
        for job in jobs:
            job()
    # then the next request shows the recomputed figure: 90 % against 75 % expected is green
    after = get(office, county)[0]
    assert kpi(after, "red") == 0
    assert TrackingResult.objects.get(
        indicator=world.indicator_a, unit=world.town_a, period=Q3
    ).actual == D("90")


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    return SimpleUploadedFile("佐证.pdf", body, content_type="application/pdf")


def test_the_offices_recompute_shows_at_once(world, county, committed) -> None:
    office = world.client_for(Role.OFFICE)
    assert kpi(get(office, county)[0], "red") == 1
    # given figures changed behind the engine's back (no signal, no bump): the page is cached
    TrackingResult.objects.filter(indicator=world.indicator_a).update(status="yellow")
    assert kpi(get(office, county)[0], "red") == 1
    # when the office recomputes the plan (no approved report: 税收收入 is not comparable)
    with committed():
        response = office.post(reverse("tracking:dashboard_recompute"), {"plan": world.plan.pk})
    assert response.status_code == 302
    after = get(office, county)[0]
    assert kpi(after, "red") == 0 and kpi(after, "yellow") == 0
    assert kpi(after, "not_comparable") >= 1


def test_notices_and_explanations_show_at_once(world, county, committed) -> None:
    office = world.client_for(Role.OFFICE)
    before = get(office, county)[0]
    assert kpi(before, "notices") == 0 and kpi(before, "overdue") == 0
    with committed():
        notice = SupervisionNotice.objects.create(
            indicator=world.indicator_a,
            unit=world.town_a,
            period=Q3,
            level="red",
            consecutive_red=3,
        )
        Explanation.objects.create(
            indicator=world.indicator_a,
            unit=world.town_a,
            period=Q3,
            due=timezone.localdate() - timedelta(days=2),
        )
    after = get(office, county)[0]
    assert kpi(after, "notices") == 1 and kpi(after, "overdue") == 1
    # closing the notice (a QuerySet.update in the service, seen through its audit event)
    with committed():
        supervision_services.notice_close(
            actor=world.users[Role.OFFICE], notice=notice, reason="已整改到位"
        )
    assert kpi(get(office, county)[0], "notices") == 0


def test_an_indicator_renamed_and_a_unit_renamed_show_at_once(world, county, committed) -> None:
    office = world.client_for(Role.OFFICE)
    assert "税收收入" in get(office, county)[0].content.decode()
    # the office edits an indicator of a draft plan (QuerySet.update + audit)
    with committed():
        world.plan.status = Plan.Status.DRAFT
        world.plan.save()
    indicator = world.indicator_a
    indicator.refresh_from_db()
    with committed():
        plan_services.indicator_update(
            actor=world.users[Role.OFFICE],
            indicator=indicator,
            expected_version=indicator.row_version,
            name="一般公共预算收入",
        )
    text = get(office, county)[0].content.decode()
    assert "一般公共预算收入" in text
    # a unit's new name reaches every plan's cached pages (the global version)
    town = Unit.objects.get(pk=world.town_a.pk)
    town.short_name = "东城"
    town.name = "东城街道"
    with committed():
        town.save()
    after = get(office, county)[0]
    assert test_dashboards.chart(after, "chart-lagging")["yAxis"]["data"] == ["东城"]


# --- which writes bump which version ---------------------------------------------------------
def _version(world: Any) -> str | None:
    return dashboard_cache.plan_version(world.plan.pk)


@pytest.fixture
def task(world: Any, committed: Any) -> Task:
    with committed():
        task = Task.objects.create(
            assignment=world.assignment_a,
            unit=world.town_a,
            name="组织税源调查",
            deadline=timezone.localdate() + timedelta(days=60),
        )
        Milestone.objects.create(task=task, name="摸底", due=timezone.localdate())
        for plan in Plan.objects.all():
            dashboard_cache.bump_plans([plan.pk])
    return task


def _write_task_update(world: Any, task: Task) -> None:
    task.refresh_from_db()
    task_services.task_update(
        actor=world.users[Role.UNIT_HEAD],
        task=task,
        expected_version=task.row_version,
        name="组织重点税源调查",
    )


def _write_milestone(world: Any, task: Task) -> None:
    Milestone.objects.create(task=task, name="走访", due=timezone.localdate())


def _write_milestone_removed(world: Any, task: Task) -> None:
    task.milestones.get().delete()


def _write_report(world: Any, task: Task) -> None:
    ProgressReport.objects.create(
        indicator=world.indicator_a, unit=world.town_a, period=Q3, value=D("1")
    )


def _write_store(world: Any, task: Task) -> None:
    result_services.recompute_plan(plan=world.plan, period=Period.parse(Q3))


def _write_recompute_audit(world: Any, task: Task) -> None:
    # an audited action on a plan bumps it even when no row signal fired
    audit_event(actor=world.users[Role.OFFICE], action="tracking.recompute", obj=world.plan)


def _write_assignment(world: Any, task: Task) -> None:
    world.assignment_a.supporting_units.add(world.dept_a)
    world.assignment_a.save()


WRITES = {
    "task update (QuerySet.update + audit)": _write_task_update,
    "milestone added": _write_milestone,
    "milestone removed": _write_milestone_removed,
    "progress report": _write_report,
    "engine store (bulk upsert)": _write_store,
    "audited recompute": _write_recompute_audit,
    "assignment": _write_assignment,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_kind_of_write_bumps_the_plans_version(world, task, committed, write: str) -> None:
    other = PlanFactory(owner=world.county, code="other-2022")
    with committed():
        dashboard_cache.bump_plans([other.pk])
    before, other_before = _version(world), dashboard_cache.plan_version(other.pk)
    assert before is not None and other_before is not None
    with committed():
        WRITES[write](world, task)
    assert _version(world) != before
    # another plan keeps its version
    assert dashboard_cache.plan_version(other.pk) == other_before


def test_an_export_bumps_nothing(world, task, committed) -> None:
    before = _version(world)
    with committed():
        audit_event(actor=world.users[Role.OFFICE], action="plan.export", obj=world.plan)
    assert _version(world) == before


def test_a_rolled_back_write_bumps_nothing_and_a_transaction_bumps_once(
    world, task, committed
) -> None:
    before = _version(world)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        make_result(world.indicator_a, world.town_a, "2022Q1")
        raise RuntimeError("rolled back")
    assert _version(world) == before
    # three writes in one transaction: one upsert of the version, after the commit
    with CaptureQueriesContext(connection) as captured, committed(), transaction.atomic():
        for period in ("2022Q1", "2022Q2", "2022Q3"):
            make_result(world.indicator_b, world.town_b, period)
    writes = [q["sql"] for q in captured.captured_queries if "INSERT INTO" in q["sql"]]
    assert len([sql for sql in writes if "tracking_dataversion" in sql]) == 1
    assert _version(world) != before


# --- scopes, languages, processes --------------------------------------------------------------
def test_two_scopes_never_share_an_entry(world, county) -> None:
    # the leader (东城镇 and 发改局) first, then the office (the whole county)
    leader = get(world.client_for(Role.LEADER), county)[0]
    office, captured = get(world.client_for(Role.OFFICE), county)
    assert kpis(leader) == [0, 0, 1, 0]
    assert kpis(office) == [1, 0, 1, 0]
    assert overview_queries(captured)  # a miss: the leader's entry was not used
    # and in the other order, each keeps its own
    assert kpis(get(world.client_for(Role.LEADER), county)[0]) == [0, 0, 1, 0]


def test_the_same_scope_shares_an_entry(world, county) -> None:
    # the office and the inspector both read the whole county: one entry serves both
    get(world.client_for(Role.OFFICE), county)
    inspector, captured = get(world.client_for(Role.INSPECTOR), county)
    assert not overview_queries(captured)
    assert kpis(inspector) == [1, 0, 1, 0]


def test_each_language_has_its_own_entry(world, county) -> None:
    zh = world.client_for(Role.OFFICE)
    en = world.client_for(Role.OFFICE)
    en.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    chinese = get(zh, county)[0]
    english, captured = get(en, county)
    assert overview_queries(captured)  # not the Chinese entry
    assert "On schedule" in english.content.decode()
    assert "On schedule" not in chinese.content.decode()
    # each is served from its own entry afterwards
    again, captured = get(en, county)
    assert not overview_queries(captured)
    assert page_text(again) == page_text(english)


def test_the_version_comes_from_the_database(world, county) -> None:
    office = world.client_for(Role.OFFICE)
    assert kpi(get(office, county)[0], "red") == 1
    # another process changes a figure and bumps the version: only the database row changes
    TrackingResult.objects.filter(indicator=world.indicator_a).update(status="green")
    key = dashboard_cache.plan_key(world.plan.pk)
    versions.DataVersion.objects.filter(key=key).update(token="0" * 32)
    # this process's cache still holds the old payload, under the old version: not used
    after, captured = get(office, county)
    assert overview_queries(captured)
    assert kpi(after, "red") == 0 and kpi(after, "green") == 2
    # a process starting with an empty cache computes the same page
    cache.clear()
    assert page_text(get(office, county)[0]) == page_text(after)


def test_a_plan_without_a_version_is_not_cached(world, county) -> None:
    versions.DataVersion.objects.all().delete()
    office = world.client_for(Role.OFFICE)
    get(office, county)
    _, captured = get(office, county)
    assert overview_queries(captured)


def test_a_new_period_appears_in_the_selector(world, county, committed) -> None:
    office = world.client_for(Role.OFFICE)
    assert [str(p) for p in get(office, county)[0].context["periods"]] == [Q3]
    with committed():
        make_result(world.indicator_a, world.town_a, "2022Q2", status="yellow", gap="-3")
    assert [str(p) for p in get(office, county)[0].context["periods"]] == [Q3, "2022Q2"]


# --- the rendered overview ---------------------------------------------------------------------
OVERVIEW_TEMPLATE = "tracking/dashboard_county_overview.html"


def rendered(response: Any) -> list[str]:
    return [t.name for t in response.templates]


def links_to(response: Any, name: str) -> bool:
    return f'href="{reverse(name)}"' in response.content.decode()


@pytest.mark.parametrize("who", [Role.OFFICE, Role.LEADER, Role.INSPECTOR])
def test_the_cached_overview_is_the_page_rendered_afresh_for_each_role(
    world, seeded, settings, who: str
) -> None:
    url = county_url(plan=seeded.plan.pk, period=Q3)
    # the office warms the cache first (the inspector shares its scope, the leader does not)
    get(world.client_for(Role.OFFICE), url)
    client = world.client_for(who)
    get(client, url)
    cached, warm = get(client, elsewhere(url))
    # served from the cache: the overview neither read nor rendered again
    assert not overview_queries(warm)
    assert OVERVIEW_TEMPLATE not in rendered(cached)
    assert "tracking/dashboard_county.html" in rendered(cached)
    settings.KAOPING_DASHBOARD_CACHE = False
    fresh, cold = get(client, url)
    assert overview_queries(cold) and OVERVIEW_TEMPLATE in rendered(fresh)
    assert page_text(cached) == page_text(fresh)
    # the links around it follow the user's own roles, cached or not
    assert links_to(cached, "tracking:review_queue") == (who == Role.OFFICE)
    assert links_to(cached, "plans:plan_list") == (who == Role.OFFICE)
    assert links_to(cached, "tracking:notice_list")


def test_role_links_in_the_overview_are_not_shared_by_a_scope(
    world, county, settings, monkeypatch
) -> None:
    # given a role that opens the county overview but not the notices (none does today)
    from kaoping.tracking.views import dashboards

    monkeypatch.setattr(dashboards, "SUPERVISION_ROLES", frozenset({Role.OFFICE}))
    notices = f'<a href="{reverse("tracking:notice_list")}" class="card'  # the notices' card
    office = get(world.client_for(Role.OFFICE), county)[0]
    # the inspector shares the office's scope, hence its payload, but not its rendered overview
    inspector, captured = get(world.client_for(Role.INSPECTOR), county)
    assert not overview_queries(captured)
    assert OVERVIEW_TEMPLATE in rendered(inspector)
    assert notices in office.content.decode()
    assert notices not in inspector.content.decode()
    again = get(world.client_for(Role.INSPECTOR), county)[0]
    assert OVERVIEW_TEMPLATE not in rendered(again)
    assert notices not in again.content.decode()
    settings.KAOPING_DASHBOARD_CACHE = False
    assert page_text(again) == page_text(get(world.client_for(Role.INSPECTOR), county)[0])


def test_a_write_retires_the_rendered_overview(world, county, committed) -> None:
    office = world.client_for(Role.OFFICE)
    get(office, county)
    cached = get(office, county)[0]
    assert OVERVIEW_TEMPLATE not in rendered(cached) and kpi(cached, "red") == 1
    figure = TrackingResult.objects.get(indicator=world.indicator_a)
    figure.status, figure.gap = "green", D("1")
    with committed():
        figure.save()
    after = get(office, county)[0]
    assert OVERVIEW_TEMPLATE in rendered(after)
    assert kpi(after, "red") == 0 and kpi(after, "green") == 2


def test_a_language_switch_renders_the_other_language(world, county) -> None:
    office = world.client_for(Role.OFFICE)
    chinese = get(office, county)[0]
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = get(office, county)[0]
    assert OVERVIEW_TEMPLATE in rendered(english)  # not the Chinese overview
    assert "Projected to miss the target" in english.content.decode()
    assert "Projected to miss the target" not in chinese.content.decode()
    # and back: the Chinese one, from the cache
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    back = get(office, county)[0]
    assert OVERVIEW_TEMPLATE not in rendered(back)
    assert page_text(back) == page_text(chinese)


def test_a_warm_request_reads_three_rows(world, county) -> None:
    office = world.client_for(Role.OFFICE)
    get(office, county)
    page, warm = get(office, county)
    # the session, the account and the versions (access, global, the plan's) in one query:
    # no grant, unit or plan is read, no template rendered
    assert len(warm) == 3, [q["sql"][:100] for q in warm.captured_queries]
    assert "tracking_dataversion" in warm.captured_queries[2]["sql"]
    assert rendered(page) == []
    # at another address the page is rendered around the cached overview: the account menu
    # lists the grants the data scope keeps (cached with it), none read again
    page, other = get(office, elsewhere(county))
    assert "tracking/dashboard_county.html" in rendered(page)
    assert not [q for q in other.captured_queries if 'FROM "org_rolegrant"' in q["sql"]]
    assert f'· <span class="text-muted">{world.county.name}</span>' in page.content.decode()


def test_the_menu_is_each_users_own_and_marks_the_page(world, county) -> None:
    # rendered once per roles and page in a process: the office's menu never reaches the
    # inspector, nor the dashboard's active entry another page
    office = get(world.client_for(Role.OFFICE), county)[0]
    inspector = get(world.client_for(Role.INSPECTOR), county)[0]
    assert links_to(office, "plans:plan_list") and not links_to(inspector, "plans:plan_list")
    dashboard = f'aria-current="page" href="{reverse("tracking:dashboard")}"'
    assert dashboard in office.content.decode() and dashboard in inspector.content.decode()
    catalogue = get(world.client_for(Role.OFFICE), reverse("plans:catalogue"))[0]
    assert dashboard not in catalogue.content.decode()
    assert f'aria-current="page" href="{reverse("plans:catalogue")}"' in catalogue.content.decode()
