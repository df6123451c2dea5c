"""A lean WebSocket client for benchmarks: thousands of sockets in one process, cheap enough to be the instrument.

Each socket is a bare `asyncio.Protocol` (no task, no queue per socket): it sends the upgrade
request, then hands every text or binary frame's payload to a callback as it is parsed. Frames to
the server are "masked" with the all-zero key, which RFC 6455 allows (the key is the client's
choice) and which makes masking free. Servers here never fragment, so continuation frames are not
reassembled. Used for receivers and idle connections; the scripted chat users stay on aiohttp.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import struct
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from webpubsub_emulator.testing import event_frame

FrameCallback = Callable[[bytes], None]
_ZERO_MASK = b"\x00\x00\x00\x00"
_OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 1, 2, 8, 9, 10


def client_frame(payload: bytes, opcode: int = _OP_TEXT) -> bytes:
    """A client-to-server frame (FIN set), masked with the zero key."""
    size = len(payload)
    first = 0x80 | opcode
    if size < 126:
        header = struct.pack("!BB", first, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, size)
    return header + _ZERO_MASK + payload


class Socket(asyncio.Protocol):
    """One client WebSocket; `on_frame` gets each data frame's payload."""

    def __init__(self, request: bytes, on_frame: FrameCallback | None) -> None:
        self._request = request
        self.on_frame = on_frame
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.first_frame: asyncio.Future[bytes] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.frames = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.opened, self.first_frame):
            if not future.done():
                future.set_exception(ConnectionError(f"socket closed before the handshake ended: {exc}"))
                future.exception()  # whoever awaits it still gets the error; nobody else is told it was missed
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            del buffer[: end + 4]
            if b" 101 " not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                assert self.transport is not None
                self.transport.close()
                return
            self._upgraded = True
            self.opened.set_result(None)
        while len(buffer) >= 2:
            length = buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length = (buffer[2] << 8) | buffer[3]
                start = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length = int.from_bytes(buffer[2:10], "big")
                start = 10
            end = start + length
            if len(buffer) < end:
                return
            opcode = buffer[0] & 0x0F
            payload = bytes(buffer[start:end])
            del buffer[:end]
            if opcode in (_OP_TEXT, _OP_BINARY):
                self.frames += 1
                if not self.first_frame.done():
                    self.first_frame.set_result(payload)
                if self.on_frame is not None:
                    self.on_frame(payload)
            elif opcode == _OP_PING:
                self.send(payload, _OP_PONG)
            elif opcode == _OP_CLOSE:
                self.send(payload[:2], _OP_CLOSE)
                assert self.transport is not None
                self.transport.close()
                return

    def send(self, payload: bytes, opcode: int = _OP_TEXT) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(payload, opcode))

    def send_text(self, text: str) -> None:
        self.send(text.encode())

    async def close(self) -> None:
        """A close frame, then the socket is cut if the server does not end it within a second."""
        if self.transport is None or self.transport.is_closing():
            return
        self.send(struct.pack("!H", 1000), _OP_CLOSE)
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 1.0)
        except TimeoutError:
            self.transport.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class Acks:
    """User events sent with ackIds on one socket, each awaited until the service acknowledges it."""

    def __init__(self) -> None:
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    def settle(self, ack: dict[str, Any]) -> None:
        """Hand an `ack` frame to the event waiting for it."""
        future = self._pending.pop(ack["ackId"], None)
        if future is not None and not future.done():
            future.set_result(ack)

    async def send(self, socket: Socket, name: str, data: Any, timeout: float = 60) -> tuple[dict[str, Any], float]:
        """Send an event; its ack and the seconds until it came (ConnectionError if the socket closes first)."""
        ack_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ack_id] = future
        started = time.monotonic()
        socket.send_text(json.dumps(event_frame(name, data, ack_id=ack_id)))
        waiting: set[asyncio.Future[Any]] = {future, socket.closed}
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if future not in done:
            self._pending.pop(ack_id, None)
            if socket.closed.done():
                raise ConnectionError(f"the socket closed before {name} was answered")
            raise TimeoutError(f"{name} was not answered within {timeout:g} s")
        return future.result(), time.monotonic() - started


def _request(url: str, protocols: tuple[str, ...]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode()


async def connect(
    url: str, protocols: tuple[str, ...] = (), on_frame: FrameCallback | None = None, first_frame: bool = False
) -> Socket:
    """Open one socket; with `first_frame`, also wait for the server's first frame (Web PubSub's `connected`)."""
    host, port, request = _request(url, protocols)
    loop = asyncio.get_running_loop()
    _, socket = await loop.create_connection(lambda: Socket(request, on_frame), host, port)
    await socket.opened
    if first_frame:
        await socket.first_frame
    return socket


async def connect_many(
    urls: list[str],
    protocols: tuple[str, ...] = (),
    on_frame: FrameCallback | None = None,
    first_frame: bool = False,
    batch: int = 200,
) -> list[Socket]:
    """Open one socket per URL, `batch` at a time (the listen backlog is finite)."""
    sockets: list[Socket] = []
    for start in range(0, len(urls), batch):
        chunk = urls[start : start + batch]
        sockets += await asyncio.gather(*(connect(u, protocols, on_frame, first_frame) for u in chunk))
    return sockets


async def close_all(sockets: list[Socket], batch: int = 500) -> None:
    for start in range(0, len(sockets), batch):
        await asyncio.gather(*(s.close() for s in sockets[start : start + batch]))
