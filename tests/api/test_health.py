"""`GET /api/health`: anonymous, it says whether the app believes the site's principal header, and nothing more."""

from __future__ import annotations

import json

import azure.functions as func
import pytest
from azure.functions.decorators.http import HttpTrigger

from api.health import health
from local.harness import swa_principal


def _ask(headers: dict[str, str] | None = None) -> func.HttpResponse:
    return health(func.HttpRequest("GET", "http://localhost/api/health", headers=headers or {}, body=b""))


@pytest.fixture
def on_app_service(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("WEBSITE_SITE_NAME", "chatr-func-abc123")
    monkeypatch.delenv("WEBSITE_AUTH_ENABLED", raising=False)
    return monkeypatch


def test_on_app_service_with_its_authentication_on_the_app_trusts_the_sites_principal(on_app_service) -> None:
    on_app_service.setenv("WEBSITE_AUTH_ENABLED", "true")
    response = _ask()
    assert response.status_code == 200
    assert json.loads(response.get_body()) == {"principalTrusted": True}


def test_linked_but_with_authentication_off_the_app_says_it_ignores_the_sites_principal(on_app_service) -> None:
    assert json.loads(_ask().get_body()) == {"principalTrusted": False}


def test_the_answer_says_nothing_more_whoever_asks_and_is_never_cached(on_app_service) -> None:
    on_app_service.setenv("GUEST_SIGNING_KEY", "a-secret-that-must-not-show")
    response = _ask({"x-ms-client-principal": swa_principal("ada", "Ada", "github")})
    assert json.loads(response.get_body()) == {"principalTrusted": False}
    assert response.headers["Cache-Control"] == "no-store"


def test_function_app_serves_it_anonymously_at_api_health() -> None:
    import function_app

    (function,) = [f for f in function_app.app.get_functions() if f.get_function_name() == "health"]
    trigger = function.get_trigger()
    assert isinstance(trigger, HttpTrigger)
    assert trigger.route == "health"
    assert trigger.auth_level == func.AuthLevel.ANONYMOUS
    assert trigger.methods == [func.HttpMethod.GET]
