"""Chats, users and memberships in Azure Table Storage.

Layout (two tables, every write bounded and free of lost updates):
- `chats`: PartitionKey chatId, RowKey "chat" -> name, owner. One row, and one partition, per group
  chat: no partition grows with the number of chats, so a read by key stays as fast at any size.
- `users`: PartitionKey userId. RowKey "profile" -> userName, userProvider, idle, online and the
  open connection ids (ETag-guarded). RowKey "chat|<chatId>" -> one row per chat the user is in,
  so concurrent joins of one chat touch different rows and never overwrite each other.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
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
from azure.data.tables import TableEntity, UpdateMode
from azure.data.tables.aio import TableClient, TableServiceClient

from .config import StorageSettings
from .models import Chat, Membership, User

log = logging.getLogger(__name__)

CHATS_TABLE = "chats"
USERS_TABLE = "users"
CHAT_ROW = "chat"
PROFILE = "profile"
MEMBERSHIP_PREFIX = "chat|"
_MEMBERSHIP_END = "chat}"  # the first key after every "chat|..." key
_MAX_ETAG_RETRIES = 20


class StorageUnavailable(RuntimeError):
    """Table Storage could not be reached or failed; callers answer 503."""


def _timestamp(entity: Any) -> str | None:
    ts = getattr(entity, "metadata", {}).get("timestamp")
    return ts.isoformat() if ts is not None else None


def _user(entity: Any) -> User:
    return User(
        id=entity["PartitionKey"],
        name=entity.get("userName", ""),
        provider=entity.get("userProvider", ""),
        idle=bool(entity.get("idle", False)),
        connections=json.loads(entity.get("connections") or "[]"),
    )


def _membership(entity: Any) -> Membership:
    return Membership(
        chat_id=entity["chatId"],
        user_id=entity["PartitionKey"],
        user_name=entity.get("userName", ""),
        private=bool(entity.get("private", False)),
        peer_name=entity.get("peerName"),
    )


def _chat(entity: Any) -> Chat:
    return Chat(id=entity["PartitionKey"], name=entity["name"], owner=entity["owner"], timestamp=_timestamp(entity))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class State:
    """All reads and writes of Chatr's tables; every call is awaited and raises StorageUnavailable on outage."""

    def __init__(self, service: TableServiceClient, credential: AsyncTokenCredential | None = None) -> None:
        self._service = service
        self._credential = credential
        self._chats: TableClient = service.get_table_client(CHATS_TABLE)
        self._users: TableClient = service.get_table_client(USERS_TABLE)

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
        await self._service.close()
        if self._credential is not None:
            await self._credential.close()

    async def ensure_tables(self) -> None:
        """Create the tables where they are missing (Azurite starts empty; in Azure the Bicep declares them)."""
        async with _Guard("create tables"):
            for name in (CHATS_TABLE, USERS_TABLE):
                await self._service.create_table_if_not_exists(name)

    # ---- users -------------------------------------------------------------------------------

    async def get_user(self, user_id: str) -> User | None:
        """The user's profile, or None if the server never issued them a token."""
        entity = await _get(self._users, user_id, PROFILE, "get user")
        return _user(entity) if entity is not None else None

    async def save_profile(self, user_id: str, name: str, provider: str) -> None:
        """Record the name and provider the server vouches for; leaves presence untouched."""
        entity = {"PartitionKey": user_id, "RowKey": PROFILE, "userName": name, "userProvider": provider}
        async with _Guard("save profile"):
            await self._users.upsert_entity(entity, mode=UpdateMode.MERGE)

    async def list_online_users(self) -> dict[str, User]:
        """Every user with at least one open connection."""
        query = f"RowKey eq '{PROFILE}' and online eq true"
        async with _Guard("list users"):
            return {u.id: u for u in [_user(e) async for e in self._users.query_entities(query)]}

    async def add_connection(self, user_id: str, connection_id: str) -> tuple[User | None, bool]:
        """Register an open connection; also says whether this call added it (None: unknown user)."""
        return await self._update_profile(user_id, functools.partial(_open_connection, connection_id))

    async def remove_connection(self, user_id: str, connection_id: str) -> tuple[User | None, bool]:
        """Forget a closed connection; also says whether it was the user's last one (they went offline)."""
        user, removed = await self._update_profile(user_id, functools.partial(_close_connection, connection_id))
        return user, removed and user is not None and not user.online

    async def set_idle(self, user_id: str, idle: bool) -> tuple[User | None, bool]:
        """Store the idle flag; also says whether it changed, so repeats are not broadcast again."""
        return await self._update_profile(user_id, functools.partial(_set_idle, idle))

    async def _update_profile(self, user_id: str, change: Callable[[User], bool]) -> tuple[User | None, bool]:
        """Read-modify-write of a profile guarded by its ETag, retried on a concurrent change.

        `change` edits the user and says whether it changed anything; that is returned with the user
        as stored (None: no such user), and nothing is written when it changed nothing.
        """
        async with _Guard("update profile"):
            for _ in range(_MAX_ETAG_RETRIES):
                try:
                    entity = await self._users.get_entity(user_id, PROFILE)
                except ResourceNotFoundError:
                    return None, False
                user = _user(entity)
                if not change(user):
                    return user, False
                update = {
                    "PartitionKey": user_id,
                    "RowKey": PROFILE,
                    "idle": user.idle,
                    "online": user.online,
                    "connections": json.dumps(user.connections),
                }
                try:
                    await self._users.update_entity(
                        update,
                        mode=UpdateMode.MERGE,
                        etag=entity.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                    return user, True
                except (ResourceModifiedError, ResourceNotFoundError):
                    continue
                except HttpResponseError as err:
                    if err.status_code != 412:
                        raise
            raise StorageUnavailable(f"profile of {user_id} kept changing; gave up after {_MAX_ETAG_RETRIES} tries")

    # ---- chats -------------------------------------------------------------------------------

    async def create_chat(self, chat: Chat) -> bool:
        """Store a new group chat; False (and nothing written) when the id is taken."""
        entity = {"PartitionKey": chat.id, "RowKey": CHAT_ROW, "name": chat.name, "owner": chat.owner}
        return await _insert(self._chats, entity, "create chat")

    async def get_chat(self, chat_id: str) -> Chat | None:
        """The group chat, or None."""
        entity = await _get(self._chats, chat_id, CHAT_ROW, "get chat")
        return _chat(entity) if entity is not None else None

    async def delete_chat(self, chat_id: str) -> None:
        """Remove the chat row (memberships are removed by the caller, member by member)."""
        async with _Guard("delete chat"):
            await self._chats.delete_entity(chat_id, CHAT_ROW)

    async def list_group_chats(self) -> dict[str, Chat]:
        """Every group chat."""
        async with _Guard("list chats"):
            query = f"RowKey eq '{CHAT_ROW}'"
            return {c.id: c for c in [_chat(e) async for e in self._chats.query_entities(query)]}

    # ---- memberships -------------------------------------------------------------------------

    async def add_member(self, membership: Membership) -> bool:
        """Record that a user is in a chat; False when they already were (so nothing is announced twice)."""
        entity = {
            "PartitionKey": membership.user_id,
            "RowKey": MEMBERSHIP_PREFIX + membership.chat_id,
            "chatId": membership.chat_id,
            "userName": membership.user_name,
            "private": membership.private,
        }
        if membership.private:
            entity["peerName"] = membership.peer_name
        return await _insert(self._users, entity, "add member")

    async def remove_member(self, chat_id: str, user_id: str) -> Membership | None:
        """Take a user out of a chat; returns the membership they had, or None when they were not in it."""
        membership = await self.get_membership(chat_id, user_id)
        if membership is None:
            return None
        async with _Guard("remove member"):
            await self._users.delete_entity(user_id, MEMBERSHIP_PREFIX + chat_id)
        return membership

    async def get_membership(self, chat_id: str, user_id: str) -> Membership | None:
        """The user's membership of the chat, or None."""
        entity = await _get(self._users, user_id, MEMBERSHIP_PREFIX + chat_id, "get membership")
        return _membership(entity) if entity is not None else None

    async def chats_of(self, user_id: str) -> list[Membership]:
        """Every chat the user is in: one range query inside the user's partition."""
        query = (
            f"PartitionKey eq {_quote(user_id)} and RowKey ge '{MEMBERSHIP_PREFIX}' and RowKey lt '{_MEMBERSHIP_END}'"
        )
        async with _Guard("list user's chats"):
            return [_membership(e) async for e in self._users.query_entities(query)]

    async def members_of(self, chat_id: str) -> list[Membership]:
        """Every member of one chat (a scan; used by listing and deleting, never by hot events)."""
        async with _Guard("list chat members"):
            return [m async for m in self._memberships(f"chatId eq {_quote(chat_id)}")]

    async def all_memberships(self) -> list[Membership]:
        """Every membership of every user."""
        async with _Guard("list memberships"):
            return [m async for m in self._memberships(None)]

    async def _memberships(self, extra: str | None) -> AsyncIterator[Membership]:
        query = f"RowKey ge '{MEMBERSHIP_PREFIX}' and RowKey lt '{_MEMBERSHIP_END}'"
        if extra:
            query += f" and {extra}"
        async for entity in self._users.query_entities(query):
            yield _membership(entity)

    # ---- retention (the cleanup command) -----------------------------------------------------

    async def idle_profiles(self, before: datetime) -> dict[str, str]:
        """Offline users whose profile was last written before the cutoff, each with the ETag it had."""
        query = f"RowKey eq '{PROFILE}' and Timestamp lt datetime'{before.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}'"
        profiles: dict[str, str] = {}
        async with _Guard("list idle profiles"):
            async for entity in self._users.query_entities(query):
                etag = entity.metadata["etag"]
                if etag and not _user(entity).connections:  # without its ETag a row cannot be deleted safely
                    profiles[entity["PartitionKey"]] = etag
        return profiles

    async def delete_user(self, user_id: str, profile_etag: str) -> bool:
        """Remove a user and their memberships, unless the profile changed since it was read (they came back).

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
            for membership in await self.chats_of(user_id):
                await self._users.delete_entity(user_id, MEMBERSHIP_PREFIX + membership.chat_id)
        return True


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


def _open_connection(connection_id: str, user: User) -> bool:
    if connection_id in user.connections:
        return False
    user.connections.append(connection_id)
    return True


def _close_connection(connection_id: str, user: User) -> bool:
    if connection_id not in user.connections:
        return False
    user.connections.remove(connection_id)
    if not user.connections:
        user.idle = False  # an offline user is not idle: they come back active
    return True


def _set_idle(idle: bool, user: User) -> bool:
    if user.idle == idle:
        return False
    user.idle = idle
    return True


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
