"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

Fixtures
- `live`: the live server's URL, on a transactional test database, with the audit tables'
  append-only triggers handled for the flush that ends every live-server test (below).
- `browser`: one headless Chromium (`/usr/bin/chromium`, never a downloaded browser) per test
  module; the tests of this directory are skipped, with the reason, only where it is absent.
- `new_page`: opens a page in a fresh context (zh-CN, 1366×900) that accepts the
  pages' confirm() dialogs and records console errors and uncaught exceptions;
  `page` is the first such page. A Content Security Policy violation on any of its pages
  (an inline script or handler refused, an eval) fails the test at teardown, whether or not
  the test looks at the console.
- `shot`: saves a full-page screenshot as a test artifact under $KAOPING_TEST_ARTIFACTS
  (default `test-artifacts/screenshots/` in the repository), one folder per test; a failing
  test leaves `zz-failure.png` of each of its pages there as well.

Static files: pytest-django's live server wraps the site in Django's `StaticFilesHandler`
whenever `django.contrib.staticfiles` is installed, so `/static/` is served through the
finders, i.e. straight from STATICFILES_DIRS (frontend/node_modules: Bootstrap, its icons,
ECharts) without `collectstatic`; screenshots show the real look.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from kaoping.plans.models import Plan

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
LAUNCH_ARGS = [
    "--no-sandbox",  # containers and CI runners often have no user namespaces
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The append-only triggers, as migration 0003 of the audit app defines them.
append_only = importlib.import_module("kaoping.audit.migrations.0003_append_only")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this directory `browser`; skip them where Chromium is absent."""
    skip = pytest.mark.skip(reason=f"Debian's Chromium is not installed at {CHROMIUM}")
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- database: the live server and the audit triggers -------------------------------------
def purge_audit_rows() -> None:
    """Empty the audit tables, lifting their append-only triggers for that moment only.

    Every live-server test runs on a transactional database (Django's TransactionTestCase):
    its rows are really committed, and the test ends by flushing every table. On SQLite the
    flush is `DELETE FROM` each table, which the audit triggers refuse, so the test would
    fail at teardown and leave its rows behind. (PostgreSQL flushes with TRUNCATE, which
    row triggers do not see; the purge runs there too, so both behave the same.)

    Just before that flush, this drops the triggers with migration 0003's own
    `drop_triggers`, deletes the audit rows, and recreates the triggers with its
    `create_triggers`, all in one transaction of one schema editor: the trigger SQL lives
    only in the migration, no other test ever sees the tables without their triggers, and
    the flush that follows finds the audit tables already empty. Nothing in the application
    or its settings changes for tests; non-browser tests (rolled back, never flushed) are
    untouched.
    """
    with connection.schema_editor() as editor:
        append_only.drop_triggers(None, editor)
        for table in append_only.TABLES:
            # The table names are the migration's constants, not input.
            editor.execute(f"DELETE FROM {editor.quote_name(table)}")  # noqa: S608
        append_only.create_triggers(None, editor)


@pytest.fixture
def live(live_server: Any, transactional_db: None) -> Iterator[str]:
    """The live server's base URL; the audit rows the test wrote are purged at its end."""
    yield live_server.url
    # Set up after transactional_db, so torn down before its flush.
    purge_audit_rows()


# --- the browser ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium for the tests of one module.

    Playwright's synchronous API keeps an asyncio loop on the main thread while it runs,
    which makes Django refuse ORM calls from that thread (SynchronousOnlyOperation); the
    test code's own ORM calls are safe (nothing else runs on that loop), so
    DJANGO_ALLOW_ASYNC_UNSAFE is set for as long as Playwright runs: one module, so the
    rest of the session never runs with it, whatever the order of the tests.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            yield chromium
            chromium.close()


# Run in every page before its own scripts: each refusal by the Content Security Policy is
# reported on the console with this prefix (Chromium also logs its own "Refused to ..." line).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""
CSP_MARKS = ("CSP violation:", "Content Security Policy")


@dataclass
class PageErrors:
    """What went wrong inside a page: console messages of type error, uncaught exceptions,
    and among the console messages those that report a Content Security Policy refusal."""

    console: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        text = f"{message.text} ({message.location.get('url', '')})"
        if message.type == "error":
            self.console.append(text)
        if any(mark in message.text for mark in CSP_MARKS):
            self.csp.append(text)

    @property
    def all(self) -> list[str]:
        return [*self.console, *self.uncaught]


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """The folder of this test's screenshots (created, emptied of an earlier run's)."""
    root = Path(
        os.environ.get("KAOPING_TEST_ARTIFACTS") or REPOSITORY / "test-artifacts" / "screenshots"
    )
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    folder = root / f"{request.node.path.stem}--{name}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def _answer(page: Any, dialog: Any) -> None:
    page.dialogs.append(dialog.message)
    if page.accept_dialogs:
        dialog.accept()
    else:
        dialog.dismiss()


@pytest.fixture
def new_page(
    browser: Any, live: str, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Any]]:
    """Open pages each in a fresh browser context (its own cookies: one signed-in user).

    Every page gets `page.errors` (PageErrors), confirm() dialogs accepted (unless the test
    sets `page.accept_dialogs = False`; `page.dialogs` lists their messages), and a
    screenshot into the artifacts if the test fails.
    """
    contexts: list[Any] = []
    pages: list[Any] = []

    def open_page() -> Any:
        context = browser.new_context(
            base_url=live,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1366, "height": 900},
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_REPORTER)
        page = context.new_page()
        errors = PageErrors()
        page.on("console", errors.on_console)
        page.on("pageerror", lambda exc: errors.uncaught.append(str(exc)))
        page.dialogs = []  # the messages of the dialogs the page opened
        page.accept_dialogs = True  # a test may set False to answer "Cancel"
        page.on("dialog", lambda dialog, page=page: _answer(page, dialog))
        page.errors = errors
        contexts.append(context)
        pages.append(page)
        return page

    yield open_page
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        for number, page in enumerate(pages, 1):
            with contextlib.suppress(Exception):  # a closed page has nothing to show
                page.screenshot(path=str(artifacts / f"zz-failure-{number}.png"), full_page=True)
    violations = [v for page in pages for v in page.errors.csp]
    for context in contexts:
        context.close()
    assert violations == [], f"Content Security Policy violations: {violations}"


@pytest.fixture
def page(new_page: Callable[[], Any]) -> Any:
    """One page in a fresh zh-CN context."""
    return new_page()


@pytest.fixture
def county(world: Any) -> Any:
    """The `world` county of tests/conftest.py with its plan published (reports need it)."""
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save(update_fields=["status"])
    return world


@pytest.fixture
def shot(artifacts: Path) -> Callable[[Any, str], Path]:
    """`shot(page, "step")` saves a numbered full-page screenshot of the page."""
    taken: list[Path] = []

    def take(page: Any, step: str) -> Path:
        path = artifacts / f"{len(taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return take
