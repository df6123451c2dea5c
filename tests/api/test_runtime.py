"""The service clients an invocation uses: opened once per event loop, ready to use, closed by the host's hook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from azure.data.tables.aio import TableServiceClient

from api import runtime
from api.state import CHATS_TABLE, USERS_TABLE, StorageUnavailable
from local.stack import azurite_connection_string, free_port, pubsub_connection_string


@pytest.fixture
async def settings(monkeypatch: pytest.MonkeyPatch, azurite: str) -> AsyncIterator[None]:
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite)
    monkeypatch.setenv("PUBSUB_CONNECTION_STRING", pubsub_connection_string(free_port()))
    yield
    await runtime.close()


async def test_invocations_on_one_loop_share_one_state(settings: None) -> None:
    first, second = await asyncio.gather(runtime.state(), runtime.state())
    assert first is second is await runtime.state()


async def test_the_state_an_invocation_gets_has_its_tables(settings: None, azurite: str) -> None:
    async with TableServiceClient.from_connection_string(azurite) as service:
        for table in (CHATS_TABLE, USERS_TABLE):
            await service.delete_table(table)
        await runtime.state()
        assert {t.name async for t in service.list_tables()} >= {CHATS_TABLE, USERS_TABLE}


async def test_closing_releases_the_clients_and_the_next_invocation_opens_new_ones(settings: None) -> None:
    state, pubsub = await runtime.state(), runtime.pubsub()
    await runtime.close()
    assert await runtime.state() is not state
    assert runtime.pubsub() is not pubsub


async def test_a_state_that_could_not_open_is_opened_again_by_the_next_invocation(
    settings: None, monkeypatch: pytest.MonkeyPatch, azurite: str
) -> None:
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite_connection_string(free_port()))
    with pytest.raises(StorageUnavailable):
        await runtime.state()
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite)
    store = await runtime.state()
    assert isinstance((await store.chats_page(None, 1))[0], list)
