"""The review queue's rows: every row links to its own report and, when the user approves it
here, carries its own approve form (the step's URL, the row version, the CSRF token, the way
back) and bulk checkbox; its evidence count and status label are its own. The links and labels
are made once per page and filled in per row, so these checks read each row of a full page."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaoping.org.models import Role
from kaoping.plans.models import Plan
from kaoping.tracking import report_selectors as selectors
from kaoping.tracking.models import Evidence, ProgressReport
from tests.factories import AssignmentFactory, IndicatorFactory

Status = ProgressReport.Status
QUEUE = "tracking:review_queue"
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def _client(world: Any, who: str) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # the labels below are the English ones
    client.force_login(world.users[who])
    return client


def _reports(
    world: Any, count: int, *, status: str, period: str = "2022Q3"
) -> list[ProgressReport]:
    """`count` reports of town A in `status`, report n with n % 3 evidence files."""
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    made = []
    for n in range(count):
        indicator = IndicatorFactory(
            plan=world.plan, parent=world.category, code=f"Q{period[-2:]}{status[:2]}{n:02d}"
        )
        AssignmentFactory(indicator=indicator, lead_unit=world.town_a)
        report = ProgressReport.objects.create(
            indicator=indicator,
            unit=world.town_a,
            period=period,
            status=status,
            value=Decimal(n),
            submitted_by=world.users[Role.REPORTER],
        )
        for k in range(n % 3):
            data = f"{report.pk}-{k}".encode()
            Evidence.objects.create(
                report=report,
                unit=world.town_a,
                file=ContentFile(data, name=f"e{report.pk}-{k}.pdf"),
                original_name=f"e{k}.pdf",
                content_type="application/pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=world.users[Role.REPORTER],
            )
        made.append(report)
    return made


def _rows(html: str) -> dict[int, str]:
    """Each body row of the queue's table by the report it links to."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = {}
    for row in ROW.findall(body):
        match = re.search(r'href="/tracking/reports/(\d+)/"', row)
        assert match is not None, row
        rows[int(match.group(1))] = row
    return rows


def _check_row(row: str, report: ProgressReport, *, approve: str, label: str, nxt: str) -> None:
    detail = reverse("tracking:report_detail", args=[report.pk])
    assert row.count(f'href="{detail}"') == 2  # the indicator and the review button
    assert f'value="{report.pk}:{report.row_version}" form="bulk-form"' in row
    action = reverse(approve, args=[report.pk])
    assert f'<form method="post" action="{action}"' in row
    assert f'name="row_version" value="{report.row_version}"' in row
    assert f'name="next" value="{nxt}"' in row
    assert row.count('name="csrfmiddlewaretoken"') == 1
    assert 'data-confirm="Approve this report?"' in row
    assert "Review…" in row
    assert f"{label}</span>" in row
    count = report.evidence.count()
    shown = f"</i>{count}</td>" if count else '<span class="text-danger">0</span>'
    assert shown in row
    assert report.indicator.code in row


def test_each_row_of_the_unit_heads_queue_has_its_own_actions(world: Any) -> None:
    made = _reports(world, 7, status=Status.SUBMITTED)
    page = _client(world, Role.UNIT_HEAD).get(reverse(QUEUE), {"period": "2022Q3"})
    html = page.content.decode()
    rows = _rows(html)
    assert set(rows) == {r.pk for r in made}
    nxt = reverse(QUEUE) + "?period=2022Q3"
    for report in made:
        _check_row(
            rows[report.pk],
            report,
            approve="tracking:report_unit_approve",
            label="Submitted",
            nxt=nxt,
        )
    assert 'data-check-all=".kp-pick"' in html
    table = html[html.index('id="bulk-form"') : html.index("</table>")]
    assert table.count('name="csrfmiddlewaretoken"') == len(made) + 1  # and the bulk form


def test_each_row_of_the_offices_queue_has_its_own_actions(world: Any) -> None:
    made = _reports(world, 5, status=Status.UNIT_APPROVED)
    html = _client(world, Role.OFFICE).get(reverse(QUEUE)).content.decode()
    rows = _rows(html)
    assert set(rows) == {r.pk for r in made}
    for report in made:
        _check_row(
            rows[report.pk],
            report,
            approve="tracking:report_office_approve",
            label="Approved by the unit head",
            nxt=reverse(QUEUE),
        )


def test_rows_the_user_does_not_approve_only_link_to_the_report(world: Any) -> None:
    """Reports still with the unit head, seen by the office, and returned ones: a view link,
    no approve form, no checkbox."""
    waiting = _reports(world, 3, status=Status.SUBMITTED)
    returned = _reports(world, 2, status=Status.RETURNED)
    client = _client(world, Role.OFFICE)
    for status, made, label in (
        (Status.SUBMITTED, waiting, "Submitted"),
        (Status.RETURNED, returned, "Returned"),
    ):
        html = client.get(reverse(QUEUE), {"status": status}).content.decode()
        rows = _rows(html)
        assert set(rows) == {r.pk for r in made}
        for report in made:
            row = rows[report.pk]
            detail = reverse("tracking:report_detail", args=[report.pk])
            assert f'href="{detail}">View</a>' in row
            assert "<form" not in row
            assert "kp-pick" not in row
            assert f"{label}</span>" in row
        assert "select-all" not in html


def test_the_queue_reads_a_fixed_number_of_queries_whatever_the_rows(world: Any) -> None:
    client = _client(world, Role.OFFICE)
    _reports(world, 2, status=Status.UNIT_APPROVED)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(QUEUE)).status_code == 200
        return len(captured)

    few = count()
    _reports(world, 12, status=Status.UNIT_APPROVED, period="2022-08")
    assert count() == few


def test_the_queue_periods_are_distinct_newest_first(world: Any) -> None:
    _reports(world, 3, status=Status.UNIT_APPROVED)
    _reports(world, 2, status=Status.SUBMITTED, period="2022-08")
    user = world.users[Role.OFFICE]
    with CaptureQueriesContext(connection) as captured:
        periods = selectors.review_queue_periods(user=user)
    assert periods == ["2022Q3", "2022-08"]
    assert "ORDER BY" not in captured[-1]["sql"]  # DISTINCT over the periods alone
