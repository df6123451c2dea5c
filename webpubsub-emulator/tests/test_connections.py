"""Per-connection outbound queues: a client that stops reading is cut off, everyone else keeps receiving."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from helpers import Connect, StartEmulator
from webpubsub_emulator.messages import TEXT, Outbound, Payload
from webpubsub_emulator.testing import Emulator, eventually

CHUNK = b"x" * 60_000


@pytest.fixture
async def stall() -> AsyncIterator[Callable[[Emulator], Awaitable[str]]]:
    """Open raw clients in group `g` that finish the handshake and never read again; gives their ids."""
    writers: list[asyncio.StreamWriter] = []

    async def open_stalled(emulator: Emulator) -> str:
        before = set(emulator.service.hub("chat").connections)
        reader, writer = await asyncio.open_connection(emulator.settings.host, emulator.settings.port)
        writers.append(writer)
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        path = emulator.client_url(groups=["g"]).split(str(emulator.settings.port), 1)[1]
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
        assert isinstance(writer.transport, asyncio.Transport)
        writer.transport.pause_reading()

        async def registered() -> set[str]:
            return set(emulator.service.hub("chat").connections) - before

        (connection_id,) = await eventually(registered)
        return connection_id

    yield open_stalled
    for writer in writers:
        writer.transport.abort()


async def test_a_client_that_stops_reading_is_dropped_and_others_keep_receiving(
    start_emulator: StartEmulator,
    connect: Connect,
    stall: Callable[[Emulator], Awaitable[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator = await start_emulator(max_queue_bytes=256 * 1024)
    fast = await connect(emulator.client_url(groups=["g"]), protocol=None)
    slow_id = await stall(emulator)
    hub = emulator.service.hub("chat")
    sent = 0
    with caplog.at_level(logging.WARNING, logger="webpubsub"):
        while hub.get(slow_id) is not None:
            assert sent < 2000, "the stalled client was never dropped"
            hub.send_to_group("g", Payload(TEXT, CHUNK))
            sent += 1
            assert len((await fast.frame()).data) == len(CHUNK)  # the fast client keeps up, message by message
    assert any("slow client" in r.message and slow_id in r.message for r in caplog.records)
    hub.send_to_group("g", Payload(TEXT, b"after"))
    assert (await fast.frame()).data == "after"


async def test_a_group_message_is_serialised_once_for_all_receivers(
    emulator: Emulator, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = [await connect(emulator.client_url(groups=["g"])) for _ in range(3)]
    frames = []
    original = Outbound.json_frame

    def spy(self: Outbound) -> bytes:
        frame = original(self)
        frames.append(frame)
        return frame

    monkeypatch.setattr(Outbound, "json_frame", spy)
    emulator.service.hub("chat").send_to_group("g", Payload(TEXT, b"once"))
    monkeypatch.undo()
    assert len(frames) == 3 and len({id(f) for f in frames}) == 1
    for client in clients:
        assert (await client.receive())["data"] == "once"
