"""Unit list, unit pages, my unit, the leader's portfolio, the account pages, no-work page."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from tests.factories import AssignmentFactory, IndicatorFactory, PersonFactory, make_unit

UNITS = reverse("org:unit_list")


def test_unit_list_is_scoped_and_filtered(world, other) -> None:
    response = world.client_for(Role.OFFICE).get(UNITS)
    codes = [u.code for u in response.context["page"]]
    assert codes == ["C01", "D01", "D02", "T01", "T02"]
    assert "C99" not in codes and "T99" not in codes
    towns = world.client_for(Role.OFFICE).get(UNITS, {"kind": "town"})
    assert [u.code for u in towns.context["page"]] == ["T01", "T02"]
    search = world.client_for(Role.OFFICE).get(UNITS, {"q": "气象"})
    assert [u.code for u in search.context["page"]] == ["D02"]
    leader = world.client_for(Role.LEADER).get(UNITS)
    assert [u.code for u in leader.context["page"]] == ["D01", "T01"]


def test_unit_list_counts(world) -> None:
    world.assignment_a.supporting_units.add(world.dept_a)
    response = world.client_for(Role.OFFICE).get(UNITS)
    by_code = {u.code: u for u in response.context["page"]}
    assert by_code["T01"].lead_count == 1 and by_code["T01"].people_count == 2
    assert by_code["T01"].head_name == "王镇长"
    assert by_code["D01"].support_count == 1 and by_code["D01"].lead_count == 0


def test_unit_list_query_budget_does_not_grow_with_units(
    world, django_assert_max_num_queries
) -> None:
    client = world.client_for(Role.OFFICE)
    client.get(UNITS)
    with django_assert_max_num_queries(12) as small:
        client.get(UNITS)
    budget = len(small.captured_queries)  # read now: each request resets the query log
    for i in range(30):
        unit = make_unit(f"X{i:02d}", f"新增单位{i}", Unit.Kind.DEPARTMENT, world.county)
        PersonFactory(unit=unit, position=Person.Position.HEAD)
        AssignmentFactory(
            indicator=IndicatorFactory(plan=world.plan, code=f"X{i:02d}"), lead_unit=unit
        )
    client = world.client_for(Role.OFFICE)  # a fresh scope for the new units
    client.get(UNITS)
    with django_assert_max_num_queries(budget):
        response = client.get(UNITS)
    assert len(response.context["page"]) == 35


def test_unit_list_paginates(world) -> None:
    for i in range(55):
        make_unit(f"P{i:02d}", f"单位{i}", Unit.Kind.DEPARTMENT, world.county)
    client = world.client_for(Role.OFFICE)
    first = client.get(UNITS)
    assert len(first.context["page"]) == 50 and first.context["page"].has_next()
    second = client.get(UNITS, {"page": 2})
    assert len(second.context["page"]) == 10
    assert client.get(UNITS, {"page": "zzz"}).status_code == 200


def test_unit_detail_people_and_assignments(world) -> None:
    type(world.plan).objects.filter(pk=world.plan.pk).update(status="published")
    world.assignment_b.supporting_units.add(world.town_a)
    response = world.client_for(Role.REPORTER).get(
        reverse("org:unit_detail", kwargs={"pk": world.town_a.pk})
    )
    assert [p.name for p in response.context["people"]] == ["王镇长", "赵干事"]
    roles = {
        a.indicator.code: a.lead_unit_id == world.town_a.pk for a in response.context["assignments"]
    }
    assert roles == {"A01": True, "A02": False}
    page = response.content.decode()
    assert "税收收入" in page and "外贸进出口总额" in page


def test_my_unit_is_the_reporters_unit(world) -> None:
    response = world.client_for(Role.UNIT_HEAD).get(reverse("org:my_unit"))
    assert response.context["unit"] == world.town_a and response.context["own"]
    response = world.client_for("reporter_b").get(reverse("org:my_unit"))
    assert response.context["unit"] == world.town_b


def test_portfolio_lists_units_and_their_assignments(world) -> None:
    AssignmentFactory(indicator=world.indicator_b, lead_unit=world.dept_a)
    response = world.client_for(Role.LEADER).get(reverse("org:portfolio"))
    assert [u.code for u in response.context["units"]] == ["D01", "T01"]
    led = {(a.lead_unit.code, a.indicator.code) for a in response.context["assignments"]}
    assert led == {("D01", "A02"), ("T01", "A01")}  # town B's assignment is not theirs


def test_interviewer_lands_on_their_calls(world) -> None:
    response = world.client_for(Role.INTERVIEWER).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("surveys:my_cases")
    assert "我的电话访问" in response.content.decode()  # users see Chinese


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.OFFICE, "tracking:dashboard"),
        (Role.LEADER, "tracking:dashboard"),
        (Role.REPORTER, "org:my_unit"),
        (Role.UNIT_HEAD, "org:my_unit"),
        (Role.INSPECTOR, "tracking:dashboard"),
        (Role.AUDITOR, "audit:event_list"),
        (Role.SYSTEM_ADMIN, "org:account_list"),
        (Role.SECURITY_ADMIN, "org:account_list"),
        (Role.INTERVIEWER, "surveys:my_cases"),
    ],
)
def test_each_role_lands_on_its_home_and_its_menu_opens(world, role, home) -> None:
    client = world.client_for(role)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse(home)
    page = client.get(reverse(home))
    assert page.status_code == 200
    for item in page.context["nav_items"]:
        assert client.get(item.url).status_code == 200, item.url_name


# --- accounts --------------------------------------------------------------------------------
STRONG = "Kp#2022-Strong-pw"


def test_system_admin_creates_account_that_must_change_password(world) -> None:
    client = world.client_for(Role.SYSTEM_ADMIN)
    person = PersonFactory(unit=world.dept_b, name="新人")
    response = client.post(
        reverse("org:account_create"),
        {
            "username": "newbie",
            "display_name": "新人",
            "person": person.pk,
            "password1": STRONG,
            "password2": STRONG,
        },
    )
    user = User.objects.get(username="newbie")
    assert response["Location"] == reverse("org:account_detail", kwargs={"pk": user.pk})
    assert user.must_change_password and user.person == person
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "reporter_a", "password1": STRONG, "password2": STRONG}, None),  # taken
        ({"username": "weak", "password1": "123", "password2": "123"}, None),  # policy
        ({"username": "typo", "password1": STRONG, "password2": STRONG + "x"}, "password2"),
        ({"username": "", "password1": STRONG, "password2": STRONG}, "username"),
    ],
)
def test_account_create_errors_are_shown(world, data, field) -> None:
    response = world.client_for(Role.SYSTEM_ADMIN).post(reverse("org:account_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.get(field) if field else form.non_field_errors()
    assert User.objects.count() == len(world.users)


def test_system_admin_resets_password_and_deactivates(world) -> None:
    client = world.client_for(Role.SYSTEM_ADMIN)
    target = world.users[Role.REPORTER]
    url = reverse("org:account_password", kwargs={"pk": target.pk})
    weak = client.post(url, {"password1": "short", "password2": "short"})
    assert weak.status_code == 400 and weak.context["password_form"].errors
    ok = client.post(url, {"password1": STRONG, "password2": STRONG, "reason": "忘记密码"})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.check_password(STRONG) and target.must_change_password

    active = reverse("org:account_active", kwargs={"pk": target.pk})
    missing_reason = client.post(active, {"active": "0"})
    assert missing_reason.status_code == 400
    assert client.post(active, {"active": "0", "reason": "离职"}).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    own = reverse("org:account_active", kwargs={"pk": world.users[Role.SYSTEM_ADMIN].pk})
    refused = client.post(own, {"active": "0", "reason": "试试"})
    assert refused.status_code == 400
    assert User.objects.get(pk=world.users[Role.SYSTEM_ADMIN].pk).is_active


def test_security_admin_grants_and_revokes_roles(world) -> None:
    client = world.client_for(Role.SECURITY_ADMIN)
    target = world.users["reporter_b"]
    url = reverse("org:account_role_grant", kwargs={"pk": target.pk})
    ok = client.post(url, {"role": Role.UNIT_HEAD, "unit": world.town_b.pk})
    assert ok.status_code == 302
    assert RoleGrant.objects.filter(user=target, role=Role.UNIT_HEAD).exists()
    # separation of duties: an administrator role is refused, with the reason shown
    refused = client.post(url, {"role": Role.AUDITOR})
    assert refused.status_code == 400
    assert refused.context["grant_form"].non_field_errors()
    # a business role without a unit is refused
    no_unit = client.post(url, {"role": Role.INSPECTOR})
    assert no_unit.status_code == 400
    grant = RoleGrant.objects.get(user=target, role=Role.UNIT_HEAD)
    revoke = reverse("org:account_role_revoke", kwargs={"pk": target.pk, "grant_pk": grant.pk})
    assert client.post(revoke, {"reason": "调岗"}).status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    # a grant of another account cannot be revoked through this one
    other_grant = world.users[Role.REPORTER].role_grants.get()
    wrong = reverse("org:account_role_revoke", kwargs={"pk": target.pk, "grant_pk": other_grant.pk})
    assert client.post(wrong, {"reason": "x"}).status_code == 404


def test_security_admin_sees_lock_and_unlocks(world) -> None:
    target = world.users[Role.REPORTER]
    AccessAttempt.objects.create(
        username=target.username,
        ip_address="10.0.0.9",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )
    client = world.client_for(Role.SECURITY_ADMIN)
    listing = client.get(reverse("org:account_list"))
    assert target.username in listing.context["locked"]
    detail = client.get(reverse("org:account_detail", kwargs={"pk": target.pk}))
    assert detail.context["locked"]
    response = client.post(
        reverse("org:account_unlock", kwargs={"pk": target.pk}), {"reason": "本人电话确认"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=target.username).exists()
    assert AuditEvent.objects.filter(action="user.unlock").exists()


def test_account_list_filters(world) -> None:
    client = world.client_for(Role.SYSTEM_ADMIN)
    response = client.get(reverse("org:account_list"), {"role": Role.REPORTER})
    assert {u.username for u in response.context["page"]} == {"reporter_a", "reporter_b"}
    response = client.get(reverse("org:account_list"), {"q": "head"})
    assert [u.username for u in response.context["page"]] == ["head_a"]


def test_account_pages_show_only_the_allowed_actions(world) -> None:
    url = reverse("org:account_detail", kwargs={"pk": world.users[Role.REPORTER].pk})
    system = world.client_for(Role.SYSTEM_ADMIN).get(url)
    assert system.context["password_form"] is not None and system.context["grant_form"] is None
    assert (
        reverse("org:account_role_grant", kwargs={"pk": world.users[Role.REPORTER].pk})
        not in system.content.decode()
    )
    security = world.client_for(Role.SECURITY_ADMIN).get(url)
    assert security.context["password_form"] is None and security.context["grant_form"]
    assert (
        reverse("org:account_password", kwargs={"pk": world.users[Role.REPORTER].pk})
        not in security.content.decode()
    )
