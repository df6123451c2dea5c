"""Every Web PubSub event Chatr takes, from parsing its data to the handler that acts on it.

A user event is acted on only for a confirmed sender: `ce-userId` must be the user of the
connection `ce-connectionId` names, as registered once Web PubSub confirmed it (`presence`). The
data is checked before anything is read, then the sender's rate-limit token is spent, then the
handler runs. Bad input raises `Invalid` before anything is written; every write and send is awaited.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import contacts, messages, presence, quota
from .config import connections_per_user
from .events import Caller, Event, Refused, Reply
from .group_chats import GroupChats
from .identity import SIGNED_OUT
from .limits import EVENT_RATES, LimitReached, RateLimited
from .messages import Messages
from .models import USER_EVENTS, Chat
from .names import CHAT_NAME_MAX, clean_name
from .private_chats import PrivateChats
from .pubsub import PubSub
from .state import State
from .validation import Invalid, chat_id, group_chat_id, is_private, is_user_id

log = logging.getLogger(__name__)

# Web PubSub's connection ids are URL-safe; anything else could not be a row key.
CONNECTION_ID = re.compile(r"^[A-Za-z0-9_.:=+-]{1,200}$")


@dataclass(frozen=True)
class Route:
    """One user event: how its data is checked, which rate it spends from, and what acts on it."""

    parse: Callable[[str, Any], Any]  # (sender's user id, data) -> what `act` takes; raises Invalid
    act: Callable[[Caller, Any], Awaitable[Any]]
    rate: str | None = None
    owns: int = 0  # chats it adds to the sender's count of owned chats
    answers: bool = False  # `act` returns a result, which the sender gets as a `reply` to its request id
    stored_rate: bool = True  # False: the rate is kept by this worker alone (for what is never stored anyway)


REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def request_id(data: Any) -> str | None:
    """The id a browser gave its event (`requestId` in its data), echoed in the answer; None when there is none."""
    value = data.get("requestId") if isinstance(data, dict) else None
    return value if isinstance(value, str) and REQUEST_ID.fullmatch(value) else None


def reply(event: str, request: str | None, result: Any) -> Reply:
    """The answer to one request: its id, the event's name, and what the server did."""
    return {"chatEvent": "reply", "data": {"requestId": request, "event": event, "result": result}}


def _fields(data: Any, *names: str) -> list[Any]:
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object")
    return [data.get(n) for n in names]


def _new_chat(user_id: str, data: Any) -> Chat:
    raw_id, raw_name = _fields(data, "id", "name")
    return Chat(group_chat_id(raw_id), clean_name(raw_name, "chat name", CHAT_NAME_MAX), user_id)


def _chat_to_leave(user_id: str, data: Any) -> str:
    (raw_id,) = _fields(data, "chatId")
    return chat_id(raw_id)


def _chat_to_delete(user_id: str, data: Any) -> str:
    target = chat_id(data)
    if is_private(target):
        raise Invalid("Private chats cannot be deleted: leave them instead")
    return target


def _private_target(user_id: str, data: Any) -> str:
    (target,) = _fields(data, "targetUserId")
    if not is_user_id(target):
        raise Invalid("That is not a valid user")
    if target == user_id:
        raise Invalid("You cannot start a private chat with yourself")
    return target


def _user_named(user_id: str, data: Any) -> str:
    target = data.get("userId") if isinstance(data, dict) else data
    if not is_user_id(target):
        raise Invalid("That is not a valid user")
    return target


def _nothing(user_id: str, data: Any) -> None:
    """Data the server ignores: it knows the sender (userConnected and idle bodies name the sender, if anyone)."""


def _issued_at(connect: Any) -> int | None:
    """The `iat` claim of the token a connecting client presented (the `connect` event lists claims as strings)."""
    claims = connect.get("claims") if isinstance(connect, dict) else None
    values = claims.get("iat") if isinstance(claims, dict) else None
    value = values[0] if isinstance(values, list) and values else values
    try:
        return int(float(value)) if isinstance(value, (str, int, float)) else None
    except ValueError:
        return None


