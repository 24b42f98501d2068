"""No page carries script the Content Security Policy would refuse: script-src is 'self' only,
so an inline <script> (other than a json_script data block) or an on*="" handler would simply
not run in the browser. Checked on every page of the URL map as every role of county B, on
every template file (pages in states the crawl does not reach, e.g. core/error.html), and on
the policy itself."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from kaoping.core.middleware import CONTENT_SECURITY_POLICY
from tests.security.crawl_world import build_county_b, populate_county_b
from tests.security.page_walk import every_page, own_clients

TEMPLATES = Path(__file__).resolve().parents[2] / "kaoping" / "templates"
# Script types a browser never executes: data for scripts (json_script).
DATA_TYPES = frozenset({"application/json", "application/ld+json"})


class ScriptFinder(HTMLParser):
    """Collects what script-src 'self' would block: inline scripts, handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            kind = (values.get("type") or "").strip().lower()
            if kind not in DATA_TYPES:
                self.blocked.append(f"inline <script {self.get_starttag_text()}")
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"handler {name}= on <{tag}>")
            scripted = (value or "").strip().lower().startswith("javascript:")
            if name in ("href", "src", "action", "formaction") and scripted:
                self.blocked.append(f"javascript: URL in {name}= on <{tag}>")


def blocked_in(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.blocked


def test_the_finder_sees_what_the_policy_blocks() -> None:
    """Positive control: each kind of inline script is found; data blocks and files are not."""
    page = (
        '<script src="/static/x.js" defer></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        "<script>alert(1)</script>"
        '<form onsubmit="return confirm(1)"><button onclick="x()">'
        '<a href="javascript:void(0)">x</a></form>'
    )
    found = blocked_in(page)
    assert len(found) == 4
    assert found[0].startswith("inline <script")
    assert blocked_in('<script src="/static/x.js"></script><div data-confirm="ok">') == []


def test_script_src_allows_only_kaoping_s_files() -> None:
    directives = {part.split()[0]: part.split()[1:] for part in CONTENT_SECURITY_POLICY.split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]


def test_no_template_holds_an_inline_script_or_handler() -> None:
    offenders = {
        str(path.relative_to(TEMPLATES)): found
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (found := blocked_in(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.django_db
def test_no_page_of_any_role_holds_an_inline_script_or_handler() -> None:
    """Every URL as each of county B's own users (Django admin included, as B's office)."""
    b = build_county_b()
    populate_county_b(b)
    offenders: dict[str, list[str]] = {}
    html_pages = 0
    admin_pages = 0
    for page in every_page(b, own_clients(b)):
        if not page.is_html:
            continue
        html_pages += 1
        admin_pages += page.path.startswith("/admin/")
        found = blocked_in(page.body)
        if found:
            offenders[f"{page.route.name} {page.path} as {page.who}"] = found
    assert offenders == {}
    assert html_pages > 150  # the crawl really rendered pages
    assert admin_pages > 20  # and the admin's
