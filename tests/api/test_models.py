"""The wire shapes of Chatr's records, as the browser reads them (docs/wire-contract.md)."""

from __future__ import annotations

from api.models import Chat, Membership, User


def test_a_user_on_the_wire_carries_name_provider_and_idle_state() -> None:
    user = User("u1", "Ada", "github", idle=True, online=True)
    assert user.to_wire() == {"userId": "u1", "userName": "Ada", "userProvider": "github", "idle": True}


def test_a_public_profile_also_says_whether_the_user_is_online() -> None:
    assert User("u1", "Ada", "guest").profile() == {
        "userId": "u1",
        "userName": "Ada",
        "userProvider": "guest",
        "idle": False,
        "online": False,
    }


def test_a_new_chat_is_announced_with_no_members_and_its_owner() -> None:
    assert Chat("c-1", "Lobby", "u1").announcement() == {"id": "c-1", "name": "Lobby", "members": {}, "owner": "u1"}


def test_a_listed_group_chat_carries_its_members_and_creation_time() -> None:
    chat = Chat("c-1", "Lobby", "u1", timestamp="2026-01-01T00:00:00+00:00")
    members = [
        Membership("c-1", "u1", "Ada", user_provider="github"),
        Membership("c-1", "u2", "Bob", user_provider="guest"),
    ]
    assert chat.to_wire(members) == {
        "id": "c-1",
        "name": "Lobby",
        "members": {
            "u1": {"userId": "u1", "userName": "Ada", "userProvider": "github"},
            "u2": {"userId": "u2", "userName": "Bob", "userProvider": "guest"},
        },
        "owner": "u1",
        "timestamp": "2026-01-01T00:00:00+00:00",
    }


def test_a_listed_private_chat_is_named_for_the_other_member_and_owned_by_nobody() -> None:
    pair = [
        Membership("private_a_b", "a", "Ada", private=True, peer_name="Bob"),
        Membership("private_a_b", "b", "Bob", private=True, peer_name="Ada"),
    ]
    assert Chat.private_with("private_a_b", "Bob").to_wire(pair) == {
        "id": "private_a_b",
        "name": "Chat with Bob",
        "members": {
            "a": {"userId": "a", "userName": "Ada", "userProvider": ""},
            "b": {"userId": "b", "userName": "Bob", "userProvider": ""},
        },
        "owner": None,
        "private": True,
        "timestamp": None,
    }


def test_a_private_chat_invitation_says_whether_to_bring_the_tab_to_the_front() -> None:
    invitation = Chat.private_with("private_a_b", "Bob").invitation(grab_focus=True)
    assert invitation == {"id": "private_a_b", "name": "Chat with Bob", "grabFocus": True}
