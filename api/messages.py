"""What people say in a chat: messages, edits, deletes and reactions are checked, numbered, kept and forwarded.

Every one of them is a user event: the sender is the connection's user, who must be a member of the
chat; the history (api/history.py) numbers and stores it, and only then does the server send it to
the chat's group (`{"entry": ...}`), so every member sees the same numbered history live and every
device can catch up from it. Typing is forwarded the same way and never kept; read positions are
kept per member. Browsers cannot publish to a chat's group themselves.

In a private chat whose other member blocks the sender (their membership row says so, read with
the event at no extra cost), what the sender says is numbered and kept as usual but marked hidden
from the blocker, and sent to the sender's own connections only: it seems sent, and the blocker
never gets it (not live, not in a page of history); their typing goes nowhere, and where they have
read to reaches only their own devices.

Costs per message (table operations): the sender's account and their membership of the chat (one
query of their partition, as every event), their rate-limit row (one write), and one transaction that
moves the chat's head and stores the message (plus one read of the head when this worker did not
make the last append there); a reply adds one read (the message it answers must be there). The
message's words go into the search index in that same transaction (api/message_index.py): no more
round trips, one more row per distinct word (at most 40). One service call sends it to the group:
one delivered message per connection in the chat. A change adds one point read (the message it
changes); an edit or delete also changes the words the message lost or gained, in its transaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from .events import Caller
from .history import Entry, History, NotFound
from .pubsub import PubSub
from .state import State
from .validation import Invalid, chat_id, private_peer

log = logging.getLogger(__name__)

MESSAGE_MAX = 2000  # characters (code points) in a message
MENTIONS_MAX = 20
REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🎉")
TYPING_TTL_MAX_MS = 60_000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
USER_ID = re.compile(r"^[A-Za-z0-9.@-]{1,128}$")
SEQ_MAX = 2**31 - 1  # Table Storage keeps numbers as Int32


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object")
    return data


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("A message needs some text")
    if len(value) > MESSAGE_MAX:
        raise Invalid(f"A message is at most {MESSAGE_MAX} characters (this one has {len(value)})")
    return value


def _mentions(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and USER_ID.fullmatch(v) for v in value):
        raise Invalid("mentions must be a list of user ids")
    return list(dict.fromkeys(value))[:MENTIONS_MAX]


def seq_number(value: Any, what: str = "seq") -> int:
    """A message number as the wire carries it: a whole number from 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SEQ_MAX:
        raise Invalid(f"{what} must be a message number")
    return value


@dataclass(frozen=True)
class NewMessage:
    chat_id: str
    client_id: str
    text: str
    mentions: list[str]
    reply_to: int | None


@dataclass(frozen=True)
class Change:
    chat_id: str
    target: int
    text: str | None = None
    mentions: list[str] | None = None
    emojis: list[str] | None = None


@dataclass(frozen=True)
class Typing:
    chat_id: str
    ttl: int


@dataclass(frozen=True)
class ReadUpTo:
    chat_id: str
    seq: int


def parse_message(_: str, data: Any) -> NewMessage:
    fields = _object(data)
    client_id = fields.get("id")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise Invalid("A message needs an id (1 to 64 letters, digits, - or _)")
    reply_to = fields.get("replyTo")
    return NewMessage(
        chat_id(fields.get("chatId")),
        client_id,
        _text(fields.get("text")),
        _mentions(fields.get("mentions")),
        None if reply_to is None else seq_number(reply_to, "replyTo"),
    )


def parse_edit(_: str, data: Any) -> Change:
    fields = _object(data)
    return Change(
        chat_id(fields.get("chatId")),
        seq_number(fields.get("seq")),
        text=_text(fields.get("text")),
        mentions=_mentions(fields.get("mentions")),
    )


def parse_delete(_: str, data: Any) -> Change:
    fields = _object(data)
    return Change(chat_id(fields.get("chatId")), seq_number(fields.get("seq")))


def parse_reaction(_: str, data: Any) -> Change:
    fields = _object(data)
    emojis = fields.get("emojis")
    if not isinstance(emojis, list) or not all(isinstance(e, str) for e in emojis):
        raise Invalid("emojis must be a list")
    chosen = [e for e in REACTIONS if e in emojis]
    return Change(chat_id(fields.get("chatId")), seq_number(fields.get("seq")), emojis=chosen)


def parse_typing(_: str, data: Any) -> Typing:
    fields = _object(data)
    ttl = fields.get("ttl", 5000)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise Invalid("ttl must be a number of milliseconds")
    return Typing(chat_id(fields.get("chatId")), min(ttl, TYPING_TTL_MAX_MS))


def parse_read(_: str, data: Any) -> ReadUpTo:
    fields = _object(data)
    return ReadUpTo(chat_id(fields.get("chatId")), seq_number(fields.get("seq")))


def _own_message(message: Entry, change: Entry) -> None:
    if message.sender != change.sender:
        raise NotFound("You can only change your own messages")
    if message.deleted:
        raise NotFound("That message was deleted")


def _edit(message: Entry, change: Entry) -> None:
    _own_message(message, change)
    message.text, message.mentions, message.edited = change.text, change.mentions, True


def _delete(message: Entry, change: Entry) -> None:
    _own_message(message, change)
    message.text, message.mentions, message.deleted, message.reactions = "", [], True, {}


