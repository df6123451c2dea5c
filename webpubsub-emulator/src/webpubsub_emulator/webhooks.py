"""CloudEvents webhooks to the hub's event handlers, as the service sends them (HTTP binary mode).

Every target URL is validated once with the abuse-protection handshake (`OPTIONS`, then `GET` if the
handler does not know `OPTIONS`) before its first event. `connect` and user events block and return
the handler's answer; `connected` and `disconnected` are notifications whose failures are only logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .config import EventHandler, Settings
from .connections import Connection
from .messages import JSON, Payload, PayloadError
from .tokens import signature

log = logging.getLogger("webpubsub.webhooks")


class UpstreamError(Exception):
    """An event handler could not be reached, timed out or answered with an error status."""

    def __init__(self, message: str, *, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Caller:
    """Who an event is about: the connection (or, for `connect`, the one being made)."""

    hub: str
    connection_id: str
    origin: str
    event_id: str
    user_id: str | None = None
    subprotocol: str | None = None
    connection_state: str | None = None
    cookies: dict[str, str] | None = None

    @classmethod
    def of(cls, connection: Connection) -> Caller:
        """The caller for an event of an existing connection."""
        return cls(
            connection.hub,
            connection.id,
            connection.origin,
            connection.next_event_id(),
            connection.user_id,
            connection.subprotocol,
            connection.connection_state,
            connection.cookies,
        )


@dataclass
class ConnectReply:
    """What a `connect` handler decided (all optional: None keeps the token's values)."""

    user_id: str | None = None
    groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    subprotocol: str | None = None
    connection_state: str | None = None
    cookies: dict[str, str] | None = None


@dataclass
class _Answer:
    status: int
    content_type: str | None
    body: bytes
    connection_state: str | None  # None: header absent
    cookies: dict[str, str]


class Upstream:
    """Sends events to the handlers of each hub's settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._validations: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def close(self) -> None:
        """Release the HTTP client."""
        if self._session is not None:
            await self._session.close()

    def handler(self, hub: str, event: str, *, system: bool) -> EventHandler | None:
        """The handler that takes this event in this hub, if any."""
        return self._settings.hub(hub).handler_for(event, system=system)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._settings.event_handler_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    # ---- the events ---------------------------------------------------------------------------------

    async def connect(self, caller: Caller, request: dict[str, Any]) -> ConnectReply:
        """The blocking `connect` event; raises UpstreamError (with the status for the client) on rejection."""
        handler = self.handler(caller.hub, "connect", system=True)
        if handler is None:
            return ConnectReply()
        answer = await self._send(handler, caller, "connect", "sys", Payload(JSON, json.dumps(request).encode()))
        reply = ConnectReply(connection_state=answer.connection_state, cookies=answer.cookies or None)
        if answer.status == 204 or not answer.body.strip():
            return reply
        try:
            body = json.loads(answer.body)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            reply.user_id = body.get("userId")
            reply.groups = [str(g) for g in body.get("groups") or []]
            reply.roles = [str(r) for r in body.get("roles") or []]
            reply.subprotocol = body.get("subprotocol") or None
        except (ValueError, TypeError, AttributeError) as err:
            self._failed("connect", caller, f"unreadable connect response: {err}")
            raise UpstreamError("The connect event handler's response is not valid JSON.") from err
        return reply

    async def user_event(self, connection: Connection, event: str, payload: Payload) -> Payload | None:
        """A blocking user event; the handler's reply body (None when empty), or UpstreamError."""
        caller = Caller.of(connection)
        handler = self.handler(caller.hub, event, system=False)
        if handler is None:
            message = f"No event handler is registered for user event {event!r}."
            self._failed(event, caller, message)
            raise UpstreamError(message)
        answer = await self._send(handler, caller, event, "user", payload)
        if answer.connection_state is not None:
            connection.connection_state = answer.connection_state or None
        if answer.cookies:
            connection.cookies = {**(connection.cookies or {}), **answer.cookies}
        if answer.status == 204 or not answer.body:
            return None
        try:
            return Payload.from_http(answer.content_type, answer.body)
        except PayloadError as err:
            self._failed(event, caller, str(err))
            raise UpstreamError(f"The event handler's reply is invalid: {err}") from err

    async def notify(self, connection: Connection, event: str, body: dict[str, Any]) -> None:
        """A non-blocking system event (`connected`, `disconnected`); failures are logged, never raised."""
        handler = self.handler(connection.hub, event, system=True)
        if handler is None:
            return
        with contextlib.suppress(UpstreamError):  # already logged
            await self._send(handler, Caller.of(connection), event, "sys", Payload(JSON, json.dumps(body).encode()))

    # ---- HTTP -------------------------------------------------------------------------------------------

    async def _send(self, handler: EventHandler, caller: Caller, event: str, kind: str, payload: Payload) -> _Answer:
        url = handler.url(caller.hub, event)
        try:
            await self._validate(url, caller.origin)
            headers = self._headers(caller, event, kind, payload)
            async with self._http().post(url, data=payload.body, headers=headers) as response:
                body = await response.read()
                answer = _Answer(
                    response.status,
                    response.headers.get("Content-Type"),
                    body,
                    response.headers.get("ce-connectionState"),
                    {name: morsel.value for name, morsel in response.cookies.items()},
                )
        except TimeoutError as err:
            message = f"no answer within {self._settings.event_handler_timeout:g} s"
            self._failed(event, caller, message)
            raise UpstreamError(f"The event handler did not answer in time ({message}).") from err
        except aiohttp.ClientError as err:
            self._failed(event, caller, f"{type(err).__name__}: {err}")
            raise UpstreamError("The event handler could not be reached.") from err
        if not 200 <= answer.status < 300:
            self._failed(event, caller, f"status {answer.status}")
            status = answer.status if 400 <= answer.status < 500 else 500
            raise UpstreamError(f"The event handler answered {answer.status}.", status=status)
        return answer

    def _headers(self, caller: Caller, event: str, kind: str, payload: Payload) -> dict[str, str]:
        headers = {
            "Content-Type": payload.content_type,
            "WebHook-Request-Origin": caller.origin,
            "ce-specversion": "1.0",
            "ce-awpsversion": "1.0",
            "ce-type": f"azure.webpubsub.{kind}.{event}",
            "ce-source": f"/hubs/{caller.hub}/client/{caller.connection_id}",
            "ce-id": caller.event_id,
            "ce-time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "ce-connectionId": caller.connection_id,
            "ce-hub": caller.hub,
            "ce-eventName": event,
            "ce-signature": signature(self._settings.access_keys, caller.connection_id),
        }
        optional = {
            "ce-userId": caller.user_id,
            "ce-subprotocol": caller.subprotocol,
            "ce-connectionState": caller.connection_state,
            "Cookie": "; ".join(f"{k}={v}" for k, v in (caller.cookies or {}).items()),
        }
        headers.update({k: v for k, v in optional.items() if v})
        return headers

    async def _validate(self, url: str, origin: str) -> None:
        """The abuse-protection handshake, once per URL and origin (concurrent first events share it).

        Only a handshake that succeeded is kept: one that failed in any way (refused, unreachable,
        timed out) is forgotten as soon as it ends, so the next event tries again.
        """
        key = (url, origin)
        handshake = self._validations.get(key)
        if handshake is None:
            handshake = asyncio.ensure_future(self._handshake(url, origin))
            handshake.add_done_callback(lambda done: self._forget_if_failed(key, done))
            self._validations[key] = handshake
        await asyncio.shield(handshake)

    def _forget_if_failed(self, key: tuple[str, str], handshake: asyncio.Future[None]) -> None:
        if (handshake.cancelled() or handshake.exception() is not None) and self._validations.get(key) is handshake:
            del self._validations[key]

    async def _handshake(self, url: str, origin: str) -> None:
        headers = {"WebHook-Request-Origin": origin, "ce-awpsversion": "1.0"}
        for method in ("OPTIONS", "GET"):
            async with self._http().request(method, url, headers=headers) as response:
                allowed = {o.strip().lower() for o in response.headers.get("WebHook-Allowed-Origin", "").split(",")}
                if response.status in (404, 405) and method == "OPTIONS":
                    continue
                if 200 <= response.status < 300 and ("*" in allowed or origin.lower() in allowed):
                    return
                raise aiohttp.ClientError(
                    f"abuse protection: {method} {_without_query(url)} answered {response.status} "
                    f"with WebHook-Allowed-Origin {response.headers.get('WebHook-Allowed-Origin')!r}"
                )
        raise aiohttp.ClientError(f"abuse protection: {_without_query(url)} answers neither OPTIONS nor GET")

    def _failed(self, event: str, caller: Caller, why: str) -> None:
        log.warning(
            "webhook %s failed: hub=%s user=%s connection=%s: %s",
            event,
            caller.hub,
            caller.user_id,
            caller.connection_id,
            why,
        )


def _without_query(url: str) -> str:
    """URLs may carry secrets (Functions keys) in the query: keep them out of logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
