"""Roles, wildcard patterns and REST grants decide what a connection may do with groups."""

from __future__ import annotations

import pytest
from webpubsub_emulator.permissions import JOIN_LEAVE, SEND, Permissions, wildcard


@pytest.mark.parametrize(
    "pattern,group,matches",
    [
        ("chat.*", "chat.a", True),
        ("chat.*", "chat.a.b", False),
        ("chat.**", "chat.a.b", True),
        ("chat.?", "chat.a", True),
        ("chat.?", "chat.ab", False),
        ("chat.?", "chat..", False),
        ("a+b.*", "a+b.c", True),
        ("*", "Chat", True),
        ("chat.*", "Chat.a", False),
    ],
)
def test_wildcards(pattern: str, group: str, matches: bool) -> None:
    assert (wildcard(pattern).fullmatch(group) is not None) is matches


def test_no_roles_allow_nothing() -> None:
    assert not Permissions().allows(SEND, "g")
    assert not Permissions().allows(JOIN_LEAVE, "g")


def test_roles_for_all_one_and_pattern_groups() -> None:
    perms = Permissions(["webpubsub.sendToGroup", "webpubsub.joinLeaveGroup.room.1", "webpubsub.joinLeaveGroups.x.*"])
    assert perms.allows(SEND, "anything")
    assert perms.allows(JOIN_LEAVE, "room.1") and not perms.allows(JOIN_LEAVE, "room.2")
    assert perms.allows(JOIN_LEAVE, "x.y") and not perms.allows(JOIN_LEAVE, "x.y.z")


def test_unrelated_roles_are_ignored() -> None:
    perms = Permissions(["admin", "webpubsub.sendToGroupX", "webpubsub.sendToGroup."])
    assert not perms.allows(SEND, "g")


def test_grant_revoke_and_check() -> None:
    perms = Permissions()
    perms.grant(SEND, "g")
    assert perms.has(SEND, "g") and not perms.has(SEND, None) and not perms.has(SEND, "h")
    perms.grant(SEND, None)
    assert perms.has(SEND, None) and perms.has(SEND, "h")
    perms.revoke(SEND, "g")
    assert perms.has(SEND, "g")  # still covered by the grant for every group
    perms.revoke(SEND, None)
    assert not perms.has(SEND, "g") and not perms.has(SEND, "h")


def test_revoke_without_target_also_removes_roles() -> None:
    perms = Permissions(["webpubsub.joinLeaveGroups.**", "webpubsub.sendToGroup"])
    perms.revoke(JOIN_LEAVE, None)
    assert not perms.allows(JOIN_LEAVE, "a")
    assert perms.allows(SEND, "a")
