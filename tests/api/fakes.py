"""In-memory stand-ins for `State` and `PubSub`, so the core's tests run in milliseconds.

They keep the contracts the code relies on: limits and blocks change only if their ETag still
matches (and concurrent changes interleave as they would over the network), inserts never
overwrite, a missing row is None rather than an error, closed connections are skipped, a client's
connection joins the groups its token names. tests/api/test_state.py runs the
same assertions against FakeState and Azurite, and tests/api/test_pubsub.py against FakePubSub and
the real client talking to our emulator, so the fakes cannot drift from the real things.

Each fake subclasses the real class so it fits wherever that is expected, and overrides every
public method (tests/api/test_fakes.py checks), so a new method on State or PubSub fails loudly
here until the fake learns it too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from api.history import Appended, Entry, History, HistoryUnavailable, NotFound, _indexed, now_ms
from api.limits import Limits
from api.message_index import seq_of, word_key, word_range, words
from api.models import Account, Chat, Connection, Membership, Presence, User
from api.pubsub import WATCH_GROUP_PREFIX, PubSub, PubSubUnavailable, token_groups, user_group, watch_group
from api.state import State, StorageUnavailable, name_key
from api.validation import private_peer

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class _Profile:
    user: User
    etag: str
    written: datetime
    blocked: list[str]
    revoked_before: int = 0
    recovery_digest: str = ""


class FakeState(State):
    """Profiles, limits, connections, chats and memberships in dictionaries, with State's behaviour."""

    def __init__(self) -> None:  # nothing to connect to, so State's clients are never made
        self.profiles: dict[str, _Profile] = {}
        self.limits: dict[str, tuple[Limits, str]] = {}  # partition -> limits and their ETag
        self.told: dict[str, tuple[User, Presence, str]] = {}  # user id -> what everyone was told, and its ETag
        self.connections: dict[tuple[str, str], Connection] = {}  # (user id, connection id)
        self.chats: dict[str, Chat] = {}
        self.members: dict[tuple[str, str], Membership] = {}  # (chat id, user id): the chats table's member rows
        self.memberships: dict[tuple[str, str], Membership] = {}  # (user id, chat id), like the users table's keys
        self.user_names: dict[str, User] = {}  # row key (folded name|user id) -> the user as indexed
        self.chat_names: dict[str, Chat] = {}  # row key (folded name|chat id) -> the chat as indexed
        self.recent: dict[str, list[tuple[datetime, str]]] = {}  # UTC hour -> (when, user id) of each visit
        self.unavailable = False  # set to make every call fail as Table Storage would when unreachable
        self._etags = itertools.count(1)
        self.history = FakeHistory(self)

    def _reachable(self) -> None:
        if self.unavailable:
            raise StorageUnavailable("Table Storage is unavailable (fake outage)")

    def _insert(self, rows: dict[K, V], key: K, row: V) -> bool:
        """Insert unless the keys are taken (then False, and nothing written), as Table Storage does."""
        self._reachable()
        if key in rows:
            return False
        rows[key] = row
        return True

    def _etag(self) -> str:
        return f'W/"{next(self._etags)}"'

    async def _round_trip(self) -> None:
        """A write's trip over the network, during which another invocation may write."""
        await asyncio.sleep(0)
        self._reachable()

    async def close(self) -> None:
        """Nothing to release."""

    async def ensure_tables(self) -> None:
        """The dictionaries always exist."""
        self._reachable()

    # ---- users -------------------------------------------------------------------------------

    async def save_profile(self, user_id: str, name: str, provider: str) -> None:
        self._reachable()
        stored = self.profiles.get(user_id)
        blocked = list(stored.blocked) if stored else []
        revoked = stored.revoked_before if stored else 0
        digest = stored.recovery_digest if stored else ""
        self.profiles[user_id] = _Profile(
            User(user_id, name, provider), self._etag(), datetime.now(UTC), blocked, revoked, digest
        )

    async def get_account(self, user_id: str, chat_id: str | None = None) -> Account | None:
        self._reachable()
        stored = self.profiles.get(user_id)
        if stored is None:
            return None
        connections = [replace(c) for (uid, _), c in sorted(self.connections.items()) if uid == user_id]
        limits, etag = self.limits.get(user_id, (Limits(), None))
        account = Account(
            user=replace(stored.user),
            blocked=list(stored.blocked),
            revoked_before=stored.revoked_before,
            recovery_digest=stored.recovery_digest,
            profile_etag=stored.etag,
            profile_written=stored.written,
            limits=limits,
            limits_etag=etag,
            connections=connections,
        )
        account.user.online, account.user.idle = account.presence.online, account.presence.idle
        if chat_id is not None:
            stored_membership = self.memberships.get((user_id, chat_id))
            account.memberships[chat_id] = _stored(stored_membership) if stored_membership else None
        if user_id in self.told:
            _, account.told, account.told_etag = self.told[user_id]
        return account

    async def save_presence(self, user: User, told: Presence, etag: str | None) -> bool:
        await self._round_trip()
        stored = self.told.get(user.id)
        if (stored[2] if stored else None) != etag:
            return False
        self.told[user.id] = (replace(user), told, self._etag())
        return True

    async def save_blocks(self, user_id: str, blocked: list[str], profile_etag: str) -> bool:
        await self._round_trip()
        stored = self.profiles.get(user_id)
        if stored is None or stored.etag != profile_etag:
            return False
        self.profiles[user_id] = replace(stored, blocked=list(blocked), etag=self._etag(), written=datetime.now(UTC))
        return True

    async def save_recovery(self, user_id: str, digest: str, profile_etag: str) -> bool:
        await self._round_trip()
        stored = self.profiles.get(user_id)
        if stored is None or stored.etag != profile_etag:
            return False
        self.profiles[user_id] = replace(stored, recovery_digest=digest, etag=self._etag(), written=datetime.now(UTC))
        return True

    async def revoke_credentials(self, user_id: str, before: int) -> None:
        self._reachable()
        stored = self.profiles.get(user_id)
        if stored is not None:
            self.profiles[user_id] = replace(stored, revoked_before=before, etag=self._etag())

    # ---- limits ------------------------------------------------------------------------------

    async def get_limits(self, partition: str) -> tuple[Limits, str | None]:
        self._reachable()
        limits, etag = self.limits.get(partition, (Limits(), None))
        return limits, etag

    async def save_limits(self, partition: str, limits: Limits, etag: str | None) -> bool:
        await self._round_trip()
        stored = self.limits.get(partition)
        if (stored[1] if stored else None) != etag:
            return False
        self.limits[partition] = (limits, self._etag())
        return True

    # ---- connections -------------------------------------------------------------------------

    async def add_connection(self, connection: Connection) -> bool:
        return self._insert(self.connections, (connection.user_id, connection.id), replace(connection))

    async def update_connection(
        self, user_id: str, connection_id: str, *, announced: bool | None = None, idle: bool | None = None
    ) -> bool:
        await self._round_trip()
        stored = self.connections.get((user_id, connection_id))
        if stored is None:
            return False
        if announced is not None:
            stored.announced = announced
        if idle is not None:
            stored.idle = idle
        return True

    async def remove_connection(self, user_id: str, connection_id: str) -> None:
        self._reachable()
        self.connections.pop((user_id, connection_id), None)

    async def list_online(self, after: str | None, limit: int) -> tuple[dict[str, User], str | None]:
        self._reachable()
        ids = [uid for uid, (_, told, _) in sorted(self.told.items()) if told.online and (after is None or uid > after)]
        users = {}
        for uid in ids[:limit]:
            user, told, _ = self.told[uid]
            users[uid] = replace(user, online=True, idle=told.idle)
        return users, (ids[limit - 1] if len(ids) > limit else None)

    async def all_connections(self) -> dict[str, list[Connection]]:
        self._reachable()
        found: dict[str, list[Connection]] = defaultdict(list)
        for (user_id, _), connection in sorted(self.connections.items()):
            found[user_id].append(replace(connection))
        return dict(found)

    # ---- chats -------------------------------------------------------------------------------

    async def create_chat(self, chat: Chat) -> bool:
        self._reachable()
        if chat.id in self.chats:
            return False
        self.chats[chat.id] = replace(chat, timestamp=datetime.now(UTC).isoformat())
        return True

    async def get_chat(self, chat_id: str) -> Chat | None:
        self._reachable()
        chat = self.chats.get(chat_id)
        return replace(chat) if chat else None

    async def delete_chat(self, chat_id: str) -> None:
        self._reachable()
        self.chats.pop(chat_id, None)

    async def chats_page(self, after: str | None, limit: int) -> tuple[list[tuple[Chat, list[Membership]]], str | None]:
        self._reachable()
        ids = [cid for cid in sorted(self.chats) if after is None or cid > after]
        page = [(replace(self.chats[cid]), await self.members_of(cid)) for cid in ids[:limit]]
        return page, (ids[limit - 1] if len(ids) > limit else None)

    async def chat_with_members(self, chat_id: str) -> tuple[Chat, list[Membership]] | None:
        self._reachable()
        chat = self.chats.get(chat_id)
        return (replace(chat), await self.members_of(chat_id)) if chat else None

    async def all_chats(self) -> AsyncIterator[tuple[Chat, list[Membership]]]:
        page, _ = await self.chats_page(None, len(self.chats) + 1)
        for item in page:
            yield item

    # ---- memberships -------------------------------------------------------------------------

    async def add_member(self, membership: Membership) -> bool:
        return self._insert(self.memberships, (membership.user_id, membership.chat_id), _stored(membership))

    async def rejoin(self, membership: Membership) -> None:
        self._reachable()
        self.memberships[(membership.user_id, membership.chat_id)] = _stored(membership)

    async def index_member(self, membership: Membership) -> bool | None:
        await self._round_trip()
        if membership.chat_id not in self.chats:
            return None
        key = (membership.chat_id, membership.user_id)
        if key in self.members:
            return False
        self.members[key] = Membership(
            membership.chat_id, membership.user_id, membership.user_name, user_provider=membership.user_provider
        )
        return True

    async def unindex_member(self, chat_id: str, user_id: str) -> None:
        self._reachable()
        self.members.pop((chat_id, user_id), None)

    async def remove_member(self, chat_id: str, user_id: str) -> bool:
        self._reachable()
        return self.memberships.pop((user_id, chat_id), None) is not None

    async def leave_private(self, chat_id: str, user_id: str) -> bool:
        await self._round_trip()
        stored = self.memberships.get((user_id, chat_id))
        if stored is None:
            return False
        stored.left = True
        return True

    async def set_blocked_by_peer(self, chat_id: str, user_id: str, blocked: bool) -> bool:
        await self._round_trip()
        stored = self.memberships.get((user_id, chat_id))
        if stored is None:
            return False
        stored.blocked_by_peer = blocked
        return True

    async def blockers_of(self, user_id: str) -> set[str]:
        self._reachable()
        marked = [c for (uid, c), m in self.memberships.items() if uid == user_id and m.blocked_by_peer]
        return {private_peer(c, user_id) for c in marked}

    async def get_membership(self, chat_id: str, user_id: str) -> Membership | None:
        self._reachable()
        membership = self.memberships.get((user_id, chat_id))
        return replace(membership) if membership else None

    async def chats_of(self, user_id: str, *, including_left: bool = False) -> list[Membership]:
        self._reachable()
        rows = [replace(m) for (uid, _), m in sorted(self.memberships.items()) if uid == user_id]
        return rows if including_left else [m for m in rows if not m.left]

    async def members_of(self, chat_id: str) -> list[Membership]:
        self._reachable()
        return [replace(m) for (cid, _), m in sorted(self.members.items()) if cid == chat_id]

    # ---- retention ---------------------------------------------------------------------------

    async def idle_profiles(self, before: datetime) -> dict[str, str]:
        self._reachable()
        connected = {uid for uid, _ in self.connections}
        return {uid: p.etag for uid, p in sorted(self.profiles.items()) if p.written < before and uid not in connected}

    async def delete_user(self, user_id: str, profile_etag: str) -> bool:
        self._reachable()
        stored = self.profiles.get(user_id)
        if stored is not None and stored.etag != profile_etag:
            return False
        self.profiles.pop(user_id, None)
        self.limits.pop(user_id, None)
        self.told.pop(user_id, None)
        for key in [k for k in self.connections if k[0] == user_id]:
            del self.connections[key]
        for key in [k for k in self.memberships if k[0] == user_id]:
            self.members.pop((key[1], user_id), None)
            del self.memberships[key]
        return True

    # ---- contacts, search and recent visitors ------------------------------------------------

    async def first_members(self, chat_id: str, most: int) -> list[str]:
        self._reachable()
        return [uid for (cid, uid) in sorted(self.members) if cid == chat_id][:most]

    async def presence_of(self, user_ids: list[str]) -> dict[str, User]:
        self._reachable()
        found = {}
        for user_id in dict.fromkeys(user_ids):
            if user_id in self.told:
                user, told, _ = self.told[user_id]
                found[user_id] = replace(user, online=told.online, idle=told.idle)
        return found

    async def index_user_name(self, user: User, old_name: str | None) -> None:
        self._reachable()
        if old_name is not None:
            self.user_names.pop(f"{name_key(old_name)}|{user.id}", None)
        self.user_names[f"{name_key(user.name)}|{user.id}"] = replace(user)

    async def index_chat_name(self, chat: Chat) -> None:
        self._reachable()
        self.chat_names[f"{name_key(chat.name)}|{chat.id}"] = replace(chat)

    async def unindex_chat_name(self, chat: Chat) -> None:
        self._reachable()
        self.chat_names.pop(f"{name_key(chat.name)}|{chat.id}", None)

    async def search_users(self, prefix: str, after: str | None, limit: int) -> tuple[list[User], str | None]:
        keys, cursor = self._matching(self.user_names, prefix, after, limit)
        return [replace(self.user_names[k]) for k in keys], cursor

    async def search_chats(self, prefix: str, after: str | None, limit: int) -> tuple[list[Chat], str | None]:
        keys, cursor = self._matching(self.chat_names, prefix, after, limit)
        return [replace(self.chat_names[k], timestamp=None) for k in keys], cursor

    def _matching(
        self, rows: dict[str, Any], prefix: str, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        self._reachable()
        key = name_key(prefix)
        keys = [k for k in sorted(rows) if key and k.startswith(key) and (after is None or k > after)]
        return keys[:limit], (keys[limit - 1] if len(keys) > limit else None)

    async def touch_recent(self, user: User, now: datetime) -> None:
        self._reachable()
        self.recent.setdefault(now.strftime("%Y%m%d%H"), []).append((now, user.id))

    async def recent_users(self, now: datetime, limit: int) -> list[str]:
        self._reachable()
        ids: list[str] = []
        for hour in (now, now - timedelta(hours=1)):
            newest_first = sorted(self.recent.get(hour.strftime("%Y%m%d%H"), []), reverse=True)
            ids += [u for u in dict.fromkeys(u for _, u in newest_first) if u not in ids]
        return ids[:limit]


def _stored(membership: Membership) -> Membership:
    """What a membership row keeps: the peer only for a private chat."""
    if membership.private:
        return replace(membership)
    return replace(membership, peer_name=None, peer_provider="")


class FakePubSub(PubSub):
    """Web PubSub in memory: open connections and groups, and a record of everything sent."""

    def __init__(self) -> None:  # no service client
        self.open_connections: dict[str, str | None] = {}  # connection id -> its user
        self.inboxes: defaultdict[str, list[Any]] = defaultdict(list)  # connection id -> messages it received
        self.groups: defaultdict[str, set[str]] = defaultdict(set)
        self.user_groups: defaultdict[str, set[str]] = defaultdict(set)  # what `link` keeps for later connections
        self.to_chats: list[tuple[str, Any]] = []  # (chat id, frame): what the server sent to chats' groups
        self.to_groups: list[tuple[str, str, Any]] = []  # (group, chatEvent, data)
        self.to_users: list[tuple[str, str, Any]] = []  # (user id, chatEvent, data)
        self.user_frames: list[tuple[str, Any]] = []  # (user id, frame): server frames sent to one user's connections
        self.notices: list[tuple[str, str, str, str]] = []  # (chat id, notice, user id, user name)
        self.closed: dict[str, str] = {}  # connection id -> the reason the server closed it with
        self.unavailable = False  # set to make every call fail as an unreachable service would

    def _reachable(self, what: str) -> None:
        if self.unavailable:
            raise PubSubUnavailable(f"Web PubSub is unavailable ({what})")

    def connect(self, connection_id: str, user_id: str | None = None, groups: list[str] | None = None) -> None:
        """A client opens a connection with a token (the service learns of it from the client, not from us).

        It joins the groups its token names: by default those of a token from `client_token`.
        """
        self.open_connections[connection_id] = user_id
        for group in token_groups(user_id) if groups is None and user_id else groups or []:
            self.groups[group].add(connection_id)
        for group in self.user_groups[user_id] if user_id else ():  # kept by the service for later connections
            self.groups[group].add(connection_id)

    def disconnect(self, connection_id: str) -> None:
        """A client goes away: the service forgets its groups."""
        self.open_connections.pop(connection_id, None)
        for members in self.groups.values():
            members.discard(connection_id)

    # ---- what tests read ---------------------------------------------------------------------

    def group_data(self, group: str, chat_event: str) -> list[Any]:
        """The data of every server event of one chatEvent sent to one group, JSON strings decoded."""
        return [_decoded(d) for g, e, d in self.to_groups if g == group and e == chat_event]

    def presence_told(self, chat_event: str) -> list[Any]:
        """The data of every presence event of one chatEvent, to whichever user's watchers, JSON strings decoded."""
        return [_decoded(d) for g, e, d in self.to_groups if g.startswith(WATCH_GROUP_PREFIX) and e == chat_event]

    def watched_data(self, user_id: str, chat_event: str) -> list[Any]:
        """What one user's watchers were told of them (presence), JSON strings decoded."""
        return self.group_data(watch_group(user_id), chat_event)

    def heard(self, connection_id: str, chat_event: str) -> list[Any]:
        """The data of every server event of one chatEvent one connection received, JSON strings decoded."""
        inbox = self.inboxes[connection_id]
        return [_decoded(m["data"]) for m in inbox if isinstance(m, dict) and m.get("chatEvent") == chat_event]

    def sent_to(self, user_id: str, chat_event: str) -> list[Any]:
        """The data of every message of one chatEvent sent to one user, JSON strings decoded."""
        return [_decoded(d) for u, e, d in self.to_users if u == user_id and e == chat_event]

    def in_chat(self, connection_id: str, chat_id: str) -> bool:
        """In the chat's group: what admit grants and evict takes back."""
        return connection_id in self.groups[chat_id]

    def chat_frames(self, chat_id: str) -> list[Any]:
        """Every server frame sent to one chat's group (entries, typing, read positions)."""
        return [data for chat, data in self.to_chats if chat == chat_id]

    # ---- PubSub ------------------------------------------------------------------------------

    async def close(self) -> None:
        """Nothing to release."""

    async def client_token(self, user_id: str) -> dict[str, str]:
        self._reachable("get token")
        token = f"token-for-{user_id}"
        url = f"ws://pubsub.invalid/client/hubs/chat?access_token={token}"
        return {"baseUrl": url.split("?")[0], "token": token, "url": url}

    def _deliver(self, connection_ids: set[str], message: Any) -> None:
        for connection_id in connection_ids & self.open_connections.keys():
            self.inboxes[connection_id].append(message)

    async def send_to_group(self, group: str, chat_event: str, data: Any) -> None:
        self._reachable(f"send {chat_event} to a group")
        self.to_groups.append((group, chat_event, data))
        self._deliver(set(self.groups[group]), {"chatEvent": chat_event, "data": data})

    async def to_user(self, user_id: str, data: Any) -> None:
        self._reachable("send to user")
        self.user_frames.append((user_id, data))
        self._deliver({c for c, owner in self.open_connections.items() if owner == user_id}, data)

    async def send_to_user(self, user_id: str, chat_event: str, data: Any) -> None:
        self._reachable(f"send {chat_event}")
        self.to_users.append((user_id, chat_event, data))
        theirs = {c for c, owner in self.open_connections.items() if owner == user_id}
        self._deliver(theirs, {"chatEvent": chat_event, "data": data})

    async def notice(self, chat_id: str, notice: str, user_id: str, user_name: str) -> None:
        self._reachable(f"notice {notice}")
        self.notices.append((chat_id, notice, user_id, user_name))
        self._deliver(self.groups[chat_id], {"notice": notice, "userId": user_id, "userName": user_name})

    async def to_chat(self, chat_id: str, data: Any) -> None:
        self._reachable("send to chat")
        self.to_chats.append((chat_id, data))
        self._deliver(self.groups[chat_id], data)

    async def admit(self, connection_ids: list[str], chat_id: str) -> None:
        self._reachable("admit")
        for connection_id in set(connection_ids) & self.open_connections.keys():
            self.groups[chat_id].add(connection_id)

    async def evict(self, connection_ids: list[str], chat_id: str) -> None:
        self._reachable("evict")
        for connection_id in connection_ids:
            self.groups[chat_id].discard(connection_id)

    async def watch(self, connection_ids: list[str], user_ids: list[str]) -> None:
        self._reachable("watch")
        for user_id in user_ids:
            self.groups[watch_group(user_id)].update(set(connection_ids) & self.open_connections.keys())

    async def link(self, watchers: list[str], watched: list[str]) -> None:
        self._reachable("link")
        for group in (watch_group(w) for w in watched):
            for user in (u for u in watchers if watch_group(u) != group):
                self.user_groups[user].add(group)
                self.groups[group].update(c for c, owner in self.open_connections.items() if owner == user)

    async def unlink(self, watchers: list[str], watched: list[str]) -> None:
        self._reachable("unlink")
        for group in (watch_group(w) for w in watched):
            for user in (u for u in watchers if watch_group(u) != group):
                self.user_groups[user].discard(group)
                self.groups[group].difference_update(c for c, owner in self.open_connections.items() if owner == user)

    async def unwatch(self, connection_ids: list[str], user_ids: list[str]) -> None:
        self._reachable("unwatch")
        for user_id in user_ids:
            self.groups[watch_group(user_id)].difference_update(connection_ids)

    async def group_connections(self, group: str) -> set[str]:
        self._reachable("list connections")
        return set(self.groups[group])

    async def user_connections(self, user_id: str) -> set[str]:
        self._reachable("list the user's connections")
        return {c for c in self.groups[user_group(user_id)] if self.open_connections.get(c) == user_id}

    async def close_connection(self, connection_id: str, reason: str) -> None:
        self._reachable("close connection")
        if connection_id in self.open_connections:
            self.closed[connection_id] = reason
            self.disconnect(connection_id)

    async def close_user_connections(self, user_id: str, reason: str) -> None:
        self._reachable("close user connections")
        for connection_id in [c for c, owner in self.open_connections.items() if owner == user_id]:
            await self.close_connection(connection_id, reason)


def _decoded(data: Any) -> Any:
    """Some payloads travel as JSON strings inside the JSON message (the original wire contract)."""
    if isinstance(data, str) and data.startswith(("{", "[")):
        return json.loads(data)
    return data


class FakeHistory(History):
    """Every chat's history in memory, numbered and deduplicated as History does it in Table Storage."""

    def __init__(self, state: FakeState) -> None:  # no table client
        self._state = state
        self.logs: defaultdict[str, dict[int, Entry]] = defaultdict(dict)  # chat id -> number -> entry
        self.heads: defaultdict[str, int] = defaultdict(int)  # chat id -> its last number
        self.client_ids: dict[tuple[str, str, str], int] = {}  # (chat, sender, client id) -> number
        self.reads: defaultdict[str, dict[str, int]] = defaultdict(dict)
        self.index: defaultdict[str, dict[str, int]] = defaultdict(dict)  # chat id -> word row key -> message time
        self._appending = {}  # History.turn's locks: one append at a time per chat, as in the real worker

    def _reachable(self) -> None:
        if self._state.unavailable:
            raise HistoryUnavailable("Table Storage is unavailable (fake outage)")

    def _append(self, chat_id: str, make: Callable[[int], Entry]) -> Entry:
        self.heads[chat_id] += 1
        entry = make(self.heads[chat_id])
        self.logs[chat_id][entry.seq] = entry
        return entry

    async def close(self) -> None:
        """Nothing to release."""

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
        self._reachable()
        known = self.client_ids.get((chat_id, sender, client_id))
        if known is not None and known in self.logs[chat_id]:
            return Appended(replace(self.logs[chat_id][known]), again=True)
        entry = self._append(
            chat_id,
            lambda seq: Entry(
                seq,
                "message",
                sender,
                now_ms(),
                client_id,
                text,
                list(mentions),
                reply_to=reply_to,
                indexed=True,
                hidden_from=hidden_from,
            ),
        )
        self.client_ids[(chat_id, sender, client_id)] = entry.seq
        self._reindex(chat_id, entry, [], words(text))
        return Appended(replace(entry))

    async def change(
        self, chat_id: str, sender: str, kind: str, target: int, apply: Callable[[Entry, Entry], None], **fields: Any
    ) -> tuple[Entry, Entry]:
        self._reachable()
        stored = self.logs[chat_id].get(target)
        if stored is None or stored.kind != "message":
            raise NotFound("There is no such message in this chat")
        message = replace(stored, reactions=dict(stored.reactions))
        before = _indexed(message)
        apply(message, Entry(self.heads[chat_id] + 1, kind, sender, 0, target=target, **fields))
        change = self._append(chat_id, lambda seq: Entry(seq, kind, sender, now_ms(), target=target, **fields))
        message.changed, message.indexed = change.seq, True
        self.logs[chat_id][target] = message
        self._reindex(chat_id, message, before, _indexed(message))
        return replace(change), replace(message)

    def _reindex(self, chat_id: str, message: Entry, before: list[str], after: list[str]) -> None:
        """The word rows History writes in the same transaction: the words lost go, the words gained come."""
        rows = self.index[chat_id]
        for word in before:
            rows.pop(word_key(word, message.seq), None)
        for word in after:
            rows[word_key(word, message.seq)] = message.time

    async def find(self, chat_id: str, wanted: list[str], prefix: bool, scan: int) -> dict[int, int]:
        self._reachable()
        found: dict[int, int] | None = None
        for n, word in enumerate(wanted):
            low, high = word_range(word, prefix and n == len(wanted) - 1)
            uses: dict[int, int] = {}
            for key in sorted(k for k in self.index[chat_id] if low <= k < high):
                uses[seq_of(key)] = self.index[chat_id][key]
                if len(uses) == scan:
                    break
            found = uses if found is None else {seq: t for seq, t in found.items() if seq in uses}
            if not found:
                return {}
        return found or {}

    async def last_seq(self, chat_id: str) -> int:
        self._reachable()
        return self.heads[chat_id]

    async def entries(self, chat_id: str, first: int, last: int) -> list[Entry]:
        self._reachable()
        log = self.logs[chat_id]
        return [replace(log[n]) for n in range(max(1, first), last + 1) if n in log]

    async def mark_read(self, chat_id: str, user_id: str, seq: int) -> bool:
        self._reachable()
        if self.reads[chat_id].get(user_id, 0) >= seq:
            return False
        self.reads[chat_id][user_id] = seq
        return True

    async def read_positions(self, chat_id: str) -> dict[str, int]:
        self._reachable()
        return dict(self.reads[chat_id])

    async def delete_chat(self, chat_id: str) -> int:
        self._reachable()
        removed = len(self.logs.pop(chat_id, {})) + len(self.reads.pop(chat_id, {})) + (chat_id in self.heads)
        removed += len(self.index.pop(chat_id, {}))
        self.heads.pop(chat_id, None)
        for key in [k for k in self.client_ids if k[0] == chat_id]:
            del self.client_ids[key]
        return removed

    async def delete_before(self, cutoff_ms: int) -> int:
        self._reachable()
        removed = 0
        for log in self.logs.values():
            for seq in [n for n, e in log.items() if e.time < cutoff_ms]:
                del log[seq]
                removed += 1
        for rows in self.index.values():
            for key in [k for k, t in rows.items() if t < cutoff_ms]:
                del rows[key]
                removed += 1
        return removed
