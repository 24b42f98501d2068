"""The database does not answer: a 503 that keeps the user's submission (kaoping.core.faults).

Two kinds of fault:
- simulated: a view (or the session store, or an API selector) raises Django's
  OperationalError, as Django raises it when the driver fails; this checks the page, the
  escaping, what is kept and left out, the API body, and the middleware's place (a fault in
  the session middleware is caught too);
- real: on PostgreSQL the server connections to the test database are terminated with
  pg_terminate_backend and the connection settings point at a closed port, so the request
  meets what production meets with CONN_HEALTH_CHECKS (the health check fails, the reconnect
  is refused); on SQLite every new cursor raises sqlite3.OperationalError("database is
  locked") (a patch of the SQLite backend's create_cursor), what SQLite raises when its busy
  timeout runs out, which Django wraps like any driver error. Then the database comes back and
  "Submit again" saves the report exactly once.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, close_old_connections, connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SqliteWrapper
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.views.decorators.csrf import csrf_exempt

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.plans.models import Plan
from kaoping.tracking.models import ProgressReport
from tests.browser.conftest import purge_audit_rows

OUTAGE = "server closed the connection unexpectedly"
XSS = '"><script>alert("x")</script><img src=x onerror=alert(1)>'


# A URL configuration for the simulated faults: the site plus views that fail.
def failing_view(request: HttpRequest) -> HttpResponse:
    request.POST  # noqa: B018 - read the body, as a form view does, before the database fails
    raise OperationalError(OUTAGE)


urlpatterns = [
    path("fault/", csrf_exempt(failing_view)),
    path("api/fault/", csrf_exempt(failing_view)),
    path("", include("kaoping.urls")),
]
handler500 = "kaoping.core.views.server_error"


class Forms(HTMLParser):
    """The forms of a page: id → (method, action, [(name, value)] of its inputs)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
        self._current: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = values.get("id", "")
            self.forms[self._current] = (values.get("method", ""), values.get("action", ""), [])
        elif tag == "input" and self._current is not None and "name" in values:
            self.forms[self._current][2].append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def resubmit_form(response: Any) -> tuple[str, str, list[tuple[str, str]]]:
    forms = Forms(response.content.decode()).forms
    assert "kp-resubmit" in forms, response.content.decode()[:2000]
    return forms["kp-resubmit"]


