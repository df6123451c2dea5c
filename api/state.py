"""Chats, users, connections and memberships in Azure Table Storage.

Layout (and `messages`, api/history.py; no row is shared by many writers, and none grows without bound):
- `users`, PartitionKey = user id:
  - `conn|<connectionId>`: one row per open connection (name and provider as the server vouched for
    them when it opened, whether its browser announced itself, whether it is idle);
  - `limits`: the user's rate-limit buckets and how many group chats they own (ETag-guarded);
  - `presence`: what everyone was last told of them (online, idle; name and provider for the list),
    ETag-guarded so that concurrent changes of one user's connections announce each change once;
  - `profile`: name, provider, the users they block, when their guest credentials were revoked, the
    HMAC of a guest's recovery code;
  - `chat|<chatId>`: one row per chat the user is in (a private chat they left stays, marked `left`).
  `conn|` < `limits` < `presence` < `profile` and nothing else sorts between them, so one range
  query (`get_account`) reads what every event needs: at most MAX_CONNECTIONS_PER_USER + 3 rows.
  Rows whose PartitionKey is `signups|<address>` hold the guest sign-up bucket of a client address.
- `chats`, PartitionKey = chat id: `chat` (name, owner, created) and one `member|<userId>` row per
  member, so a chat's members are one partition away and a page of chats is one query in key order.
- `names`, what finds people and chats without listing everyone:
  - PartitionKey `user|<first character of the folded name>`, RowKey `<folded name>|<userId>`: one
    row per user (name, provider), written when their profile is saved; a prefix search is one
    range query inside one partition;
  - PartitionKey `chat|<first character>`, RowKey `<folded name>|<chatId>`: one row per group chat;
  - PartitionKey `recent|<UTC hour>`, RowKey user id: who visited in that hour (the people a
    newcomer sees without searching).
  Folded = NFKD without combining marks, case-folded (api/names.py `folded`); characters a key
  cannot hold, and `|` and `%`, are written `%XX`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableEntity, TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient, TableServiceClient

from .config import StorageSettings
from .history import MESSAGES_TABLE, History
from .limits import Bucket, Limits
from .models import Account, Chat, Connection, Membership, Presence, User
from .names import folded
from .validation import private_peer

log = logging.getLogger(__name__)

CHATS_TABLE = "chats"
USERS_TABLE = "users"
NAMES_TABLE = "names"
CHAT_ROW = "chat"
PROFILE = "profile"
LIMITS = "limits"
PRESENCE = "presence"
CONNECTION_PREFIX = "conn|"
MEMBERSHIP_PREFIX = "chat|"
MEMBER_PREFIX = "member|"
SIGNUPS_PREFIX = "signups|"
_CONNECTION_END = "conn}"  # the first key after every "conn|..." key
_MEMBERSHIP_END = "chat}"
USER_NAMES = "user|"
CHAT_NAMES = "chat|"
RECENT_PREFIX = "recent|"
_KEY_UNSAFE = set("/\\#?|%")
_LATEST = 10**13  # milliseconds since the epoch, subtracted from it: recent visits sort newest first
_RECENT_READ = 3  # rows read per recent visitor wanted (one who came back has several)


class StorageUnavailable(RuntimeError):
    """Table Storage could not be reached or failed; callers answer 503."""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _etag(entity: Any) -> str:
    return str(getattr(entity, "metadata", {}).get("etag") or "")


def _user(entity: Any) -> User:
    return User(id=entity["PartitionKey"], name=entity.get("userName", ""), provider=entity.get("userProvider", ""))


def _connection(entity: Any) -> Connection:
    return Connection(
        id=entity["RowKey"][len(CONNECTION_PREFIX) :],
        user_id=entity["PartitionKey"],
        name=entity.get("userName", ""),
        provider=entity.get("userProvider", ""),
        announced=bool(entity.get("announced", False)),
        idle=bool(entity.get("idle", False)),
    )


def _told(entity: Any) -> Presence:
    return Presence(bool(entity.get("shown", False)), bool(entity.get("idle", False)))


def _limits(entity: Any) -> Limits:
    buckets = json.loads(entity.get("buckets") or "{}")
    return Limits(
        buckets={kind: Bucket(float(tokens), float(at)) for kind, (tokens, at) in buckets.items()},
        owned_chats=int(entity.get("ownedChats") or 0),
    )


def _limits_entity(partition: str, limits: Limits) -> dict[str, Any]:
    buckets = {kind: [b.tokens, b.at] for kind, b in limits.buckets.items()}
    return {
        "PartitionKey": partition,
        "RowKey": LIMITS,
        "buckets": json.dumps(buckets),
        "ownedChats": limits.owned_chats,
    }


def _membership(entity: Any) -> Membership:
    return Membership(
        chat_id=entity["chatId"],
        user_id=entity["PartitionKey"],
        user_name=entity.get("userName", ""),
        private=bool(entity.get("private", False)),
        peer_name=entity.get("peerName"),
        user_provider=entity.get("userProvider", ""),
        peer_provider=entity.get("peerProvider", ""),
        left=bool(entity.get("left", False)),
        blocked_by_peer=bool(entity.get("blockedByPeer", False)),
    )


def _member(entity: Any) -> Membership:
    return Membership(
        chat_id=entity["PartitionKey"],
        user_id=entity["RowKey"][len(MEMBER_PREFIX) :],
        user_name=entity.get("userName", ""),
        user_provider=entity.get("userProvider", ""),
    )


def _chat(entity: Any) -> Chat:
    created = entity.get("created")
    if created is None:  # chats stored before `created` existed: their row's time
        ts = getattr(entity, "metadata", {}).get("timestamp")
        created = ts.isoformat() if ts is not None else None
    return Chat(id=entity["PartitionKey"], name=entity["name"], owner=entity["owner"], timestamp=created)


class State:
    """All reads and writes of Chatr's tables; every call is awaited and raises StorageUnavailable on outage."""

    def __init__(self, service: TableServiceClient, credential: AsyncTokenCredential | None = None) -> None:
        self._service = service
        self._credential = credential
        self._chats: TableClient = service.get_table_client(CHATS_TABLE)
        self._users: TableClient = service.get_table_client(USERS_TABLE)
        self.history = History(service.get_table_client(MESSAGES_TABLE))
        self._names: TableClient = service.get_table_client(NAMES_TABLE)

    @classmethod
    def from_settings(cls, settings: StorageSettings) -> State:
        """A State for the configured account (connection string, or account name + managed identity); no I/O yet."""
        if settings.connection_string:
            return cls(TableServiceClient.from_connection_string(settings.connection_string))
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
        endpoint = f"https://{settings.account_name}.table.core.windows.net"
        return cls(TableServiceClient(endpoint=endpoint, credential=credential), credential)

    @classmethod
    async def open(cls, settings: StorageSettings) -> State:
        """A State whose tables exist: what every invocation uses, so no call has to check the tables again."""
        state = cls.from_settings(settings)
        try:
            await state.ensure_tables()
        except BaseException:
            await state.close()
            raise
        return state

    async def close(self) -> None:
        """Release the HTTP sessions (and the managed identity's)."""
        await self._chats.close()
        await self._users.close()
        await self.history.close()
        await self._names.close()
        await self._service.close()
        if self._credential is not None:
            await self._credential.close()

    async def ensure_tables(self) -> None:
        """Create the tables where they are missing (Azurite starts empty; in Azure the Bicep declares them)."""
        async with _Guard("create tables"):
            for name in (CHATS_TABLE, USERS_TABLE, MESSAGES_TABLE, NAMES_TABLE):
                await self._service.create_table_if_not_exists(name)

    # ---- users -------------------------------------------------------------------------------

    async def save_profile(self, user_id: str, name: str, provider: str) -> None:
        """Record the name and provider the server vouches for; blocks and revocations are kept."""
        entity = {"PartitionKey": user_id, "RowKey": PROFILE, "userName": name, "userProvider": provider}
        async with _Guard("save profile"):
            await self._users.upsert_entity(entity, mode=UpdateMode.MERGE)

    async def get_account(self, user_id: str, chat_id: str | None = None) -> Account | None:
        """Profile, limits and open connections in one range query; None when the user has no profile.

        With `chat_id`, the same query also reads the user's membership of that chat (`Account.memberships`),
        so an event about a chat knows whether its sender is in it at no extra operation.
        """
        query = f"PartitionKey eq {_quote(user_id)} and RowKey ge '{CONNECTION_PREFIX}' and RowKey le '{PROFILE}'"
        if chat_id is not None:
            query = f"PartitionKey eq {_quote(user_id)} and ((RowKey ge '{CONNECTION_PREFIX}' and RowKey le "
            query += f"'{PROFILE}') or RowKey eq {_quote(MEMBERSHIP_PREFIX + chat_id)})"
        profile, limits, told, connections, membership = None, None, None, [], None
        async with _Guard("get account"):
            async for entity in self._users.query_entities(query):
                row = entity["RowKey"]
                if row.startswith(MEMBERSHIP_PREFIX):
                    membership = _membership(entity)
                elif row == PROFILE:
                    profile = entity
                elif row == LIMITS:
                    limits = entity
                elif row == PRESENCE:
                    told = entity
                elif row.startswith(CONNECTION_PREFIX):
                    connections.append(_connection(entity))
        if profile is None:
            return None
        account = Account(
            user=_user(profile),
            blocked=json.loads(profile.get("blocked") or "[]"),
            revoked_before=int(profile.get("revokedBefore") or 0),
            recovery_digest=str(profile.get("recoveryDigest") or ""),
            profile_etag=_etag(profile),
            profile_written=getattr(profile, "metadata", {}).get("timestamp"),
            connections=connections,
        )
        account.user.online, account.user.idle = account.presence.online, account.presence.idle
        if chat_id is not None:
            account.memberships[chat_id] = membership
        if limits is not None:
            account.limits, account.limits_etag = _limits(limits), _etag(limits)
        if told is not None:
            account.told, account.told_etag = _told(told), _etag(told)
        return account

    async def save_blocks(self, user_id: str, blocked: list[str], profile_etag: str) -> bool:
        """Store whom the user blocks, unless the profile changed since it was read (False: read it again)."""
        entity = {"PartitionKey": user_id, "RowKey": PROFILE, "blocked": json.dumps(blocked)}
        return await _update_if(self._users, entity, profile_etag, "save blocks")

    async def save_presence(self, user: User, told: Presence, etag: str | None) -> bool:
        """Record what everyone is now told of a user, unless another change was recorded since `etag` was read."""
        entity = {
            "PartitionKey": user.id,
            "RowKey": PRESENCE,
            "shown": told.online,
            "idle": told.idle,
            "userName": user.name,
            "userProvider": user.provider,
        }
        if etag is None:
            return await _insert(self._users, entity, "save presence")
        return await _update_if(self._users, entity, etag, "save presence", mode=UpdateMode.REPLACE)

    async def save_recovery(self, user_id: str, digest: str, profile_etag: str) -> bool:
        """Keep the digest of a guest's new recovery code (the last one stops working), unless the profile changed."""
        entity = {"PartitionKey": user_id, "RowKey": PROFILE, "recoveryDigest": digest}
        return await _update_if(self._users, entity, profile_etag, "save recovery code")

    async def revoke_credentials(self, user_id: str, before: int) -> None:
        """Guest credentials of this user issued at or before `before` (seconds since the epoch) stop working."""
        entity = {"PartitionKey": user_id, "RowKey": PROFILE, "revokedBefore": before}
        async with _Guard("revoke credentials"):
            await self._users.upsert_entity(entity, mode=UpdateMode.MERGE)

    # ---- limits ------------------------------------------------------------------------------

    async def get_limits(self, partition: str) -> tuple[Limits, str | None]:
        """The limits stored for a user or an address (`signups|...`) and their ETag (None: never stored)."""
        entity = await _get(self._users, partition, LIMITS, "get limits")
        return (_limits(entity), _etag(entity)) if entity is not None else (Limits(), None)

    async def save_limits(self, partition: str, limits: Limits, etag: str | None) -> bool:
        """Store limits unless someone else stored theirs since they were read (False: read them again)."""
        entity = _limits_entity(partition, limits)
        if etag is None:
            return await _insert(self._users, entity, "save limits")
        return await _update_if(self._users, entity, etag, "save limits", mode=UpdateMode.REPLACE)

    # ---- connections ---------------------------------------------------------------------------

    async def add_connection(self, connection: Connection) -> bool:
        """Register an open connection; False when it already was."""
        entity = {
            "PartitionKey": connection.user_id,
            "RowKey": CONNECTION_PREFIX + connection.id,
            "userName": connection.name,
            "userProvider": connection.provider,
            "announced": connection.announced,
            "idle": connection.idle,
        }
        return await _insert(self._users, entity, "add connection")

    async def update_connection(
        self, user_id: str, connection_id: str, *, announced: bool | None = None, idle: bool | None = None
    ) -> bool:
        """Mark a connection announced and/or idle; False when it is not registered (any more)."""
        entity: dict[str, Any] = {"PartitionKey": user_id, "RowKey": CONNECTION_PREFIX + connection_id}
        if announced is not None:
            entity["announced"] = announced
        if idle is not None:
            entity["idle"] = idle
        return await _update_if(self._users, entity, "*", "update connection")

    async def remove_connection(self, user_id: str, connection_id: str) -> None:
        """Forget a closed connection (one that is not there is no error)."""
        async with _Guard("remove connection"):
            await self._users.delete_entity(user_id, CONNECTION_PREFIX + connection_id)

    async def list_online(self, after: str | None, limit: int) -> tuple[dict[str, User], str | None]:
        """Up to `limit` users everyone was told are online, in id order after `after`, and the next page's cursor."""
        query = f"RowKey eq '{PRESENCE}' and shown eq true"
        if after is not None:
            query += f" and PartitionKey gt {_quote(after)}"
        users: dict[str, User] = {}
        async with _Guard("list online users"):
            async for entity in self._users.query_entities(query):
                if len(users) == limit:
                    return users, list(users)[-1]
                user = _user(entity)
                user.online, user.idle = True, bool(entity.get("idle", False))
                users[user.id] = user
        return users, None

    async def all_connections(self) -> dict[str, list[Connection]]:
        """Every registered connection, by user (presence repair compares them with the live ones)."""
        query = f"RowKey ge '{CONNECTION_PREFIX}' and RowKey lt '{_CONNECTION_END}'"
        found: dict[str, list[Connection]] = {}
        async with _Guard("list connections"):
            async for entity in self._users.query_entities(query):
                found.setdefault(entity["PartitionKey"], []).append(_connection(entity))
        return found

    # ---- chats -------------------------------------------------------------------------------

    async def create_chat(self, chat: Chat) -> bool:
        """Store a new group chat; False (and nothing written) when the id is taken."""
        created = datetime.now(UTC).isoformat()
        entity = {
            "PartitionKey": chat.id,
            "RowKey": CHAT_ROW,
            "name": chat.name,
            "owner": chat.owner,
            "created": created,
        }
        return await _insert(self._chats, entity, "create chat")

    async def get_chat(self, chat_id: str) -> Chat | None:
        """The group chat, or None."""
        entity = await _get(self._chats, chat_id, CHAT_ROW, "get chat")
        return _chat(entity) if entity is not None else None

    async def delete_chat(self, chat_id: str) -> None:
        """Remove the chat row (members are removed by the caller, member by member)."""
        async with _Guard("delete chat"):
            await self._chats.delete_entity(chat_id, CHAT_ROW)

    async def chats_page(self, after: str | None, limit: int) -> tuple[list[tuple[Chat, list[Membership]]], str | None]:
        """Up to `limit` group chats in id order after `after`, each with its members, and the next page's cursor."""
        query = f"PartitionKey gt {_quote(after)}" if after is not None else None
        page: list[tuple[Chat, list[Membership]]] = []
        async with _Guard("list chats"):
            async for entity in _query(self._chats, query):
                if entity["RowKey"] == CHAT_ROW:
                    if len(page) == limit:
                        return page, page[-1][0].id
                    page.append((_chat(entity), []))
                elif page and page[-1][0].id == entity["PartitionKey"]:  # members of a deleted chat are skipped
                    page[-1][1].append(_member(entity))
        return page, None

    async def chat_with_members(self, chat_id: str) -> tuple[Chat, list[Membership]] | None:
        """One group chat with its members: one query of its partition; None when there is no such chat."""
        query = f"PartitionKey eq {_quote(chat_id)}"
        chat, members = None, []
        async with _Guard("get chat with members"):
            async for entity in self._chats.query_entities(query):
                if entity["RowKey"] == CHAT_ROW:
                    chat = _chat(entity)
                elif entity["RowKey"].startswith(MEMBER_PREFIX):
                    members.append(_member(entity))
        return (chat, members) if chat is not None else None

    async def all_chats(self) -> AsyncIterator[tuple[Chat, list[Membership]]]:
        """Every group chat with its members, page by page (the cleanup command)."""
        after: str | None = None
        while True:
            page, after = await self.chats_page(after, 500)
            for item in page:
                yield item
            if after is None:
                return

    # ---- memberships -------------------------------------------------------------------------

    async def add_member(self, membership: Membership) -> bool:
        """Record in the user's partition that they are in a chat; False when they already were."""
        return await _insert(self._users, _membership_entity(membership), "add member")

    async def rejoin(self, membership: Membership) -> None:
        """The member (re)opens a private chat themselves: stored as in, whatever it was."""
        async with _Guard("rejoin"):
            await self._users.upsert_entity(_membership_entity(membership), mode=UpdateMode.REPLACE)

    async def index_member(self, membership: Membership) -> bool | None:
        """List a member in the group chat's own partition; None when the chat does not exist, False when listed.

        One transaction touches the chat row (it must exist) and inserts the member row, so a join
        can never list a member of a chat deleted meanwhile.
        """
        chat = {"PartitionKey": membership.chat_id, "RowKey": CHAT_ROW}
        member = {
            "PartitionKey": membership.chat_id,
            "RowKey": MEMBER_PREFIX + membership.user_id,
            "userName": membership.user_name,
            "userProvider": membership.user_provider,
        }
        async with _Guard("index member"):
            try:
                await self._chats.submit_transaction([("update", chat, {"mode": UpdateMode.MERGE}), ("create", member)])
                return True
            except TableTransactionError as err:
                if err.index == 0 and err.status_code == 404:
                    return None
                if err.index == 1 and err.status_code == 409:
                    return False
                raise

    async def unindex_member(self, chat_id: str, user_id: str) -> None:
        """Take a member off the chat's own list."""
        async with _Guard("unindex member"):
            await self._chats.delete_entity(chat_id, MEMBER_PREFIX + user_id)

    async def remove_member(self, chat_id: str, user_id: str) -> bool:
        """Take a user out of a chat; False when they were not in it (a transaction: its delete must find the row)."""
        async with _Guard("remove member"):
            try:
                await self._users.submit_transaction(
                    [("delete", {"PartitionKey": user_id, "RowKey": MEMBERSHIP_PREFIX + chat_id})]
                )
                return True
            except TableTransactionError as err:
                if err.status_code == 404:
                    return False
                raise

    async def leave_private(self, chat_id: str, user_id: str) -> bool:
        """Mark a private chat left by this member (it stays left until they reopen it); False when not in it."""
        entity = {"PartitionKey": user_id, "RowKey": MEMBERSHIP_PREFIX + chat_id, "left": True}
        return await _update_if(self._users, entity, "*", "leave private chat")

    async def set_blocked_by_peer(self, chat_id: str, user_id: str, blocked: bool) -> bool:
        """Mark (or unmark) the user's row of a private chat as blocked by its peer; False when there is none."""
        entity = {"PartitionKey": user_id, "RowKey": MEMBERSHIP_PREFIX + chat_id, "blockedByPeer": blocked}
        return await _update_if(self._users, entity, "*", "mark blocked by peer")

    async def blockers_of(self, user_id: str) -> set[str]:
        """Who blocks the user, by the private chat rows marked so (left ones too): one range query of their chats."""
        query = (
            f"PartitionKey eq {_quote(user_id)} and RowKey ge '{MEMBERSHIP_PREFIX}' and RowKey lt '{_MEMBERSHIP_END}'"
            " and blockedByPeer eq true"
        )
        async with _Guard("list user's blockers"):
            rows = [_membership(e) async for e in self._users.query_entities(query)]
        return {private_peer(m.chat_id, user_id) for m in rows}

    async def get_membership(self, chat_id: str, user_id: str) -> Membership | None:
        """The user's membership of the chat (a left private chat included), or None."""
        entity = await _get(self._users, user_id, MEMBERSHIP_PREFIX + chat_id, "get membership")
        return _membership(entity) if entity is not None else None

    async def chats_of(self, user_id: str, *, including_left: bool = False) -> list[Membership]:
        """Every chat the user is in (and the private chats they left, if asked): one range query of their partition."""
        query = (
            f"PartitionKey eq {_quote(user_id)} and RowKey ge '{MEMBERSHIP_PREFIX}' and RowKey lt '{_MEMBERSHIP_END}'"
        )
        async with _Guard("list user's chats"):
            rows = [_membership(e) async for e in self._users.query_entities(query)]
        return rows if including_left else [m for m in rows if not m.left]

    async def members_of(self, chat_id: str) -> list[Membership]:
        """Every member of a group chat: its own partition's member rows."""
        query = f"PartitionKey eq {_quote(chat_id)} and RowKey gt '{MEMBER_PREFIX}'"
        async with _Guard("list chat members"):
            return [_member(e) async for e in self._chats.query_entities(query)]

    # ---- retention (the cleanup command) -----------------------------------------------------

    async def idle_profiles(self, before: datetime) -> dict[str, str]:
        """Users with no open connection whose profile was last written before the cutoff, each with its ETag."""
        query = f"RowKey eq '{PROFILE}' and Timestamp lt datetime'{before.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}'"
        connected = await self.all_connections()
        profiles: dict[str, str] = {}
        async with _Guard("list idle profiles"):
            async for entity in self._users.query_entities(query):
                etag = _etag(entity)
                if etag and entity["PartitionKey"] not in connected:  # without its ETag a row cannot be deleted safely
                    profiles[entity["PartitionKey"]] = etag
        return profiles

    async def delete_user(self, user_id: str, profile_etag: str) -> bool:
        """Remove a user, their memberships and limits, unless the profile changed since it was read (they came back).

        A user already gone counts as removed: the SDK treats deleting a missing row as done.
        """
        async with _Guard("delete user"):
            try:
                await self._users.delete_entity(
                    user_id, PROFILE, etag=profile_etag, match_condition=MatchConditions.IfNotModified
                )
            except HttpResponseError as err:
                if err.status_code != 412:
                    raise
                return False
            async for entity in self._users.query_entities(f"PartitionKey eq {_quote(user_id)}"):
                if entity["RowKey"].startswith(MEMBERSHIP_PREFIX) and not entity.get("private"):
                    await self._chats.delete_entity(entity["chatId"], MEMBER_PREFIX + user_id)
                await self._users.delete_entity(user_id, entity["RowKey"])
        return True

    # ---- contacts, search and recent visitors (the `names` table) ----------------------------

    async def first_members(self, chat_id: str, most: int) -> list[str]:
        """The ids of at most `most` members of a group chat: one bounded query, however big the chat."""
        query = f"PartitionKey eq {_quote(chat_id)} and RowKey gt '{MEMBER_PREFIX}'"
        ids: list[str] = []
        async with _Guard("first members"):
            async for entity in self._chats.query_entities(query, results_per_page=most, select=["RowKey"]):
                ids.append(entity["RowKey"][len(MEMBER_PREFIX) :])
                if len(ids) == most:
                    break
        return ids

    async def presence_of(self, user_ids: list[str]) -> dict[str, User]:
        """What was last told of each user (name, provider, online, idle): a point read each; unknown ids left out."""

        async def one(user_id: str) -> User | None:
            entity = await _get(self._users, user_id, PRESENCE, "get presence")
            if entity is None:
                return None
            user = _user(entity)
            user.online, user.idle = bool(entity.get("shown", False)), bool(entity.get("idle", False))
            return user

        found = await asyncio.gather(*(one(u) for u in dict.fromkeys(user_ids)))
        return {u.id: u for u in found if u is not None}

    async def index_user_name(self, user: User, old_name: str | None) -> None:
        """Make a user findable by name (and no longer by `old_name`, when it was another)."""
        entity = {
            **_name_keys(USER_NAMES, user.name, user.id),
            "userId": user.id,
            "userName": user.name,
            "userProvider": user.provider,
        }
        async with _Guard("index user name"):
            await self._names.upsert_entity(entity, mode=UpdateMode.REPLACE)
            if old_name is not None and name_key(old_name) != name_key(user.name):
                old = _name_keys(USER_NAMES, old_name, user.id)
                await self._names.delete_entity(old["PartitionKey"], old["RowKey"])

    async def index_chat_name(self, chat: Chat) -> None:
        """Make a group chat findable by name."""
        entity = {
            **_name_keys(CHAT_NAMES, chat.name, chat.id),
            "chatId": chat.id,
            "name": chat.name,
            "owner": chat.owner,
        }
        async with _Guard("index chat name"):
            await self._names.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def unindex_chat_name(self, chat: Chat) -> None:
        """A deleted chat is no longer found (a row that is not there is no error)."""
        keys = _name_keys(CHAT_NAMES, chat.name, chat.id)
        async with _Guard("unindex chat name"):
            await self._names.delete_entity(keys["PartitionKey"], keys["RowKey"])

    async def search_users(self, prefix: str, after: str | None, limit: int) -> tuple[list[User], str | None]:
        """Users whose folded name starts with the folded `prefix`, in name order, a page at a time."""
        rows, cursor = await self._search(USER_NAMES, prefix, after, limit)
        return [User(r["userId"], r.get("userName", ""), r.get("userProvider", "")) for r in rows], cursor

    async def search_chats(self, prefix: str, after: str | None, limit: int) -> tuple[list[Chat], str | None]:
        """Group chats whose folded name starts with the folded `prefix`, in name order, a page at a time."""
        rows, cursor = await self._search(CHAT_NAMES, prefix, after, limit)
        return [Chat(r["chatId"], r.get("name", ""), r.get("owner")) for r in rows], cursor

    async def _search(
        self, kind: str, prefix: str, after: str | None, limit: int
    ) -> tuple[list[TableEntity], str | None]:
        key = name_key(prefix)
        if not key:
            return [], None
        partition = kind + key[0]
        low = f"RowKey gt {_quote(after)}" if after is not None and after >= key else f"RowKey ge {_quote(key)}"
        query = f"PartitionKey eq {_quote(partition)} and {low} and RowKey lt {_quote(_after_prefix(key))}"
        rows: list[TableEntity] = []
        async with _Guard("search names"):
            async for entity in self._names.query_entities(query, results_per_page=limit + 1):
                if len(rows) == limit:
                    return rows, rows[-1]["RowKey"]
                rows.append(entity)
        return rows, None

    async def touch_recent(self, user: User, now: datetime) -> None:
        """Note a visit: a row per visit in the hour's partition, newest first (older hours are never read)."""
        entity = {
            "PartitionKey": RECENT_PREFIX + now.strftime("%Y%m%d%H"),
            "RowKey": f"{_LATEST - int(now.timestamp() * 1000):013d}|{user.id}",
            "userId": user.id,
        }
        async with _Guard("note recent visit"):
            await self._names.upsert_entity(entity, mode=UpdateMode.REPLACE)

    async def recent_users(self, now: datetime, limit: int) -> list[str]:
        """The ids of up to `limit` people who visited last, this hour or the one before: at most two bounded queries.

        A person who came back often has several rows: a few more than `limit` are read to skip them.
        """
        ids: list[str] = []
        for hour in (now, now - timedelta(hours=1)):
            query = f"PartitionKey eq '{RECENT_PREFIX}{hour.strftime('%Y%m%d%H')}'"
            read = 0
            async with _Guard("list recent visitors"):
                async for entity in self._names.query_entities(query, results_per_page=_RECENT_READ * limit):
                    if entity["userId"] not in ids:
                        ids.append(entity["userId"])
                    read += 1
                    if len(ids) == limit or read == _RECENT_READ * limit:
                        break
            if len(ids) == limit:
                break
        return ids