class ChatEvents:
    """The handlers for Chatr's system and user events."""

    def __init__(self, state: State, pubsub: PubSub) -> None:
        self.state = state
        self.pubsub = pubsub
        groups, private = GroupChats(state, pubsub), PrivateChats(state, pubsub)
        said = Messages(state, pubsub)
        self._routes: dict[str, Route] = {
            "userConnected": Route(_nothing, self.user_connected),
            "createChat": Route(_new_chat, groups.create, "chats", owns=1),
            "joinChat": Route(
                lambda _, data: chat_id(data), self._group_or_private(groups.join, private.reopen), "membership"
            ),
            "leaveChat": Route(_chat_to_leave, self._group_or_private(groups.leave, private.leave), "membership"),
            "deleteChat": Route(_chat_to_delete, groups.delete, "chats"),
            "createPrivateChat": Route(_private_target, private.open, "private"),
            "userEnterIdle": Route(_nothing, self._idle(True), "idle"),
            "userExitIdle": Route(_nothing, self._idle(False), "idle"),
            "blockUser": Route(_user_named, private.block, "blocks"),
            "unblockUser": Route(_user_named, private.unblock, "blocks"),
            "sendMessage": Route(messages.parse_message, said.send, "messages", answers=True),
            "editMessage": Route(messages.parse_edit, said.edit, "messages", answers=True),
            "deleteMessage": Route(messages.parse_delete, said.delete, "messages", answers=True),
            "react": Route(messages.parse_reaction, said.react, "reactions", answers=True),
            "typing": Route(messages.parse_typing, said.typing, "typing", answers=True, stored_rate=False),
            "markRead": Route(messages.parse_read, said.read, "reads", answers=True),
        }
        assert {n for n, r in self._routes.items() if r.rate} == set(EVENT_RATES)
        assert tuple(self._routes) == USER_EVENTS

    async def handle(self, event: Event) -> Reply:
        """Run the event's handler; Invalid (or a limit) means nothing was changed and the user should be told why.

        Returns a message for the sending connection alone, if the handler has one.
        """
        if event.system:
            await self._system(event)
            return None
        route = self._routes.get(event.name)
        if route is None:
            raise Invalid(f"Unknown event '{event.name}'")
        if not is_user_id(event.user_id):
            raise Invalid("This connection has no user: sign in again")
        if not CONNECTION_ID.fullmatch(event.connection_id):
            raise Invalid("This connection has no valid id")
        parsed = route.parse(event.user_id, event.data)
        if route.rate:
            try:
                quota.check_remembered(event.user_id, route.rate)
            except RateLimited as err:
                raise await quota.held(err) from None
        caller = await self._caller(event.user_id, event.connection_id, getattr(parsed, "chat_id", None))
        if route.rate and route.stored_rate:
            account = caller.account
            account.limits = await quota.spend(
                self.state, caller.id, route.rate, account.limits, account.limits_etag, owned=route.owns
            )
        elif route.rate:
            quota.spend_here(caller.id, route.rate)
        result = await route.act(caller, parsed)
        return reply(event.name, request_id(event.data), result) if route.answers else result

    async def _caller(self, user_id: str, connection_id: str, chat_id: str | None = None) -> Caller:
        """The sender, once their connection is confirmed: registered, or confirmed with Web PubSub now.

        For what is said in a chat, the sender's membership of it comes in the same read.
        """
        presence.check_unconfirmed(user_id, connection_id)
        account = await presence.account_of(self.state, user_id, chat_id)
        connection = account.connection(connection_id)
        if connection is None:
            connection = await presence.register(self.state, self.pubsub, account, connection_id)
        return Caller(account, connection)

    # ---- system events -----------------------------------------------------------------------

    async def _system(self, event: Event) -> None:
        if event.name == "connect":
            await self.connect(event)
            return
        if event.name not in ("connected", "disconnected"):
            return
        if not is_user_id(event.user_id) or not CONNECTION_ID.fullmatch(event.connection_id):
            log.warning("event=%s connection %s has no valid user: ignored", event.name, event.connection_id)
            return
        if event.name == "connected":
            await self.connected(event.user_id, event.connection_id)
        else:
            await presence.unregister(self.state, self.pubsub, event.user_id, event.connection_id)

    async def connect(self, event: Event) -> None:
        """A client is connecting: refused when its user is unknown, signed out, or has the most connections already.

        This only reads: `connect` carries no proof of whose connection it is, so it may not change anything.
        """
        if not is_user_id(event.user_id):
            raise Refused(401, "This token has no user: sign in again")
        try:
            quota.check_remembered(event.user_id, "connections")
        except RateLimited as err:
            raise Refused(429, str(await quota.held(err))) from err
        account = await self.state.get_account(event.user_id)
        if account is None:
            raise Refused(401, presence.UNKNOWN_USER)
        issued = _issued_at(event.data)
        if issued is not None and issued <= account.revoked_before:
            raise Refused(401, SIGNED_OUT)
        if len(await self.pubsub.user_connections(event.user_id)) >= (most := connections_per_user()):
            raise Refused(429, presence.too_many_connections(most))

    async def connected(self, user_id: str, connection_id: str) -> None:
        """A connection opened: counted once Web PubSub confirmed it is this user's (else it counts for nothing)."""
        account = await self.state.get_account(user_id)
        if account is None or account.connection(connection_id) is not None:
            return
        try:
            await presence.register(self.state, self.pubsub, account, connection_id)
        except (Invalid, RateLimited, LimitReached) as err:
            log.info("event=connected user=%s connection=%s not registered: %s", user_id, connection_id, err)

    # ---- user events -------------------------------------------------------------------------

    async def user_connected(self, caller: Caller, _: None) -> Reply:
        """The browser is ready: put it in every chat its user is in (a reload reopens them) and in the watch
        groups of its user and their contacts, then announce the user to their watchers.

        Restoring here rather than in `connected` means the browser hears `userOnline` only once it can
        publish to its chats, whichever of the two events the service delivered first. A connection
        announces itself once: a repeat only hears `userOnline` again.
        """
        if caller.connection.announced:
            return presence.shown_to(caller.account)
        rows = await self.state.chats_of(caller.id, including_left=True)  # left ones say who blocks them
        chats = [m.chat_id for m in rows if not m.left]
        await asyncio.gather(*(self.pubsub.admit([caller.connection.id], chat) for chat in chats))
        await contacts.watch_contacts(self.state, self.pubsub, caller.id, caller.connection.id, rows)
        return await presence.announce(self.state, self.pubsub, caller.account, caller.connection)

    def _idle(self, idle: bool) -> Callable[[Caller, None], Awaitable[Reply]]:
        async def act(caller: Caller, _: None) -> Reply:
            """The tab went idle (or came back); stored so late joiners see it too."""
            if caller.connection.idle != idle:
                await presence.set_idle(self.state, self.pubsub, caller.account, caller.connection, idle)
            return None

        return act

    @staticmethod
    def _group_or_private(
        for_groups: Callable[[Caller, str], Awaitable[None]], for_private: Callable[[Caller, str], Awaitable[None]]
    ) -> Callable[[Caller, str], Awaitable[Reply]]:
        """One event for both kinds of chat (join, leave): the chat id says which."""

        async def act(caller: Caller, target: str) -> Reply:
            await (for_private if is_private(target) else for_groups)(caller, target)
            return None

        return act
