"""A chat's kept history: numbered without gap or repeat, a resend kept once, changes recorded, pages read back.

Each test runs on the in-memory fake and on the real History over Azurite (the `state` fixture).
"""

from __future__ import annotations

import asyncio

import pytest
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

from api.config import StorageSettings
from api.history import MESSAGES_TABLE, Appended, Entry, NotFound, entry_key, now_ms
from api.message_index import WORD_PREFIX
from api.messages import _delete, _edit, _react
from api.state import State

CHAT = "3f1c2a4e-0000-4000-8000-000000000001"


async def test_messages_are_numbered_from_one_in_the_order_they_are_kept(state: State) -> None:
    seqs = [(await state.history.add_message(CHAT, "ada", f"m{i}", f"hello {i}", [])).entry.seq for i in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    assert await state.history.last_seq(CHAT) == 5
    assert [e.text for e in await state.history.entries(CHAT, 1, 5)] == [f"hello {i}" for i in range(5)]


async def test_a_resend_with_the_same_client_id_is_kept_once_and_answered_with_the_first_number(state: State) -> None:
    first = await state.history.add_message(CHAT, "ada", "same", "hi", [])
    again = await state.history.add_message(CHAT, "ada", "same", "hi", [])
    assert (again.again, again.entry.seq) == (True, first.entry.seq)
    assert await state.history.last_seq(CHAT) == 1


async def test_two_senders_may_use_the_same_client_id(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "same", "hi", [])
    bob = await state.history.add_message(CHAT, "bob", "same", "hi", [])
    assert (bob.again, bob.entry.seq) == (False, 2)


async def test_an_edit_is_numbered_and_the_message_shows_its_new_text(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "helo", ["bob"])
    change, _ = await state.history.change(CHAT, "ada", "edit", 1, _edit, text="hello", mentions=[])
    assert (change.seq, change.target, change.kind) == (2, 1, "edit")
    stored = (await state.history.entries(CHAT, 1, 1))[0]
    assert (stored.text, stored.edited, stored.changed, stored.mentions) == ("hello", True, 2, [])


async def test_only_the_sender_may_edit_or_delete_a_message(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "mine", [])
    with pytest.raises(NotFound):
        await state.history.change(CHAT, "bob", "edit", 1, _edit, text="yours now", mentions=[])
    with pytest.raises(NotFound):
        await state.history.change(CHAT, "bob", "delete", 1, _delete)
    assert (await state.history.entries(CHAT, 1, 1))[0].text == "mine"
    assert await state.history.last_seq(CHAT) == 1


async def test_a_deleted_message_keeps_a_tombstone_without_its_text(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "oops", [])
    await state.history.change(CHAT, "ada", "delete", 1, _delete)
    stored = (await state.history.entries(CHAT, 1, 2))[0]
    assert stored.deleted and stored.to_wire()["text"] == ""
    with pytest.raises(NotFound):
        await state.history.change(CHAT, "ada", "edit", 1, _edit, text="back", mentions=[])


async def test_reactions_are_each_persons_whole_choice(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "party?", [])
    await state.history.change(CHAT, "bob", "reaction", 1, _react, emojis=["🎉", "👍"])
    await state.history.change(CHAT, "eve", "reaction", 1, _react, emojis=["🎉"])
    await state.history.change(CHAT, "bob", "reaction", 1, _react, emojis=["👍"])
    stored = (await state.history.entries(CHAT, 1, 1))[0]
    assert stored.reactions == {"👍": ["bob"], "🎉": ["eve"]}


async def test_a_change_to_a_number_that_is_no_message_is_refused(state: State) -> None:
    with pytest.raises(NotFound):
        await state.history.change(CHAT, "ada", "edit", 7, _edit, text="x", mentions=[])


async def test_read_positions_only_move_forward(state: State) -> None:
    assert await state.history.mark_read(CHAT, "ada", 3)
    assert not await state.history.mark_read(CHAT, "ada", 2)
    assert await state.history.mark_read(CHAT, "bob", 1)
    assert await state.history.read_positions(CHAT) == {"ada": 3, "bob": 1}


async def test_deleting_a_chat_removes_its_whole_history(state: State) -> None:
    for i in range(3):
        await state.history.add_message(CHAT, "ada", f"m{i}", "x", [])
    await state.history.mark_read(CHAT, "ada", 3)
    assert await state.history.delete_chat(CHAT) >= 4
    assert await state.history.last_seq(CHAT) == 0
    assert await state.history.entries(CHAT, 1, 3) == []
    assert await state.history.read_positions(CHAT) == {}
    assert (await state.history.add_message(CHAT, "ada", "m0", "fresh", [])).entry.seq == 1


async def test_two_workers_numbering_one_chat_at_once_leave_no_gap_and_no_repeat(azurite: str) -> None:
    """Two States are two Function instances: each remembers heads of its own, and both append at once."""
    settings = StorageSettings(connection_string=azurite, account_name=None)
    one, two = await State.open(settings), await State.open(settings)
    chat = "3f1c2a4e-0000-4000-8000-00000000c0de"
    try:

        async def send(worker: State, sender: str, i: int) -> Appended:
            async with worker.history.turn(chat):
                return await worker.history.add_message(chat, sender, f"{sender}-{i}", f"{sender} {i}", [])

        sends = [send(worker, sender, i) for i in range(25) for worker, sender in ((one, "ada"), (two, "bob"))]
        results = await asyncio.gather(*sends)
        seqs = sorted(r.entry.seq for r in results)
        assert seqs == list(range(1, 51))
        stored: list[Entry] = await one.history.entries(chat, 1, 50)
        assert [e.seq for e in stored] == list(range(1, 51))
        assert {e.id for e in stored} == {f"{s}-{i}" for s in ("ada", "bob") for i in range(25)}
    finally:
        await one.history.delete_chat(chat)
        await one.close()
        await two.close()


async def test_a_message_is_found_by_its_words_folded_and_by_a_prefix_of_the_last(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "Le CAFÉ est fermé", [])
    await state.history.add_message(CHAT, "bob", "m2", "coffee or cafe?", [])
    await state.history.add_message(CHAT, "ada", "m3", "nothing here", [])
    assert set(await state.history.find(CHAT, ["cafe"], False, 100)) == {1, 2}
    assert set(await state.history.find(CHAT, ["cafe", "ferm"], True, 100)) == {1}
    assert await state.history.find(CHAT, ["cafe", "ferm"], False, 100) == {}  # only the last word is a prefix
    assert set(await state.history.find(CHAT, ["co"], True, 100)) == {2}
    assert await state.history.find("3f1c2a4e-0000-4000-8000-000000000002", ["cafe"], False, 100) == {}


async def test_the_newest_uses_of_a_word_are_read_first_and_no_more_than_asked(state: State) -> None:
    for i in range(5):
        await state.history.add_message(CHAT, "ada", f"m{i}", f"ping {i}", [])
    found = await state.history.find(CHAT, ["ping"], False, 2)
    assert set(found) == {4, 5} and all(t > 0 for t in found.values())


async def test_an_edit_moves_the_message_to_its_new_words_and_a_delete_takes_them_away(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "see you at noon", [])
    await state.history.change(CHAT, "ada", "edit", 1, _edit, text="see you at dawn", mentions=[])
    assert await state.history.find(CHAT, ["noon"], False, 100) == {}
    assert set(await state.history.find(CHAT, ["see", "dawn"], False, 100)) == {1}
    await state.history.change(CHAT, "bob", "reaction", 1, _react, emojis=["👍"])
    assert set(await state.history.find(CHAT, ["dawn"], False, 100)) == {1}
    await state.history.change(CHAT, "ada", "delete", 1, _delete)
    assert await state.history.find(CHAT, ["see"], True, 100) == {}


async def test_a_resend_is_indexed_once_and_retention_takes_the_words_with_the_message(state: State) -> None:
    await state.history.add_message(CHAT, "ada", "m1", "hello hello", [])
    await state.history.add_message(CHAT, "ada", "m1", "hello hello", [])
    assert set(await state.history.find(CHAT, ["hello"], False, 100)) == {1}
    await state.history.delete_before(now_ms() + 1000)
    assert await state.history.find(CHAT, ["hello"], False, 100) == {}
    assert await state.history.entries(CHAT, 1, 5) == []


async def test_a_message_kept_before_the_index_existed_is_indexed_by_its_edit_and_can_be_deleted(azurite: str) -> None:
    """Rows written by the previous release: a message with no `indexed` flag and no word rows."""
    store = await State.open(StorageSettings(connection_string=azurite, account_name=None))
    chat = "3f1c2a4e-0000-4000-8000-0000000000c1"
    try:
        await store.history.add_message(chat, "ada", "old", "written long ago", [])
        async with TableClient.from_connection_string(azurite, MESSAGES_TABLE) as table:
            async for row in table.query_entities("PartitionKey eq @chat", parameters={"chat": chat}):
                if row["RowKey"].startswith(WORD_PREFIX):
                    await table.delete_entity(chat, row["RowKey"])
                elif row["RowKey"] == entry_key(1):
                    del row["indexed"]
                    await table.update_entity(row, mode=UpdateMode.REPLACE)
        assert await store.history.find(chat, ["written"], False, 100) == {}
        await store.history.change(chat, "ada", "edit", 1, _edit, text="written again", mentions=[])
        assert set(await store.history.find(chat, ["again"], False, 100)) == {1}
        await store.history.change(chat, "ada", "delete", 1, _delete)
        assert await store.history.find(chat, ["written"], False, 100) == {}
    finally:
        await store.history.delete_chat(chat)
        await store.close()


async def test_an_entry_hidden_from_a_blocker_is_kept_with_that_mark_and_shown_to_everyone_else(state: State) -> None:
    await state.history.add_message(CHAT, "mo", "m1", "hello?", [], hidden_from="ada")
    change, _ = await state.history.change(CHAT, "mo", "edit", 1, _edit, text="hi?", mentions=[], hidden_from="ada")
    kept = await state.history.entries(CHAT, 1, 2)
    assert [e.hidden_from for e in kept] == ["ada", "ada"] and change.hidden_from == "ada"
    assert [(e.shown_to("ada"), e.shown_to("mo")) for e in kept] == [(False, True), (False, True)]
    assert "hiddenFrom" not in kept[0].to_wire() and "hidden_from" not in kept[0].to_wire()
