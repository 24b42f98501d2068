"""The database goes away while a reporter submits the progress report form.

The live server meets the fault as tests/core/test_faults.py stages it (`database_down`: on
PostgreSQL the server's connections are terminated and the settings point at a closed port,
so the live server's health check fails and its reconnection is refused; on SQLite every
new cursor raises "database is locked"). The reporter sees the 503 page with what they
typed, and once the database is back either presses "Submit again", or opens the form again
and finds their typing restored from the tab's draft (kaoping/static/kaoping/drafts.js).

Texts are matched by element ids and field names, not by wording: the page's Chinese comes
from the catalogue once its msgids are merged.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from playwright.sync_api import expect

from kaoping.org.models import Role
from kaoping.tracking.models import ProgressReport
from tests.browser.support import minimal_pdf, sign_in
from tests.core.test_faults import database_down

NARRATIVE = "前三季度税收收入稳步增长。\n第二段：<b>不是标记</b>"


def form_url(county: Any) -> str:
    return (
        reverse("tracking:report_create")
        + f"?unit={county.town_a.pk}&indicator={county.indicator_a.pk}&period=2022Q3"
    )


def fill(page: Any) -> None:
    page.locator("[name=value]").fill("82.5")
    page.locator("[name=last_year_value]").fill("76")
    page.locator("[name=narrative]").fill(NARRATIVE)


def test_submit_again_after_the_outage_saves_once(
    page: Any, shot: Any, county: Any, tmp_path: Any
) -> None:
    # Given the reporter with the form filled and a file chosen
    sign_in(page, county.users[Role.REPORTER].username)
    page.goto(form_url(county))
    fill(page)
    evidence = tmp_path / "三季度完税证明.pdf"
    evidence.write_bytes(minimal_pdf())
    page.locator("[name=evidence]").set_input_files(str(evidence))

    # When the database is down as they save
    with database_down():
        page.locator("button[name=action][value=save]").click()
        # Then the page says so, lists what they typed and the file to attach again
        expect(page.locator("#kp-unavailable h1")).to_be_visible()
        kept = page.locator("#kp-kept")
        expect(kept).to_contain_text("82.5")
        expect(kept).to_contain_text("<b>不是标记</b>")  # shown as text, not markup
        expect(page.locator("#kp-lost-files")).to_contain_text("三季度完税证明.pdf")
        shot(page, "database-unavailable")
    assert not ProgressReport.objects.exists()

    # When the database is back and they press "Submit again"
    page.locator("#kp-resubmit button[type=submit]").click()

    # Then the draft is saved once, exactly as typed
    expect(page.locator(".alert-success")).to_be_visible()
    report = ProgressReport.objects.get()
    assert (report.value, report.last_year_value) == (82.5, 76)
    assert report.narrative.replace("\r\n", "\n") == NARRATIVE
    assert not report.evidence.exists()  # the file was named, to be attached again
    shot(page, "saved-after-submit-again")


def test_the_form_restores_unsaved_typing_after_the_outage(
    page: Any, shot: Any, county: Any
) -> None:
    # Given the reporter typed the form and the save met the outage
    sign_in(page, county.users[Role.REPORTER].username)
    page.goto(form_url(county))
    fill(page)
    with database_down():
        page.locator("button[name=action][value=save]").click()
        expect(page.locator("#kp-unavailable h1")).to_be_visible()

    # When they open the form again
    page.goto(form_url(county))

    # Then their typing is back, and the page says it is not saved yet
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    expect(page.locator("[name=value]")).to_have_value("82.5")
    expect(page.locator("[name=narrative]")).to_have_value(NARRATIVE)
    shot(page, "draft-restored")

    # When they save, the draft is dropped: the saved report's form shows no notice
    page.locator("button[name=action][value=save]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert ProgressReport.objects.get().narrative.replace("\r\n", "\n") == NARRATIVE
    page.goto(form_url(county))  # now redirects to the saved report's form
    expect(page.locator("[name=value]")).to_have_value("82.5")
    expect(page.locator("[data-draft-notice]")).to_be_hidden()
