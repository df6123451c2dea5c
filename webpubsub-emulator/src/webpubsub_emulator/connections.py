"""One client connection: who it is, its groups and permissions, and how frames reach its socket.

Frames are written straight to the socket's transport, so fan-out never awaits a receiver. The
transport's write buffer is the connection's outbound queue, bounded by `Settings.max_queue_bytes`:
a client that lets it fill up cannot keep up and is reported through `on_overflow` (then dropped).
Reliable clients also keep every unacknowledged data frame for replay after a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from .config import Settings
from .messages import Outbound, control_frame
from .permissions import Permissions

JSON_PROTOCOL = "json.webpubsub.azure.v1"
RELIABLE_PROTOCOL = "json.reliable.webpubsub.azure.v1"
PUBSUB_PROTOCOLS = (JSON_PROTOCOL, RELIABLE_PROTOCOL)
MAX_ACK_IDS = 1000  # ackIds remembered per connection for `Duplicate`, as the service does
CLOSE_TIMEOUT = 2.0  # how long a client gets to answer our close frame before the socket is cut
MAX_CLOSE_REASON = 123  # bytes a close frame can carry


class Connection:
    """A logical connection; for reliable clients it outlives a dropped socket until recovery or expiry."""

    __slots__ = (
        "_ack_ids",
        "_event_ids",
        "_on_overflow",
        "_transport",
        "_unacked",
        "_unacked_bytes",
        "_ws",
        "closed",
        "closing",
        "connected_notice",
        "connection_state",
        "cookies",
        "groups",
        "hub",
        "id",
        "limits",
        "next_sequence_id",
        "origin",
        "permissions",
        "pubsub",
        "subprotocol",
        "user_id",
    )

    def __init__(
        self,
        connection_id: str,
        hub: str,
        *,
        user_id: str | None,
        subprotocol: str | None,
        roles: Iterable[str],
        limits: Settings,
        on_overflow: Callable[[Connection, str], None],
        origin: str,
    ) -> None:
        self.id = connection_id
        self.hub = hub
        self.user_id = user_id
        self.subprotocol = subprotocol
        self.pubsub = subprotocol in PUBSUB_PROTOCOLS  # speaks a JSON subprotocol (else: a raw client)
        self.permissions = Permissions(roles)
        self.groups: set[str] = set()
        self.limits = limits
        self.origin = origin  # the host clients reached us by: the webhooks' WebHook-Request-Origin
        self.connection_state: str | None = None  # set by event handlers, sent back on later events
        self.cookies: dict[str, str] | None = None
        self.closed = False
        self.closing: asyncio.Future[None] | None = None  # the close handshake, once the service drops it
        self.connected_notice: asyncio.Task[None] | None = None  # `disconnected` is sent after it
        self.next_sequence_id = 0
        self._on_overflow = on_overflow
        self._ws: web.WebSocketResponse | None = None
        self._transport: asyncio.Transport | None = None
        self._unacked: deque[tuple[int, bytes]] | None = deque() if subprotocol == RELIABLE_PROTOCOL else None
        self._unacked_bytes = 0
        self._ack_ids: dict[int, None] | None = None
        self._event_ids = 0

    @property
    def reliable(self) -> bool:
        """Uses `json.reliable.webpubsub.azure.v1` (sequence ids, recovery)."""
        return self._unacked is not None

    def attach(self, ws: web.WebSocketResponse, transport: asyncio.Transport) -> None:
        """Bind a freshly accepted socket; a reliable connection replays what its client has not acknowledged."""
        if self._transport is not None:  # a reconnect while the old socket still looked alive
            self._transport.abort()
        self._ws = ws
        self._transport = transport
        for _, frame in self._unacked or ():
            transport.write(frame)

    def detach(self) -> None:
        """Forget the socket (it is gone); data for a reliable connection keeps accumulating for replay."""
        self._ws = None
        self._transport = None

    def is_socket(self, ws: web.WebSocketResponse) -> bool:
        """Is `ws` the current socket of this connection (not one a reconnect replaced)?"""
        return self._ws is ws

    def next_event_id(self) -> str:
        """A `ce-id` unique within this connection."""
        self._event_ids += 1
        return f"{self.id}-{self._event_ids}"

    # ---- outbound ----------------------------------------------------------------------------------

    def deliver(self, message: Outbound) -> None:
        """Queue a data message in the form this client's protocol needs."""
        if self.closed:
            return
        if self._unacked is None:
            self._write(message.json_frame() if self.pubsub else message.raw_frame())
            return
        self.next_sequence_id += 1
        frame = message.reliable_frame(self.next_sequence_id)
        self._unacked.append((self.next_sequence_id, frame))
        self._unacked_bytes += len(frame)
        if (
            len(self._unacked) > self.limits.reliable_buffer_messages
            or self._unacked_bytes > self.limits.reliable_buffer_bytes
        ):
            self._on_overflow(self, "The reliable message buffer is full: the client does not acknowledge.")
            return
        self._write(frame)

    def send_control(self, message: dict[str, Any]) -> None:
        """Queue a system, ack or pong message (never buffered for replay)."""
        if not self.closed:
            self._write(control_frame(message))

    def _write(self, frame: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing() or (self._ws is not None and self._ws.closed):
            return
        if transport.get_write_buffer_size() + len(frame) > self.limits.max_queue_bytes:
            self._on_overflow(self, "The outbound queue is full: the client does not keep up.")
            return
        transport.write(frame)

    def acknowledge(self, sequence_id: int) -> None:
        """A reliable client's `sequenceAck`: it holds every message up to `sequence_id`."""
        unacked = self._unacked
        while unacked and unacked[0][0] <= sequence_id:
            self._unacked_bytes -= len(unacked.popleft()[1])

    def drop_buffer(self) -> None:
        """Free the replay buffer of a connection that will not come back."""
        if self._unacked is not None:
            self._unacked.clear()
            self._unacked_bytes = 0

    # ---- ackId de-duplication -------------------------------------------------------------------

    def seen_ack_id(self, ack_id: int) -> bool:
        """Was an operation with this ackId already done on this connection?"""
        return self._ack_ids is not None and ack_id in self._ack_ids

    def remember_ack_id(self, ack_id: int) -> None:
        """Record a done ackId (the oldest beyond MAX_ACK_IDS are forgotten)."""
        if self._ack_ids is None:
            self._ack_ids = {}
        self._ack_ids[ack_id] = None
        if len(self._ack_ids) > MAX_ACK_IDS:
            del self._ack_ids[next(iter(self._ack_ids))]

    # ---- closing ------------------------------------------------------------------------------------

    async def close_socket(self, code: int, reason: str) -> None:
        """Tell a JSON client why (system `disconnected`), send a close frame, cut the socket if it hangs."""
        ws, transport = self._ws, self._transport
        if ws is None or transport is None:
            return
        if self.pubsub and not ws.closed and not transport.is_closing():
            transport.write(control_frame({"type": "system", "event": "disconnected", "message": reason}))
        message = _close_reason(reason)
        try:
            await asyncio.wait_for(ws.close(code=code, message=message), CLOSE_TIMEOUT)
        except (TimeoutError, ConnectionError, RuntimeError):
            with contextlib.suppress(RuntimeError):
                transport.abort()


def _close_reason(reason: str) -> bytes:
    """At most 123 bytes, cut where a character ends: RFC 6455 wants a close reason in valid UTF-8."""
    return reason.encode()[:MAX_CLOSE_REASON].decode(errors="ignore").encode()