def name_key(name: str) -> str:
    """A name as the `names` table sorts it: folded, with what a key cannot hold (and `|`, `%`) written `%XX`."""
    return "".join(f"%{ord(ch):02X}" if ch in _KEY_UNSAFE or not ch.isprintable() else ch for ch in folded(name))


def _name_keys(kind: str, name: str, owner_id: str) -> dict[str, str]:
    key = name_key(name) or "%20"  # a name always has a letter or digit; this only guards the key
    return {"PartitionKey": kind + key[0], "RowKey": f"{key}|{owner_id}"}


def _after_prefix(key: str) -> str:
    """The first key after every key that starts with `key`."""
    return key[:-1] + chr(ord(key[-1]) + 1)


def _membership_entity(membership: Membership) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": membership.user_id,
        "RowKey": MEMBERSHIP_PREFIX + membership.chat_id,
        "chatId": membership.chat_id,
        "userName": membership.user_name,
        "userProvider": membership.user_provider,
        "private": membership.private,
    }
    if membership.private:
        entity["peerName"] = membership.peer_name
        entity["peerProvider"] = membership.peer_provider
        entity["left"] = membership.left
        entity["blockedByPeer"] = membership.blocked_by_peer
    return entity


def _query(table: TableClient, query: str | None) -> AsyncIterator[TableEntity]:
    return table.query_entities(query) if query else table.list_entities()


