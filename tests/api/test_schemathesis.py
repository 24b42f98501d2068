"""Property-based run of every operation of the OpenAPI schema (schemathesis, in process over
WSGI) as the office user with a token: no input may cause a server error (5xx), and every
answer must match the schema.

Deterministic (derandomize) and small (max_examples), so the whole run takes seconds.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from kaoping.org.models import Role
from tests.api.conftest import draft

# Reading the schema needs no database: it is loaded once, at collection.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def data(api: Any, settings: Any) -> Any:
    """The world, a draft for the report endpoints to find, and no rate limit in the way.

    Django's WSGI handler closes the database connection at the end of each request when it
    is inside a transaction, as the test's is; Django's own test client stops that, and so
    does this fixture, or the test's data would vanish after the first request on PostgreSQL.
    """
    settings.KAOPING_API_RATE_USER = "100000/min"
    settings.KAOPING_API_RATE_IP = "100000/min"
    draft(api)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield api
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, data: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {data.tokens[Role.OFFICE]}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
