"""Every failure answers the same error body, in Chinese by default (English when the user
chose it), and an unexpected exception leaks nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from kaoping.org.models import Role
from tests.api.conftest import ApiClient, assert_error

NOT_FOUND_ZH = "该页面不存在或不在您的数据范围内。"


def test_not_found_in_chinese_by_default(api: Any) -> None:
    error = assert_error(api.client(Role.OFFICE).get("/plans/999999"), 404, "not_found")
    assert error["message"] == NOT_FOUND_ZH


def test_english_when_the_user_chose_it(api: Any) -> None:
    client = api.client(Role.OFFICE)
    client.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    error = assert_error(client.get("/plans/999999"), 404, "not_found")
    assert error["message"] == "The page does not exist or is outside your data scope."


def test_an_accept_language_header_does_not_switch_language(api: Any) -> None:
    response = api.client(Role.OFFICE).get("/plans/999999", **{"Accept-Language": "en"})
    assert assert_error(response, 404, "not_found")["message"] == NOT_FOUND_ZH


def test_roles_without_api_business_get_not_found_everywhere(api: Any) -> None:
    for who in (Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.INTERVIEWER):
        for path in ("/me", "/plans", "/reports", "/notifications", "/units"):
            assert_error(api.client(who).get(path), 404, "not_found")


def test_unknown_paths_answer_the_api_404(api: Any) -> None:
    error = assert_error(api.client(Role.OFFICE).get("/no/such/thing"), 404, "not_found")
    assert error["message"] == NOT_FOUND_ZH
    assert_error(ApiClient().get("/nothing"), 404, "not_found")


def test_validation_errors_list_the_fields(api: Any) -> None:
    response = api.client(Role.OFFICE).get("/reports", {"page": 0, "status": "x"})
    error = assert_error(response, 422, "validation_error")
    fields = {(d["location"], d["field"]) for d in error["details"]}
    assert fields == {("query", "page"), ("query", "status")}
    with translation.override("zh-hans"):
        assert error["message"] == str(
            translation.gettext("The request is not valid: see the details.")
        )


def test_malformed_json_is_a_validation_error(api: Any) -> None:
    response = api.client(Role.REPORTER).client.post(
        "/api/v1/reports",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens[Role.REPORTER]}"},
    )
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] == "validation_error"


def test_an_unexpected_error_is_a_500_without_details(api: Any, monkeypatch: Any) -> None:
    from kaoping.api.routers import units

    def explode(**kwargs: Any) -> Any:
        raise RuntimeError("secret internals at /srv/kaoping")

    monkeypatch.setattr(units.selectors, "units", explode)
    response = api.client(Role.OFFICE).get("/units", **{"X-Request-ID": "req-500-test-01"})
    error = assert_error(response, 500, "server_error")
    text = response.content.decode()
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "req-500-test-01" in error["message"]
    assert error["details"] == []


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(api: Any, method: str) -> None:
    client = api.client(Role.OFFICE).client
    response = getattr(client, method)(
        "/api/v1/reports", headers={"Authorization": f"Bearer {api.tokens[Role.OFFICE]}"}
    )
    assert response.status_code == 405
