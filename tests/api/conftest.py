"""Fixtures of the api tests: the State contract's two implementations, and the core wired to fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from azure.data.tables.aio import TableServiceClient

from api.chat_events import ChatEvents
from api.config import StorageSettings
from api.state import CHATS_TABLE, USERS_TABLE, State
from tests.api.fakes import FakePubSub, FakeState


async def _empty_tables(connection_string: str) -> None:
    async with TableServiceClient.from_connection_string(connection_string) as service:
        for table in (CHATS_TABLE, USERS_TABLE):
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
