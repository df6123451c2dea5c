"""A State bound to the session's Azurite, emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.config import StorageSettings
from api.state import CHATS_TABLE, USERS_TABLE, State


@pytest.fixture
async def state(azurite: str) -> AsyncIterator[State]:
    store = State.from_settings(StorageSettings(connection_string=azurite, account_name=None))
    await store.ensure_tables()
    for table in (CHATS_TABLE, USERS_TABLE):
        client = store._service.get_table_client(table)
        async with client:
            async for entity in client.list_entities(select=["PartitionKey", "RowKey"]):
                await client.delete_entity(entity["PartitionKey"], entity["RowKey"])
    yield store
    await store.close()