async def _get(table: TableClient, partition: str, row: str, what: str) -> TableEntity | None:
    """One row by its keys, or None when there is none."""
    async with _Guard(what):
        try:
            return await table.get_entity(partition, row)
        except ResourceNotFoundError:
            return None


async def _insert(table: TableClient, entity: dict[str, Any], what: str) -> bool:
    """Insert a row unless its keys are taken: False, and nothing written, when they are."""
    async with _Guard(what):
        try:
            await table.create_entity(entity)
            return True
        except ResourceExistsError:
            return False


async def _update_if(
    table: TableClient, entity: dict[str, Any], etag: str, what: str, mode: UpdateMode = UpdateMode.MERGE
) -> bool:
    """Update a row that still has this ETag (`*`: that still exists); False, and nothing written, otherwise."""
    async with _Guard(what):
        try:
            await table.update_entity(entity, mode=mode, etag=etag, match_condition=MatchConditions.IfNotModified)
            return True
        except (ResourceModifiedError, ResourceNotFoundError):
            return False
        except HttpResponseError as err:
            if err.status_code in (404, 412):
                return False
            raise


class _Guard:
    """Turns transport failures and server errors into StorageUnavailable, with context in the log."""

    def __init__(self, what: str) -> None:
        self.what = what

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        """Never swallows: a client error (4xx) goes on as it is, any other Azure failure as StorageUnavailable."""
        if isinstance(exc, HttpResponseError) and exc.status_code is not None and exc.status_code < 500:
            return
        if isinstance(exc, AzureError):
            log.error("Table Storage failed during %s: %s", self.what, type(exc).__name__)
            raise StorageUnavailable(f"Table Storage is unavailable ({self.what})") from exc
