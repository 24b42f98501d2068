"""Journeys 1 and 5: an anonymous visitor signs in on the Chinese login page (a wrong
password first) and lands on their unit's page; the language menu switches to English
and back."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from kaoping.org.models import User
from tests.browser.support import no_errors, sign_in
from tests.factories import PASSWORD


def test_a_reporter_signs_in_after_a_wrong_password(page: Any, shot: Any, county: Any) -> None:
    # Given an anonymous visitor at /
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_title("登录 · 考评·绩效考评系统")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    shot(page, "login")

    # When they give a wrong password, the page says so in Chinese and signs nobody in
    page.get_by_label("用户名").fill("reporter_a")
    page.get_by_label("密码").fill("wrong-" + PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-danger")).to_have_text(
        "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
    )
    expect(page.get_by_label("用户名")).to_have_value("reporter_a")
    assert User.objects.get(username="reporter_a").last_login is None
    shot(page, "wrong-password")

    # Then with the right password they land on their own unit's page
    sign_in(page, "reporter_a")
    expect(page).to_have_url(re.compile(r"/org/my-unit/$"))
    expect(page.get_by_role("heading", name=county.town_a.name)).to_be_visible()
    expect(page.locator("main")).to_contain_text(county.indicator_a.name)
    expect(page.locator("main")).not_to_contain_text(county.town_b.name)
    assert User.objects.get(username="reporter_a").last_login
    shot(page, "unit-page")
    no_errors(page)


def test_the_language_menu_switches_to_english_and_back(page: Any, shot: Any, county: Any) -> None:
    # Given a signed-in unit head, in Chinese
    sign_in(page, "head_a")
    expect(page.get_by_role("link", name="本单位")).to_be_visible()

    # When they choose English in the language menu
    page.get_by_label("语言").select_option("en")

    # Then the same page comes back in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My unit")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("en")
    assert "/org/my-unit/" in page.url
    shot(page, "english")

    # And choosing 简体中文 brings Chinese back
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="本单位")).to_be_visible()
    expect(page.get_by_label("语言")).to_have_value("zh-hans")
    shot(page, "chinese-again")
    no_errors(page)
