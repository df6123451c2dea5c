"""Helpers for programs that drive the emulator (tests, benchmarks): run one in-process, find a free port,
connect a WebSocket client, wait for a condition without sleeping blindly."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from .config import Settings
from .connections import JSON_PROTOCOL, RELIABLE_PROTOCOL, Connection
from .server import SERVICE, create_app
from .service import Service
from .tokens import issue_client_token

__all__ = [
    "JSON_PROTOCOL",
    "RELIABLE_PROTOCOL",
    "Client",
    "Emulator",
    "Message",
    "connect",
    "event_frame",
    "eventually",
    "free_port",
    "group_frame",
    "handshake_status",
    "start_emulator",
]

T = TypeVar("T")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Await `check` until it returns something truthy; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        await asyncio.sleep(interval)


@dataclass
class Emulator:
    """An emulator serving in this process, and shortcuts to reach it."""

    settings: Settings
    runner: web.AppRunner

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    @property
    def connection_string(self) -> str:
        return self.settings.connection_string

    @property
    def service(self) -> Service:
        return self.runner.app[SERVICE]

    def connection(self, connection_id: str | None, hub: str = "chat") -> Connection:
        """A connection the emulator holds (an AssertionError if it does not)."""
        found = self.service.hub(hub).get(connection_id or "")
        assert found is not None, f"no connection {connection_id} in hub {hub}"
        return found

    def token(self, hub: str = "chat", **claims: Any) -> str:
        """A client token as the service SDK makes one (user_id, roles, groups)."""
        return issue_client_token(self.settings.access_keys[0], f"{self.endpoint}/client/hubs/{hub}", **claims)

    def client_url(self, hub: str = "chat", **claims: Any) -> str:
        """The URL a client of `hub` connects to, token included."""
        ws = self.endpoint.replace("http://", "ws://")
        return f"{ws}/client/hubs/{hub}?access_token={self.token(hub, **claims)}"

    async def stop(self) -> None:
        """Close every connection (their `disconnected` webhooks included) and stop listening."""
        await self.runner.cleanup()


async def start_emulator(settings: Settings) -> Emulator:
    """Serve an emulator with these settings in this event loop; `stop()` it when done."""
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    return Emulator(settings, runner)


Message = dict[str, Any]
_ENDED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


def event_frame(name: str, data: Any, *, data_type: str | None = None, ack_id: int | None = None) -> Message:
    """A user event request (`dataType` json for objects and lists, text otherwise, unless given)."""
    kind = data_type or ("json" if isinstance(data, dict | list) else "text")
    frame: Message = {"type": "event", "event": name, "dataType": kind, "data": data}
    return frame if ack_id is None else {**frame, "ackId": ack_id}


def group_frame(group: str, data: Any, *, data_type: str = "json", ack_id: int | None = None) -> Message:
    """A sendToGroup request."""
    frame: Message = {"type": "sendToGroup", "group": group, "dataType": data_type, "data": data}
    return frame if ack_id is None else {**frame, "ackId": ack_id}


class Client:
    """A WebSocket client of the emulator or the service: JSON helpers for the subprotocols, frames for the rest.

    A reader task keeps every frame in order: `frame()`, `receive()`, `receive_type()` and `ack()` read
    them one after the other, while `wait_for()` and `acked()` look among every message received so far
    (`received`), whenever it came, and move no read position.
    """

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: aiohttp.ClientSession | None = None) -> None:
        self.ws = ws
        self.connected: Message = {}
        self.received: list[Message] = []  # every JSON text frame, in order
        self._frames: list[aiohttp.WSMessage] = []
        self._next = 0  # the next frame `frame()` returns
        self._ended = False  # the reader saw the socket end
        self._session = session  # closed with the client when the client opened it
        self._arrived = asyncio.Condition()
        self._ack_ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                frame = await self.ws.receive()
                async with self._arrived:
                    self._frames.append(frame)
                    if frame.type == aiohttp.WSMsgType.TEXT:
                        with contextlib.suppress(ValueError):
                            self.received.append(json.loads(frame.data))
                    self._arrived.notify_all()
                if frame.type in _ENDED:
                    return
        finally:
            async with self._arrived:
                self._ended = True
                self._arrived.notify_all()

    @property
    def connection_id(self) -> str:
        """The id the service gave this connection (in its `connected` message)."""
        return str(self.connected["connectionId"])

    @property
    def closed(self) -> bool:
        """True once either side closed the socket."""
        return self.ws.closed or self._ended

    def next_ack_id(self) -> int:
        """An ackId this client has not used yet."""
        return next(self._ack_ids)

    async def send(self, message: Message) -> None:
        await self.ws.send_str(json.dumps(message))

    async def event(self, name: str, data: Any, data_type: str | None = None) -> Message:
        """A user event with an ackId; returns the service's ack."""
        ack_id = self.next_ack_id()
        await self.send(event_frame(name, data, data_type=data_type, ack_id=ack_id))
        return await self.acked(ack_id)

    async def send_to_group(self, group: str, data: Any, data_type: str = "json") -> Message:
        """A sendToGroup with an ackId; returns the service's ack."""
        ack_id = self.next_ack_id()
        await self.send(group_frame(group, data, data_type=data_type, ack_id=ack_id))
        return await self.acked(ack_id)

    async def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        """The first received message matching `predicate`, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        async with self._arrived:
            while True:
                for message in self.received:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._ended:
                    raise AssertionError(f"the expected message never arrived; got {self.received}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)

    async def acked(self, ack_id: int, timeout: float = 10.0) -> Message:
        """The service's ack for this ackId, wherever it is among the messages received."""
        return await self.wait_for(lambda m: m.get("type") == "ack" and m.get("ackId") == ack_id, timeout)

    async def frame(self, timeout: float = 5.0) -> aiohttp.WSMessage:
        """The next frame in order (TimeoutError if none comes); a CLOSED message once the socket ended."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: self._next < len(self._frames) or self._ended), timeout
            )
            if self._next == len(self._frames):
                return aiohttp.WSMessage(aiohttp.WSMsgType.CLOSED, None, None)
            self._next += 1
            return self._frames[self._next - 1]

    async def receive(self, timeout: float = 5.0) -> Message:
        """The next frame, which must be a JSON text frame."""
        frame = await self.frame(timeout)
        assert frame.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {frame}"
        message: Message = json.loads(frame.data)
        return message

    async def receive_type(self, kind: str, timeout: float = 5.0) -> Message:
        """The next message of a `type`, skipping others."""
        while True:
            message = await self.receive(timeout)
            if message.get("type") == kind:
                return message

    async def ack(self, ack_id: int) -> Message:
        """The next ack for this ackId, read in order (acks for others are skipped)."""
        while True:
            message = await self.receive_type("ack")
            if message["ackId"] == ack_id:
                return message

    async def until_closed(self, timeout: float = 5.0) -> tuple[int | None, list[Message]]:
        """Read until the server closes; the close code and the JSON messages seen on the way."""
        seen = []
        while True:
            frame = await self.frame(timeout)
            if frame.type == aiohttp.WSMsgType.TEXT:
                seen.append(json.loads(frame.data))
            elif frame.type == aiohttp.WSMsgType.CLOSE:
                return frame.data, seen  # the code in the server's close frame
            elif frame.type in _ENDED:
                return self.ws.close_code, seen

    async def close(self) -> None:
        """Close the socket (and the HTTP session the client opened)."""
        await self.ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()


async def connect(
    url: str,
    protocol: str | None = JSON_PROTOCOL,
    *,
    recovering: bool = False,
    session: aiohttp.ClientSession | None = None,
    **kwargs: Any,
) -> Client:
    """Open a client (in `session`, or in one of its own); a new JSON client waits for its `connected` message."""
    own = session is None
    http = aiohttp.ClientSession() if session is None else session
    try:
        ws = await http.ws_connect(url, protocols=[protocol] if protocol else (), **kwargs)
    except BaseException:
        if own:
            await http.close()
        raise
    client = Client(ws, http if own else None)
    if protocol in (JSON_PROTOCOL, RELIABLE_PROTOCOL) and not recovering:
        try:
            client.connected = await client.receive(timeout=10)
            assert client.connected.get("event") == "connected", client.connected
        except BaseException:
            await client.close()
            raise
    return client


async def handshake_status(url: str, protocol: str | None = JSON_PROTOCOL) -> int:
    """The HTTP status a WebSocket handshake gets (101 when it is accepted)."""
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(url, protocols=[protocol] if protocol else ())
        except aiohttp.WSServerHandshakeError as err:
            return err.status
        await ws.close()
        return 101
