"""Excel/CSV exports of the unit directory and the account list: the user's scope, every row,
formula-like text neutralised."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaoping.org.models import Role, Unit
from tests.exports import export_rows as _rows
from tests.factories import make_unit, user_with_role

pytestmark = pytest.mark.django_db

RISKY = "=HYPERLINK(1)"


def _get(user: Any, name: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(reverse(name), params)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_unit_export_is_the_users_scope_with_every_row(world: Any, fmt: str) -> None:
    make_unit("T09", RISKY, Unit.Kind.TOWN, world.county)
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    make_unit("C02T01", "邻县某镇", Unit.Kind.TOWN, other)
    rows = _rows(_get(world.users[Role.OFFICE], "org:unit_list", export=fmt), fmt)
    assert rows[0][:3] == ["Code", "Unit", "Kind"]
    names = [r[1] for r in rows[1:]]
    expected = Unit.objects.for_user(world.users[Role.OFFICE]).count()
    assert len(names) == expected >= 6
    assert "'" + RISKY in names and RISKY not in names
    assert "邻县" not in names and "邻县某镇" not in names


def test_unit_export_keeps_the_kind_filter(world: Any) -> None:
    rows = _rows(
        _get(world.users[Role.OFFICE], "org:unit_list", kind="town", export="xlsx"), "xlsx"
    )
    assert sorted(r[0] for r in rows[1:]) == ["T01", "T02"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_account_export_lists_every_account_escaped(world: Any, fmt: str) -> None:
    user = user_with_role(Role.REPORTER, world.town_b, username="risky")
    user.display_name = "@SUM(A1)"
    user.save()
    rows = _rows(_get(world.users[Role.SYSTEM_ADMIN], "org:account_list", export=fmt), fmt)
    assert rows[0][:2] == ["User name", "Name"]
    usernames = [r[0] for r in rows[1:]]
    assert "risky" in usernames and "office" in usernames
    assert "'@SUM(A1)" in [r[1] for r in rows[1:]]
    filtered = _rows(
        _get(world.users[Role.SYSTEM_ADMIN], "org:account_list", q="risky", export=fmt), fmt
    )
    assert len(filtered) == 2


@pytest.mark.parametrize(
    ("name", "role"),
    [("org:unit_list", Role.REPORTER), ("org:account_list", Role.OFFICE)],
)
def test_org_exports_are_404_for_others(world: Any, name: str, role: str) -> None:
    assert _get(world.users[role], name, export="xlsx").status_code == 404


def test_org_pages_offer_the_buttons(world: Any) -> None:
    html = _get(world.users[Role.OFFICE], "org:unit_list").content.decode()
    assert "export=xlsx" in html and "export=csv" in html
