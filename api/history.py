"""Each chat's history in Table Storage: a gap-free, numbered log of messages and of changes to them.

Table `messages`, PartitionKey = chat id, so a chat's history is one partition and its rows sort by
sequence number:
- `head`: the last sequence number given out. Every append updates it under its ETag in the same
  transaction that inserts the new rows, so two writers (two Function instances) can never give out
  one number twice or skip one: the loser's transaction fails as a whole and it tries the next.
- `s|<seq>` (zero-padded): one entry per number. A `message` row also holds the message's current
  state (text, edited, deleted, reactions, and `changed`: the number of its latest change), so a
  page of history shows it as it is now; an `edit`, `delete` or `reaction` row records the change
  itself, so a device catching up (`after=N`) learns of changes to messages it already has. A
  deleted message stays as a tombstone (no text), so other devices learn of the delete.
- `id|<userId>|<clientId>`: the number of a sender's message, inserted with it, so a resend after a
  lost reply (same client id) is stored once.
- `read|<userId>`: how far that member has read (never moves back).
- `t|<word>|<inverted seq>`: the search index (api/message_index.py), one row per distinct word of a
  message, written, changed and removed in the same transaction as the message or its change.

A worker remembers each chat's head (number and ETag) after its own append, so in a busy chat an
append is one transaction and no read: a stale memory only costs a failed transaction and a read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

from .message_index import seq_of, word_key, word_range, words

log = logging.getLogger(__name__)

MESSAGES_TABLE = "messages"
HEAD = "head"
ENTRY_PREFIX = "s|"
CLIENT_ID_PREFIX = "id|"
READ_PREFIX = "read|"
_SEQ_DIGITS = 10
_MAX_TRIES = 30
_HEADS_REMEMBERED = 10_000
_BATCH = 100  # the most operations one Table Storage transaction takes

KINDS = ("message", "edit", "delete", "reaction")
CHANGES = ("edit", "delete", "reaction")


class HistoryUnavailable(RuntimeError):
    """Table Storage failed while reading or writing a chat's history."""


class NotFound(LookupError):
    """The message a change names is not in the chat, or is not one the sender may change."""


def entry_key(seq: int) -> str:
    """The RowKey of entry number `seq`: zero-padded so rows sort by number."""
    return f"{ENTRY_PREFIX}{seq:0{_SEQ_DIGITS}d}"


@dataclass
class Entry:
    """One numbered entry of a chat's history, as every member's browser gets it."""

    seq: int
    kind: str
    sender: str
    time: int  # milliseconds since the epoch, stamped by the server
    id: str | None = None  # a message's id, made by its sender's browser
    text: str | None = None
    mentions: list[str] = field(default_factory=list)
    target: int | None = None  # a change: the number of the message it changes
    emojis: list[str] | None = None  # a reaction: the sender's whole choice on the target
    reply_to: int | None = None  # a message: the number of the message it answers
    edited: bool = False
    deleted: bool = False
    reactions: dict[str, list[str]] = field(default_factory=dict)  # a message: emoji -> who chose it
    changed: int = 0  # a message: the number of its latest change
    indexed: bool = False  # a message: its words are in the search index (older messages are not, until edited)
    hidden_from: str | None = None  # said in a private chat whose other member blocks the sender: never shown to them

    def to_wire(self) -> dict[str, Any]:
        """The entry as the wire contract gives it (server frames and `GET /api/chats/<id>/messages`)."""
        wire: dict[str, Any] = {"seq": self.seq, "kind": self.kind, "fromUserId": self.sender, "time": self.time}
        if self.kind == "message":
            wire.update(id=self.id, text=self.text, mentions=self.mentions, changed=self.changed)
            if self.reply_to is not None:
                wire["replyTo"] = self.reply_to
            if self.edited:
                wire["edited"] = True
            if self.deleted:
                wire.update(deleted=True, text="", mentions=[])
            if self.reactions and not self.deleted:
                wire["reactions"] = self.reactions
        else:
            wire["target"] = self.target
            if self.kind == "edit":
                wire.update(text=self.text, mentions=self.mentions)
            elif self.kind == "reaction":
                wire["emojis"] = self.emojis or []
        return wire

    def to_entity(self, chat_id: str) -> dict[str, Any]:
        entity: dict[str, Any] = {
            "PartitionKey": chat_id,
            "RowKey": entry_key(self.seq),
            "kind": self.kind,
            "sender": self.sender,
            "time": float(self.time),  # a Double: Table Storage's Int32 cannot hold milliseconds since 1970
        }
        optional = {
            "id": self.id,
            "text": self.text,
            "target": self.target,
            "replyTo": self.reply_to,
            "mentions": json.dumps(self.mentions) if self.mentions else None,
            "emojis": json.dumps(self.emojis) if self.emojis is not None else None,
            "hiddenFrom": self.hidden_from,
        }
        entity.update({k: v for k, v in optional.items() if v is not None})
        if self.kind == "message":
            entity.update(
                edited=self.edited,
                deleted=self.deleted,
                reactions=json.dumps(self.reactions),
                changed=self.changed,
                indexed=self.indexed,
            )
        return entity

    @classmethod
    def from_entity(cls, entity: Any) -> Entry:
        return cls(
            seq=int(entity["RowKey"][len(ENTRY_PREFIX) :]),
            kind=entity["kind"],
            sender=entity["sender"],
            time=int(entity["time"]),
            id=entity.get("id"),
            text=entity.get("text"),
            mentions=json.loads(entity.get("mentions") or "[]"),
            target=entity.get("target"),
            emojis=json.loads(entity["emojis"]) if entity.get("emojis") is not None else None,
            reply_to=entity.get("replyTo"),
            edited=bool(entity.get("edited", False)),
            deleted=bool(entity.get("deleted", False)),
            reactions=json.loads(entity.get("reactions") or "{}"),
            changed=int(entity.get("changed") or 0),
            indexed=bool(entity.get("indexed", False)),
            hidden_from=entity.get("hiddenFrom"),
        )

    def shown_to(self, user_id: str) -> bool:
        """Whether this member may see the entry: not the blocker of its sender (see api/messages.py)."""
        return self.hidden_from != user_id


