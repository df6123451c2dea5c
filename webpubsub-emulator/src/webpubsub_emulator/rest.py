"""The data-plane REST API under `/api/hubs/{hub}/…`, with the exact status codes the SDKs insist on.

Routing is done on the raw path, one percent-decoded segment at a time, because the SDKs encode `/`
in names (`g%2F1`). Every call needs `Authorization: Bearer <JWT>` signed with an access key whose
audience is the request URL. Operations on an unknown connection succeed silently, except the ones
that must name a live connection (`add_connection_to_group`, `grant_permission`: 404) and the
existence checks (404 = false).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode

from aiohttp import web

from . import names
from .connections import Connection
from .hub import Hub, Predicate
from .messages import Payload, PayloadError
from .odata import FilterError, compile_filter
from .permissions import PERMISSIONS
from .service import Service
from .tokens import TokenError, issue_client_token, verify_rest_token

MAX_PAGE_SIZE = 200
DEFAULT_CLOSE_REASON = "Closed by the server."


class RestError(Exception):
    """An answer other than success: status, error code and message (the SDKs read `code`/`message`)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def bad_request(message: str) -> RestError:
    """400 with the service's error code for invalid arguments."""
    return RestError(400, "InvalidArgument", message)


def parse_filter(text: str) -> Predicate:
    """The compiled OData filter, or the 400 the service sends (its wording, which SDK tests compare)."""
    try:
        return compile_filter(text)
    except FilterError as err:
        raise bad_request(f"Invalid syntax for '{text}': {err} (Parameter 'filter')") from None


@dataclass
class Call:
    """One REST call: the request, the hub it addresses and the decoded path parameters."""

    request: web.Request
    service: Service
    hub: Hub
    params: dict[str, str]

    def query(self, name: str) -> str | None:
        """A single query value."""
        return self.request.query.get(name)

    def query_all(self, name: str) -> list[str]:
        """A repeated query parameter (`excluded=a&excluded=b`)."""
        return self.request.query.getall(name, [])

    def int_query(self, name: str, low: int, high: int) -> int | None:
        """An integer query value within bounds, or 400."""
        raw = self.query(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"'{name}' must be an integer") from None
        if not low <= value <= high:
            raise bad_request(f"'{name}' must be between {low} and {high}")
        return value

    def connection(self) -> Connection | None:
        """The connection the path names, if it is live."""
        return self.hub.get(self.params["connection"])

    def predicate(self) -> Predicate | None:
        """The compiled OData `filter` query, or 400."""
        text = self.query("filter")
        return parse_filter(text) if text else None

    async def payload(self) -> Payload:
        """The message body with its Content-Type; 400 for a body that does not match it."""
        self.int_query("messageTtlSeconds", 0, 300)  # validated like the service; delivery is immediate
        try:
            return Payload.from_http(self.request.headers.get("Content-Type"), await self.request.read())
        except PayloadError as err:
            raise bad_request(str(err)) from None


def _status(status: int) -> web.Response:
    return web.Response(status=status)


# ---- sending ------------------------------------------------------------------------------------


async def send_to_all(call: Call) -> web.Response:
    """POST /:send"""
    payload = await call.payload()
    call.hub.send_to_all(payload, set(call.query_all("excluded")), call.predicate())
    return _status(202)


async def send_to_user(call: Call) -> web.Response:
    """POST /users/{user}/:send"""
    payload = await call.payload()
    call.hub.send_to_user(call.params["user"], payload, call.predicate())
    return _status(202)


async def send_to_group(call: Call) -> web.Response:
    """POST /groups/{group}/:send — clients get `from: group` with `fromUserId: null`."""
    payload = await call.payload()
    excluded = set(call.query_all("excluded"))
    call.hub.send_to_group(call.params["group"], payload, excluded=excluded, predicate=call.predicate())
    return _status(202)


async def send_to_connection(call: Call) -> web.Response:
    """POST /connections/{connection}/:send"""
    payload = await call.payload()
    call.hub.send_to_connection(call.params["connection"], payload)
    return _status(202)


