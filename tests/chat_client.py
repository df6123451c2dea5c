"""A scripted Chatr user: gets a token from the backend, speaks json.webpubsub.azure.v1, records what arrives."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from local.harness import swa_principal

SUBPROTOCOL = "json.webpubsub.azure.v1"
Message = dict[str, Any]


class ChatClient:
    """One browser tab, without the browser."""

    def __init__(self, functions_url: str, name: str, user_id: str | None = None, provider: str = "github") -> None:
        self.functions_url = functions_url
        self.name = name
        self.user_id = user_id or uuid.uuid4().hex
        self.headers = {"x-ms-client-principal": swa_principal(self.user_id, name, provider)}
        self.received: list[Message] = []
        self._connection_id: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ack_ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._taken: set[int] = set()

    async def api(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """GET /api/<path> as this user."""
        session = await self._http()
        async with session.get(
            f"{self.functions_url}/api/{path}", headers=self.headers if headers is None else headers
        ) as response:
            return response.status, await response.json(content_type=None)

    async def chats(self) -> dict[str, Any]:
        """Every group chat (Browse, page after page through `next`), then this user's own chats (`?mine=1`)."""
        status, body = await self.api("chats")
        assert status == 200, body
        chats = dict(body["chats"])
        while body.get("next"):
            status, body = await self.api(f"chats?after={quote(body['next'], safe='')}")
            assert status == 200, body
            chats.update(body["chats"])
        status, body = await self.api("chats?mine=1")
        assert status == 200, body
        return chats | body["chats"]

    async def search(self, what: str, prefix: str) -> list[Any]:
        """The first page of a search for people (`users`) or group chats (`chats`) by a prefix of their name."""
        status, body = await self.api(f"{what}?search={quote(prefix, safe='')}")
        assert status == 200, body
        return list(body[what])

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def connect(self, announce: bool = True) -> ChatClient:
        """Open the socket as the browser does, and (like the browser) send userConnected."""
        status, token = await self.api("getToken")
        assert status == 200, token
        session = await self._http()
        self._ws = await session.ws_connect(token["url"], protocols=(SUBPROTOCOL,))
        self._reader = asyncio.create_task(self._read())
        connected = await self.wait_for(lambda m: m.get("type") == "system" and m.get("event") == "connected")
        self._connection_id = connected["connectionId"]
        if announce:
            await self.event("userConnected", {"userName": self.name, "userProvider": "github"})
            await self.wait_for(lambda m: self.is_chat_event(m, "userOnline") and self.user_id in m["data"]["data"])
        return self

    async def _read(self) -> None:
        assert self._ws is not None
        async for frame in self._ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                async with self._arrived:
                    self.received.append(json.loads(frame.data))
                    self._arrived.notify_all()
        async with self._arrived:
            self._arrived.notify_all()

    @property
    def connection_id(self) -> str:
        """The service's id for this tab's socket, known once it connected."""
        assert self._connection_id is not None, f"{self.name} has not connected"
        return self._connection_id

    @property
    def closed(self) -> bool:
        return self._ws is None or self._ws.closed

    async def send(self, frame: Message) -> None:
        """Send one raw frame."""
        assert self._ws is not None
        await self._ws.send_str(json.dumps(frame))

    async def event(self, name: str, data: Any, data_type: str | None = None) -> None:
        """A user event, with the dataType the original client uses for it."""
        kind = data_type or ("json" if isinstance(data, (dict, list)) else "text")
        await self.send({"type": "event", "event": name, "dataType": kind, "data": data})

    async def publish(self, group: str, message: str) -> Message:
        """sendToGroup with an ackId, as a chat message; returns the service's ack."""
        ack_id = next(self._ack_ids)
        data = {"message": message, "fromUserId": self.user_id, "fromUserName": self.name}
        await self.send({"type": "sendToGroup", "group": group, "dataType": "json", "data": data, "ackId": ack_id})
        return await self.wait_for(lambda m: m.get("type") == "ack" and m.get("ackId") == ack_id)

    async def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        """The first received message matching `predicate`, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        async with self._arrived:
            while True:
                for message in self.received:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.closed and self._reader is not None and self._reader.done()):
                    raise AssertionError(f"{self.name} never received the expected message; got {self.received}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)

    @staticmethod
    def is_chat_event(message: Message, name: str) -> bool:
        """A server event: to this connection or user, or to a group it is in (no sender), as browsers take it."""
        data = message.get("data")
        to_group = message.get("from") == "group" and message.get("fromUserId") is None
        return (
            (message.get("from") == "server" or to_group) and isinstance(data, dict) and data.get("chatEvent") == name
        )

    def chat_events(self, name: str) -> list[Any]:
        """The `data` of every server chatEvent of this name received so far."""
        return [m["data"]["data"] for m in self.received if self.is_chat_event(m, name)]

    async def chat_event(self, name: str, match: Callable[[Any], bool] = lambda _: True) -> Any:
        """Wait for a server chatEvent of this name whose data matches."""
        message = await self.wait_for(lambda m: self.is_chat_event(m, name) and match(m["data"]["data"]))
        return message["data"]["data"]

    async def error_reply(self, event: str) -> str:
        """Wait for the next server error reply to one of our events (each reply is returned once)."""
        message = await self.wait_for(
            lambda m: (
                self.is_chat_event(m, "error") and m["data"]["data"]["event"] == event and id(m) not in self._taken
            )
        )
        self._taken.add(id(message))
        return message["data"]["data"]["message"]

    def group_messages(self, group: str) -> list[Message]:
        """Group messages (chat messages and notices) received for one chat."""
        return [m for m in self.received if m.get("type") == "message" and m.get("group") == group]

    async def notice(self, group: str, notice: str, user_id: str) -> Message:
        """Wait for a server notice in a chat."""
        return await self.wait_for(
            lambda m: (
                m.get("group") == group
                and isinstance(m.get("data"), dict)
                and m["data"].get("notice") == notice
                and m["data"].get("userId") == user_id
            )
        )

    async def close(self) -> None:
        """Close the socket and the HTTP session."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()


# ---- the steps most scenarios start with --------------------------------------------------------


def new_chat_id() -> str:
    """A chat id as the browser makes one."""
    return str(uuid.uuid4())


async def create_chat(owner: ChatClient, name: str = "Room", chat_id: str | None = None) -> str:
    """Create a chat and wait until its owner hears it announced; returns its id."""
    chat_id = chat_id or new_chat_id()
    await owner.event("createChat", {"name": name, "id": chat_id})
    await owner.chat_event("chatCreated", lambda d: json.loads(d)["id"] == chat_id)
    return chat_id


async def join(client: ChatClient, chat_id: str) -> None:
    """Join a chat and wait for our own "joined" notice (from then on we may publish)."""
    await client.event("joinChat", chat_id)
    await client.notice(chat_id, "joined", client.user_id)


async def acquainted(first: ChatClient, *others: ChatClient) -> str:
    """Make people contacts: `first` creates a chat and everyone joins it; each hears the others' presence once
    the server has told them whom they gained (`contacts`). Returns the chat's id."""
    chat_id = await create_chat(first)
    await join(first, chat_id)
    for other in others:
        await join(other, chat_id)
        await other.chat_event("contacts", gained(first.user_id))
        await first.chat_event("contacts", gained(other.user_id))
    return chat_id


def gained(user_id: str) -> Callable[[Any], bool]:
    """Matches a `contacts` event that adds this user."""
    return lambda data: user_id in data["added"]
