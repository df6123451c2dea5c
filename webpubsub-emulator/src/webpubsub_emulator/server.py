"""The aiohttp application: client WebSockets, the REST API, health, and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from . import names, rest
from .client_protocol import CLOSE_SERVER_ERROR, handle_frame
from .config import Settings
from .connections import CLOSE_TIMEOUT, PUBSUB_PROTOCOLS, Connection
from .service import CLOSE_POLICY, Service
from .tokens import TokenError, claim_values, verify_client_token
from .webhooks import Caller, UpstreamError

log = logging.getLogger("webpubsub")

SERVICE = web.AppKey("service", Service)
_HIDDEN_QUERY = {"access_token", "awps_connection_id", "awps_reconnection_token"}
_HIDDEN_HEADERS = {"authorization"}


def _multi(items: Any, hidden: set[str]) -> dict[str, list[str]]:
    """Query or headers as the `connect` event carries them: name -> every value, secrets left out."""
    result: dict[str, list[str]] = {}
    for name, value in items:
        if name.lower() not in hidden:
            result.setdefault(name, []).append(value)
    return result


def _offered(request: web.Request) -> list[str]:
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


def _token(request: web.Request) -> str | None:
    if token := request.query.get("access_token"):
        return token
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _websocket(settings: Settings, subprotocol: str | None) -> web.WebSocketResponse:
    return web.WebSocketResponse(
        protocols=[subprotocol] if subprotocol else (),
        max_msg_size=settings.max_frame_bytes,
        compress=False,  # frames are written to the transport as they are (see connections.py)
        timeout=CLOSE_TIMEOUT,
        autoclose=False,  # a client's close is answered in `_serve`, with its own code
    )


async def client_endpoint(request: web.Request) -> web.StreamResponse:
    """`/client/hubs/{hub}` (or `/client/?hub=`): authenticate, ask `connect`, accept, serve the frames."""
    service = request.app[SERVICE]
    hub = request.match_info.get("hub") or request.query.get("hub") or ""
    if not names.valid_hub(hub):
        return web.Response(status=400, text="invalid or missing hub name")
    hub = hub.lower()
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return web.Response(status=400, text="a WebSocket upgrade request is required")
    if connection_id := request.query.get("awps_connection_id"):
        return await _recover(request, service, hub, connection_id)

    token = _token(request)
    claims: dict[str, Any] = {}
    if token:
        try:
            claims = verify_client_token(token, service.settings.access_keys, hub)
        except TokenError as err:
            return web.Response(status=401, text=f"invalid access token: {err}")
    elif not service.settings.hub(hub).allow_anonymous:
        return web.Response(status=401, text="an access token is required (access_token query or bearer header)")
    sub = claims.get("sub")
    user_id = sub if isinstance(sub, str) and sub else None
    roles, groups = claim_values(claims, "role"), claim_values(claims, "webpubsub.group")
    if not all(names.valid_group(g) for g in groups):
        return web.Response(status=400, text="the token names an invalid group")

    offered = _offered(request)
    subprotocol = next((p for p in offered if p in PUBSUB_PROTOCOLS), None)
    connection_id = secrets.token_urlsafe(18)
    caller = Caller(hub, connection_id, request.url.host or "localhost", f"{connection_id}-0", user_id)
    connect = {
        "claims": {name: claim_values(claims, name) for name in claims},
        "query": _multi(request.query.items(), _HIDDEN_QUERY),
        "headers": _multi(request.headers.items(), _HIDDEN_HEADERS),
        "subprotocols": offered,
        "clientCertificates": [],
    }
    try:
        reply = await service.upstream.connect(caller, connect)
    except UpstreamError as err:
        return web.Response(status=err.status, text=str(err))
    if reply.subprotocol:
        if reply.subprotocol not in offered:
            return web.Response(status=500, text="the connect handler chose a subprotocol the client did not offer")
        subprotocol = reply.subprotocol
    connection = service.new_connection(
        connection_id, hub, reply.user_id or user_id, subprotocol, [*roles, *reply.roles], caller.origin
    )
    connection.connection_state = reply.connection_state or None
    connection.cookies = reply.cookies

    ws = _websocket(service.settings, subprotocol)
    try:
        await ws.prepare(request)
    except ConnectionError:
        return ws  # the client left while the connect handler was deciding
    assert request.transport is not None
    service.open(connection, ws, request.transport, [*groups, *reply.groups])
    await _serve(service, connection, ws)
    return ws


async def _recover(request: web.Request, service: Service, hub: str, connection_id: str) -> web.StreamResponse:
    """A reliable client resuming; anything wrong is a WebSocket closed with 1008 (start afresh)."""
    token = request.query.get("awps_reconnection_token", "")
    connection = service.recoverable(hub, connection_id, token)
    offered = _offered(request)
    usable = connection is not None and connection.subprotocol in offered
    # even a refusal answers with a subprotocol the client offered: browsers fail handshakes without one
    chosen = next((p for p in offered if p in PUBSUB_PROTOCOLS), None)
    if connection is not None and usable:
        chosen = connection.subprotocol
    ws = _websocket(service.settings, chosen)
    try:
        await ws.prepare(request)
    except ConnectionError:
        return ws  # gone again: the reconnect window keeps running
    if connection is None or not usable or connection.closed:  # closed: expired while the handshake ran
        await ws.close(code=CLOSE_POLICY, message=b"The connection cannot be recovered.")
        return ws
    assert request.transport is not None
    service.resume(connection, ws, request.transport)
    await _serve(service, connection, ws)
    return ws


async def _serve(service: Service, connection: Connection, ws: web.WebSocketResponse) -> None:
    """Read frames one at a time until the socket ends or the service drops the connection."""
    reason, recoverable = "The client closed the connection.", False
    while not connection.closed and connection.is_socket(ws):
        message = await ws.receive()
        if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            try:
                await handle_frame(service, connection, message)
            except Exception:  # a bug of ours must cost this one connection, cleanly, and nothing else
                log.exception("internal error: hub=%s connection=%s", connection.hub, connection.id)
                service.drop(connection, "Internal server error.", CLOSE_SERVER_ERROR)
        elif message.type == WSMsgType.ERROR:  # oversized frame, invalid UTF-8, protocol error: aiohttp closed it
            reason = f"Invalid frame (close code {ws.close_code}): {message.data}"
            break
        else:
            if message.type == WSMsgType.CLOSE:  # RFC 6455 5.5.1: the answering close frame echoes the client's code
                await ws.close(code=message.data or WSCloseCode.OK, drain=False)
            if ws.close_code != 1000:
                reason, recoverable = f"The connection was lost (close code {ws.close_code}).", True
            break
    service.socket_ended(connection, ws, reason, recoverable=recoverable)
    if connection.closing is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait([connection.closing])


async def health(request: web.Request) -> web.Response:
    """GET/HEAD /api/health: the emulator is up."""
    return web.Response(status=200, text="OK")


def create_app(settings: Settings) -> web.Application:
    """The emulator as an aiohttp application; shutting it down closes every connection properly."""
    service = Service(settings)
    app = web.Application(client_max_size=settings.max_frame_bytes)
    app[SERVICE] = service

    async def rest_api(request: web.Request) -> web.StreamResponse:
        return await rest.handle(request, service)

    async def shutdown(_: web.Application) -> None:
        await service.shutdown()

    app.router.add_get("/client/hubs/{hub}", client_endpoint)
    app.router.add_get("/client", client_endpoint)
    app.router.add_get("/client/", client_endpoint)
    app.router.add_get("/api/health", health)
    app.router.add_route("*", "/api/hubs/{tail:.*}", rest_api)
    app.on_shutdown.append(shutdown)
    return app
