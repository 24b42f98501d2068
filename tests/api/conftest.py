"""Fixtures of the API tests: a published plan, a neighbouring county, a token per role, and
clients that call the API with a token or a session."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kaoping.api import services as token_services
from kaoping.org.models import Person, Role, Unit
from kaoping.plans.models import Plan
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.services import reports as report_services
from tests.factories import (
    AssignmentFactory,
    IndicatorFactory,
    PersonFactory,
    PlanFactory,
    make_unit,
    user_with_role,
)

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ANON = "anonymous"
# Every account of `world` (and one more reporter), and anonymous callers.
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
# Roles the API serves; the others get 404 from every endpoint.
API_USERS = (Role.OFFICE, Role.REPORTER, Role.UNIT_HEAD, Role.LEADER, Role.INSPECTOR, "reporter_b")
NO_API_BUSINESS = (Role.INTERVIEWER, Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    """Rate limits count in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


class ApiClient:
    """A test client sending a bearer token (or none) on every request, JSON in and out."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.token = token
        self.client = client or Client()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(API + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            API + path, body or {}, content_type="application/json", headers=self._headers(headers)
        )


@dataclass
class OtherCounty:
    """A neighbouring county nobody in `world` may see."""

    county: Unit
    town: Unit
    plan: Plan
    indicator: Any
    reporter: Any


@dataclass
class ApiWorld:
    """`world` with its plan published, a neighbouring county, and an API token per user."""

    world: Any
    other: OtherCounty
    tokens: dict[str, str]

    def client(self, who: str) -> ApiClient:
        if who == ANON:
            return ApiClient()
        return ApiClient(self.tokens[who])

    def session(self, who: str, *, enforce_csrf: bool = False) -> ApiClient:
        client = Client(enforce_csrf_checks=enforce_csrf)
        client.force_login(self.world.users[who])
        return ApiClient(None, client)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)


@pytest.fixture
def other_county(world: Any) -> OtherCounty:
    county = make_unit("C99", "邻县", Unit.Kind.COUNTY)
    town = make_unit("T99", "邻县北镇", Unit.Kind.TOWN, county)
    PersonFactory(unit=town, name="孙镇长", position=Person.Position.HEAD)
    plan = PlanFactory(
        owner=county, code="other-2022", name="邻县方案", status=Plan.Status.PUBLISHED
    )
    category = IndicatorFactory(plan=plan, code="X", name="经济建设", target=None)
    indicator = IndicatorFactory(plan=plan, parent=category, code="X01", name="规上工业增加值")
    AssignmentFactory(indicator=indicator, lead_unit=town)
    reporter = user_with_role(Role.REPORTER, town, username="reporter_other")
    return OtherCounty(county, town, plan, indicator, reporter)


@pytest.fixture
def api(world: Any, other_county: OtherCounty) -> ApiWorld:
    world.plan.status = Plan.Status.PUBLISHED
    world.plan.save()
    tokens = {}
    for who, user in world.users.items():
        if who in NO_API_BUSINESS:
            # Made directly: the service refuses accounts without a role using the API.
            from kaoping.api.models import ApiToken

            key = f"kp_test_{who}_" + "x" * 20
            ApiToken.objects.create(
                user=user, name="test", prefix=key[:10], key_hash=token_services.hash_key(key)
            )
            tokens[who] = key
        else:
            tokens[who] = token_services.token_create(actor=None, user=user, name="test").key
    tokens["reporter_other"] = token_services.token_create(
        actor=None, user=other_county.reporter, name="test"
    ).key
    return ApiWorld(world, other_county, tokens)


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("佐证.pdf", PDF, content_type="application/pdf")


def draft(api: ApiWorld, *, unit: str = "a", period: str = "2022Q3") -> ProgressReport:
    """A draft with evidence, ready to submit: town A's A01 or town B's A02."""
    if unit == "a":
        actor, indicator, where = api.users[Role.REPORTER], api.indicator_a, api.town_a
    else:
        actor, indicator, where = api.users["reporter_b"], api.indicator_b, api.town_b
    report = report_services.report_create_draft(
        actor=actor,
        indicator=indicator,
        unit=where,
        period=period,
        value=Decimal("75.5"),
        last_year_value=Decimal("70"),
        narrative="前三季度税收入库稳步推进。",
    )
    report_services.evidence_attach(actor=actor, report=report, upload=pdf())
    report.refresh_from_db()
    return report


def other_draft(api: ApiWorld) -> ProgressReport:
    """A draft of the neighbouring county's town."""
    return report_services.report_create_draft(
        actor=api.other.reporter,
        indicator=api.other.indicator,
        unit=api.other.town,
        period="2022Q3",
        value=Decimal("1"),
    )


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The answer has the status and the API's error body with that code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]
