"""Web PubSub: the service client Chatr uses (tokens, sends to users, groups and chats) and webhook checks."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from .config import PubSubSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

TOKEN_MINUTES = 10  # the browser asks for a fresh token before every (re)connect; an open socket is not affected
# No chat id can contain a dot, so no chat can ever share these groups. Clients cannot join or publish to
# groups themselves: only the token puts a connection in them, when it connects.
PRESENCE_GROUP = "chatr.presence"  # every connection: never sent to, only listed to repair presence
USER_GROUP_PREFIX = "chatr.user."
WATCH_GROUP_PREFIX = "chatr.watch."


def user_group(user_id: str) -> str:
    """The group every connection of one user joins at connect: listing it tells which connections are theirs."""
    return USER_GROUP_PREFIX + user_id


def watch_group(user_id: str) -> str:
    """The group that hears one user's presence: their contacts' connections and their own, put there by the server."""
    return WATCH_GROUP_PREFIX + user_id


def token_groups(user_id: str) -> list[str]:
    """What a client token makes its connection join: its user's group (proof of ownership) and presence."""
    return [user_group(user_id), PRESENCE_GROUP]


class PubSubUnavailable(RuntimeError):
    """Web PubSub could not be reached or refused a call; callers answer 503 or an error reply."""


def access_keys(settings: PubSubSettings) -> list[str]:
    """The AccessKey of the connection string (the keys `ce-signature` is made with); none with managed identity."""
    return [settings.access_key] if settings.access_key else []


def signing_keys(settings: PubSubSettings, configured: tuple[str, ...] = ()) -> list[str]:
    """Every key an event may be signed with: the configured primary and secondary, then the connection string's."""
    return list(dict.fromkeys([*configured, *access_keys(settings)]))


def signature_matches(connection_id: str, signature_header: str, keys: list[str]) -> bool:
    """True when one `sha256=<hex>` entry of `ce-signature` is the HMAC of the connection id with one of our keys."""
    offered = {s.strip().lower() for s in signature_header.split(",") if s.strip()}
    for key in keys:
        digest = hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(f"sha256={digest}", o) for o in offered):
            return True
    return False


def _chat_event(name: str, data: Any) -> dict[str, Any]:
    return {"chatEvent": name, "data": data}


