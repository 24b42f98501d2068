"""The OpenAPI schema and the interactive docs, which work offline (no CDN)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.api.conftest import ApiClient

PATHS = {
    "/api/v1/me": {"get"},
    "/api/v1/cycles": {"get"},
    "/api/v1/plans": {"get"},
    "/api/v1/plans/{plan_id}": {"get"},
    "/api/v1/plans/{plan_id}/indicators": {"get"},
    "/api/v1/plans/{plan_id}/assignments": {"get"},
    "/api/v1/units": {"get"},
    "/api/v1/tracking/results": {"get"},
    "/api/v1/reports": {"get", "post"},
    "/api/v1/reports/{report_id}": {"get"},
    "/api/v1/reports/{report_id}/submit": {"post"},
    "/api/v1/notifications": {"get"},
    "/api/v1/bulletins": {"get"},
    "/api/v1/bulletins/{bulletin_id}": {"get"},
    "/api/v1/score-runs": {"get"},
    "/api/v1/score-runs/{run_id}": {"get"},
    "/api/v1/score-runs/{run_id}/results": {"get"},
    "/api/v1/units/{code}/scorecard": {"get"},
}
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def test_the_schema_is_json_with_every_path(db: Any) -> None:
    response = ApiClient().get("/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"] == "1"
    assert {p: set(ops) for p, ops in schema["paths"].items()} == PATHS
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method} {path} is not authenticated"
            assert {"401", "404", "429"} <= set(operation["responses"]), f"{method} {path}"


def test_the_docs_page_is_local(db: Any) -> None:
    response = ApiClient().get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), "the docs page names an external URL"
    assert not EXTERNAL.search(html)
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert asset.startswith("/api/v1/docs/assets/")
        assert ApiClient().client.get(asset).status_code == 200
    settings = json.loads(re.search(r'id="swagger-settings"[^>]*>(.*?)</script>', html, re.S)[1])
    assert settings["url"] == "/api/v1/openapi.json"
    assert settings["validatorUrl"] is None  # no badge from validator.swagger.io


def test_only_the_listed_assets_are_served(db: Any) -> None:
    client = ApiClient().client
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    for name in ("..%2F__init__.py", "redoc.standalone.js.map", "nothing.js"):
        assert client.get(f"/api/v1/docs/assets/{name}").status_code == 404