# ---- closing --------------------------------------------------------------------------------------


def _close(call: Call, connections: list[Connection]) -> web.Response:
    excluded = set(call.query_all("excluded"))
    reason = call.query("reason") or DEFAULT_CLOSE_REASON
    for connection in connections:
        if connection.id not in excluded:
            call.service.drop(connection, reason)
    return _status(204)


async def close_all(call: Call) -> web.Response:
    """POST /:closeConnections"""
    return _close(call, list(call.hub.connections.values()))


async def close_user(call: Call) -> web.Response:
    """POST /users/{user}/:closeConnections"""
    return _close(call, call.hub.user_connections(call.params["user"]))


async def close_group(call: Call) -> web.Response:
    """POST /groups/{group}/:closeConnections"""
    return _close(call, call.hub.members(call.params["group"]))


async def close_connection(call: Call) -> web.Response:
    """DELETE /connections/{connection}"""
    return _close(call, [c] if (c := call.connection()) else [])


# ---- existence ------------------------------------------------------------------------------------


async def connection_exists(call: Call) -> web.Response:
    """HEAD /connections/{connection}"""
    return _status(200 if call.connection() else 404)


async def group_exists(call: Call) -> web.Response:
    """HEAD /groups/{group}"""
    return _status(200 if call.hub.group_exists(call.params["group"]) else 404)


async def user_exists(call: Call) -> web.Response:
    """HEAD /users/{user}"""
    return _status(200 if call.hub.user_exists(call.params["user"]) else 404)


# ---- groups ---------------------------------------------------------------------------------------


async def add_connection_to_group(call: Call) -> web.Response:
    """PUT /groups/{group}/connections/{connection} — 404 for a connection that is not there."""
    connection = call.connection()
    if connection is None:
        raise RestError(404, "NotFound", f"Connection {call.params['connection']!r} does not exist.")
    call.hub.join(connection, call.params["group"])
    return _status(200)


async def remove_connection_from_group(call: Call) -> web.Response:
    """DELETE /groups/{group}/connections/{connection}"""
    if connection := call.connection():
        call.hub.leave(connection, call.params["group"])
    return _status(204)


async def remove_connection_from_all_groups(call: Call) -> web.Response:
    """DELETE /connections/{connection}/groups"""
    if connection := call.connection():
        call.hub.leave_all(connection)
    return _status(204)


async def add_user_to_group(call: Call) -> web.Response:
    """PUT /users/{user}/groups/{group} — also for the user's future connections."""
    call.hub.add_user_to_group(call.params["user"], call.params["group"])
    return _status(200)


async def remove_user_from_group(call: Call) -> web.Response:
    """DELETE /users/{user}/groups/{group}"""
    call.hub.remove_user_from_group(call.params["user"], call.params["group"])
    return _status(204)


async def remove_user_from_all_groups(call: Call) -> web.Response:
    """DELETE /users/{user}/groups"""
    call.hub.remove_user_from_all_groups(call.params["user"])
    return _status(204)


async def _bulk_groups(call: Call, apply: Callable[[Connection, str], None]) -> web.Response:
    try:
        body = json.loads(await call.request.read() or b"{}")
    except ValueError:
        raise bad_request("the body must be JSON: {groups: [...], filter: '...'}") from None
    groups = body.get("groups") if isinstance(body, dict) else None
    if not isinstance(groups, list) or not groups or not all(names.valid_group(g) for g in groups):
        raise bad_request("'groups' must be a non-empty list of valid group names")
    text = body.get("filter")
    if text is not None and not isinstance(text, str):
        raise bad_request("'filter' must be a string")
    predicate = parse_filter(text) if text else None
    for connection in list(call.hub.connections.values()):
        if predicate is None or predicate(connection):
            for group in groups:
                apply(connection, group)
    return _status(200)