def english_client(**kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.cookies["django_language"] = "en"  # the assertions below match the msgids
    return client


# --- simulated faults: the page, the escaping, what is kept ------------------------------
@pytest.mark.urls("tests.core.test_faults")
def test_a_post_meets_a_503_that_keeps_its_fields(db: Any, caplog: Any) -> None:
    client = english_client(enforce_csrf_checks=True)
    client.get("/login/")  # a CSRF cookie, as any page gives
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/fault/?step=2",
        {
            "csrfmiddlewaretoken": token,
            "narrative": XSS,
            "value": "75.5",
            "tags": ["a", "b"],
            "new_password1": "Hunter2-secret!",
            "action": "submit",
        },
        headers={"X-Request-ID": "req-fault-0001"},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response  # the security headers still apply
    html = response.content.decode()
    assert "Database temporarily unavailable" in html
    assert "nothing was saved" in html
    assert "req-fault-0001" in html
    # The values come back escaped: no markup of the user's reaches the page.
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    # …and the form posts them again, exactly, to the same address with a fresh token.
    method, action, fields = resubmit_form(response)
    assert (method, action) == ("post", "/fault/?step=2")
    assert ("narrative", XSS) in fields
    assert ("value", "75.5") in fields
    assert [v for n, v in fields if n == "tags"] == ["a", "b"]
    assert ("action", "submit") in fields
    assert [n for n, _v in fields].count("csrfmiddlewaretoken") == 1
    # The password is neither posted again nor shown; the page says it was left out.
    assert "new_password1" not in [n for n, _v in fields]
    assert "Hunter2-secret!" not in html
    assert "new_password1" in html.split('id="kp-left-out"')[1].split("</div>")[0]
    # The fault is logged, without the values.
    assert "Database unavailable: POST /fault/" in caplog.text
    assert "req-fault-0001" in caplog.text
    assert "75.5" not in caplog.text

    # The resubmission passes the CSRF check (and meets the same fault here).
    again = client.post(action, dict(fields))
    assert again.status_code == 503


@pytest.mark.urls("tests.core.test_faults")
def test_uploaded_files_are_named_not_kept(db: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("<b>佐证.pdf", b"%PDF-1.4 body", "application/pdf")
    response = english_client().post("/fault/", {"value": "1", "evidence": upload})
    assert response.status_code == 503
    html = response.content.decode()
    lost = html.split('id="kp-lost-files"')[1].split("</div>")[0]
    assert "&lt;b&gt;佐证.pdf" in lost
    assert "%PDF" not in html
    _method, _action, fields = resubmit_form(response)
    assert "evidence" not in [n for n, _v in fields]
    assert ("value", "1") in fields


@pytest.mark.urls("tests.core.test_faults")
def test_a_get_meets_a_page_with_try_again(db: Any) -> None:
    response = english_client().get("/fault/?page=2")
    assert response.status_code == 503
    html = response.content.decode()
    assert 'href="/fault/?page=2"' in html
    assert "kp-resubmit" not in html


@pytest.mark.urls("tests.core.test_faults")
def test_the_page_speaks_chinese_by_default(db: Any) -> None:
    response = Client().post("/fault/", {"value": "1"})
    assert response.status_code == 503
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.urls("tests.core.test_faults")
def test_an_api_path_gets_the_api_error_body(db: Any) -> None:
    response = Client().post("/api/fault/", {"value": "1"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["details"] == []
    assert body["error"]["message"]


@pytest.mark.urls("tests.core.test_faults")
def test_a_json_request_gets_the_api_error_body(db: Any) -> None:
    response = Client().post("/fault/", {"value": "1"}, headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_an_api_endpoint_gets_the_api_error_body(world: Any, monkeypatch: Any) -> None:
    def unreachable(**kwargs: Any) -> None:
        raise OperationalError(OUTAGE)

    monkeypatch.setattr("kaoping.api.selectors.units", unreachable)
    client = Client()
    client.force_login(world.users[Role.OFFICE])
    response = client.get("/api/v1/units")
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["code"] == "service_unavailable"


def test_a_fault_in_the_session_middleware_is_caught(world: Any, monkeypatch: Any) -> None:
    """The session is read by middleware before any view: the fault middleware sits outside
    it (settings.MIDDLEWARE), so this meets the 503 page too, not Django's 500."""
    client = english_client(raise_request_exception=False)
    client.force_login(world.users[Role.REPORTER])

    def unreachable(self: SessionStore) -> dict[str, Any]:
        raise OperationalError(OUTAGE)

    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.post(reverse("tracking:report_unit"), {"narrative": "进展顺利"})
    assert response.status_code == 503
    assert ("narrative", "进展顺利") in resubmit_form(response)[2]


def test_a_query_mistake_is_not_an_outage() -> None:
    from kaoping.core.faults import is_database_fault

    assert is_database_fault(OperationalError(OUTAGE))
    assert is_database_fault(psycopg.OperationalError("connection refused"))
    assert not is_database_fault(OperationalError("no such table: tracking_progressreport"))
    assert not is_database_fault(ValueError(OUTAGE))


# --- a real fault: the progress report of a reporter ----------------------------------------
@pytest.fixture
def committed(transactional_db: None) -> Iterator[None]:
    """A database whose rows are really committed (the fault closes the connection); the
    audit rows are purged before the flush (see tests/browser/conftest.py)."""
    yield
    purge_audit_rows()


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def locked_cursor(self: Any, name: Any = None) -> Any:
    """SQLite's cursor when the busy timeout ran out: the driver says the database is locked."""
    raise sqlite3.OperationalError("database is locked")


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    """The database does not answer inside the block, and answers again after it."""
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        port = connection.settings_dict["PORT"]
        with psycopg.connect(
            dbname=params.get("dbname"),
            user=params.get("user"),
            host=params.get("host"),
            port=params.get("port"),
            password=params.get("password"),
            autocommit=True,
        ) as other:
            # Every server connection to the test database goes (this thread's, and the
            # live server's in the browser tests), as when the server restarts…
            killed = [
                pid
                for (pid,) in other.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
            ]
            for pid in killed:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            # pg_terminate_backend only signals: on a loaded machine a backend can take a
            # while to go, and a connection checked before it went would look usable after
            # the block and die under the next test. Wait until they are all gone.
            for _ in range(600):
                left = other.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [killed]
                ).fetchone()
                if not left or not left[0]:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError(f"backends {killed} did not terminate")
        # …and does not come back: new connections are refused.
        connection.settings_dict["PORT"] = str(closed_port())
        try:
            # What the server does at the start of each request (the test client does not).
            close_old_connections()
            yield
        finally:
            connection.settings_dict["PORT"] = port
            # As at the start of the next request: a connection that failed is closed (and
            # this thread's, if it was not the one that failed), so the next one opens anew.
            close_old_connections()
            if connection.connection is not None and not connection.is_usable():
                connection.close()
    else:
        # The class, not one connection: the live server of the browser tests may hold its
        # own wrapper of the shared in-memory test database.
        with mock.patch.object(SqliteWrapper, "create_cursor", locked_cursor):
            yield


def test_a_reporters_report_survives_an_outage(world: Any, committed: None) -> None:
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    client = english_client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(world.users[Role.REPORTER])
    url = (
        reverse("tracking:report_create")
        + f"?unit={world.town_a.pk}&indicator={world.indicator_a.pk}&period=2022Q3"
    )
    form = Forms(client.get(url).content.decode()).forms["report-form"]
    entered = {
        **dict(form[2]),
        "value": "75.5",
        "last_year_value": "70",
        "narrative": "三季度稳步推进\n第二行 <b>加粗</b>",
        "action": "save",
    }

    with database_down():
        response = client.post(url, entered)
    assert response.status_code == 503
    assert not ProgressReport.objects.exists()
    method, action, fields = resubmit_form(response)
    assert (method, action) == ("post", url)
    assert dict(fields)["narrative"] == entered["narrative"]
    assert dict(fields)["value"] == "75.5"

    # The database is back: "Submit again" posts the kept fields.
    saved = client.post(action, dict(fields))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    report = ProgressReport.objects.get()
    assert str(report.value) == "75.5000"
    assert report.narrative == entered["narrative"]
    assert AuditEvent.objects.filter(object_id=str(report.pk)).count() == 1
    # Submitting again once more does not make a second report.
    client.post(action, dict(fields))
    assert ProgressReport.objects.count() == 1
