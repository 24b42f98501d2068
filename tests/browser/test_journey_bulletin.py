"""Journey 5: the office computes and publishes an official score run, then generates, edits
and issues a progress bulletin, and downloads it as Word, PDF and Excel, through the real
pages (the bulletin is built by a Huey task, run inline in tests)."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import Any

import pytest
from playwright.sync_api import expect

from kaoping.audit.models import AuditEvent
from kaoping.bulletins.documents import FORMATS
from kaoping.bulletins.models import Bulletin
from kaoping.org.models import Role
from kaoping.plans.models import Indicator, Plan, UnitGroup
from kaoping.scoring.models import ScoreRun
from kaoping.tracking.models import ProgressReport
from tests.browser.support import no_errors, sign_in

Q3 = "2022Q3"
EDITED = "三季度全县各项工作稳步推进，东城镇进度领先。"
MAGIC = {"docx": b"PK", "xlsx": b"PK", "pdf": b"%PDF"}


@pytest.fixture
def figures(world: Any) -> Any:
    """The world's plan published, both towns in one group scored on A01 and A02 (targets of
    1000), with approved figures at 2022Q3: 东城镇 ahead of 西山镇."""
    plan = world.plan
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.PUBLISHED)
    towns = UnitGroup.objects.create(plan=plan, code="towns", name="乡镇组", order=1)
    towns.units.set([world.town_a, world.town_b])
    Indicator.objects.filter(pk__in=[world.indicator_a.pk, world.indicator_b.pk]).update(
        points=D(20), target=D(1000), frequency=Indicator.Frequency.QUARTERLY
    )
    Indicator.objects.filter(pk=world.category.pk).update(
        points=D(40), scoring_rule=Indicator.ScoringRule.SUM_CHILDREN
    )
    for indicator in (world.category, world.indicator_a, world.indicator_b):
        indicator.groups.set([towns])
    for indicator, unit, value in (
        (world.indicator_a, world.town_a, "800"),
        (world.indicator_b, world.town_a, "700"),
        (world.indicator_a, world.town_b, "300"),
        (world.indicator_b, world.town_b, "200"),
    ):
        ProgressReport.objects.create(
            indicator=indicator,
            unit=unit,
            period=Q3,
            status=ProgressReport.Status.APPROVED,
            value=D(value),
        )
    plan.refresh_from_db()
    return world


def test_the_office_publishes_scores_and_issues_a_bulletin(
    page: Any, shot: Any, figures: Any
) -> None:
    world = figures
    plan = world.plan

    # Given the office on the scoring page of its plan
    sign_in(page, "office")
    page.goto(f"/scoring/?plan={plan.pk}")
    expect(page.locator("main")).to_contain_text(plan.name)
    assert not ScoreRun.objects.exists()

    # When it computes an official run of the figures at 2022Q3
    page.locator('input[name="as_of"]').fill(Q3)
    page.locator('input[name="label"]').fill("三季度考评")
    page.locator('[data-action="start-run"]').click()
    expect(page).to_have_url(re.compile(r"/scoring/runs/\d+/$"))
    run = ScoreRun.objects.get()
    assert run.status == ScoreRun.Status.DONE
    assert run.kind == ScoreRun.Kind.OFFICIAL
    assert run.as_of_period == Q3

    # Then the ranking shows both towns, 东城镇 first
    ranking = page.locator("table.kp-ranking tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.nth(0)).to_have_attribute("data-unit", world.town_a.code)
    expect(ranking.nth(1)).to_have_attribute("data-unit", world.town_b.code)
    expect(ranking.nth(0).locator("td").first).to_have_text("1")
    expect(ranking.nth(1).locator("td").first).to_have_text("2")
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    shot(page, "ranking")

    # When it publishes the run
    page.locator('[data-action="publish"]').click()
    expect(page.locator('[data-action="publish"]')).to_have_count(0)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.PUBLISHED
    assert run.published_by_id == world.users[Role.OFFICE].pk
    assert run.published_at is not None

    # and generates a bulletin of 2022Q3 (a Huey task, inline in tests)
    page.goto("/bulletins/")
    form = page.locator('form[data-form="generate"]')
    expect(form.locator('select[name="plan"]')).to_have_value(str(plan.pk))
    form.locator('input[name="period"]').fill(Q3)
    form.locator('[data-action="generate"]').click()
    bulletin = Bulletin.objects.get()
    expect(page).to_have_url(re.compile(rf"/bulletins/{bulletin.pk}/$"))
    sections = page.locator("section[data-section]")
    expect(sections.first).to_be_visible()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT
    assert bulletin.period == Q3
    assert len(bulletin.sections) >= 1
    expect(sections).to_have_count(len(bulletin.sections))
    first = bulletin.sections[0]
    expect(page.locator("main")).to_contain_text(first["heading"])

    # and edits the first section's text
    page.locator('[data-action="edit"]').click()
    expect(page).to_have_url(re.compile(rf"/bulletins/{bulletin.pk}/edit/$"))
    text = page.locator(f'textarea[name="section_{first["key"]}"]')
    expect(text).to_have_value(first["text"])
    text.fill(EDITED)
    page.locator('[data-action="save"]').click()
    expect(page).to_have_url(re.compile(rf"/bulletins/{bulletin.pk}/$"))
    expect(page.locator(f'section[data-section="{first["key"]}"]')).to_contain_text(EDITED)
    bulletin.refresh_from_db()
    assert bulletin.sections[0]["text"] == EDITED

    # and issues it, ticking the confirmation
    issue = page.locator('form[data-form="issue"]')
    issue.locator('input[name="confirm"]').check()
    issue.locator('[data-action="issue"]').click()
    expect(page.locator('form[data-form="issue"]')).to_have_count(0)
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.ISSUED
    assert bulletin.issued_by_id == world.users[Role.OFFICE].pk
    assert AuditEvent.objects.filter(action="bulletin.generate").count() == 1
    expect(page.locator('[data-action="edit"]')).to_have_count(0)
    expect(page.locator(f'section[data-section="{first["key"]}"]')).to_contain_text(EDITED)
    shot(page, "issued-bulletin")

    # Then each download link answers with the archived file of the right type
    links = page.locator("a[data-download]")
    expect(links).to_have_count(len(FORMATS))
    for fmt, spec in FORMATS.items():
        href = page.locator(f'a[data-download="{fmt}"]').get_attribute("href")
        assert href is not None
        response = page.request.get(href)
        assert response.status == 200, (fmt, response.status)
        assert response.headers["content-type"] == spec.content_type
        assert "attachment" in response.headers["content-disposition"]
        assert response.body().startswith(MAGIC[fmt]), fmt
    no_errors(page)