async def add_to_groups(call: Call) -> web.Response:
    """POST /:addToGroups — the filtered connections join every listed group."""
    return await _bulk_groups(call, call.hub.join)


async def remove_from_groups(call: Call) -> web.Response:
    """POST /:removeFromGroups — the filtered connections leave every listed group."""
    return await _bulk_groups(call, call.hub.leave)


async def list_connections(call: Call) -> web.Response:
    """GET /groups/{group}/connections — pages ordered by connection id; `nextLink` carries the rest."""
    top = call.int_query("top", 1, 2**31 - 1)
    page_size = call.int_query("maxpagesize", 1, MAX_PAGE_SIZE) or MAX_PAGE_SIZE
    after = call.query("continuationToken")
    members = [m for m in call.hub.members(call.params["group"]) if after is None or m.id > after]
    page = members[: min(page_size, top or page_size)]
    body: dict[str, object] = {"value": [{"connectionId": m.id, "userId": m.user_id} for m in page]}
    left = None if top is None else top - len(page)
    if len(members) > len(page) and left != 0:
        query = {"maxpagesize": page_size, "continuationToken": page[-1].id}
        if left is not None:
            query["top"] = left
        if version := call.query("api-version"):
            query["api-version"] = version
        path = f"/api/hubs/{quote(call.hub.name, safe='')}/groups/{quote(call.params['group'], safe='')}/connections"
        body["nextLink"] = f"{path}?{urlencode(query)}"
    return web.json_response(body)


# ---- permissions ------------------------------------------------------------------------------------


def _target(call: Call) -> str | None:
    target = call.query("targetName")
    if target is not None and not names.valid_group(target):
        raise bad_request("'targetName' must be a valid group name")
    return target


async def grant_permission(call: Call) -> web.Response:
    """PUT /permissions/{permission}/connections/{connection}[?targetName=group]"""
    target = _target(call)
    connection = call.connection()
    if connection is None:
        raise RestError(404, "NotFound", f"Connection {call.params['connection']!r} does not exist.")
    connection.permissions.grant(call.params["permission"], target)
    return _status(200)


async def revoke_permission(call: Call) -> web.Response:
    """DELETE /permissions/{permission}/connections/{connection}[?targetName=group]"""
    target = _target(call)
    if connection := call.connection():
        connection.permissions.revoke(call.params["permission"], target)
    return _status(204)


async def check_permission(call: Call) -> web.Response:
    """HEAD /permissions/{permission}/connections/{connection}[?targetName=group]"""
    target = _target(call)
    connection = call.connection()
    allowed = connection is not None and connection.permissions.has(call.params["permission"], target)
    return _status(200 if allowed else 404)


# ---- tokens -------------------------------------------------------------------------------------------


async def generate_token(call: Call) -> web.Response:
    """POST /:generateToken — what SDKs call when they hold no access key."""
    client_type = (call.query("clientType") or "Default").lower()
    if client_type != "default":
        raise bad_request(f"clientType {client_type!r} is not supported by the emulator (Default only)")
    groups = call.query_all("group")
    if not all(names.valid_group(g) for g in groups):
        raise bad_request("every 'group' must be a valid group name")
    minutes = call.int_query("minutesToExpire", 1, 2**31 - 1) or 60
    audience = f"{call.request.scheme}://{call.request.host}/client/hubs/{call.hub.name}"
    token = issue_client_token(
        call.service.settings.access_keys[0],
        audience,
        user_id=call.query("userId"),
        roles=call.query_all("role"),
        groups=groups,
        minutes=minutes,
    )
    return web.json_response({"token": token})


# ---- routing ------------------------------------------------------------------------------------------

