"""The permission matrix: every page and endpoint × every role of `world` and anonymous.

Each row names a URL, the objects it is about, and the status each role gets; roles not
listed get the row's default. 404 is the answer for a page outside the user's roles and for
an object outside their data scope alike, so neither reveals what exists. Anonymous users
are sent to sign in (302 to the login page), except where the method itself is refused (405).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Role, RoleGrant, User
from kaoping.plans.models import Assignment, Indicator, Plan

ANON = "anonymous"
ROLES = (
    Role.OFFICE,
    Role.REPORTER,
    Role.UNIT_HEAD,
    Role.LEADER,
    Role.INSPECTOR,
    Role.INTERVIEWER,
    Role.AUDITOR,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    "reporter_b",
)
EVERYONE = (*ROLES, ANON)
CATALOGUE = {
    Role.OFFICE: 200,
    Role.REPORTER: 200,
    Role.UNIT_HEAD: 200,
    Role.LEADER: 200,
    Role.INSPECTOR: 200,
    "reporter_b": 200,
}
OFFICE_ONLY = {Role.OFFICE: 200}
AUDITOR_ONLY = {Role.AUDITOR: 200}
ADMINS = {Role.SYSTEM_ADMIN: 200, Role.SECURITY_ADMIN: 200}

Kwargs = Callable[[Any, Any], dict[str, Any]]


def no_args(world: Any, other: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Row:
    """One line of the matrix: a URL name, its arguments, and who gets which status."""

    name: str
    kwargs: Kwargs = no_args
    expect: dict[str, int] = field(default_factory=dict)
    default: int = 404
    anonymous: int = 302
    label: str = ""

    def status_for(self, who: str) -> int:
        if who == ANON:
            return self.anonymous
        return self.expect.get(who, self.default)


def _pk(attr: str, sub: str | None = None) -> Kwargs:
    def kwargs(world: Any, other: Any) -> dict[str, Any]:
        source = other if attr.startswith("other.") else world
        obj = getattr(source, attr.removeprefix("other."))
        return {"pk": obj.pk}

    return kwargs


def _account(world: Any, other: Any) -> dict[str, Any]:
    return {"pk": world.users[Role.REPORTER].pk}


def _grant(world: Any, other: Any) -> dict[str, Any]:
    reporter = world.users[Role.REPORTER]
    return {"pk": reporter.pk, "grant_pk": reporter.role_grants.get().pk}


# GET (and page) access, one row per URL and object.
GET_MATRIX: tuple[Row, ...] = (
    Row("root", default=302, anonymous=200),
    Row("home", default=302),
    Row("login", default=302, anonymous=200),
    Row("password_change", default=200),
    Row("plans:catalogue", expect=CATALOGUE),
    Row("plans:indicator_detail", _pk("indicator_a"), CATALOGUE),
    Row("plans:indicator_detail", _pk("other.indicator"), label="other county"),
    Row("plans:plan_list", expect=OFFICE_ONLY),
    Row("plans:plan_create", expect=OFFICE_ONLY),
    Row("plans:plan_detail", _pk("plan"), OFFICE_ONLY),
    Row("plans:plan_detail", _pk("other.plan"), label="other county"),
    Row("plans:plan_edit", _pk("plan"), OFFICE_ONLY),
    Row("plans:plan_edit", _pk("other.plan"), label="other county"),
    Row("plans:plan_publish", _pk("plan"), OFFICE_ONLY),
    Row("plans:indicator_create", _pk("plan"), OFFICE_ONLY),
    Row("plans:indicator_edit", _pk("indicator_a"), OFFICE_ONLY),
    Row("plans:indicator_edit", _pk("other.indicator"), label="other county"),
    Row("plans:indicator_delete", _pk("indicator_a"), OFFICE_ONLY),
    Row("plans:assignment_create", _pk("indicator_a"), OFFICE_ONLY),
    Row("plans:assignment_edit", _pk("assignment_a"), OFFICE_ONLY),
    Row("plans:assignment_edit", _pk("other.assignment"), label="other county"),
    Row("plans:assignment_delete", _pk("assignment_a"), OFFICE_ONLY),
    Row("org:unit_list", expect={Role.OFFICE: 200, Role.LEADER: 200, Role.INSPECTOR: 200}),
    Row(
        "org:unit_detail",
        _pk("town_a"),
        {
            Role.OFFICE: 200,
            Role.INSPECTOR: 200,
            Role.LEADER: 200,
            Role.REPORTER: 200,
            Role.UNIT_HEAD: 200,
        },
        label="town A",
    ),
    Row(
        "org:unit_detail",
        _pk("town_b"),
        {Role.OFFICE: 200, Role.INSPECTOR: 200, "reporter_b": 200},
        label="town B",
    ),
    Row(
        "org:unit_detail",
        _pk("dept_b"),
        {Role.OFFICE: 200, Role.INSPECTOR: 200},
        label="department outside the leader's portfolio",
    ),
    Row(
        "org:unit_detail",
        _pk("county"),
        {Role.OFFICE: 200, Role.INSPECTOR: 200},
        label="the county itself",
    ),
    Row("org:unit_detail", _pk("other.town"), label="other county"),
    Row("org:my_unit", expect={Role.REPORTER: 200, Role.UNIT_HEAD: 200, "reporter_b": 200}),
    Row("org:portfolio", expect={Role.LEADER: 200}),
    Row("org:no_work", default=200),
    Row("org:account_list", expect=ADMINS),
    Row("org:account_create", expect={Role.SYSTEM_ADMIN: 200}),
    Row("org:account_detail", _account, ADMINS),
    # POST-only endpoints refuse GET for everyone, signed in or not.
    Row("org:account_password", _account, default=405, anonymous=405),
    Row("org:account_active", _account, default=405, anonymous=405),
    Row("org:account_role_grant", _account, default=405, anonymous=405),
    Row("org:account_role_revoke", _grant, default=405, anonymous=405),
    Row("org:account_unlock", _account, default=405, anonymous=405),
    Row("audit:event_list", expect=AUDITOR_ONLY),
    Row("audit:change_list", expect=AUDITOR_ONLY),
)

# URL names the matrix leaves to their owners' own tests.
NOT_OURS = {"logout", "set_language"}


def _client(world: Any, who: str) -> Client:
    return Client() if who == ANON else world.client_for(who)


def _cases() -> list[Any]:
    return [
        pytest.param(row, who, id=f"{row.name}{'[' + row.label + ']' if row.label else ''}-{who}")
        for row in GET_MATRIX
        for who in EVERYONE
    ]


@pytest.mark.parametrize(("row", "who"), _cases())
def test_get_matrix(world, other, row: Row, who: str) -> None:
    url = reverse(row.name, kwargs=row.kwargs(world, other))
    response = _client(world, who).get(url)
    expected = row.status_for(who)
    assert response.status_code == expected, f"{who} GET {url}"
    if who == ANON and expected == 302 and row.name not in {"root", "login"}:
        assert response["Location"].startswith(reverse("login"))


def test_every_url_name_is_in_the_matrix() -> None:
    """A new view cannot be added without deciding who may open it."""
    names: set[str] = set()
    resolver = get_resolver()
    for namespace in ("org", "plans", "audit"):
        sub = resolver.namespace_dict[namespace][1]
        names |= {f"{namespace}:{n}" for n in sub.reverse_dict if isinstance(n, str)}
    names |= {n for n in resolver.reverse_dict if isinstance(n, str)}
    covered = {row.name for row in GET_MATRIX}
    missing = {n for n in names if ":" in n or n in {"root", "home", "login", "password_change"}}
    assert missing - covered - NOT_OURS == set()


# --- read-only pages refuse every other method ---------------------------------------------
READ_ONLY = (
    "plans:catalogue",
    "plans:plan_list",
    "plans:plan_detail",
    "org:unit_list",
    "org:unit_detail",
    "org:my_unit",
    "org:portfolio",
    "org:account_list",
    "org:account_detail",
    "org:no_work",
    "audit:event_list",
    "audit:change_list",
    "plans:indicator_detail",
)


@pytest.mark.parametrize("name", READ_ONLY)
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("who", [Role.AUDITOR, Role.OFFICE, ANON])
def test_read_only_pages_refuse_writes(world, name: str, method: str, who: str) -> None:
    kwargs = {}
    if name in {"plans:plan_detail"}:
        kwargs = {"pk": world.plan.pk}
    elif name == "org:unit_detail":
        kwargs = {"pk": world.town_a.pk}
    elif name == "org:account_detail":
        kwargs = {"pk": world.users[Role.REPORTER].pk}
    elif name == "plans:indicator_detail":
        kwargs = {"pk": world.indicator_a.pk}
    client = _client(world, who)
    before = AuditEvent.objects.count()
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 405
    assert AuditEvent.objects.count() == before


# --- writes by the wrong role change nothing -----------------------------------------------
def _plan_state(world: Any) -> tuple[Any, ...]:
    plan = Plan.objects.get(pk=world.plan.pk)
    return (
        plan.row_version,
        plan.status,
        Indicator.objects.count(),
        tuple(Indicator.objects.order_by("pk").values_list("row_version", flat=True)),
        tuple(Assignment.objects.order_by("pk").values_list("pk", "row_version", "lead_unit_id")),
    )


def _plan_posts(world: Any) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    version = world.plan.row_version
    return [
        (
            "plans:plan_create",
            {},
            {
                "year": 2023,
                "owner": world.county.pk,
                "code": "x",
                "name": "新方案",
                "kind": "county",
            },
        ),
        (
            "plans:plan_edit",
            {"pk": world.plan.pk},
            {
                "row_version": version,
                "name": "改名",
                "weight_indicators": "0.5",
                "weight_public": "0.4",
                "weight_leader": "0.1",
                "missing_component": "fail",
                "grade-TOTAL_FORMS": 0,
                "grade-INITIAL_FORMS": 0,
            },
        ),
        ("plans:plan_publish", {"pk": world.plan.pk}, {"row_version": version, "confirm": "on"}),
        (
            "plans:indicator_create",
            {"pk": world.plan.pk},
            {
                "code": "A09",
                "name": "新指标",
                "category": "economic",
                "kind": "quantitative",
                "direction": "higher",
                "accumulation": "cumulative",
                "points": "5",
                "source_level": "county",
                "scoring_rule": "threshold",
                "frequency": "yearly",
            },
        ),
        (
            "plans:indicator_edit",
            {"pk": world.indicator_a.pk},
            {
                "row_version": world.indicator_a.row_version,
                "code": "A01",
                "name": "改",
                "category": "economic",
                "kind": "quantitative",
                "direction": "higher",
                "accumulation": "cumulative",
                "points": "5",
                "source_level": "county",
                "scoring_rule": "threshold",
                "frequency": "yearly",
                "parent": world.category.pk,
            },
        ),
        ("plans:indicator_delete", {"pk": world.indicator_a.pk}, {"reason": "x"}),
        (
            "plans:assignment_create",
            {"pk": world.indicator_b.pk},
            {"lead_unit": world.dept_a.pk, "share": "1"},
        ),
        (
            "plans:assignment_edit",
            {"pk": world.assignment_a.pk},
            {
                "row_version": world.assignment_a.row_version,
                "lead_unit": world.town_b.pk,
                "share": "1",
            },
        ),
        ("plans:assignment_delete", {"pk": world.assignment_a.pk}, {"reason": "x"}),
    ]


PLAN_POST_NAMES = (
    "plans:plan_create",
    "plans:plan_edit",
    "plans:plan_publish",
    "plans:indicator_create",
    "plans:indicator_edit",
    "plans:indicator_delete",
    "plans:assignment_create",
    "plans:assignment_edit",
    "plans:assignment_delete",
)


@pytest.mark.parametrize("index", range(len(PLAN_POST_NAMES)), ids=PLAN_POST_NAMES)
@pytest.mark.parametrize("who", [r for r in EVERYONE if r != Role.OFFICE])
def test_plan_writes_refused_for_other_roles(world, index: int, who: str) -> None:
    name, kwargs, data = _plan_posts(world)[index]
    client = _client(world, who)
    before = _plan_state(world)
    events = AuditEvent.objects.count()
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == (302 if who == ANON else 404)
    if who == ANON:
        assert response["Location"].startswith(reverse("login"))
    assert _plan_state(world) == before
    assert AuditEvent.objects.count() == events
    assert not Plan.objects.filter(code="x").exists()


@pytest.mark.parametrize("index", range(len(PLAN_POST_NAMES)), ids=PLAN_POST_NAMES)
def test_plan_writes_by_office_work(world, index: int) -> None:
    """The same posts by the office succeed (so the refusals above are about the role)."""
    name, kwargs, data = _plan_posts(world)[index]
    before = _plan_state(world)
    response = world.client_for(Role.OFFICE).post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _plan_state(world) != before or name == "plans:plan_create"
    assert AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "name", ["plans:plan_edit", "plans:indicator_delete", "plans:assignment_delete"]
)
def test_office_cannot_write_another_countys_plan(world, other, name: str) -> None:
    target = {
        "plans:plan_edit": other.plan,
        "plans:indicator_delete": other.indicator,
        "plans:assignment_delete": other.assignment,
    }[name]
    response = world.client_for(Role.OFFICE).post(
        reverse(name, kwargs={"pk": target.pk}), {"reason": "x"}
    )
    assert response.status_code == 404
    assert Indicator.objects.filter(pk=other.indicator.pk).exists()
    assert Assignment.objects.filter(pk=other.assignment.pk).exists()


# --- account endpoints: each action for its administrator only ----------------------------
def _account_state(world: Any) -> tuple[Any, ...]:
    reporter = User.objects.get(pk=world.users[Role.REPORTER].pk)
    return (reporter.password, reporter.is_active, RoleGrant.objects.count(), User.objects.count())


ACCOUNT_POSTS: dict[str, tuple[Kwargs, dict[str, Any], str]] = {
    "org:account_create": (
        no_args,
        {
            "username": "new_user",
            "password1": "Kp#2022-Strong-pw",
            "password2": "Kp#2022-Strong-pw",
        },
        Role.SYSTEM_ADMIN,
    ),
    "org:account_password": (
        _account,
        {"password1": "Kp#2022-Strong-pw", "password2": "Kp#2022-Strong-pw"},
        Role.SYSTEM_ADMIN,
    ),
    "org:account_active": (_account, {"active": "0", "reason": "离职"}, Role.SYSTEM_ADMIN),
    "org:account_role_grant": (_account, {"role": Role.INSPECTOR, "unit": ""}, Role.SECURITY_ADMIN),
    "org:account_role_revoke": (_grant, {"reason": "调岗"}, Role.SECURITY_ADMIN),
    "org:account_unlock": (_account, {"reason": "本人申请"}, Role.SECURITY_ADMIN),
}


@pytest.mark.parametrize("name", list(ACCOUNT_POSTS))
@pytest.mark.parametrize("who", EVERYONE)
def test_account_writes_matrix(world, other, name: str, who: str) -> None:
    kwargs, data, allowed = ACCOUNT_POSTS[name]
    if name == "org:account_role_grant":
        data = {**data, "unit": world.county.pk}
    client = _client(world, who)
    before = _account_state(world)
    response = client.post(reverse(name, kwargs=kwargs(world, other)), data)
    if who == ANON:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif who == allowed:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"].startswith("/org/accounts/")
        return
    else:
        assert response.status_code == 404
    assert _account_state(world) == before


def test_weights_posted_by_office_keep_decimal_exactness(world) -> None:
    client = world.client_for(Role.OFFICE)
    client.post(
        reverse("plans:plan_edit", kwargs={"pk": world.plan.pk}),
        {
            "row_version": world.plan.row_version,
            "name": world.plan.name,
            "weight_indicators": "0.55",
            "weight_public": "0.35",
            "weight_leader": "0.1",
            "missing_component": "renormalise",
            "grade-TOTAL_FORMS": 0,
            "grade-INITIAL_FORMS": 0,
        },
    )
    plan = Plan.objects.get(pk=world.plan.pk)
    assert plan.weight_indicators == Decimal("0.55") and plan.weight_public == Decimal("0.35")
