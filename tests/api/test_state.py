"""The State contract: every test runs against the in-memory FakeState and against the real State on Azurite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from api.config import StorageSettings
from api.limits import Bucket, Limits
from api.models import Chat, Connection, Membership, Presence, User
from api.state import State, StorageUnavailable
from local.stack import free_port


def conn(user_id: str, connection_id: str, *, announced: bool = False, idle: bool = False) -> Connection:
    return Connection(connection_id, user_id, user_id.title(), "github", announced=announced, idle=idle)


# ---- profiles and accounts -------------------------------------------------------------------------


async def test_an_unknown_user_has_no_account(state: State) -> None:
    assert await state.get_account("nobody") is None


async def test_an_account_is_the_profile_with_its_connections_and_limits(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection(conn("u1", "c1", announced=True))
    await state.add_connection(conn("u1", "c2"))
    await state.add_connection(conn("u2", "c3"))
    account = await state.get_account("u1")
    assert account is not None
    assert (account.user.name, account.user.provider, account.blocked, account.revoked_before) == (
        "Ada",
        "github",
        [],
        0,
    )
    assert [c.id for c in account.connections] == ["c1", "c2"]
    assert account.limits == Limits() and account.limits_etag is None
    assert account.user.online and not account.user.idle
    assert account.told == Presence(False, False) and account.told_etag is None


async def test_saving_a_profile_again_renames_but_keeps_blocks_and_connections(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    account = await state.get_account("u1")
    assert account is not None and await state.save_blocks("u1", ["u9"], account.profile_etag)
    await state.add_connection(conn("u1", "c1"))
    await state.save_profile("u1", "Ada L.", "aad")
    again = await state.get_account("u1")
    assert again is not None
    assert (again.user.name, again.user.provider, again.blocked, [c.id for c in again.connections]) == (
        "Ada L.",
        "aad",
        ["u9"],
        ["c1"],
    )


async def test_blocks_are_saved_only_over_the_profile_that_was_read(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    account = await state.get_account("u1")
    assert account is not None
    assert await state.save_blocks("u1", ["u2"], account.profile_etag)
    assert not await state.save_blocks("u1", ["u3"], account.profile_etag)  # changed since it was read
    again = await state.get_account("u1")
    assert again is not None and again.blocked == ["u2"]


async def test_a_private_chat_row_marked_blocked_by_its_peer_says_who_blocks_its_user(state: State) -> None:
    room = "private_u1_u2"
    assert not await state.set_blocked_by_peer(room, "u1", True)  # no row: nothing written
    assert await state.add_member(Membership(room, "u1", "Ada", private=True, peer_name="Bo", left=True))
    assert await state.set_blocked_by_peer(room, "u1", True)
    assert await state.blockers_of("u1") == {"u2"} and await state.chats_of("u1") == []
    await state.rejoin(Membership(room, "u1", "Ada", private=True, peer_name="Bo", blocked_by_peer=True))
    mine = await state.get_membership(room, "u1")
    assert mine is not None and mine.blocked_by_peer and not mine.left
    assert await state.set_blocked_by_peer(room, "u1", False)
    assert await state.blockers_of("u1") == set()


async def test_a_recovery_codes_digest_is_kept_only_over_the_profile_that_was_read(state: State) -> None:
    await state.save_profile("u1", "Ada", "guest")
    account = await state.get_account("u1")
    assert account is not None and account.recovery_digest == ""
    assert await state.save_recovery("u1", "d1", account.profile_etag)
    assert not await state.save_recovery("u1", "d2", account.profile_etag)  # a code used twice at once: one wins
    await state.save_profile("u1", "Ada", "guest")
    again = await state.get_account("u1")
    assert again is not None and again.recovery_digest == "d1"


async def test_revoking_credentials_is_stored_with_the_profile(state: State) -> None:
    await state.save_profile("u1", "Ada", "guest")
    await state.revoke_credentials("u1", 1_700_000_000)
    account = await state.get_account("u1")
    assert account is not None and account.revoked_before == 1_700_000_000


# ---- limits ------------------------------------------------------------------------------------------


async def test_limits_are_stored_once_and_then_only_over_what_was_read(state: State) -> None:
    limits = Limits({"chats": Bucket(4.0, 1000.5)}, owned_chats=2)
    assert await state.get_limits("u1") == (Limits(), None)
    assert await state.save_limits("u1", limits, None)
    assert not await state.save_limits("u1", limits, None)  # someone stored theirs first
    stored, etag = await state.get_limits("u1")
    assert stored == limits and etag
    assert await state.save_limits("u1", stored.with_owned(3), etag)
    assert not await state.save_limits("u1", stored.with_owned(9), etag)
    assert (await state.get_limits("u1"))[0].owned_chats == 3


async def test_an_accounts_limits_come_with_their_etag(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.save_limits("u1", Limits(owned_chats=1), None)
    account = await state.get_account("u1")
    assert account is not None and account.limits.owned_chats == 1
    assert await state.save_limits("u1", account.limits.with_owned(2), account.limits_etag)


async def test_concurrent_spenders_of_one_limits_row_all_count(state: State) -> None:
    async def add_one() -> None:
        while True:
            limits, etag = await state.get_limits("u1")
            if await state.save_limits("u1", limits.with_owned(limits.owned_chats + 1), etag):
                return

    await asyncio.gather(*(add_one() for _ in range(10)))
    assert (await state.get_limits("u1"))[0].owned_chats == 10


async def test_an_address_has_limits_of_its_own(state: State) -> None:
    assert await state.save_limits("signups|45.1.2.3", Limits({"signups": Bucket(1.0, 5.0)}), None)
    assert (await state.get_limits("signups|45.1.2.3"))[0].buckets["signups"] == Bucket(1.0, 5.0)
    assert await state.get_account("signups|45.1.2.3") is None


# ---- connections ---------------------------------------------------------------------------------------


async def test_a_connection_is_registered_once(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    assert await state.add_connection(conn("u1", "c1"))
    assert not await state.add_connection(conn("u1", "c1", announced=True))
    account = await state.get_account("u1")
    assert account is not None and [(c.id, c.announced) for c in account.connections] == [("c1", False)]


async def test_a_connection_is_marked_announced_and_idle(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection(conn("u1", "c1"))
    assert await state.update_connection("u1", "c1", announced=True)
    assert await state.update_connection("u1", "c1", idle=True)
    account = await state.get_account("u1")
    assert account is not None
    (stored,) = account.connections
    assert (stored.announced, stored.idle, stored.name) == (True, True, "U1")


async def test_updating_a_connection_that_is_not_registered_changes_nothing(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    assert not await state.update_connection("u1", "gone", announced=True)
    account = await state.get_account("u1")
    assert account is not None and account.connections == []


async def test_a_removed_connection_is_gone_and_removing_it_again_is_no_error(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await state.add_connection(conn("u1", "c1"))
    await state.remove_connection("u1", "c1")
    await state.remove_connection("u1", "c1")
    account = await state.get_account("u1")
    assert account is not None and account.connections == []


async def test_concurrent_opens_and_closes_of_one_user_leave_exactly_the_open_ones(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    await asyncio.gather(*(state.add_connection(conn("u1", f"c{i}")) for i in range(6)))
    await asyncio.gather(
        *(state.remove_connection("u1", f"c{i}") for i in range(3)),
        *(state.add_connection(conn("u1", f"d{i}")) for i in range(3)),
    )
    account = await state.get_account("u1")
    assert account is not None and sorted(c.id for c in account.connections) == ["c3", "c4", "c5", "d0", "d1", "d2"]


async def test_what_everyone_is_told_is_stored_once_and_then_only_over_what_was_read(state: State) -> None:
    await state.save_profile("u1", "Ada", "github")
    ada = User("u1", "Ada", "github")
    assert await state.save_presence(ada, Presence(True, False), None)
    assert not await state.save_presence(ada, Presence(False, False), None)
    account = await state.get_account("u1")
    assert account is not None and account.told == Presence(True, False) and account.told_etag
    assert await state.save_presence(ada, Presence(True, True), account.told_etag)
    assert not await state.save_presence(ada, Presence(False, False), account.told_etag)
    again = await state.get_account("u1")
    assert again is not None and again.told == Presence(True, True)


async def test_the_users_everyone_is_told_are_online_are_listed_with_their_idle_state(state: State) -> None:
    await state.save_presence(User("u1", "Ada", "github"), Presence(True, False), None)
    await state.save_presence(User("u2", "Bob", "aad"), Presence(False, False), None)
    await state.save_presence(User("u3", "Cy", "guest"), Presence(True, True), None)
    users, cursor = await state.list_online(None, 10)
    assert sorted(users) == ["u1", "u3"] and cursor is None
    assert (users["u1"].name, users["u1"].provider, users["u1"].idle, users["u3"].idle) == (
        "Ada",
        "github",
        False,
        True,
    )
    assert users["u1"].online


async def test_online_users_come_in_pages_in_id_order(state: State) -> None:
    for i in range(5):
        await state.save_presence(User(f"u{i}", f"User {i}", "github"), Presence(True, False), None)
    first, cursor = await state.list_online(None, 2)
    assert list(first) == ["u0", "u1"] and cursor == "u1"
    second, cursor = await state.list_online(cursor, 2)
    assert list(second) == ["u2", "u3"] and cursor == "u3"
    last, cursor = await state.list_online(cursor, 2)
    assert list(last) == ["u4"] and cursor is None


async def test_every_registered_connection_is_listed_by_user(state: State) -> None:
    await state.add_connection(conn("u1", "c1", announced=True))
    await state.add_connection(conn("u1", "c2"))
    await state.add_connection(conn("u2", "c3"))
    found = await state.all_connections()
    assert {u: [(c.id, c.announced) for c in cs] for u, cs in found.items()} == {
        "u1": [("c1", True), ("c2", False)],
        "u2": [("c3", False)],
    }


# ---- chats ---------------------------------------------------------------------------------------------------


async def test_create_chat_never_overwrites_an_existing_chat(state: State) -> None:
    assert await state.create_chat(Chat("c-1", "First", "u1"))
    assert not await state.create_chat(Chat("c-1", "Hijack", "u2"))
    chat = await state.get_chat("c-1")
    assert chat is not None and (chat.name, chat.owner) == ("First", "u1")
    assert chat.timestamp and datetime.fromisoformat(chat.timestamp).tzinfo


async def test_deleted_chat_is_gone(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    await state.delete_chat("c-1")
    assert await state.get_chat("c-1") is None
    assert await state.chats_page(None, 10) == ([], None)


async def test_deleting_a_chat_that_is_not_there_is_no_error(state: State) -> None:
    await state.delete_chat("c-404")
    assert await state.get_chat("c-404") is None


async def test_chats_come_in_pages_in_id_order_each_with_its_members(state: State) -> None:
    for chat_id in ("c-1", "c-2", "c-3"):
        await state.create_chat(Chat(chat_id, chat_id.upper(), "u1"))
    await state.index_member(Membership("c-2", "u1", "Ada", user_provider="github"))
    await state.index_member(Membership("c-2", "u2", "Bob", user_provider="aad"))
    page, cursor = await state.chats_page(None, 2)
    assert [c.id for c, _ in page] == ["c-1", "c-2"] and cursor == "c-2"
    assert page[0][1] == [] and [(m.user_id, m.user_name, m.user_provider) for m in page[1][1]] == [
        ("u1", "Ada", "github"),
        ("u2", "Bob", "aad"),
    ]
    rest, cursor = await state.chats_page(cursor, 2)
    assert [c.id for c, _ in rest] == ["c-3"] and cursor is None
    assert [c.id async for c, _ in state.all_chats()] == ["c-1", "c-2", "c-3"]


async def test_every_group_chat_is_listed_with_its_owner_and_members(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    await state.create_chat(Chat("c-2", "Second", "u2"))
    await state.index_member(Membership("c-1", "u1", "Ada"))
    chats = {chat.id: (chat, members) async for chat, members in state.all_chats()}
    assert sorted(chats) == ["c-1", "c-2"] and chats["c-2"][0].owner == "u2"
    assert [m.user_id for m in chats["c-1"][1]] == ["u1"] and chats["c-2"][1] == []


async def test_one_chat_comes_with_its_members_in_one_query(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    await state.index_member(Membership("c-1", "u1", "Ada"))
    found = await state.chat_with_members("c-1")
    assert found is not None and found[0].name == "First" and [m.user_id for m in found[1]] == ["u1"]
    assert await state.chat_with_members("c-404") is None


async def test_a_chat_keeps_its_creation_time_when_members_join(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    created = (await state.get_chat("c-1")).timestamp  # type: ignore[union-attr]
    await state.index_member(Membership("c-1", "u2", "Bob"))
    assert (await state.get_chat("c-1")).timestamp == created  # type: ignore[union-attr]


# ---- memberships -----------------------------------------------------------------------------------------------


async def test_membership_is_added_once(state: State) -> None:
    assert await state.add_member(Membership("c-1", "u1", "Ada"))
    assert not await state.add_member(Membership("c-1", "u1", "Ada"))
    assert [m.chat_id for m in await state.chats_of("u1")] == ["c-1"]


async def test_a_member_is_listed_in_an_existing_chat_only_once(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    assert await state.index_member(Membership("c-1", "u1", "Ada")) is True
    assert await state.index_member(Membership("c-1", "u1", "Ada")) is False
    assert await state.index_member(Membership("c-404", "u1", "Ada")) is None
    assert [m.user_id for m in await state.members_of("c-1")] == ["u1"]
    assert await state.members_of("c-404") == []


async def test_fifty_concurrent_joins_keep_fifty_members(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u0"))
    results = await asyncio.gather(*(state.index_member(Membership("c-1", f"u{i}", f"User {i}")) for i in range(50)))
    assert all(results)
    assert len(await state.members_of("c-1")) == 50


async def test_a_member_taken_off_the_list_is_gone(state: State) -> None:
    await state.create_chat(Chat("c-1", "First", "u1"))
    await state.index_member(Membership("c-1", "u1", "Ada"))
    await state.index_member(Membership("c-1", "u2", "Bob"))
    await state.unindex_member("c-1", "u1")
    await state.unindex_member("c-1", "u1")
    assert [m.user_id for m in await state.members_of("c-1")] == ["u2"]


async def test_remove_member_reports_whether_they_were_in(state: State) -> None:
    await state.add_member(Membership("c-1", "u1", "Ada"))
    assert await state.remove_member("c-1", "u1")
    assert not await state.remove_member("c-1", "u1")
    assert await state.get_membership("c-1", "u1") is None


async def test_private_membership_keeps_the_peer(state: State) -> None:
    await state.add_member(
        Membership("private_a_b", "a", "Ada", private=True, peer_name="Bob", user_provider="aad", peer_provider="guest")
    )
    (membership,) = await state.chats_of("a")
    assert membership.private and (membership.peer_name, membership.peer_provider) == ("Bob", "guest")


async def test_a_group_membership_has_no_peer(state: State) -> None:
    await state.add_member(Membership("c-1", "u1", "Ada", peer_name="ignored"))
    membership = await state.get_membership("c-1", "u1")
    assert membership is not None and not membership.private and membership.peer_name is None


async def test_a_private_chat_left_stays_but_is_no_longer_among_the_users_chats(state: State) -> None:
    room = Membership("private_a_b", "a", "Ada", private=True, peer_name="Bob")
    await state.add_member(room)
    assert await state.leave_private("private_a_b", "a")
    assert not await state.leave_private("private_a_c", "a")
    assert await state.chats_of("a") == []
    left = await state.get_membership("private_a_b", "a")
    assert left is not None and left.left
    assert not await state.add_member(room)  # leaving sticks: adding again finds it there
    await state.rejoin(room)  # only the member themselves reopens it
    again = await state.get_membership("private_a_b", "a")
    assert again is not None and not again.left and [m.chat_id for m in await state.chats_of("a")] == ["private_a_b"]


async def test_a_membership_never_held_is_none(state: State) -> None:
    assert await state.get_membership("c-1", "u1") is None


async def test_user_ids_with_quotes_are_queried_safely(state: State) -> None:
    await state.add_member(Membership("c-1", "o'brien", "Pat"))
    await state.save_profile("o'brien", "Pat", "github")
    await state.add_connection(conn("o'brien", "c1", announced=True))
    await state.save_presence(User("o'brien", "Pat", "github"), Presence(True, False), None)
    assert [m.chat_id for m in await state.chats_of("o'brien")] == ["c-1"]
    account = await state.get_account("o'brien")
    assert account is not None and [c.id for c in account.connections] == ["c1"]
    users, _ = await state.list_online("o'", 5)
    assert list(users) == ["o'brien"]


# ---- retention ------------------------------------------------------------------------------------------------


async def test_offline_profiles_written_before_the_cutoff_are_listed_with_their_etag(state: State) -> None:
    await state.save_profile("gone", "Gone", "guest")
    await state.save_profile("online", "Online", "guest")
    await state.add_connection(conn("online", "c1"))
    listed = await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1))
    assert list(listed) == ["gone"] and listed["gone"]
    assert await state.idle_profiles(datetime.now(UTC) - timedelta(minutes=1)) == {}


async def test_deleting_a_user_removes_everything_of_theirs(state: State) -> None:
    await state.save_profile("gone", "Gone", "guest")
    await state.save_limits("gone", Limits(owned_chats=1), None)
    await state.save_presence(User("gone", "Gone", "guest"), Presence(False, False), None)
    await state.create_chat(Chat("c-1", "First", "stays"))
    for user_id in ("gone", "stays"):
        await state.add_member(Membership("c-1", user_id, user_id.title()))
        await state.index_member(Membership("c-1", user_id, user_id.title()))
    await state.add_member(Membership("private_gone_stays", "gone", "Gone", private=True, peer_name="Stays"))
    etag = (await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1)))["gone"]
    assert await state.delete_user("gone", etag)
    assert await state.get_account("gone") is None and await state.chats_of("gone") == []
    assert await state.get_limits("gone") == (Limits(), None)
    assert await state.list_online(None, 5) == ({}, None)
    assert await state.get_membership("private_gone_stays", "gone") is None
    assert [m.user_id for m in await state.members_of("c-1")] == ["stays"]


async def test_a_user_whose_profile_changed_since_it_was_read_is_kept(state: State) -> None:
    await state.save_profile("back", "Back", "guest")
    etag = (await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1)))["back"]
    await state.save_profile("back", "Back again", "guest")
    assert not await state.delete_user("back", etag)
    assert await state.get_account("back") is not None


async def test_deleting_a_user_who_is_gone_already_is_no_error(state: State) -> None:
    await state.save_profile("gone", "Gone", "guest")
    etag = (await state.idle_profiles(datetime.now(UTC) + timedelta(minutes=1)))["gone"]
    assert await state.delete_user("gone", etag)
    assert await state.delete_user("gone", etag)
    assert await state.get_account("gone") is None


async def test_unreachable_storage_raises_storage_unavailable() -> None:
    from local.stack import azurite_connection_string

    store = State.from_settings(StorageSettings(azurite_connection_string(free_port()), None))
    try:
        with pytest.raises(StorageUnavailable, match="unavailable"):
            await store.chats_page(None, 1)
    finally:
        await store.close()


async def test_an_account_read_for_a_chat_says_in_the_same_query_whether_its_user_is_in_it(state: State) -> None:
    await state.save_profile("ada", "Ada", "github")
    await state.add_member(Membership("room", "ada", "Ada"))
    account = await state.get_account("ada", "room")
    assert account is not None and account.user.name == "Ada"
    member = account.memberships["room"]
    assert member is not None and (member.chat_id, member.user_id) == ("room", "ada")
    elsewhere = await state.get_account("ada", "elsewhere")
    assert elsewhere is not None and elsewhere.memberships == {"elsewhere": None}
    assert (await state.get_account("ada")).memberships == {}  # type: ignore[union-attr]


# ---- contacts, search and recent visitors ------------------------------------------------------------


async def test_people_are_found_by_a_folded_prefix_a_page_at_a_time_and_only_by_their_current_name(
    state: State,
) -> None:
    for user_id, name in [("u1", "Zoë Ádams"), ("u2", "zoe brown"), ("u3", "Zed #1/?"), ("u4", "Ana")]:
        await state.index_user_name(User(user_id, name, "guest"), None)
    first, cursor = await state.search_users("ZOE", None, 1)
    rest, last = await state.search_users("zoe", cursor, 1)
    assert [u.id for u in first] == ["u1"] and [u.id for u in rest] == ["u2"] and last is None
    assert [(u.name, u.provider) for u in first] == [("Zoë Ádams", "guest")]
    assert [u.id for u in (await state.search_users("zed #1/", None, 10))[0]] == ["u3"]
    assert (await state.search_users("zoe|u", None, 10))[0] == []  # the id part of a key is never matched
    await state.index_user_name(User("u1", "Ursula", "guest"), "Zoë Ádams")
    assert [u.id for u in (await state.search_users("zo", None, 10))[0]] == ["u2"]
    assert [u.name for u in (await state.search_users("urs", None, 10))[0]] == ["Ursula"]


async def test_chats_are_found_by_name_until_they_are_unindexed(state: State) -> None:
    chat = Chat("c-1", "Élan Vital", "u1")
    await state.index_chat_name(chat)
    found, _ = await state.search_chats("elan v", None, 10)
    assert [(c.id, c.name, c.owner) for c in found] == [("c-1", "Élan Vital", "u1")]
    await state.unindex_chat_name(chat)
    assert (await state.search_chats("elan", None, 10))[0] == []


async def test_first_members_reads_no_more_than_asked(state: State) -> None:
    await state.create_chat(Chat("c-1", "Big", "u1"))
    for i in range(5):
        await state.index_member(Membership("c-1", f"u{i}", f"User {i}"))
    assert await state.first_members("c-1", 3) == ["u0", "u1", "u2"]
    assert await state.first_members("c-9", 3) == []


async def test_presence_of_is_what_was_last_told_and_leaves_out_who_was_never_told(state: State) -> None:
    await state.save_presence(User("u1", "Ada", "github"), Presence(True, True), None)
    found = await state.presence_of(["u1", "u2", "u1"])
    assert list(found) == ["u1"] and (found["u1"].name, found["u1"].online, found["u1"].idle) == ("Ada", True, True)


async def test_recent_visitors_are_the_latest_of_this_hour_then_the_last_once_each_at_most_a_page(
    state: State,
) -> None:
    now = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)
    await state.touch_recent(User("u1", "Ada", "github"), now - timedelta(hours=1))
    await state.touch_recent(User("u2", "Bob", "github"), now - timedelta(hours=2))
    for minute, user_id in enumerate(("u3", "u1", "u4", "u1")):
        await state.touch_recent(User(user_id, user_id, "github"), now + timedelta(minutes=minute))
    assert await state.recent_users(now, 10) == ["u1", "u4", "u3"]
    assert await state.recent_users(now, 2) == ["u1", "u4"]
    assert await state.recent_users(now + timedelta(hours=1), 10) == ["u1", "u4", "u3"]
