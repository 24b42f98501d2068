"""The pages whose scripts moved out of the templates still work under the strict policy
(script-src 'self'): confirmations, select-all, the indicator form's rule help, Django admin,
the API docs. Every page here also goes through conftest's CSP listener, which fails the test
on any refusal; the first test proves that listener hears one."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kaoping.core.middleware import CONTENT_SECURITY_POLICY
from kaoping.plans.models import Indicator
from kaoping.tracking.models import ProgressReport
from tests.browser.support import no_errors, sign_in
from tests.browser.test_journey_interview import Survey
from tests.browser.test_journey_interview import survey as journey_survey
from tests.browser.test_reporting import submitted_report


def test_the_listener_hears_a_refused_inline_script(page: Any, live: str) -> None:
    """Positive control: a page under Kaoping's policy with an inline script and a handler."""
    probe = f"{live}/csp-probe/"
    page.route(
        probe,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
            body='<script>document.title = "ran"</script><button onclick="x()">x</button>',
        ),
    )
    page.goto(probe)
    page.locator("button").click()
    expect(page).not_to_have_title("ran")
    assert any("script-src" in found for found in page.errors.csp), page.errors.csp
    page.errors.csp.clear()  # heard: the teardown check would fail this test otherwise


def test_confirmations_and_select_all_in_the_review_queue(
    page: Any, shot: Any, county: Any
) -> None:
    # Given a submitted report in the unit head's queue
    report = submitted_report(county)
    sign_in(page, "head_a")
    page.goto("/tracking/reports/review/")
    row = page.locator("tr", has_text=county.indicator_a.name)
    expect(row).to_be_visible()

    # When they tick "select all", every report's box is ticked, and cleared again
    page.locator("#select-all").check()
    expect(row.locator("input.kp-pick")).to_be_checked()
    page.locator("#select-all").uncheck()
    expect(row.locator("input.kp-pick")).not_to_be_checked()
    shot(page, "review-queue")

    # When they approve but dismiss the confirmation, nothing is sent
    page.accept_dialogs = False
    row.get_by_role("button", name="审核通过").click()
    expect(row).to_be_visible()
    assert page.dialogs == ["确定审核通过本报送？"]
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED

    # And when they accept it, the report is approved at their step
    page.accept_dialogs = True
    row.get_by_role("button", name="审核通过").click()
    expect(page.locator(".alert-success").first).to_be_visible()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.UNIT_APPROVED
    no_errors(page)


def test_the_indicator_form_explains_the_chosen_rule(page: Any, shot: Any, world: Any) -> None:
    # Given the office editing an indicator of the draft plan
    sign_in(page, "office")
    page.goto(f"/plans/manage/indicators/{world.indicator_a.pk}/edit/")
    help_box = page.locator("#kp-rule-help")
    rule = page.get_by_label("计分规则")

    # When they choose a rule without parameters, the help says so
    rule.select_option(Indicator.ScoringRule.THRESHOLD)
    expect(help_box).not_to_be_empty()
    without = help_box.inner_text()
    assert "<" not in without  # words, not markup

    # And a rule with parameters lists each key
    rule.select_option(Indicator.ScoringRule.LINEAR)
    for key in ("base", "step", "bonus_cap"):
        expect(help_box.locator("code", has_text=key)).to_be_visible()
    shot(page, "indicator-form")
    no_errors(page)


def test_django_admin_works_under_the_policy(page: Any, shot: Any, county: Any) -> None:
    # Given the office in Django admin's unit tree, a change list with actions and a form
    sign_in(page, "office")
    page.goto("/admin/")
    expect(page.locator("#content")).to_be_visible()
    page.goto("/admin/org/unit/")
    expect(page.locator("#result_list, #changelist").first).to_be_visible()
    shot(page, "admin-units")
    # The sidebar's toggle is admin/js/nav_sidebar.js at work (a static file, allowed)
    main = page.locator("#main")
    shifted = "shifted" in (main.get_attribute("class") or "")
    page.locator("#toggle-nav-sidebar").click()
    assert ("shifted" in (main.get_attribute("class") or "")) != shifted
    page.goto(f"/admin/plans/plan/{county.plan.pk}/change/")
    expect(page.locator("form").first).to_be_visible()
    shot(page, "admin-plan")
    # Admin's pages link no icon, so the browser asks for /favicon.ico (404): not a script.
    assert [e for e in page.errors.all if "/favicon.ico" not in e] == []


def test_the_api_docs_render_under_the_policy(page: Any, county: Any) -> None:
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()


@pytest.fixture
def call_survey(world: Any, monkeypatch: pytest.MonkeyPatch) -> Survey:
    """The interview journey's survey in fieldwork, its cases assigned to the interviewer."""
    made: Survey = journey_survey._get_wrapped_function()(world, monkeypatch)
    return made


def test_the_call_page_shows_the_callback_time_only_for_a_callback(
    page: Any, shot: Any, call_survey: Survey
) -> None:
    # Given the interviewer on a case's call page
    sign_in(page, "interviewer")
    page.goto(reverse("surveys:call", args=[call_survey.case.pk]))
    callback = page.locator("#kp-callback")

    # Then the callback time is hidden until the outcome is a callback appointment
    expect(callback).to_be_hidden()
    page.locator("#outcome").select_option("callback")
    expect(callback).to_be_visible()
    shot(page, "call-callback")
    page.locator("#outcome").select_option("no_answer")
    expect(callback).to_be_hidden()
    no_errors(page)
