"""In-memory stand-ins for `State` and `PubSub`, so the core's tests run in milliseconds.

They keep the contracts the code relies on: a profile changes only if its ETag still matches (and
concurrent changes interleave as they would over the network), inserts never overwrite, a missing
row is None rather than an error, closed connections are skipped. tests/api/test_state.py runs the
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
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from api.models import Chat, Membership, User
from api.pubsub import PubSub, PubSubUnavailable
from api.state import State, StorageUnavailable

_MAX_ETAG_RETRIES = 20


def _copy(user: User) -> User:
    """What a read returns: a copy, so changing it changes nothing stored (as with rows read over HTTP)."""
    return replace(user, connections=list(user.connections))


@dataclass
class _Profile:
    user: User
    etag: str
    written: datetime


class FakeState(State):
    """Chats, profiles and memberships in dictionaries, with State's behaviour."""

    def __init__(self) -> None:  # nothing to connect to, so State's clients are never made
        self.profiles: dict[str, _Profile] = {}
        self.chats: dict[str, Chat] = {}
        self.memberships: dict[tuple[str, str], Membership] = {}  # (user id, chat id), like the users table's keys
        self.unavailable = False  # set to make every call fail as Table Storage would when unreachable
        self._etags = itertools.count(1)

    def _reachable(self) -> None:
        if self.unavailable:
            raise StorageUnavailable("Table Storage is unavailable (fake outage)")

    def _write_profile(self, user: User) -> None:
        self.profiles[user.id] = _Profile(_copy(user), f'W/"{next(self._etags)}"', datetime.now(UTC))

    async def close(self) -> None:
        """Nothing to release."""

    async def ensure_tables(self) -> None:
        """The dictionaries always exist."""
        self._reachable()

    # ---- users -------------------------------------------------------------------------------

    async def get_user(self, user_id: str) -> User | None:
        self._reachable()
        stored = self.profiles.get(user_id)
        return _copy(stored.user) if stored else None

    async def save_profile(self, user_id: str, name: str, provider: str) -> None:
        self._reachable()
        stored = self.profiles.get(user_id)
        user = _copy(stored.user) if stored else User(user_id, name, provider)
        user.name, user.provider = name, provider
        self._write_profile(user)

    async def list_online_users(self) -> dict[str, User]:
        self._reachable()
        return {uid: _copy(p.user) for uid, p in sorted(self.profiles.items()) if p.user.online}

    async def add_connection(self, user_id: str, connection_id: str) -> tuple[User | None, bool]:
        def change(user: User) -> bool:
            if connection_id in user.connections:
                return False
            user.connections.append(connection_id)
            return True

        return await self._update_profile(user_id, change)

    async def remove_connection(self, user_id: str, connection_id: str) -> tuple[User | None, bool]:
        def change(user: User) -> bool:
            if connection_id not in user.connections:
                return False
            user.connections.remove(connection_id)
            user.idle = user.idle and user.online
            return True

        user, removed = await self._update_profile(user_id, change)
        return user, removed and user is not None and not user.online

    async def set_idle(self, user_id: str, idle: bool) -> tuple[User | None, bool]:
        def change(user: User) -> bool:
            changed = user.idle != idle
            user.idle = idle
            return changed

        return await self._update_profile(user_id, change)

    async def _update_profile(self, user_id: str, change: Callable[[User], bool]) -> tuple[User | None, bool]:
        """Read, change, and write back only if nobody wrote in between (the ETag still matches)."""
        for _ in range(_MAX_ETAG_RETRIES):
            self._reachable()
            read = self.profiles.get(user_id)
            if read is None:
                return None, False
            user = _copy(read.user)
            if not change(user):
                return user, False
            await asyncio.sleep(0)  # the round trip, during which another invocation may write
            current = self.profiles.get(user_id)
            if current is not None and current.etag == read.etag:
                self._write_profile(user)
                return user, True
        raise StorageUnavailable(f"profile of {user_id} kept changing")

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

    async def list_group_chats(self) -> dict[str, Chat]:
        self._reachable()
        return {cid: replace(c) for cid, c in sorted(self.chats.items())}

    # ---- memberships -------------------------------------------------------------------------

    async def add_member(self, membership: Membership) -> bool:
        self._reachable()
        key = (membership.user_id, membership.chat_id)
        if key in self.memberships:
            return False
        self.memberships[key] = replace(membership, peer_name=membership.peer_name if membership.private else None)
        return True

    async def remove_member(self, chat_id: str, user_id: str) -> Membership | None:
        self._reachable()
        return self.memberships.pop((user_id, chat_id), None)

    async def get_membership(self, chat_id: str, user_id: str) -> Membership | None:
        self._reachable()
        membership = self.memberships.get((user_id, chat_id))
        return replace(membership) if membership else None

    async def chats_of(self, user_id: str) -> list[Membership]:
        return [m for m in await self.all_memberships() if m.user_id == user_id]

    async def members_of(self, chat_id: str) -> list[Membership]:
        return [m for m in await self.all_memberships() if m.chat_id == chat_id]

    async def all_memberships(self) -> list[Membership]:
        self._reachable()
        return [replace(m) for _, m in sorted(self.memberships.items())]

    # ---- retention ---------------------------------------------------------------------------

    async def idle_profiles(self, before: datetime) -> dict[str, str]:
        self._reachable()
        return {
            uid: p.etag for uid, p in sorted(self.profiles.items()) if p.written < before and not p.user.connections
        }

    async def delete_user(self, user_id: str, profile_etag: str) -> bool:
        self._reachable()
        stored = self.profiles.get(user_id)
        if stored is not None and stored.etag != profile_etag:
            return False
        self.profiles.pop(user_id, None)
        for key in [k for k in self.memberships if k[0] == user_id]:
            del self.memberships[key]
        return True


