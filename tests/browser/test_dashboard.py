"""Journey 4: the office opens the county dashboard; its ECharts charts draw on a canvas,
the page logs no JavaScript error, and it speaks Chinese."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from kaoping.org.models import Role
from kaoping.tracking.models import TrackingResult
from kaoping.tracking.services import reports as services
from tests.browser.support import minimal_pdf, no_errors, sign_in
from tests.factories import user_with_role

Q3 = "2022Q3"


def approve(
    county: Any, *, reporter: str, head: Any, indicator: Any, unit: Any, value: str
) -> None:
    """A report through the whole workflow with the services: the office approves it."""
    report = services.report_create_draft(
        actor=county.users[reporter],
        indicator=indicator,
        unit=unit,
        period=Q3,
        value=value,
        last_year_value="60",
    )
    services.evidence_attach(
        actor=county.users[reporter],
        report=report,
        upload=SimpleUploadedFile(f"{unit.code}.pdf", minimal_pdf(unit.code), "application/pdf"),
    )
    report = services.report_submit(actor=county.users[reporter], report=report)
    report = services.report_unit_approve(actor=head, report=report)
    services.report_office_approve(actor=county.users[Role.OFFICE], report=report)


def test_the_office_sees_the_county_dashboard_drawn(page: Any, shot: Any, county: Any) -> None:
    # Given approved figures of two towns at 2022Q3
    head_b = user_with_role(Role.UNIT_HEAD, county.town_b, username="head_b")
    approve(
        county,
        reporter=Role.REPORTER,
        head=county.users[Role.UNIT_HEAD],
        indicator=county.indicator_a,
        unit=county.town_a,
        value="80",
    )
    approve(
        county,
        reporter="reporter_b",
        head=head_b,
        indicator=county.indicator_b,
        unit=county.town_b,
        value="20",
    )
    assert TrackingResult.objects.filter(period=Q3).count() >= 2

    # When the office signs in and opens the county overview
    sign_in(page, "office")
    page.goto("/tracking/dashboards/county/")
    period = page.get_by_label("期间", exact=True)
    expect(period).to_have_value("2022")
    # The menu submits itself on change (data-autosubmit)
    period.select_option(label="2022年第三季度")
    expect(page).to_have_url(re.compile(r"period=2022Q3"))
    expect(period).to_have_value(Q3)

    # Then the status chart is drawn on a canvas of real size
    expect(page.get_by_role("heading", name="全县看板")).to_be_visible()
    canvas = page.locator('[data-chart="chart-status"] canvas')
    expect(canvas.first).to_be_visible()
    box = canvas.first.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100, box
    drawn = page.locator("[data-chart] canvas")
    assert drawn.count() >= 1
    # ECharts drew something: the canvas is not blank
    assert canvas.first.evaluate(
        """c => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                  for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
                  return false; }"""
    )
    main = page.locator("main")
    expect(main).to_contain_text("示范县2022年度绩效考评方案")
    # 外贸进出口总额 of 西山镇 (20 of 100 at the third quarter) is far behind schedule
    expect(page.locator("[data-behind]")).to_contain_text(county.indicator_b.name)
    expect(page.locator('[data-lagging="red"]')).to_contain_text(county.town_b.name)
    expect(page.locator('[data-kpi="red"]')).to_have_text("1")
    shot(page, "county-dashboard")
    no_errors(page)
