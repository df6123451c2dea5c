"""The emulator's state and the life of a connection: open, drop, wait for a reliable client, shut down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import Any

from aiohttp import web

from .config import Settings
from .connections import Connection
from .hub import Hub
from .tokens import ReconnectionTokens
from .webhooks import Upstream

log = logging.getLogger("webpubsub")

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008  # also what tells reliable clients not to try to recover
SHUTDOWN_REASON = "The service is shutting down."


class Service:
    """Hubs, the upstream client and every background task (so shutdown can wait for them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.upstream = Upstream(settings)
        self.reconnection = ReconnectionTokens()
        self.hubs: dict[str, Hub] = {}
        self.stopping = False
        self._expiry: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Future[Any]] = set()

    def hub(self, name: str) -> Hub:
        """The hub (names are case-insensitive), created on first use like on the service."""
        key = name.lower()
        if key not in self.hubs:
            self.hubs[key] = Hub(key, self.settings.hub(key))
        return self.hubs[key]

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background, tracked so that shutdown waits for it."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---- lifecycle ---------------------------------------------------------------------------------

    def new_connection(
        self,
        connection_id: str,
        hub: str,
        user_id: str | None,
        subprotocol: str | None,
        roles: Iterable[str],
        origin: str,
    ) -> Connection:
        """A connection object, not yet visible to anyone."""
        return Connection(
            connection_id,
            hub,
            user_id=user_id,
            subprotocol=subprotocol,
            roles=roles,
            limits=self.settings,
            on_overflow=self._overflowed,
            origin=origin,
        )

    def open(
        self, connection: Connection, ws: web.WebSocketResponse, transport: asyncio.Transport, groups: Iterable[str]
    ) -> None:
        """Make an accepted connection live: groups, the `connected` message, then the `connected` event."""
        connection.attach(ws, transport)
        if connection.pubsub:
            connected: dict[str, Any] = {
                "type": "system",
                "event": "connected",
                "userId": connection.user_id,
                "connectionId": connection.id,
            }
            if connection.reliable:
                connected["reconnectionToken"] = self.reconnection.issue(connection.id)
            connection.send_control(connected)
        self.hub(connection.hub).add(connection, groups)
        log.info(
            "connection opened: hub=%s user=%s connection=%s protocol=%s",
            connection.hub,
            connection.user_id,
            connection.id,
            connection.subprotocol or "none",
        )
        if self.upstream.handler(connection.hub, "connected", system=True):
            connection.connected_notice = self.spawn(self.upstream.notify(connection, "connected", {}))

    def recoverable(self, hub: str, connection_id: str, token: str) -> Connection | None:
        """The reliable connection a client may resume with its reconnection token, if it still exists."""
        state = self.hubs.get(hub.lower())
        connection = state.get(connection_id) if state else None
        if connection is None or not connection.reliable or not self.reconnection.valid(connection_id, token):
            return None
        return connection

    def resume(self, connection: Connection, ws: web.WebSocketResponse, transport: asyncio.Transport) -> None:
        """Put a recovered connection on its new socket and replay what its client has not acknowledged."""
        if timer := self._expiry.pop(connection.id, None):
            timer.cancel()
        connection.attach(ws, transport)
        log.info(
            "connection recovered: hub=%s user=%s connection=%s", connection.hub, connection.user_id, connection.id
        )

    def socket_ended(
        self, connection: Connection, ws: web.WebSocketResponse, reason: str, *, recoverable: bool
    ) -> None:
        """A socket is gone: a reliable connection whose socket was lost (not closed) waits for its client."""
        if connection.closed or not connection.is_socket(ws):
            return
        if connection.reliable and recoverable and not self.stopping:
            connection.detach()
            loop = asyncio.get_running_loop()
            self._expiry[connection.id] = loop.call_later(
                self.settings.reconnect_window,
                self.drop,
                connection,
                "The client did not reconnect in time.",
            )
            log.info(
                "connection waiting for recovery: hub=%s connection=%s (%s)", connection.hub, connection.id, reason
            )
            return
        self.drop(connection, reason)

    def drop(self, connection: Connection, reason: str, code: int = CLOSE_NORMAL) -> None:
        """End a connection now: out of every index, socket closed with `reason`, `disconnected` event sent."""
        if connection.closed:
            return
        connection.closed = True
        if timer := self._expiry.pop(connection.id, None):
            timer.cancel()
        self.hub(connection.hub).remove(connection)
        log.info(
            "connection closed: hub=%s user=%s connection=%s reason=%s",
            connection.hub,
            connection.user_id,
            connection.id,
            reason,
        )
        connection.closing = self.spawn(connection.close_socket(code, reason))
        self.spawn(self._disconnected(connection, reason))

    async def _disconnected(self, connection: Connection, reason: str) -> None:
        connection.drop_buffer()
        if connection.connected_notice is not None:
            await asyncio.wait([connection.connected_notice])  # the handler hears `connected` first
        await self.upstream.notify(connection, "disconnected", {"reason": reason})

    def _overflowed(self, connection: Connection, reason: str) -> None:
        log.warning("slow client: hub=%s connection=%s: %s", connection.hub, connection.id, reason)
        self.drop(connection, reason, CLOSE_POLICY)

    async def shutdown(self) -> None:
        """Close every connection with a `disconnected` message and wait (bounded) for the webhooks."""
        self.stopping = True
        for hub in self.hubs.values():
            for connection in list(hub.connections.values()):
                self.drop(connection, SHUTDOWN_REASON, CLOSE_GOING_AWAY)
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=self.settings.shutdown_timeout)
            for task in late:
                task.cancel()
            if late:
                log.warning("shutdown: %d webhook(s) or close(s) did not finish in time", len(late))
        await self.upstream.close()
