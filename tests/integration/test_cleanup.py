"""`python -m api.cleanup`: users offline and empty chats older than the retention go; everything in use stays."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from api.cleanup import remove_unused
from api.config import PubSubSettings, StorageSettings
from api.pubsub import PubSub
from api.state import State
from tests.chat_client import ChatClient, create_chat, join
from tests.support import RunningStack, eventually, stack_running

NOW = timedelta(0)  # "unused since before now": the cutoff is the moment the cleanup runs


@pytest.fixture(scope="module")
def backend() -> Iterator[RunningStack]:
    """This module's stack, its own: a cleanup sweeps the whole store, which must not touch other suites' users."""
    with stack_running("--no-swa") as stack:
        yield stack


@pytest.fixture
async def clients(backend: RunningStack) -> AsyncIterator[tuple[State, PubSub]]:
    state = await State.open(StorageSettings(backend.storage_connection_string, None))
    pubsub = PubSub.from_settings(PubSubSettings(backend.pubsub_connection_string, None, "chat"))
    yield state, pubsub
    await state.close()
    await pubsub.close()


async def _gone_offline(state: State, client: ChatClient) -> None:
    await client.close()
    await eventually(lambda: _offline(state, client.user_id))


async def _offline(state: State, user_id: str) -> bool:
    account = await state.get_account(user_id)
    return account is not None and not account.connections


async def test_a_user_offline_since_before_the_cutoff_goes_with_their_memberships(clients, users) -> None:
    state, pubsub = clients
    ada, bob = await users("Ada").connect(), await users("Bob").connect()
    room = await create_chat(bob, "Room")
    await join(ada, room)
    await join(bob, room)
    await _gone_offline(state, ada)

    removed = await remove_unused(state, pubsub, NOW)

    assert removed.users >= 1  # counts cover the whole store, which other tests of this module share
    assert await state.get_account(ada.user_id) is None
    assert await state.chats_of(ada.user_id) == []
    assert await state.get_account(bob.user_id) is not None  # online: kept
    assert [m.user_id for m in await state.members_of(room)] == [bob.user_id]


async def test_a_user_offline_only_since_after_the_cutoff_is_kept(clients, users) -> None:
    state, pubsub = clients
    cutoff = datetime.now(UTC)
    ada = await users("Ada").connect()
    await _gone_offline(state, ada)

    await remove_unused(state, pubsub, NOW, now=cutoff)

    assert await state.get_account(ada.user_id) is not None


async def test_a_user_who_comes_back_while_the_cleanup_runs_is_kept(clients, users) -> None:
    state, _ = clients
    ada = await users("Ada").connect()
    room = await create_chat(ada, "Room")
    await join(ada, room)
    await _gone_offline(state, ada)
    listed = await state.idle_profiles(datetime.now(UTC))
    assert ada.user_id in listed

    back = await users("Ada", user_id=ada.user_id).connect()  # getToken writes the profile: a new ETag
    assert not await state.delete_user(ada.user_id, listed[ada.user_id])

    account = await state.get_account(ada.user_id)
    assert account is not None and [c.id for c in account.connections] == [back.connection_id]
    assert [m.chat_id for m in await state.chats_of(ada.user_id)] == [room]


async def test_an_empty_old_chat_goes_and_its_owner_is_told(clients, users) -> None:
    state, pubsub = clients
    ada = await users("Ada").connect()
    empty = await create_chat(ada, "Empty")
    used = await create_chat(ada, "Used")
    await join(ada, used)

    removed = await remove_unused(state, pubsub, NOW)

    assert removed.chats >= 1
    assert await state.get_chat(empty) is None
    assert await state.get_chat(used) is not None
    assert await ada.chat_event("chatDeleted", lambda d: d == empty) == empty
    assert used not in ada.chat_events("chatDeleted")
    assert await ada.search("chats", "Empty") == [] or empty not in {
        c["id"] for c in await ada.search("chats", "Empty")
    }


async def test_messages_older_than_the_retention_go_and_newer_ones_stay(clients, users) -> None:
    state, pubsub = clients
    ada = await users("Ada").connect()
    room = await create_chat(ada)
    await join(ada, room)
    assert (await ada.publish(room, "old news"))["success"] is True
    cutoff = datetime.now(UTC)
    assert (await ada.publish(room, "fresh"))["success"] is True
    keep = timedelta(days=1)

    removed = await remove_unused(state, pubsub, timedelta(days=30), now=cutoff + keep, keep_messages=keep)

    assert removed.messages >= 1
    assert [e.text for e in await state.history.entries(room, 1, 2)] == ["fresh"]
    assert (await ada.publish(room, "numbering goes on"))["seq"] == 3
