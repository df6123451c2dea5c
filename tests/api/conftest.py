"""A State bound to the session's Azurite, emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from azure.data.tables.aio import TableServiceClient

from api.config import StorageSettings
from api.state import CHATS_TABLE, USERS_TABLE, State


async def _empty_tables(connection_string: str) -> None:
    async with TableServiceClient.from_connection_string(connection_string) as service:
        for table in (CHATS_TABLE, USERS_TABLE):
            client = service.get_table_client(table)
            async with client:
                async for entity in client.list_entities(select=["PartitionKey", "RowKey"]):
                    await client.delete_entity(entity["PartitionKey"], entity["RowKey"])


@pytest.fixture
async def state(azurite: str) -> AsyncIterator[State]:
    store = await State.open(StorageSettings(connection_string=azurite, account_name=None))
    await _empty_tables(azurite)
    yield store
    await store.close()