def _react(message: Entry, change: Entry) -> None:
    if message.deleted:
        raise NotFound("That message was deleted")
    chosen = set(change.emojis or [])
    reactions = {e: [u for u in message.reactions.get(e, []) if u != change.sender] for e in REACTIONS}
    for emoji in chosen:
        reactions[emoji].append(change.sender)
    message.reactions = {e: users for e, users in reactions.items() if users}


class Messages:
    """The handlers of what people say in chats (each gets a confirmed sender, rate token spent)."""

    def __init__(self, state: State, pubsub: PubSub) -> None:
        self.state = state
        self.pubsub = pubsub
        self.history: History = state.history

    async def _member(self, caller: Caller, chat: str) -> str | None:
        """Only a chat's members say anything there; others learn nothing, not even whether it exists.

        Returns the member who blocks the caller in this private chat, if one does.
        """
        memberships = caller.account.memberships
        membership = memberships[chat] if chat in memberships else await self.state.get_membership(chat, caller.id)
        if membership is None or membership.left:
            raise Invalid("You are not in that chat")
        return private_peer(chat, caller.id) if membership.blocked_by_peer else None

    async def _publish(self, chat: str, entry: Entry) -> None:
        frame = {"entry": {"chatId": chat, **entry.to_wire()}}
        if entry.hidden_from is None:
            await self.pubsub.to_chat(chat, frame)
        else:  # the chat's other member blocks the sender: only the sender's own devices hear it
            await self.pubsub.to_user(entry.sender, frame)

    async def send(self, caller: Caller, message: NewMessage) -> dict[str, Any]:
        """Number, keep and forward a message; a resend of one already kept is forwarded again, not kept twice."""
        blocker = await self._member(caller, message.chat_id)
        if message.reply_to is not None:
            await self._answerable(message.chat_id, message.reply_to)
        async with self.history.turn(message.chat_id):  # sent before the next is numbered: in order on the wire
            stored = await self.history.add_message(
                message.chat_id,
                caller.id,
                message.client_id,
                message.text,
                message.mentions,
                message.reply_to,
                hidden_from=blocker,
            )
            await self._publish(message.chat_id, stored.entry)
        log.info(
            "event=sendMessage user=%s chat=%s seq=%d%s",
            caller.id,
            message.chat_id,
            stored.entry.seq,
            " (resend)" if stored.again else "",
        )
        return {"seq": stored.entry.seq, "time": stored.entry.time}

    async def _answerable(self, chat: str, seq: int) -> None:
        """A reply names a message kept in the same chat and not deleted (so an earlier number than its own)."""
        found = await self.history.entries(chat, seq, seq)
        if not found or found[0].kind != "message":
            raise Invalid("The message you reply to is not in this chat")
        if found[0].deleted:
            raise Invalid("The message you reply to was deleted")

    async def _change(self, caller: Caller, change: Change, kind: str, **fields: Any) -> dict[str, Any]:
        blocker = await self._member(caller, change.chat_id)
        apply = {"edit": _edit, "delete": _delete, "reaction": _react}[kind]
        async with self.history.turn(change.chat_id):
            try:
                entry, _ = await self.history.change(
                    change.chat_id, caller.id, kind, change.target, apply, hidden_from=blocker, **fields
                )
            except NotFound as err:
                raise Invalid(str(err)) from None
            await self._publish(change.chat_id, entry)
        log.info("event=%s user=%s chat=%s seq=%d target=%d", kind, caller.id, change.chat_id, entry.seq, change.target)
        return {"seq": entry.seq}

    async def edit(self, caller: Caller, change: Change) -> dict[str, Any]:
        """Change the text of one of the sender's own messages."""
        return await self._change(caller, change, "edit", text=change.text, mentions=change.mentions or [])

    async def delete(self, caller: Caller, change: Change) -> dict[str, Any]:
        """Delete one of the sender's own messages for everyone; a tombstone stays."""
        return await self._change(caller, change, "delete")

    async def react(self, caller: Caller, change: Change) -> dict[str, Any]:
        """Set the sender's whole choice of reactions on a message."""
        return await self._change(caller, change, "reaction", emojis=change.emojis or [])

    async def typing(self, caller: Caller, typing: Typing) -> dict[str, Any]:
        """Forwarded to the chat, never kept."""
        if await self._member(caller, typing.chat_id) is not None:
            return {}
        frame = {"typing": {"chatId": typing.chat_id, "userId": caller.id, "ttl": typing.ttl}}
        await self.pubsub.to_chat(typing.chat_id, frame)
        return {}

    async def read(self, caller: Caller, read: ReadUpTo) -> dict[str, Any]:
        """Keep how far the sender has read (never back), and tell the chat when it moved."""
        blocker = await self._member(caller, read.chat_id)
        last = await self.history.last_seq(read.chat_id)
        seq = min(read.seq, last)
        if seq >= 1 and await self.history.mark_read(read.chat_id, caller.id, seq):
            frame = {"read": {"chatId": read.chat_id, "userId": caller.id, "seq": seq}}
            if blocker is None:
                await self.pubsub.to_chat(read.chat_id, frame)
            else:  # their other devices learn it; the blocker does not
                await self.pubsub.to_user(caller.id, frame)
        return {"seq": seq}
