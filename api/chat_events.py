"""What each Web PubSub event does to Chatr's state, and what it tells the users.

The acting user is always the connection's own (`ce-userId`), never a field of the event body.
Bad input raises `Invalid` before anything is written; every write and send is awaited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import presence
from .models import Chat, Membership, User
from .presence import UNKNOWN_USER
from .pubsub import PubSub, json_string
from .state import State
from .validation import (
    CHAT_NAME_MAX,
    Invalid,
    chat_id,
    clean_name,
    group_chat_id,
    is_private,
    is_user_id,
    private_chat_id,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One CloudEvent from Web PubSub, already authenticated."""

    name: str
    system: bool
    user_id: str | None
    connection_id: str
    data: Any = None


def _fields(data: Any, *names: str) -> list[Any]:
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object")
    return [data.get(n) for n in names]


class ChatEvents:
    """The handlers for Chatr's system and user events."""

    def __init__(self, state: State, pubsub: PubSub) -> None:
        self.state = state
        self.pubsub = pubsub
        self._system_events: dict[str, Callable[[str, Event], Awaitable[None]]] = {
            "connected": self.connected,
            "disconnected": self.disconnected,
        }
        self._user_events: dict[str, Callable[[str, Event], Awaitable[None]]] = {
            "userConnected": self.user_connected,
            "createChat": self.create_chat,
            "joinChat": self.join_chat,
            "leaveChat": self.leave_chat,
            "createPrivateChat": self.create_private_chat,
            "deleteChat": self.delete_chat,
            "userEnterIdle": self.enter_idle,
            "userExitIdle": self.exit_idle,
        }

    async def handle(self, event: Event) -> None:
        """Run the event's handler; Invalid means nothing was changed and the user should be told why."""
        handlers = self._system_events if event.system else self._user_events
        handler = handlers.get(event.name)
        if handler is None:
            if event.system:
                return
            raise Invalid(f"Unknown event '{event.name}'")
        if not is_user_id(event.user_id):
            raise Invalid("This connection has no user: sign in again")
        await handler(event.user_id, event)

    # ---- presence ----------------------------------------------------------------------------

    async def connected(self, user_id: str, event: Event) -> None:
        """A connection opened: count it for presence."""
        await presence.register(self.state, self.pubsub, user_id, event.connection_id)

    async def user_connected(self, user_id: str, event: Event) -> None:
        """The browser is ready: put it in every chat its user is in (a reload reopens them), then announce the user.

        Restoring here rather than in `connected` means the browser hears `userOnline` only once it can
        publish to its chats, whichever of the two events the service delivered first.
        """
        user = await presence.register(self.state, self.pubsub, user_id, event.connection_id)
        memberships = await self.state.chats_of(user_id)
        await asyncio.gather(*(self.pubsub.admit([event.connection_id], m.chat_id) for m in memberships))
        await self.pubsub.broadcast("userOnline", json_string(user.to_wire()))

    async def disconnected(self, user_id: str, event: Event) -> None:
        """A connection closed: the user goes offline only when it was their last one."""
        await presence.unregister(self.state, self.pubsub, user_id, event.connection_id)

    async def _set_idle(self, user_id: str, idle: bool) -> None:
        user, changed = await self.state.set_idle(user_id, idle)
        if user is None:
            raise Invalid(UNKNOWN_USER)
        if changed:
            await self.pubsub.broadcast("userIsIdle" if idle else "userNotIdle", user_id)

    async def enter_idle(self, user_id: str, event: Event) -> None:
        """The user went idle; stored so late joiners see it too."""
        await self._set_idle(user_id, True)

    async def exit_idle(self, user_id: str, event: Event) -> None:
        """The user is back."""
        await self._set_idle(user_id, False)

    # ---- group chats -------------------------------------------------------------------------

    async def create_chat(self, user_id: str, event: Event) -> None:
        """Store a new group chat owned by the sender and announce it; an existing id is never overwritten."""
        raw_id, raw_name = _fields(event.data, "id", "name")
        chat = Chat(group_chat_id(raw_id), clean_name(raw_name, "chat name", CHAT_NAME_MAX), user_id)
        if not await self.state.create_chat(chat):
            raise Invalid("A chat with that id already exists")
        log.info("event=createChat user=%s chat=%s", user_id, chat.id)
        await self.pubsub.broadcast("chatCreated", json_string(chat.announcement()))

    async def join_chat(self, user_id: str, event: Event) -> None:
        """Add the sender to an existing chat and let their connections publish there; announced once."""
        target = chat_id(event.data)
        if is_private(target):
            await self._reopen_private(user_id, target, event.connection_id)
            return
        if await self.state.get_chat(target) is None:
            raise Invalid("That chat does not exist (it may have been deleted)")
        user = await self._user(user_id)
        added = await self.state.add_member(Membership(target, user_id, user.name))
        if added and await self.state.get_chat(target) is None:
            await self.state.remove_member(target, user_id)
            raise Invalid("That chat was deleted")
        await self.pubsub.admit(_with(user.connections, event.connection_id), target)
        if added:
            log.info("event=joinChat user=%s chat=%s", user_id, target)
            await self.pubsub.notice(target, "joined", user_id, user.name)

    async def _reopen_private(self, user_id: str, target: str, connection_id: str) -> None:
        if await self.state.get_membership(target, user_id) is None:
            raise Invalid("Private chats are joined by invitation only")
        await self.pubsub.admit([connection_id], target)

    async def leave_chat(self, user_id: str, event: Event) -> None:
        """Take the sender out of a chat, take back publishing, and tell the rest."""
        (raw_id,) = _fields(event.data, "chatId")
        target = chat_id(raw_id)
        removed = await self.state.remove_member(target, user_id)
        if removed is None:
            raise Invalid("You are not in that chat")
        user = await self.state.get_user(user_id)
        connections = user.connections if user else []
        await self.pubsub.evict(_with(connections, event.connection_id), target)
        log.info("event=leaveChat user=%s chat=%s", user_id, target)
        await self.pubsub.notice(target, "left", user_id, removed.user_name)

    async def delete_chat(self, user_id: str, event: Event) -> None:
        """The owner deletes a chat: everyone is removed from it, then every client is told."""
        target = chat_id(event.data)
        if is_private(target):
            raise Invalid("Private chats cannot be deleted: leave them instead")
        chat = await self.state.get_chat(target)
        if chat is None:
            raise Invalid("That chat does not exist")
        if chat.owner != user_id:
            raise Invalid("Only the chat's owner can delete it")
        await self.state.delete_chat(target)
        members = await self.state.members_of(target)
        await asyncio.gather(*(self._remove_member(m) for m in members))
        log.info("event=deleteChat user=%s chat=%s members=%d", user_id, target, len(members))
        await self.pubsub.broadcast("chatDeleted", target)

    async def _remove_member(self, membership: Membership) -> None:
        await self.state.remove_member(membership.chat_id, membership.user_id)
        user = await self.state.get_user(membership.user_id)
        if user is not None:
            await self.pubsub.evict(user.connections, membership.chat_id)

    # ---- private chats -----------------------------------------------------------------------

    async def create_private_chat(self, user_id: str, event: Event) -> None:
        """Open a private chat between the sender and one other existing user; nobody else can join or read it."""
        (target_id,) = _fields(event.data, "targetUserId")
        if not is_user_id(target_id):
            raise Invalid("That is not a valid user")
        if target_id == user_id:
            raise Invalid("You cannot start a private chat with yourself")
        me, other = await asyncio.gather(self.state.get_user(user_id), self.state.get_user(target_id))
        if me is None or other is None:
            raise Invalid("That user is not known")
        room = private_chat_id(user_id, target_id)
        added = await asyncio.gather(
            self.state.add_member(Membership(room, me.id, me.name, private=True, peer_name=other.name)),
            self.state.add_member(Membership(room, other.id, other.name, private=True, peer_name=me.name)),
        )
        await asyncio.gather(
            self.pubsub.admit(_with(me.connections, event.connection_id), room),
            self.pubsub.admit(other.connections, room),
        )
        await self._invite(other, room, me, grab_focus=False)
        await self._invite(me, room, other, grab_focus=True)
        if any(added):
            log.info("event=createPrivateChat user=%s chat=%s", user_id, room)
            await self.pubsub.notice(room, "wantsToChat", me.id, me.name)

    async def _invite(self, user: User, room: str, peer: User, grab_focus: bool) -> None:
        invitation = Chat.private_with(room, peer.name).invitation(grab_focus)
        await self.pubsub.send_to_user(user.id, "joinPrivateChat", json_string(invitation))

    async def _user(self, user_id: str) -> User:
        user = await self.state.get_user(user_id)
        if user is None:
            raise Invalid(UNKNOWN_USER)
        return user


def _with(connections: list[str], current: str) -> list[str]:
    return connections if current in connections else [*connections, current]
