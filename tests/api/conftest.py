"""Fixtures of the api tests: the State contract's two implementations, and the core wired to fakes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from azure.data.tables.aio import TableServiceClient

from api import presence, quota, webhook_identity
from api.chat_events import ChatEvents
from api.config import StorageSettings
from api.history import MESSAGES_TABLE
from api.state import CHATS_TABLE, NAMES_TABLE, USERS_TABLE, State
from api.webhook_identity import ManagedIdentityValidator
from tests.api import entra
from tests.api.entra import KID, SIGNING_KEY, TENANT
from tests.api.fakes import FakePubSub, FakeState


async def _empty_tables(connection_string: str) -> None:
    async with TableServiceClient.from_connection_string(connection_string) as service:
        for table in (CHATS_TABLE, USERS_TABLE, MESSAGES_TABLE, NAMES_TABLE):
            client = service.get_table_client(table)
            async with client:
                async for entity in client.list_entities(select=["PartitionKey", "RowKey"]):
                    await client.delete_entity(entity["PartitionKey"], entity["RowKey"])


@pytest.fixture(params=["fake", "azurite"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[State]:
    """An empty State: the in-memory fake, and the real one on the session's Azurite (same assertions for both)."""
    if request.param == "fake":
        yield FakeState()
        return
    azurite: str = request.getfixturevalue("azurite")
    store = await State.open(StorageSettings(connection_string=azurite, account_name=None))
    await _empty_tables(azurite)
    yield store
    await store.close()


@pytest.fixture
def fake_state() -> FakeState:
    return FakeState()


@pytest.fixture
def fake_pubsub() -> FakePubSub:
    return FakePubSub()


@pytest.fixture
def events(fake_state: FakeState, fake_pubsub: FakePubSub) -> ChatEvents:
    """The event handlers over in-memory state and service."""
    return ChatEvents(fake_state, fake_pubsub)


@dataclass
class KeySet:
    """The tenant's key set, served on 127.0.0.1; counts how often it is asked, answers once `release` is set."""

    url: str = ""
    requests: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    held_too_long: bool = False


@pytest.fixture
def key_set(monkeypatch: pytest.MonkeyPatch) -> Iterator[KeySet]:
    """Validators made during the test fetch their keys here instead of from Entra."""
    body = json.dumps({"keys": [entra.jwk(SIGNING_KEY, KID)]}).encode()
    served = KeySet()
    served.release.set()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests += 1
            served.held_too_long |= not served.release.wait(timeout=5)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}/{TENANT}/discovery/v2.0/keys"
    monkeypatch.setattr(webhook_identity, "jwks_url", lambda tenant_id: served.url)
    monkeypatch.setattr(ManagedIdentityValidator, "_shared", {})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Clock:
    """The time the rate limits see: starts now and moves only when a test moves it."""

    now: float

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def forget_refusals() -> Iterator[None]:
    """Refusals a test's process remembers (api.quota, api.presence) must not leak into the next test."""
    quota._refused_until.clear()
    presence._unconfirmed.clear()
    yield
    quota._refused_until.clear()
    presence._unconfirmed.clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Frozen time for the rate limits, so a test says exactly when tokens come back."""
    frozen = Clock(time.time())
    monkeypatch.setattr(quota, "time", frozen)
    return frozen
