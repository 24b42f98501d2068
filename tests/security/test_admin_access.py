"""Django admin: the performance office only, within its scope, never deleting; audited."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, Unit
from tests.conftest import World
from tests.factories import make_unit, user_with_role

NOT_OFFICE = [
    Role.AUDITOR,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    Role.REPORTER,
    Role.UNIT_HEAD,
    Role.LEADER,
    Role.INSPECTOR,
    Role.INTERVIEWER,
]


def test_the_office_reaches_the_admin_and_sees_its_models(world: World) -> None:
    response = world.client_for(Role.OFFICE).get("/admin/")
    assert response.status_code == 200
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Unit", "Person", "Region", "Plan", "Indicator", "Assignment"} <= models
    assert not models & {"User", "RoleGrant", "LogEntry", "AuditEvent", "Group"}


@pytest.mark.parametrize("role", NOT_OFFICE)
def test_everybody_else_is_refused_the_admin(world: World, role: str) -> None:
    client = world.client_for(role)
    for page in ("/admin/", "/admin/org/unit/", f"/admin/org/unit/{world.town_a.pk}/change/"):
        response = client.get(page, follow=True)
        assert response.status_code == 403, (role, page)


def test_an_anonymous_visitor_is_sent_to_kaoping_sign_in(db: None) -> None:
    response = Client().get("/admin/org/unit/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=")
    assert response.status_code == 200


def test_a_deactivated_office_account_is_refused(world: World) -> None:
    office = world.users[Role.OFFICE]
    client = world.client_for(Role.OFFICE)
    office.is_active = False
    office.save(update_fields=["is_active"])
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(reverse("login"))


def test_nobody_deletes_in_the_admin(world: World) -> None:
    client = world.client_for(Role.OFFICE)
    assert client.get(f"/admin/org/person/{world.leader_person.pk}/delete/").status_code == 403
    changelist = client.get("/admin/org/person/")
    assert changelist.context["action_form"] is None  # no bulk delete, the only action


def test_the_audit_tables_are_not_in_the_admin(world: World) -> None:
    assert not admin.site.is_registered(AuditEvent)
    assert not admin.site.is_registered(LogEntry)
    client = world.client_for(Role.OFFICE)
    assert client.get("/admin/auditlog/logentry/").status_code == 404
    assert client.get("/admin/org/user/").status_code == 404


def test_the_office_sees_only_units_in_its_scope(world: World) -> None:
    # given a second county and an office anchored at the first county's town
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    town_office = user_with_role(Role.OFFICE, world.town_a, username="town_office")
    client = Client()
    client.force_login(town_office)
    # then its admin finds its own town but neither the other county nor the sibling town
    found = client.get("/admin/org/unit/", {"q": "C0"}).context["cl"].result_list
    assert other not in found
    assert client.get(f"/admin/org/unit/{world.town_a.pk}/change/").status_code == 200
    for outside in (other, world.town_b):
        assert client.get(f"/admin/org/unit/{outside.pk}/change/").status_code == 302


def test_an_office_change_in_the_admin_is_logged_with_actor_and_request_id(world: World) -> None:
    # given the office editing a town in the admin
    office = world.users[Role.OFFICE]
    client = world.client_for(Role.OFFICE)
    unit = world.town_a
    url = f"/admin/org/unit/{unit.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": "东城街道", "is_active": "on"})
    # when it saves with a request id from the proxy
    response = client.post(url, data, headers={"X-Request-ID": "req-admin-edit-01"})
    # then the unit changed, its version moved on, and auditlog recorded who and which request
    assert response.status_code == 302, (
        getattr(response, "context", {}) and response.context["adminform"].form.errors
    )
    unit.refresh_from_db()
    assert (unit.name, unit.row_version) == ("东城街道", 2)
    entry = LogEntry.objects.get_for_object(unit).order_by("-timestamp").first()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == office
    assert entry.cid == "req-admin-edit-01"
    assert entry.changes_dict["name"] == ["东城镇", "东城街道"]


def test_the_office_adds_units_only_under_a_unit_in_its_scope(world: World) -> None:
    client = world.client_for(Role.OFFICE)
    data = {
        "code": "T09",
        "name": "新建镇",
        "short_name": "新建",
        "kind": "town",
        "is_active": "on",
        "treebeard_position": "sorted-child",
    }
    # a new root is refused: it would fall outside every office's scope
    refused = client.post("/admin/org/unit/add/", {**data, "treebeard_ref_node": ""})
    assert refused.status_code == 200
    assert "treebeard_ref_node" in refused.context["adminform"].form.errors
    # under the county it is added where the tree says
    added = client.post(
        "/admin/org/unit/add/", {**data, "treebeard_ref_node": str(world.county.pk)}
    )
    assert added.status_code == 302
    assert Unit.objects.get_parent(Unit.objects.get(code="T09")) == world.county
    assert (
        LogEntry.objects.get_for_object(Unit.objects.get(code="T09")).get().actor
        == world.users[Role.OFFICE]
    )