class FakePubSub(PubSub):
    """Web PubSub in memory: open connections, groups and permissions, and a record of everything sent."""

    def __init__(self) -> None:  # no service client
        self.open_connections: dict[str, str | None] = {}  # connection id -> its user
        self.inboxes: defaultdict[str, list[Any]] = defaultdict(list)  # connection id -> messages it received
        self.groups: defaultdict[str, set[str]] = defaultdict(set)
        self.may_publish: defaultdict[str, set[str]] = defaultdict(set)  # connection id -> groups
        self.broadcasts: list[tuple[str, Any]] = []  # (chatEvent, data)
        self.to_users: list[tuple[str, str, Any]] = []  # (user id, chatEvent, data)
        self.notices: list[tuple[str, str, str, str]] = []  # (chat id, notice, user id, user name)
        self.unavailable = False  # set to make every call fail as an unreachable service would

    def _reachable(self, what: str) -> None:
        if self.unavailable:
            raise PubSubUnavailable(f"Web PubSub is unavailable ({what})")

    def connect(self, connection_id: str, user_id: str | None = None) -> None:
        """A client opens a connection (the real service learns of it from the client, not from us)."""
        self.open_connections[connection_id] = user_id

    def disconnect(self, connection_id: str) -> None:
        """A client goes away: the service forgets its groups and permissions."""
        self.open_connections.pop(connection_id, None)
        for members in self.groups.values():
            members.discard(connection_id)
        self.may_publish.pop(connection_id, None)

    # ---- what tests read ---------------------------------------------------------------------

    def broadcast_data(self, chat_event: str) -> list[Any]:
        """The data of every broadcast of one chatEvent, JSON strings decoded."""
        return [_decoded(d) for e, d in self.broadcasts if e == chat_event]

    def sent_to(self, user_id: str, chat_event: str) -> list[Any]:
        """The data of every message of one chatEvent sent to one user, JSON strings decoded."""
        return [_decoded(d) for u, e, d in self.to_users if u == user_id and e == chat_event]

    def in_chat(self, connection_id: str, chat_id: str) -> bool:
        """In the chat's group and allowed to publish there: what admit grants and evict takes back."""
        return connection_id in self.groups[chat_id] and chat_id in self.may_publish[connection_id]

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

    async def broadcast(self, chat_event: str, data: Any) -> None:
        self._reachable(f"broadcast {chat_event}")
        self.broadcasts.append((chat_event, data))
        self._deliver(set(self.open_connections), {"chatEvent": chat_event, "data": data})

    async def send_to_user(self, user_id: str, chat_event: str, data: Any) -> None:
        self._reachable(f"send {chat_event}")
        self.to_users.append((user_id, chat_event, data))
        theirs = {c for c, owner in self.open_connections.items() if owner == user_id}
        self._deliver(theirs, {"chatEvent": chat_event, "data": data})

    async def notice(self, chat_id: str, notice: str, user_id: str, user_name: str) -> None:
        self._reachable(f"notice {notice}")
        self.notices.append((chat_id, notice, user_id, user_name))
        self._deliver(self.groups[chat_id], {"notice": notice, "userId": user_id, "userName": user_name})

    async def admit(self, connection_ids: list[str], chat_id: str) -> None:
        self._reachable("admit")
        for connection_id in set(connection_ids) & self.open_connections.keys():
            self.groups[chat_id].add(connection_id)
            self.may_publish[connection_id].add(chat_id)

    async def evict(self, connection_ids: list[str], chat_id: str) -> None:
        self._reachable("evict")
        for connection_id in connection_ids:
            self.groups[chat_id].discard(connection_id)
            self.may_publish[connection_id].discard(chat_id)

    async def join_presence(self, connection_id: str, group: str) -> None:
        self._reachable("count presence")
        if connection_id in self.open_connections:
            self.groups[group].add(connection_id)

    async def group_connections(self, group: str) -> set[str]:
        self._reachable("list connections")
        return set(self.groups[group])


def _decoded(data: Any) -> Any:
    """Some payloads travel as JSON strings inside the JSON message (the original wire contract)."""
    if isinstance(data, str) and data.startswith(("{", "[")):
        return json.loads(data)
    return data
