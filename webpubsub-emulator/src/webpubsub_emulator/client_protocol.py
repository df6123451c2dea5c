"""What a client's frames do: the JSON subprotocols' requests, or user event `message` for raw clients.

Answers follow the service: requests with an `ackId` get an `ack` with one of the error names it
documents (`Duplicate`, `Forbidden`, and `InternalServerError` when a user event's handler is
missing, fails or times out); without one they are fire-and-forget, so a forbidden join or publish
is dropped and logged. A frame that is not a valid JSON-subprotocol request (binary, not JSON,
unknown `type`, missing or bad fields) closes the connection with 1003/1007, `ackId` or not, as
Microsoft's emulator does; so does a failed user event that carried no `ackId` (1011: nobody would
hear about the failure otherwise).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

from aiohttp import WSMessage, WSMsgType

from . import names
from .connections import Connection
from .messages import BINARY, TEXT, Outbound, Payload, PayloadError
from .permissions import JOIN_LEAVE, SEND
from .service import Service
from .webhooks import UpstreamError

log = logging.getLogger("webpubsub.client")

CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID = 1007
CLOSE_SERVER_ERROR = 1011
MAX_UINT64 = 2**64 - 1


class BadRequest(Exception):
    """A well-formed frame whose request is invalid (missing field, bad name, bad data)."""


class Forbidden(Exception):
    """The connection lacks the permission the request needs."""


Handler = Callable[[Service, Connection, dict[str, Any]], Awaitable[None]]


def _uint64(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UINT64


def _group(frame: dict[str, Any]) -> str:
    group = frame.get("group")
    if not names.valid_group(group):
        raise BadRequest("'group' must be a string of 1 to 1024 characters, not only whitespace.")
    return group


def _payload(frame: dict[str, Any]) -> Payload:
    try:
        return Payload.from_client(frame.get("dataType"), frame.get("data"))
    except PayloadError as err:
        raise BadRequest(str(err)) from err


def _check(connection: Connection, permission: str, group: str, action: str) -> None:
    if not connection.permissions.allows(permission, group):
        raise Forbidden(f"The client does not have permission to {action} group '{group}'.")


def _ack(connection: Connection, ack_id: int | None, error: tuple[str, str] | None = None) -> None:
    if ack_id is None:
        return
    message: dict[str, Any] = {"type": "ack", "ackId": ack_id, "success": error is None}
    if error is not None:
        message["error"] = {"name": error[0], "message": error[1]}
    connection.send_control(message)


# ---- the requests ------------------------------------------------------------------------------


async def _join(service: Service, connection: Connection, frame: dict[str, Any]) -> None:
    group = _group(frame)
    _check(connection, JOIN_LEAVE, group, "join")
    service.hub(connection.hub).join(connection, group)


async def _leave(service: Service, connection: Connection, frame: dict[str, Any]) -> None:
    group = _group(frame)
    _check(connection, JOIN_LEAVE, group, "leave")
    service.hub(connection.hub).leave(connection, group)


async def _send_to_group(service: Service, connection: Connection, frame: dict[str, Any]) -> None:
    group = _group(frame)
    payload = _payload(frame)
    no_echo = frame.get("noEcho", False)
    if not isinstance(no_echo, bool):
        raise BadRequest("'noEcho' must be true or false.")
    _check(connection, SEND, group, "send message to")
    service.hub(connection.hub).send_to_group(group, payload, sender=connection, no_echo=no_echo)


async def _event(service: Service, connection: Connection, frame: dict[str, Any]) -> None:
    event = frame.get("event")
    if not names.valid_event(event):
        raise BadRequest("'event' must be a name of 1 to 128 visible ASCII characters.")
    reply = await service.upstream.user_event(connection, event, _payload(frame))
    if reply is not None:
        connection.deliver(Outbound.from_server(reply))


_REQUESTS: dict[str, Handler] = {
    "joinGroup": _join,
    "leaveGroup": _leave,
    "sendToGroup": _send_to_group,
    "event": _event,
}


# ---- frames ---------------------------------------------------------------------------------------


async def handle_frame(service: Service, connection: Connection, message: WSMessage) -> None:
    """Act on one frame; returns after the upstream answered, so a connection's events stay in order."""
    if connection.pubsub:
        await _handle_pubsub(service, connection, message)
    else:
        await _handle_raw(service, connection, message)


async def _handle_raw(service: Service, connection: Connection, message: WSMessage) -> None:
    """A raw client's frame is user event `message`; the handler's reply goes back as a frame."""
    binary = message.type == WSMsgType.BINARY
    payload = Payload(BINARY, message.data) if binary else Payload(TEXT, message.data.encode())
    try:
        reply = await service.upstream.user_event(connection, "message", payload)
    except UpstreamError as err:
        service.drop(connection, str(err), CLOSE_SERVER_ERROR)
        return
    if reply is not None:
        connection.deliver(Outbound.from_server(reply))


async def _handle_pubsub(service: Service, connection: Connection, message: WSMessage) -> None:
    if message.type != WSMsgType.TEXT:
        service.drop(connection, "The JSON subprotocols accept text frames only.", CLOSE_UNSUPPORTED)
        return
    try:
        frame = json.loads(message.data)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        service.drop(connection, "The message is not valid JSON.", CLOSE_INVALID)
        return
    if not isinstance(frame, dict):
        service.drop(connection, "The message is not a JSON object.", CLOSE_INVALID)
        return
    kind = frame.get("type")
    if kind == "ping":
        connection.send_control({"type": "pong"})
        return
    if kind == "sequenceAck":
        sequence_id = frame.get("sequenceId")
        if not _uint64(sequence_id):
            service.drop(connection, "'sequenceId' must be an unsigned 64-bit integer.", CLOSE_INVALID)
        elif connection.reliable:
            connection.acknowledge(sequence_id)
        return
    if not isinstance(kind, str) or kind not in _REQUESTS:
        service.drop(connection, f"Unknown message type {kind!r}.", CLOSE_INVALID)
        return
    ack_id = frame.get("ackId")
    if ack_id is not None and not _uint64(ack_id):
        service.drop(connection, "'ackId' must be an unsigned 64-bit integer.", CLOSE_INVALID)
        return
    if ack_id is not None and connection.seen_ack_id(ack_id):
        _ack(connection, ack_id, ("Duplicate", f"Message with ackId {ack_id} has already been processed."))
        return
    await _request(service, connection, kind, _REQUESTS[kind], frame, ack_id)


async def _request(
    service: Service, connection: Connection, kind: str, handler: Handler, frame: dict[str, Any], ack_id: int | None
) -> None:
    try:
        await handler(service, connection, frame)
    except BadRequest as err:
        service.drop(connection, f"Invalid {kind} message: {err}", CLOSE_INVALID)
    except Forbidden as err:
        log.info("forbidden: hub=%s connection=%s %s: %s", connection.hub, connection.id, kind, err)
        _ack(connection, ack_id, ("Forbidden", str(err)))
    except UpstreamError as err:
        if ack_id is None:
            service.drop(connection, str(err), CLOSE_SERVER_ERROR)
        _ack(connection, ack_id, ("InternalServerError", str(err)))
    else:
        if ack_id is not None:
            connection.remember_ack_id(ack_id)
        _ack(connection, ack_id)