@dataclass(frozen=True)
class Appended:
    """What an append stored: the entry, and whether it was there already (a resend of the same message)."""

    entry: Entry
    again: bool = False


# (chat's last number, the head's ETag); ETag None: the chat has no head row yet
_Head = tuple[int, str | None]


def _indexed(message: Entry) -> list[str]:
    """The words a message is found by in the index: none once deleted, none if written before the index was."""
    return words(message.text or "") if message.indexed and not message.deleted else []


def _word_rows(chat_id: str, message: Entry, found: list[str]) -> list[dict[str, Any]]:
    """The index rows of some of a message's words; they carry its time, so retention removes them with it."""
    return [{"PartitionKey": chat_id, "RowKey": word_key(w, message.seq), "time": float(message.time)} for w in found]


def now_ms() -> int:
    return int(time.time() * 1000)


class History:
    """Appends to and reads from every chat's history; one per worker (it remembers heads)."""

    def __init__(self, table: TableClient) -> None:
        self._table = table
        self._heads: OrderedDict[str, _Head] = OrderedDict()
        self._appending: dict[str, tuple[asyncio.Lock, int]] = {}  # chat id -> its lock, and how many wait on it

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: str) -> AsyncIterator[None]:
        """Hold a chat for one append and its sending: appends in this worker would only race each other for the
        same number, and sending in turn keeps the chat's entries in number order on the way out."""
        lock, waiting = self._appending.get(chat_id, (asyncio.Lock(), 0))
        self._appending[chat_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._appending[chat_id]
            if waiting == 1:
                del self._appending[chat_id]
            else:
                self._appending[chat_id] = (lock, waiting - 1)

    async def close(self) -> None:
        await self._table.close()

    # ---- appending ---------------------------------------------------------------------------

    async def add_message(
        self,
        chat_id: str,
        sender: str,
        client_id: str,
        text: str,
        mentions: list[str],
        reply_to: int | None = None,
        hidden_from: str | None = None,
    ) -> Appended:
        """Number and store a new message; the one stored before when this sender's client id was used already.

        Call it in the chat's `turn`.
        """
        dedupe = {"PartitionKey": chat_id, "RowKey": f"{CLIENT_ID_PREFIX}{sender}|{client_id}"}
        for _ in range(_MAX_TRIES):
            last, etag = await self._head(chat_id)
            entry = Entry(
                last + 1,
                "message",
                sender,
                now_ms(),
                client_id,
                text,
                mentions,
                reply_to=reply_to,
                indexed=True,
                hidden_from=hidden_from,
            )
            index = [("create", row) for row in _word_rows(chat_id, entry, words(text))]
            outcome = await self._commit(
                chat_id, etag, entry, [("create", {**dedupe, "seq": entry.seq, "time": float(entry.time)}), *index]
            )
            if outcome == "done":
                return Appended(entry)
            if outcome == "duplicate":
                stored = await self._stored_duplicate(chat_id, dedupe["RowKey"])
                if stored is not None:
                    return Appended(stored, again=True)
        raise HistoryUnavailable(f"chat {chat_id} kept changing; gave up numbering a message")

    async def change(
        self,
        chat_id: str,
        sender: str,
        kind: str,
        target: int,
        apply: Callable[[Entry, Entry], None],
        **fields: Any,
    ) -> tuple[Entry, Entry]:
        """Number and store a change (`edit`, `delete`, `reaction`) of message `target`, and update that message.

        `apply(message, change)` checks the change is allowed (raises NotFound) and changes the message.
        Returns the change and the message as it is now. Call it in the chat's `turn`.
        """
        for _ in range(_MAX_TRIES):
            last, etag = await self._head(chat_id)
            message = await self._get_entry(chat_id, target)
            if message is None or message.kind != "message":
                raise NotFound("There is no such message in this chat")
            change = Entry(last + 1, kind, sender, now_ms(), target=target, **fields)
            before = _indexed(message)
            apply(message, change)
            message.changed, message.indexed = change.seq, True
            after = _indexed(message)
            update = ("update", message.to_entity(chat_id), {"mode": UpdateMode.REPLACE})
            reindex = [("delete", row) for row in _word_rows(chat_id, message, [w for w in before if w not in after])]
            reindex += [("create", row) for row in _word_rows(chat_id, message, [w for w in after if w not in before])]
            if await self._commit(chat_id, etag, change, [update, *reindex]) == "done":
                return change, message
        raise HistoryUnavailable(f"chat {chat_id} kept changing; gave up storing a {kind}")

    async def _head(self, chat_id: str) -> _Head:
        remembered = self._heads.get(chat_id)
        if remembered is not None:
            return remembered
        entity = await self._get(chat_id, HEAD)
        if entity is None:
            return 0, None
        return int(entity["last"]), str(entity.metadata["etag"])

    async def _commit(self, chat_id: str, etag: str | None, entry: Entry, more: list[tuple[Any, ...]]) -> str:
        """One transaction: the head moves to `entry.seq`, the entry and `more` are written.

        "done"; "stale" (someone else appended first: the remembered head is forgotten); "duplicate"
        (the first of `more` was a create whose row exists).
        """
        head = {"PartitionKey": chat_id, "RowKey": HEAD, "last": entry.seq}
        move: tuple[Any, ...] = (
            ("create", head)
            if etag is None
            else (
                "update",
                head,
                {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
            )
        )
        try:
            results = await self._table.submit_transaction([move, ("create", entry.to_entity(chat_id)), *more])
        except HttpResponseError as err:
            # A transaction that lost a race fails whole: someone else moved the head first (412, or 409 when
            # both created it), or this sender's client id is taken (409). Which operation failed is not
            # always reported (`TableTransactionError.index`), so a conflict looks at the client id's row.
            self._heads.pop(chat_id, None)
            if err.status_code not in (404, 409, 412):
                log.error("history: chat=%s append failed (%s %s)", chat_id, type(err).__name__, err.status_code)
                raise HistoryUnavailable(f"Table Storage refused an append to chat {chat_id}") from err
            dedupe = more[0][1] if more and more[0][0] == "create" else None
            if err.status_code == 409 and dedupe is not None and await self._get(chat_id, dedupe["RowKey"]) is not None:
                return "duplicate"
            return "stale"
        except AzureError as err:
            self._heads.pop(chat_id, None)
            log.error("history: chat=%s append failed (%s)", chat_id, type(err).__name__)
            raise HistoryUnavailable("Table Storage is unavailable (append)") from err
        new_etag = results[0].get("etag") if results and isinstance(results[0], dict) else None
        self._remember(chat_id, (entry.seq, str(new_etag)) if new_etag else None)
        return "done"

    def _remember(self, chat_id: str, head: _Head | None) -> None:
        if head is None:
            self._heads.pop(chat_id, None)
            return
        self._heads[chat_id] = head
        self._heads.move_to_end(chat_id)
        while len(self._heads) > _HEADS_REMEMBERED:
            self._heads.popitem(last=False)

    async def _stored_duplicate(self, chat_id: str, dedupe_key: str) -> Entry | None:
        row = await self._get(chat_id, dedupe_key)
        return await self._get_entry(chat_id, int(row["seq"])) if row is not None else None

    # ---- reading -----------------------------------------------------------------------------

    async def last_seq(self, chat_id: str) -> int:
        """The chat's last number (0: nothing was ever said there)."""
        entity = await self._get(chat_id, HEAD)
        return int(entity["last"]) if entity is not None else 0

    async def entries(self, chat_id: str, first: int, last: int) -> list[Entry]:
        """Entries numbered `first` to `last` (inclusive), in order: one range query."""
        if last < first:
            return []
        query = "PartitionKey eq @chat and RowKey ge @low and RowKey le @high"
        params = {"chat": chat_id, "low": entry_key(max(1, first)), "high": entry_key(last)}
        try:
            return [Entry.from_entity(e) async for e in self._table.query_entities(query, parameters=params)]
        except AzureError as err:
            raise HistoryUnavailable("Table Storage is unavailable (read history)") from err

    async def find(self, chat_id: str, wanted: list[str], prefix: bool, scan: int) -> dict[int, int]:
        """Messages holding every one of the folded `wanted` words (the last only as a prefix when `prefix`): number
        -> time. One range query per word, reading at most `scan` of its newest uses."""
        found: dict[int, int] | None = None
        for n, word in enumerate(wanted):
            low, high = word_range(word, prefix and n == len(wanted) - 1)
            query = "PartitionKey eq @chat and RowKey ge @low and RowKey lt @high"
            uses: dict[int, int] = {}
            try:
                async for row in self._table.query_entities(
                    query, parameters={"chat": chat_id, "low": low, "high": high}, select=["RowKey", "time"]
                ):
                    uses[seq_of(row["RowKey"])] = int(row["time"])
                    if len(uses) == scan:
                        break
            except AzureError as err:
                raise HistoryUnavailable("Table Storage is unavailable (search)") from err
            found = uses if found is None else {seq: t for seq, t in found.items() if seq in uses}
            if not found:
                return {}
        return found or {}

    async def _get_entry(self, chat_id: str, seq: int) -> Entry | None:
        entity = await self._get(chat_id, entry_key(seq))
        return Entry.from_entity(entity) if entity is not None else None

    async def _get(self, chat_id: str, row: str) -> Any:
        try:
            return await self._table.get_entity(chat_id, row)
        except ResourceNotFoundError:
            return None
        except AzureError as err:
            raise HistoryUnavailable(f"Table Storage is unavailable (read {row.split('|')[0]})") from err

    # ---- read positions ----------------------------------------------------------------------

    async def mark_read(self, chat_id: str, user_id: str, seq: int) -> bool:
        """Record that a member read up to `seq`; False (nothing written) when they were past it already."""
        key = READ_PREFIX + user_id
        for _ in range(_MAX_TRIES):
            stored = await self._get(chat_id, key)
            if stored is not None and int(stored["seq"]) >= seq:
                return False
            entity = {"PartitionKey": chat_id, "RowKey": key, "seq": seq}
            try:
                if stored is None:
                    await self._table.create_entity(entity)
                else:
                    await self._table.update_entity(
                        entity,
                        mode=UpdateMode.REPLACE,
                        etag=stored.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                return True
            except HttpResponseError as err:
                if err.status_code not in (409, 412):
                    raise HistoryUnavailable("Table Storage is unavailable (mark read)") from err
            except AzureError as err:
                raise HistoryUnavailable("Table Storage is unavailable (mark read)") from err
        return False

    async def read_positions(self, chat_id: str) -> dict[str, int]:
        """How far each member has read: one range query (a row per member who ever read)."""
        query = "PartitionKey eq @chat and RowKey ge @low and RowKey lt @high"
        params = {"chat": chat_id, "low": READ_PREFIX, "high": "read}"}
        try:
            return {
                e["RowKey"][len(READ_PREFIX) :]: int(e["seq"])
                async for e in self._table.query_entities(query, parameters=params)
            }
        except AzureError as err:
            raise HistoryUnavailable("Table Storage is unavailable (read positions)") from err

    # ---- removal -----------------------------------------------------------------------------

    async def delete_chat(self, chat_id: str) -> int:
        """Remove a chat's whole history, a transaction of up to 100 rows at a time; how many rows went."""
        self._heads.pop(chat_id, None)
        removed = 0
        try:
            while True:
                keys = []
                query = "PartitionKey eq @chat"
                pages = self._table.query_entities(
                    query, parameters={"chat": chat_id}, select=["PartitionKey", "RowKey"], results_per_page=_BATCH
                ).by_page()
                async for page in pages:
                    keys = [e["RowKey"] async for e in page]
                    break
                if not keys:
                    return removed
                await self._table.submit_transaction([("delete", {"PartitionKey": chat_id, "RowKey": k}) for k in keys])
                removed += len(keys)
        except AzureError as err:
            log.error("history: chat=%s delete failed after %d rows (%s)", chat_id, removed, type(err).__name__)
            raise HistoryUnavailable("Table Storage is unavailable (delete history)") from err

    async def delete_before(self, cutoff_ms: int) -> int:
        """Remove message rows (and their changes) stamped before `cutoff_ms`: the retention period."""
        query = "time lt @cutoff"
        removed = 0
        try:
            async for entity in self._table.query_entities(
                query, parameters={"cutoff": float(cutoff_ms)}, select=["PartitionKey", "RowKey"]
            ):
                await self._table.delete_entity(entity["PartitionKey"], entity["RowKey"])
                removed += 1
        except AzureError as err:
            raise HistoryUnavailable("Table Storage is unavailable (retention)") from err
        return removed
