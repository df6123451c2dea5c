"""The event handler's authentication choice, in-process (the signed path runs against the emulator elsewhere)."""

from __future__ import annotations

import logging

import azure.functions as func
import pytest

from api import webhook, webhook_identity
from local.stack import free_port
from tests.api import entra


def event(headers: dict[str, str]) -> func.HttpRequest:
    base = {"ce-type": "azure.webpubsub.user.createChat", "ce-eventName": "createChat", "ce-hub": "chat"}
    return func.HttpRequest("POST", "http://localhost/api/eventHandler", headers={**base, **headers}, body=b"{}")


@pytest.fixture
def managed_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBSUB_CONNECTION_STRING", raising=False)
    monkeypatch.setenv("PUBSUB_ENDPOINT", "https://chatr.webpubsub.azure.com")
    monkeypatch.setenv("WEBHOOK_AUDIENCE", entra.AUDIENCE)
    monkeypatch.setenv("WEBHOOK_TENANT_ID", entra.TENANT)


@pytest.fixture
def key_set_down(managed_identity: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tenant's published keys cannot be fetched: their address leads to a port where nothing listens."""
    monkeypatch.setattr(webhook_identity, "jwks_url", lambda tenant_id: f"http://127.0.0.1:{free_port()}/keys")
    monkeypatch.setattr(webhook_identity.ManagedIdentityValidator, "_shared", {})


async def test_with_managed_identity_an_event_without_a_bearer_token_is_refused(managed_identity: None) -> None:
    response = await webhook.handle(event({"ce-signature": "sha256=anything", "ce-connectionId": "c1"}))
    assert response.status_code == 401


async def test_with_managed_identity_a_garbage_bearer_token_is_refused(managed_identity: None) -> None:
    response = await webhook.handle(event({"Authorization": "Bearer not-a-jwt"}))
    assert response.status_code == 401


async def test_a_key_set_outage_answers_503_so_web_pubsub_retries(
    key_set_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await webhook.handle(event({"Authorization": entra.bearer(entra.token())}))
    assert response.status_code == 503
    assert "unauthenticated" not in caplog.text


async def test_endpoint_without_keys_or_audience_names_the_missing_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBSUB_CONNECTION_STRING", raising=False)
    monkeypatch.delenv("WEBHOOK_AUDIENCE", raising=False)
    monkeypatch.setenv("PUBSUB_ENDPOINT", "https://chatr.webpubsub.azure.com")
    response = await webhook.handle(event({"ce-connectionId": "c1"}))
    assert response.status_code == 500
    assert b"WEBHOOK_AUDIENCE" in response.get_body()


async def test_get_is_not_an_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=" + "k" * 44 + ";Version=1.0;"
    )
    request = func.HttpRequest("GET", "http://localhost/api/eventHandler", headers={}, body=b"")
    assert (await webhook.handle(request)).status_code == 405
