"""The auditor's pages: filters, the hash-chain check, readable before/after, read-only."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.audit.services import audit_event
from kaoping.org.models import Role
from kaoping.plans import services

EVENTS = reverse("audit:event_list")
CHANGES = reverse("audit:change_list")


def _some_events(world) -> None:
    office = world.users[Role.OFFICE]
    services.indicator_update(
        actor=office, indicator=world.indicator_a, expected_version=1, name="税收收入（调整）"
    )
    audit_event(
        actor=None,
        action="auth.login_failed",
        object_type="org.user",
        object_repr="nobody",
        request_id="req-12345678",
    )


def test_event_list_filters(world) -> None:
    _some_events(world)
    client = world.client_for(Role.AUDITOR)
    by_action = client.get(EVENTS, {"action": "indicator."})
    assert {e.action for e in by_action.context["page"]} == {"indicator.update"}
    by_actor = client.get(EVENTS, {"actor": "office"})
    assert {e.actor_name for e in by_actor.context["page"]} == {"office"}
    by_request = client.get(EVENTS, {"request_id": "req-12345678"})
    assert [e.action for e in by_request.context["page"]] == ["auth.login_failed"]
    by_type = client.get(EVENTS, {"object_type": "plans.indicator"})
    assert {e.object_type for e in by_type.context["page"]} == {"plans.indicator"}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = client.get(EVENTS, {"date_from": tomorrow})
    assert not future.context["page"].object_list


def test_bad_dates_do_not_break_the_page(world) -> None:
    _some_events(world)
    client = world.client_for(Role.AUDITOR)
    response = client.get(EVENTS, {"date_from": "2022-13-45", "date_to": "yesterday"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["page"].paginator.count == AuditEvent.objects.count()
    reversed_range = client.get(CHANGES, {"date_from": "2022-05-01", "date_to": "2022-04-01"})
    assert reversed_range.status_code == 200 and reversed_range.context["form"].errors


def test_before_and_after_are_shown_readably(world) -> None:
    _some_events(world)
    response = world.client_for(Role.AUDITOR).get(EVENTS, {"action": "indicator.update"})
    page = response.content.decode()
    assert "税收收入（调整）" in page  # after, Chinese kept (no \\u escapes)
    assert 'class="table-warning"' in page  # the changed field is highlighted


def test_verify_chain_intact_and_broken(world) -> None:
    _some_events(world)
    client = world.client_for(Role.AUDITOR)
    assert client.get(EVENTS).context["chain"] is None  # only on request
    intact = client.get(EVENTS, {"verify": "1"})
    assert intact.context["chain"].intact
    assert "哈希链完整" in intact.content.decode()
    # A row slipped in around the service (INSERT is the only write the database allows).
    AuditEvent.objects.create(at=timezone.now(), action="forged", prev_hash="0" * 64, hash="f" * 64)
    broken = client.get(EVENTS, {"verify": "1"})
    assert not broken.context["chain"].intact
    assert "哈希链已断裂" in broken.content.decode()


def test_change_list_shows_auditlog_entries(world) -> None:
    _some_events(world)
    response = world.client_for(Role.AUDITOR).get(CHANGES, {"object_type": "indicator"})
    entries = list(response.context["page"])
    assert entries and all(e.content_type.model == "indicator" for e in entries)
    assert "税收收入" in response.content.decode()


def test_audit_pages_offer_no_write_controls(world) -> None:
    _some_events(world)
    client = world.client_for(Role.AUDITOR)
    for url in (EVENTS, CHANGES):
        page = client.get(url).content.decode()
        main = page.split("<main", 1)[1].split("</main>", 1)[0]
        assert 'method="post"' not in main.lower()
        for verb in ("PUT", "DELETE", "POST", "PATCH"):
            assert client.generic(verb, url).status_code == 405


def test_event_list_query_budget(world, django_assert_max_num_queries) -> None:
    for i in range(60):
        audit_event(
            actor=world.users[Role.OFFICE],
            action="test.bulk",
            object_repr=f"#{i}",
            before={"n": i},
            after={"n": i + 1},
        )
    client = world.client_for(Role.AUDITOR)
    client.get(EVENTS)
    with django_assert_max_num_queries(10):
        response = client.get(EVENTS)
    assert len(response.context["page"]) == 50
