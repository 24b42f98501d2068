"""Language switching, every page's strings going through i18n, and the error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kaoping.org.models import Role

TEMPLATES = Path(settings.PACKAGE_DIR) / "templates"
OURS = [
    "plans",
    "audit",
    "core",
    "org/unit_list.html",
    "org/unit_detail.html",
    "org/portfolio.html",
    "org/account_list.html",
    "org/account_detail.html",
    "org/account_create.html",
    "org/no_work.html",
    "base.html",
]


def _switch(client: Client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": "/plans/"})
    assert response.status_code == 302


def test_switching_to_english_renders_english_labels(world) -> None:
    client = world.client_for(Role.OFFICE)
    _switch(client, "en")
    response = client.get(reverse("plans:catalogue"))
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Indicator catalogue" in page and "Lead unit" in page
    assert "税收收入" in page  # data stays data


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_in_both_languages(world, language) -> None:
    client = world.client_for(Role.OFFICE)
    _switch(client, language)
    for url in (
        reverse("plans:catalogue"),
        reverse("org:unit_list"),
        reverse("plans:plan_detail", kwargs={"pk": world.plan.pk}),
        reverse("plans:plan_edit", kwargs={"pk": world.plan.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()


def _template_files() -> list[Path]:
    files: list[Path] = []
    for entry in OURS:
        path = TEMPLATES / entry
        files.extend(sorted(path.rglob("*.html")) if path.is_dir() else [path])
    return [f for f in files if f.name != "500.html"]


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_untranslated_english_text(path: Path) -> None:
    """Text between tags is a translate tag, a variable, or not English words."""
    source = path.read_text()
    stripped = re.sub(r"{%\s*(blocktranslate|comment).*?{%\s*end\1\s*%}", "", source, flags=re.S)
    stripped = re.sub(
        r"{%.*?%}|{{.*?}}|<script.*?</script>|<style.*?</style>", "", stripped, flags=re.S
    )
    stripped = re.sub(r"<[^>]+>", "\n", stripped)
    leftovers = [line.strip() for line in stripped.splitlines() if re.search(r"[A-Za-z]{3,}", line)]
    assert leftovers == []


def test_404_page_renders_in_layout(world) -> None:
    response = world.client_for(Role.REPORTER).get(
        reverse("org:unit_detail", kwargs={"pk": world.town_b.pk})
    )
    assert response.status_code == 404
    page = response.content.decode()
    assert "kp-navbar" in page
    with translation.override("en"):
        assert "outside your data scope" in page or "数据范围" in page


def test_application_error_page(world) -> None:
    from kaoping.core.errors import ApplicationError
    from kaoping.core.middleware import ApplicationErrorMiddleware

    request = Client().get("/").wsgi_request
    request.user = world.users[Role.OFFICE]
    response = ApplicationErrorMiddleware(lambda r: None).process_exception(
        request, ApplicationError("计划已发布")
    )
    assert response is not None and response.status_code == 400
    assert "计划已发布" in response.content.decode()


def test_chinese_is_the_default_whatever_the_browser_asks(client) -> None:
    # given a browser that prefers English, when it opens the login page without a choice
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    # then the page is Chinese; the language menu is the only way to English
    assert "登录" in page
    client.cookies["django_language"] = "en"
    assert "Sign in" in client.get("/").content.decode()
