"""Two office reviewers act on the same report at the same moment: one wins, the other is told.

Each reviewer is a real request (Django's test client) in its own thread, so on its own
database connection and in its own transaction. Reviewer A approves and is held inside its
transaction just after its UPDATE (before its audit event); reviewer B then approves or
returns the same report from the same page version, passes the service's checks (A has not
committed, so B reads the report as A did) and reaches its own UPDATE … WHERE row_version,
which PostgreSQL makes wait on A's row lock: the test waits until pg_stat_activity shows B
waiting there, then lets A commit. B's UPDATE then finds the row changed, updates nothing and
B gets the conflict message; nothing of B is written, nothing of A is lost.

PostgreSQL only: the race needs two writers in flight at once. The SQLite file database of
production serialises writers at BEGIN IMMEDIATE (B would wait before reading, then be told
the report is already approved), and pytest's SQLite test database is a shared-cache memory
database whose writers do not wait at all, so it cannot stage this race.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role
from kaoping.plans.models import Plan
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as services
from tests.browser.conftest import purge_audit_rows
from tests.factories import user_with_role

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
WAIT = 60  # seconds at most for each step of the staging; reached only when broken

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: this run's test database is SQLite (see the module docstring)",
)


@pytest.fixture
def committed(transactional_db: None) -> Iterator[None]:
    """Really committed rows (each thread has its own connection); audit rows purged before
    the flush (see tests/browser/conftest.py)."""
    yield
    purge_audit_rows()


@pytest.fixture
def at_office_step(world: Any, committed: None) -> ProgressReport:
    """A report submitted by town A's reporter and approved by its head."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    reporter = world.users[Role.REPORTER]
    report = services.report_create_draft(
        actor=reporter,
        indicator=world.indicator_a,
        unit=world.town_a,
        period="2022Q3",
        value="75.5",
        narrative="稳步推进",
    )
    services.evidence_attach(
        actor=reporter,
        report=report,
        upload=SimpleUploadedFile("佐证.pdf", PDF, content_type="application/pdf"),
    )
    services.report_submit(actor=reporter, report=report)
    services.report_unit_approve(actor=world.users[Role.UNIT_HEAD], report=report)
    return report


def reviewer(world: Any, user: Any) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # the assertions match the msgids
    client.force_login(user)
    return client


def waiting_on_report_update() -> bool:
    """Whether a backend of the test database waits for a lock in an UPDATE of reports."""
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params.get("dbname"),
        user=params.get("user"),
        host=params.get("host"),
        port=params.get("port"),
        password=params.get("password"),
        autocommit=True,
    ) as watcher:
        rows = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE \"tracking_progressreport\"%%'"
        ).fetchall()
    return bool(rows[0][0])


@pytest.mark.parametrize("second", ["approve", "return"])
def test_two_reviewers_at_once_one_wins_the_other_is_told(
    world: Any, at_office_step: ProgressReport, monkeypatch: Any, second: str
) -> None:
    report = at_office_step
    version = report.row_version
    office_a = world.users[Role.OFFICE]
    office_b = user_with_role(Role.OFFICE, world.county, username="office_2")
    approve = reverse("tracking:report_office_approve", args=[report.pk])
    b_data: dict[str, Any] = {"row_version": version}
    if second == "approve":
        b_url = approve
    else:
        b_url = reverse("tracking:report_return", args=[report.pk])
        b_data.update(step="office", reason="数据口径不一致")

    # Reviewer A is held inside its transaction, after its UPDATE, before its audit event.
    a_updated, release_a = threading.Event(), threading.Event()
    audit_event = services.audit_event

    def held_audit_event(**kwargs: Any) -> Any:
        if threading.current_thread().name == "reviewer-a":
            a_updated.set()
            assert release_a.wait(WAIT)
        return audit_event(**kwargs)

    monkeypatch.setattr(services, "audit_event", held_audit_event)
    responses: dict[str, Any] = {}

    def act(name: str, client: Client, url: str, data: dict[str, Any]) -> None:
        try:
            responses[name] = client.post(url, data)
        finally:
            connection.close()  # this thread's own connection

    client_a, client_b = reviewer(world, office_a), reviewer(world, office_b)
    thread_a = threading.Thread(
        target=act, args=("a", client_a, approve, {"row_version": version}), name="reviewer-a"
    )
    thread_b = threading.Thread(target=act, args=("b", client_b, b_url, b_data), name="reviewer-b")
    thread_a.start()
    try:
        assert a_updated.wait(WAIT), "reviewer A never reached its audit event"
        thread_b.start()
        # Wait (bounded) until B's UPDATE waits on A's row lock: both are in flight.
        waited = threading.Event()
        for _attempt in range(WAIT * 20):
            if waiting_on_report_update() or not thread_b.is_alive():
                break
            waited.wait(0.05)
        assert thread_b.is_alive(), responses.get("b")
        assert waiting_on_report_update()
    finally:
        release_a.set()
        thread_a.join(WAIT)
        if thread_b.ident is not None:
            thread_b.join(WAIT)
    assert not thread_a.is_alive() and not thread_b.is_alive()

    # A won: the report is approved by A, with one approval event and nothing of B's.
    assert responses["a"].status_code == 302
    assert responses["b"].status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED
    assert report.approved_by_id == office_a.pk
    assert report.row_version == version + 1
    assert report.returned_reason == ""
    events = AuditEvent.objects.filter(object_id=str(report.pk))
    assert events.filter(action="report.office_approve").count() == 1
    assert events.filter(action="report.office_approve").get().actor_id == office_a.pk
    assert not events.filter(action="report.return").exists()
    assert not events.filter(actor_id=office_b.pk).exists()

    # B is told, on the page the action sends them back to.
    page = client_b.get(responses["b"]["Location"]).content.decode()
    assert "Someone else changed this report" in page
    assert "Nothing of yours was saved" in page
    page_a = client_a.get(responses["a"]["Location"]).content.decode()
    assert "Approved: the figures are locked" in page_a
