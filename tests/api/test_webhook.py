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
import uuid

import azure.functions as func
import jwt
import pytest

from api import webhook
from api.config import PubSubSettings
from api.state import State
from api.webhook_identity import ManagedIdentityValidator
from tests.api.test_webhook_identity import AUDIENCE, KID, SIGNING_KEY, TENANT, _jwk, _token

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
    monkeypatch.setenv("WEBHOOK_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("WEBHOOK_TENANT_ID", TENANT)
    return PubSubSettings.from_env()


async def test_an_event_signed_as_web_pubsub_signs_it_is_accepted_through_the_sites_proxy(deployed) -> None:
    request = event({"ce-signature": sign("conn-1", PRIMARY, SECONDARY), "Authorization": SITE_TOKEN})
    assert await webhook.authenticated(request, deployed)


@pytest.mark.parametrize("key", [PRIMARY, SECONDARY], ids=["primary", "secondary"])
async def test_a_signature_with_either_access_key_is_accepted(deployed, key: str) -> None:
    assert await webhook.authenticated(event({"ce-signature": sign("conn-1", key)}), deployed)


@pytest.mark.parametrize(
    "service_keys",
    [("regenerated-primary-" + "x" * 24, SECONDARY), (PRIMARY, "regenerated-secondary-" + "y" * 22)],
    ids=["primary regenerated", "secondary regenerated"],
)
async def test_regenerating_one_key_drops_no_event_while_the_app_holds_the_old_pair(deployed, service_keys) -> None:
    assert await webhook.authenticated(event({"ce-signature": sign("conn-1", *service_keys)}), deployed)


async def test_a_signature_of_another_connection_is_refused(deployed) -> None:
    assert not await webhook.authenticated(event({"ce-signature": sign("conn-2", PRIMARY, SECONDARY)}), deployed)


async def test_an_event_signed_with_neither_key_gets_401_and_writes_nothing(
    deployed, state: State, azurite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite)
    chat_id = str(uuid.uuid4())
    forged = event({"ce-signature": sign("conn-1", "not-" + PRIMARY, "not-" + SECONDARY)}, chat_id)
    response = await webhook.handle(forged)
    assert response.status_code == 401
    assert await state.get_chat(chat_id) is None
    assert await state.list_group_chats() == {}


async def test_the_sites_authorization_header_alone_is_no_proof(deployed) -> None:
    assert not await webhook.authenticated(event({"Authorization": SITE_TOKEN}), deployed)


class PublishedKeys:
    """The tenant's key set, as the validator asks for it (here: the test's own signing key)."""

    def get_signing_key(self, kid: str) -> jwt.PyJWK:
        assert kid == KID
        return jwt.PyJWK(_jwk(SIGNING_KEY, KID))


async def test_a_handler_reached_directly_still_accepts_web_pubsubs_bearer_token(
    deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = ManagedIdentityValidator(AUDIENCE, TENANT, keys=PublishedKeys())
    monkeypatch.setattr(ManagedIdentityValidator, "for_settings", classmethod(lambda cls, settings: validator))
    assert await webhook.authenticated(event({"Authorization": f"Bearer {_token()}"}), deployed)


async def test_with_only_an_audience_an_event_without_a_bearer_token_is_refused(
    deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBHOOK_PRIMARY_KEY")
    monkeypatch.delenv("WEBHOOK_SECONDARY_KEY")
    response = await webhook.handle(event({"ce-signature": sign("conn-1", PRIMARY)}))
    assert response.status_code == 401


async def test_with_only_an_audience_a_garbage_bearer_token_is_refused(
    deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBHOOK_PRIMARY_KEY")
    monkeypatch.delenv("WEBHOOK_SECONDARY_KEY")
    assert (await webhook.handle(event({"Authorization": "Bearer not-a-jwt"}))).status_code == 401


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
