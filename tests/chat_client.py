"""A scripted Chatr user: gets a token from the backend, speaks Web PubSub's JSON subprotocol, records what arrives."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp
from webpubsub_emulator.testing import Client, Message, connect, event_frame

from local.harness import swa_principal


class ChatClient:
    """One browser tab, without the browser."""

    def __init__(self, functions_url: str, name: str, user_id: str | None = None, provider: str = "github") -> None:
        self.functions_url = functions_url
        self.name = name
        self.user_id = user_id or uuid.uuid4().hex
        self.headers = {"x-ms-client-principal": swa_principal(self.user_id, name, provider)}
        self._session: aiohttp.ClientSession | None = None
        self._socket: Client | None = None
        self._taken: set[int] = set()

    async def api(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """GET /api/<path> as this user."""
        session = await self._http()
        async with session.get(
            f"{self.functions_url}/api/{path}", headers=self.headers if headers is None else headers
        ) as response:
            return response.status, await response.json(content_type=None)

    async def post(self, path: str, headers: dict[str, str] | None = None, body: Any = None) -> tuple[int, Any]:
        """POST /api/<path> as this user, with a JSON body when given; the status and the JSON answer (None: empty)."""
        session = await self._http()
        async with session.post(
            f"{self.functions_url}/api/{path}", headers=self.headers if headers is None else headers, json=body
        ) as response:
            return response.status, await response.json(content_type=None) if await response.read() else None

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
        self._socket = await connect(token["url"], session=await self._http())
        if announce:
            await self.event("userConnected", {"userName": self.name, "userProvider": "github"})
            await self.wait_for(lambda m: self.is_chat_event(m, "userOnline") and self.user_id in m["data"]["data"])
        return self

    @property
    def socket(self) -> Client:
        """This tab's Web PubSub connection (the test fails if it has not connected)."""
        assert self._socket is not None, f"{self.name} has not connected"
        return self._socket

    @property
    def received(self) -> list[Message]:
        """Every message this tab received, in order."""
        return self._socket.received if self._socket is not None else []

    @property
    def connection_id(self) -> str:
        """The service's id for this tab's socket, known once it connected."""
        return self.socket.connection_id

    @property
    def closed(self) -> bool:
        return self._socket is None or self._socket.closed

    async def send(self, frame: Message) -> None:
        """Send one raw frame."""
        await self.socket.send(frame)

    async def event(self, name: str, data: Any, data_type: str | None = None) -> None:
        """A user event without ackId, as the original client sends them."""
        await self.send(event_frame(name, data, data_type=data_type))

    async def publish(self, group: str, message: str, reply_to: int | None = None) -> Message:
        """Say something in a chat as a browser does (`sendMessage`); the answer as `{success, seq | error}`."""
        request = f"r{uuid.uuid4().hex[:12]}"
        data: dict[str, Any] = {
            "requestId": request,
            "chatId": group,
            "id": uuid.uuid4().hex,
            "text": message,
            "mentions": [],
        }
        if reply_to is not None:
            data["replyTo"] = reply_to
        await self.event("sendMessage", data)
        answer = await self.wait_for(lambda m: _answer_to(m, request), 30)
        body = answer["data"]["data"]
        if answer["data"]["chatEvent"] == "reply":
            return {"success": True, "seq": body["result"]["seq"]}
        return {"success": False, "error": body}

    async def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        """The first received message matching `predicate`, waiting for it if needed."""
        try:
            return await self.socket.wait_for(predicate, timeout)
        except AssertionError as err:
            raise AssertionError(f"{self.name}: {err}") from None

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
        if self._socket is not None:
            await self._socket.close()
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


def _answer_to(message: Message, request: str) -> bool:
    data = message.get("data") if message.get("from") == "server" else None
    return isinstance(data, dict) and isinstance(data.get("data"), dict) and data["data"].get("requestId") == request


def said(message: Message) -> str | None:
    """The text of a message the server sent to a chat (a numbered entry), or None for any other frame."""
    data = message.get("data") if message.get("from") == "group" else None
    entry = data.get("entry") if isinstance(data, dict) else None
    return entry.get("text") if isinstance(entry, dict) and entry.get("kind") == "message" else None


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
