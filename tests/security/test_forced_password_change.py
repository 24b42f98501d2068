"""First sign-in of an account the office's administrators create, and password expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaoping.org import services
from kaoping.org.models import Role
from tests.conftest import World
from tests.security.conftest import events, sign_in

ONE_TIME = "Issued-Once-2024!"
CHOSEN = "My-Own-Choice-77"
PAGES = ("/home/", "/org/units/", "/plans/catalogue/", "/admin/", "/admin/org/unit/", "/audit/")


@pytest.fixture
def new_office_account(world: World) -> Client:
    """An office account made by the system administrator, signed in with its one-time
    password through the real form."""
    sysadmin, secadmin = world.users[Role.SYSTEM_ADMIN], world.users[Role.SECURITY_ADMIN]
    user = services.user_create(actor=sysadmin, username="newclerk", password=ONE_TIME)
    services.role_grant(actor=secadmin, user=user, role=Role.OFFICE, unit=world.county)
    client = Client()
    assert sign_in(client, "newclerk", ONE_TIME).status_code == 302
    return client


def test_an_account_the_administrator_creates_must_change_its_password(world: World) -> None:
    user = services.user_create(
        actor=world.users[Role.SYSTEM_ADMIN], username="fresh", password=ONE_TIME
    )
    assert user.must_change_password


@pytest.mark.parametrize("page", PAGES)
def test_every_page_redirects_to_the_password_change_until_it_is_done(
    new_office_account: Client, page: str
) -> None:
    response = new_office_account.get(page)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_the_password_page_says_the_change_is_forced_and_shows_the_policy(
    new_office_account: Client,
) -> None:
    new_office_account.cookies["django_language"] = "en"  # English texts below
    response = new_office_account.get(reverse("password_change"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "one-time password" in body
    assert "Password policy" in body
    assert response.context["forced"] is True
    assert response.context["policy"]["min_length"] == 12


def test_after_changing_the_password_the_account_reaches_home(new_office_account: Client) -> None:
    # when the account chooses its own password
    response = new_office_account.post(
        reverse("password_change"),
        {"old_password": ONE_TIME, "new_password1": CHOSEN, "new_password2": CHOSEN},
    )
    # then it is sent home, and from there to its role's home page, not back
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = new_office_account.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("tracking:dashboard")
    assert new_office_account.get("/admin/").status_code == 200
    # and the change is audited as the account's own
    assert [e.actor_name for e in events("user.password_change")] == ["newclerk"]


def test_a_password_change_breaking_the_policy_keeps_the_account_on_the_page(
    new_office_account: Client,
) -> None:
    response = new_office_account.post(
        reverse("password_change"),
        {"old_password": ONE_TIME, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password1"]
    assert new_office_account.get("/admin/").status_code == 302


def test_a_wrong_current_password_is_refused(new_office_account: Client) -> None:
    response = new_office_account.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": CHOSEN, "new_password2": CHOSEN},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors


def test_a_password_older_than_max_age_must_be_changed(world: World) -> None:
    # given a reporter whose password was set 91 days ago (the default maximum age is 90)
    reporter = world.users[Role.REPORTER]
    reporter.password_changed_at = timezone.now() - timedelta(days=91)
    reporter.save(update_fields=["password_changed_at"])
    client = world.client_for(Role.REPORTER)
    # then pages send it to the password change, which says the password expired
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert page.wsgi_request.password_change_due == "expired"


def test_a_password_younger_than_max_age_is_fine(world: World) -> None:
    reporter = world.users[Role.REPORTER]
    reporter.password_changed_at = timezone.now() - timedelta(days=89)
    reporter.save(update_fields=["password_changed_at"])
    response = world.client_for(Role.REPORTER).get("/home/")
    assert response["Location"] == reverse("org:my_unit")


def test_a_reset_by_the_system_administrator_forces_a_change_again(world: World) -> None:
    reporter = world.users[Role.REPORTER]
    services.user_set_password(
        actor=world.users[Role.SYSTEM_ADMIN], user=reporter, password=ONE_TIME, reason="forgotten"
    )
    reporter.refresh_from_db()
    assert reporter.must_change_password
    assert [e.reason for e in events("user.password_reset")] == ["forgotten"]


def test_the_api_answers_json_401_until_the_password_is_changed(
    new_office_account: Client,
) -> None:
    new_office_account.cookies["django_language"] = "en"
    response = new_office_account.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()["error"]
    assert body["code"] == "unauthorized" and "password" in body["message"]