class PubSub:
    """The calls Chatr makes to Web PubSub, each awaited and turned into PubSubUnavailable on failure."""

    def __init__(self, client: WebPubSubServiceClient, credential: AsyncTokenCredential | None = None) -> None:
        self._client = client
        self._credential = credential

    @classmethod
    def from_settings(cls, settings: PubSubSettings) -> PubSub:
        """A client from the connection string, or from endpoint + managed identity."""
        if settings.connection_string:
            return cls(WebPubSubServiceClient.from_connection_string(settings.connection_string, hub=settings.hub))
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
        return cls(WebPubSubServiceClient(settings.service_endpoint, settings.hub, credential=credential), credential)

    async def close(self) -> None:
        """Release the HTTP session (and the managed identity's)."""
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    async def _call(self, what: str, coroutine: Awaitable[T]) -> T:
        try:
            return await coroutine
        except AzureError as err:
            log.error("Web PubSub call failed: %s (%s)", what, type(err).__name__)
            raise PubSubUnavailable(f"Web PubSub is unavailable ({what})") from err

    async def client_token(self, user_id: str) -> dict[str, str]:
        """A client token for the user: no roles (permissions are granted per chat), joining `token_groups`."""
        token = await self._call(
            "get token",
            self._client.get_client_access_token(
                user_id=user_id, minutes_to_expire=TOKEN_MINUTES, groups=token_groups(user_id)
            ),
        )
        return {"baseUrl": token["baseUrl"], "token": token["token"], "url": token["url"]}

    async def send_to_group(self, group: str, chat_event: str, data: Any) -> None:
        """A server event to every connection in one group (a chat's members, or a user's watchers): one REST call."""
        await self._call(
            f"send {chat_event} to a group",
            self._client.send_to_group(group, _chat_event(chat_event, data), content_type="application/json"),
        )

    async def send_to_user(self, user_id: str, chat_event: str, data: Any) -> None:
        """A server event to every connection of one user."""
        await self._call(
            f"send {chat_event}",
            self._client.send_to_user(user_id, _chat_event(chat_event, data), content_type="application/json"),
        )

    async def notice(self, chat_id: str, notice: str, user_id: str, user_name: str) -> None:
        """A notice (joined, left, wantsToChat) to a chat's members; the name travels as data, not HTML."""
        body = {"notice": notice, "userId": user_id, "userName": user_name}
        await self._call(f"notice {notice}", self._client.send_to_group(chat_id, body, content_type="application/json"))

    async def to_chat(self, chat_id: str, data: Any) -> None:
        """A server frame to every connection in a chat's group: what was said there, typing, read positions."""
        await self._call("send to chat", self._client.send_to_group(chat_id, data, content_type="application/json"))

    async def to_user(self, user_id: str, data: Any) -> None:
        """A server frame to every connection of one user (what they said where nobody else may hear it)."""
        await self._call("send to user", self._client.send_to_user(user_id, data, content_type="application/json"))

    async def admit(self, connection_ids: list[str], chat_id: str) -> None:
        """Put connections in a chat's group to hear it (only the server publishes there); closed ones are skipped."""

        async def step(connection_id: str) -> None:
            await self._client.add_connection_to_group(chat_id, connection_id)

        await self._each_connection("admit", connection_ids, chat_id, step)

    async def evict(self, connection_ids: list[str], chat_id: str) -> None:
        """Take connections out of a chat's group."""

        async def step(connection_id: str) -> None:
            await self._client.remove_connection_from_group(chat_id, connection_id)

        await self._each_connection("evict", connection_ids, chat_id, step)

    async def watch(self, connection_ids: list[str], user_ids: list[str]) -> None:
        """Put connections in the watch groups of these users: they hear those users' presence from now on."""
        await self._each_pair("watch", connection_ids, user_ids, self._client.add_connection_to_group)

    async def unwatch(self, connection_ids: list[str], user_ids: list[str]) -> None:
        """Take connections out of these users' watch groups: they no longer hear those users' presence."""
        await self._each_pair("unwatch", connection_ids, user_ids, self._client.remove_connection_from_group)

    async def link(self, watchers: list[str], watched: list[str]) -> None:
        """Every connection of each watcher, now and later, hears each watched user's presence: one call a pair.

        The service keeps a user's groups for their later connections, so no account is read to find
        their connections; `watch` at connect covers a service that would not.
        """
        await self._user_pairs("link", watchers, watched, self._client.add_user_to_group)

    async def unlink(self, watchers: list[str], watched: list[str]) -> None:
        """Every connection of each watcher stops hearing each watched user's presence, later ones too."""
        await self._user_pairs("unlink", watchers, watched, self._client.remove_user_from_group)

    async def _user_pairs(
        self, what: str, watchers: list[str], watched: list[str], call: Callable[[str, str], Awaitable[None]]
    ) -> None:
        pairs = [(watch_group(w), u) for w in watched for u in watchers if u != w]

        async def every() -> None:
            await asyncio.gather(*(call(group, user) for group, user in pairs))

        await self._call(f"{what} {len(pairs)} pairs", every())

    async def _each_pair(
        self,
        what: str,
        connection_ids: list[str],
        user_ids: list[str],
        call: Callable[[str, str], Awaitable[None]],
    ) -> None:
        def step_for(group: str) -> Callable[[str], Awaitable[None]]:
            async def step(connection_id: str) -> None:
                await call(group, connection_id)

            return step

        groups = [watch_group(u) for u in user_ids]
        await asyncio.gather(*(self._each_connection(what, connection_ids, g, step_for(g)) for g in groups))

    async def _each_connection(
        self, what: str, connection_ids: list[str], chat_id: str, step: Callable[[str], Awaitable[None]]
    ) -> None:
        async def guarded(connection_id: str) -> None:
            try:
                await step(connection_id)
            except ResourceNotFoundError:
                log.info("%s skipped: connection %s already closed (chat %s)", what, connection_id, chat_id)
            except AzureError as err:
                log.error(
                    "Web PubSub call failed: %s %s, chat %s (%s)", what, connection_id, chat_id, type(err).__name__
                )
                raise PubSubUnavailable(f"Web PubSub is unavailable ({what})") from err

        await asyncio.gather(*(guarded(c) for c in connection_ids))

    async def group_connections(self, group: str) -> set[str]:
        """Every live connection in a group (the service pages the list)."""

        async def collect() -> set[str]:
            return {m.connection_id async for m in self._client.list_connections(group=group)}

        return await self._call("list connections", collect())

    async def user_connections(self, user_id: str) -> set[str]:
        """The live connections Web PubSub says are this user's: those in their group whose user is them.

        One REST call (a user has at most a handful of connections): what confirms that a connection
        an event names exists and belongs to the event's user.
        """

        async def collect() -> set[str]:
            members = self._client.list_connections(group=user_group(user_id))
            return {m.connection_id async for m in members if m.user_id == user_id}

        return await self._call("list the user's connections", collect())

    async def close_connection(self, connection_id: str, reason: str) -> None:
        """Close one connection; its client gets a `disconnected` system message carrying `reason`."""
        await self._call("close connection", self._client.close_connection(connection_id, reason=reason))

    async def close_user_connections(self, user_id: str, reason: str) -> None:
        """Close every connection of a user (logout), each told `reason`."""
        await self._call("close user connections", self._client.close_user_connections(user_id, reason=reason))


def json_string(value: Any) -> str:
    """The original wire contract sends some payloads as JSON strings inside the JSON message."""
    return json.dumps(value)
