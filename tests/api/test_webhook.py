"""How the event handler authenticates events, in-process: the access-key signature first, the bearer token second.

The deployed Function App is reached through the Static Web App, which replaces the Authorization
header of every request it forwards; events must therefore prove themselves with `ce-signature`,
made with either of Web PubSub's access keys. The real emulator signs with two keys in
tests/integration/test_webhook.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator

import azure.functions as func
import pytest

from api import webhook, webhook_identity
from api.config import PubSubSettings, StorageSettings
from api.state import State
from local.stack import free_port
from tests.api import entra
from tests.api.conftest import KeySet

PRIMARY = "P" * 43 + "="
SECONDARY = "S" * 43 + "="
ENDPOINT = "https://chatr.webpubsub.azure.com"
SITE_TOKEN = "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6InN3YSJ9.eyJpc3MiOiJodHRwczovL3NpdGUvLmF1dGgifQ.c2ln"


def sign(connection_id: str, *keys: str) -> str:
    """`ce-signature` as Web PubSub sends it: one `sha256=` entry per access key it holds."""
    return ",".join("sha256=" + hmac.new(k.encode(), connection_id.encode(), hashlib.sha256).hexdigest() for k in keys)


def event(headers: dict[str, str], chat_id: str | None = None) -> func.HttpRequest:
    base = {"ce-type": "azure.webpubsub.user.createChat", "ce-eventName": "createChat", "ce-hub": "chat"}
    body = json.dumps({"name": "Signed", "id": chat_id or str(uuid.uuid4())}).encode()
    return func.HttpRequest(
        "POST",
        "http://localhost/api/eventHandler",
        headers={**base, "ce-connectionId": "conn-1", "Content-Type": "application/json", **headers},
        body=body,
    )


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> PubSubSettings:
    """The settings make deploy gives the Function App: endpoint + identity, both access keys, and an audience."""
    monkeypatch.delenv("PUBSUB_CONNECTION_STRING", raising=False)
    monkeypatch.setenv("PUBSUB_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("WEBHOOK_PRIMARY_KEY", PRIMARY)
    monkeypatch.setenv("WEBHOOK_SECONDARY_KEY", SECONDARY)
    monkeypatch.setenv("WEBHOOK_AUDIENCE", entra.AUDIENCE)
    monkeypatch.setenv("WEBHOOK_TENANT_ID", entra.TENANT)
    return PubSubSettings.from_env()


@pytest.fixture
def audience_only(deployed: PubSubSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler that only Web PubSub's managed identity may call (no access keys configured)."""
    monkeypatch.delenv("WEBHOOK_PRIMARY_KEY")
    monkeypatch.delenv("WEBHOOK_SECONDARY_KEY")


@pytest.fixture
async def azurite_state(azurite: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[State]:
    """The real State the handler would write to, on the session's Azurite."""
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite)
    store = await State.open(StorageSettings(connection_string=azurite, account_name=None))
    yield store
    await store.close()


async def test_an_event_signed_as_web_pubsub_signs_it_is_accepted_through_the_sites_proxy(
    deployed: PubSubSettings,
) -> None:
    request = event({"ce-signature": sign("conn-1", PRIMARY, SECONDARY), "Authorization": SITE_TOKEN})
    assert await webhook.authenticated(request, deployed)


@pytest.mark.parametrize("key", [PRIMARY, SECONDARY], ids=["primary", "secondary"])
async def test_a_signature_with_either_access_key_is_accepted(deployed: PubSubSettings, key: str) -> None:
    assert await webhook.authenticated(event({"ce-signature": sign("conn-1", key)}), deployed)


@pytest.mark.parametrize(
    "service_keys",
    [("regenerated-primary-" + "x" * 24, SECONDARY), (PRIMARY, "regenerated-secondary-" + "y" * 22)],
    ids=["primary regenerated", "secondary regenerated"],
)
async def test_regenerating_one_key_drops_no_event_while_the_app_holds_the_old_pair(
    deployed: PubSubSettings, service_keys: tuple[str, str]
) -> None:
    assert await webhook.authenticated(event({"ce-signature": sign("conn-1", *service_keys)}), deployed)


async def test_a_signature_of_another_connection_is_refused(deployed: PubSubSettings) -> None:
    assert not await webhook.authenticated(event({"ce-signature": sign("conn-2", PRIMARY, SECONDARY)}), deployed)


async def test_an_event_signed_with_neither_key_gets_401_and_writes_nothing(
    deployed: PubSubSettings, azurite_state: State
) -> None:
    chat_id = str(uuid.uuid4())
    forged = event({"ce-signature": sign("conn-1", "not-" + PRIMARY, "not-" + SECONDARY)}, chat_id)
    response = await webhook.handle(forged)
    assert response.status_code == 401
    assert await azurite_state.get_chat(chat_id) is None


async def test_the_sites_authorization_header_alone_is_no_proof(deployed: PubSubSettings, key_set: KeySet) -> None:
    assert not await webhook.authenticated(event({"Authorization": SITE_TOKEN}), deployed)


async def test_a_handler_reached_directly_still_accepts_web_pubsubs_bearer_token(
    deployed: PubSubSettings, key_set: KeySet
) -> None:
    assert await webhook.authenticated(event({"Authorization": entra.bearer(entra.token())}), deployed)


async def test_with_only_an_audience_an_event_without_a_bearer_token_is_refused(audience_only: None) -> None:
    response = await webhook.handle(event({"ce-signature": sign("conn-1", PRIMARY)}))
    assert response.status_code == 401


async def test_with_only_an_audience_a_garbage_bearer_token_is_refused(audience_only: None) -> None:
    assert (await webhook.handle(event({"Authorization": "Bearer not-a-jwt"}))).status_code == 401


async def test_a_key_set_outage_answers_503_so_web_pubsub_retries(
    audience_only: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(webhook_identity, "jwks_url", lambda tenant_id: f"http://127.0.0.1:{free_port()}/keys")
    monkeypatch.setattr(webhook_identity.ManagedIdentityValidator, "_shared", {})
    with caplog.at_level(logging.INFO):
        response = await webhook.handle(event({"Authorization": entra.bearer(entra.token())}))
    assert response.status_code == 503
    assert "unauthenticated" not in caplog.text


async def test_the_connection_strings_key_signs_events_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSUB_CONNECTION_STRING", f"Endpoint=http://127.0.0.1:1;AccessKey={PRIMARY};Version=1.0;")
    for name in ("WEBHOOK_PRIMARY_KEY", "WEBHOOK_SECONDARY_KEY", "WEBHOOK_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    assert await webhook.authenticated(event({"ce-signature": sign("conn-1", PRIMARY)}), PubSubSettings.from_env())


async def test_endpoint_without_keys_or_audience_names_the_missing_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PUBSUB_CONNECTION_STRING", "WEBHOOK_PRIMARY_KEY", "WEBHOOK_SECONDARY_KEY", "WEBHOOK_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBSUB_ENDPOINT", ENDPOINT)
    response = await webhook.handle(event({}))
    assert response.status_code == 500
    assert b"WEBHOOK_PRIMARY_KEY" in response.get_body()
    assert b"WEBHOOK_AUDIENCE" in response.get_body()


async def test_get_is_not_an_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSUB_CONNECTION_STRING", f"Endpoint=http://127.0.0.1:1;AccessKey={PRIMARY};Version=1.0;")
    request = func.HttpRequest("GET", "http://localhost/api/eventHandler", headers={}, body=b"")
    assert (await webhook.handle(request)).status_code == 405