Operation = Callable[[Call], Awaitable[web.Response]]
ROUTES: list[tuple[str, tuple[str, ...], Operation]] = [
    ("POST", (":send",), send_to_all),
    ("POST", (":closeConnections",), close_all),
    ("POST", (":generateToken",), generate_token),
    ("POST", (":addToGroups",), add_to_groups),
    ("POST", (":removeFromGroups",), remove_from_groups),
    ("POST", ("users", "{user}", ":send"), send_to_user),
    ("POST", ("users", "{user}", ":closeConnections"), close_user),
    ("HEAD", ("users", "{user}"), user_exists),
    ("PUT", ("users", "{user}", "groups", "{group}"), add_user_to_group),
    ("DELETE", ("users", "{user}", "groups", "{group}"), remove_user_from_group),
    ("DELETE", ("users", "{user}", "groups"), remove_user_from_all_groups),
    ("POST", ("groups", "{group}", ":send"), send_to_group),
    ("POST", ("groups", "{group}", ":closeConnections"), close_group),
    ("HEAD", ("groups", "{group}"), group_exists),
    ("GET", ("groups", "{group}", "connections"), list_connections),
    ("PUT", ("groups", "{group}", "connections", "{connection}"), add_connection_to_group),
    ("DELETE", ("groups", "{group}", "connections", "{connection}"), remove_connection_from_group),
    ("POST", ("connections", "{connection}", ":send"), send_to_connection),
    ("DELETE", ("connections", "{connection}"), close_connection),
    ("HEAD", ("connections", "{connection}"), connection_exists),
    ("DELETE", ("connections", "{connection}", "groups"), remove_connection_from_all_groups),
    ("PUT", ("permissions", "{permission}", "connections", "{connection}"), grant_permission),
    ("DELETE", ("permissions", "{permission}", "connections", "{connection}"), revoke_permission),
    ("HEAD", ("permissions", "{permission}", "connections", "{connection}"), check_permission),
]
_VALID: dict[str, tuple[Callable[[str], bool], str]] = {
    "group": (names.valid_group, "a group name has 1 to 1024 characters, not only whitespace"),
    "user": (names.valid_user, "a user id may not be empty"),
    "connection": (bool, "a connection id may not be empty"),
    "permission": (PERMISSIONS.__contains__, f"the permission must be one of {', '.join(PERMISSIONS)}"),
}


def _match(method: str, segments: list[str]) -> tuple[Operation, dict[str, str]]:
    """The operation for a path below the hub, or 404/405."""
    path_matched = False
    for route_method, pattern, operation in ROUTES:
        if len(pattern) != len(segments):
            continue
        params = {}
        for expected, actual in zip(pattern, segments, strict=True):
            if expected.startswith("{"):
                params[expected[1:-1]] = actual
            elif expected != actual:
                break
        else:
            if route_method == method:
                return operation, params
            path_matched = True
    if path_matched:
        raise RestError(405, "MethodNotAllowed", f"{method} is not allowed here")
    raise RestError(404, "NotFound", "no such operation")


def _authenticate(request: web.Request, service: Service) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RestError(401, "Unauthorized", "an 'Authorization: Bearer <token>' header is required")
    try:
        verify_rest_token(token.strip(), service.settings.access_keys, request.raw_path)
    except TokenError as err:
        raise RestError(401, "Unauthorized", f"invalid token: {err}") from None


async def handle(request: web.Request, service: Service) -> web.StreamResponse:
    """Entry point for everything under /api/hubs/."""
    try:
        segments = [unquote(s) for s in request.rel_url.raw_path.split("/")[3:]]  # after "", "api", "hubs"
        hub_name, rest = (segments[0], segments[1:]) if segments else ("", [])
        operation, params = _match(request.method, rest)
        _authenticate(request, service)
        if not names.valid_hub(hub_name):
            raise bad_request("a hub name starts with a letter: letters, digits, _ ` , . [ ] (at most 128)")
        for name, value in params.items():
            valid, rule = _VALID[name]
            if not valid(value):
                raise bad_request(rule)
        return await operation(Call(request, service, service.hub(hub_name), params))
    except RestError as err:
        if request.method == "HEAD":
            return _status(err.status)
        return web.json_response(
            {"code": err.code, "message": str(err)}, status=err.status, headers={"x-ms-error-code": err.code}
        )
