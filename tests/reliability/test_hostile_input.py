"""Hostile input, fuzzed with hypothesis, against the running stack (real emulator, adapter and Azurite).

Three doors: client frames into the emulator, CloudEvents requests straight to `eventHandler`, and
the data of every user event. Whatever comes in, no process dies, other connections keep working,
forged requests get 401, and the stored state changes only when the request was valid.

Examples are few in `make test` (seconds); `make soak` runs the same properties with many more.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from api.names import CHAT_NAME_MAX, clean_name
from api.state import CHATS_TABLE, CONNECTION_PREFIX, PRESENCE, USERS_TABLE
from api.validation import private_chat_id
from local.harness import swa_principal
from tests.chat_client import ChatClient, create_chat, join, new_chat_id, said
from tests.cloud_events import event_headers, post_event, signature
from tests.reliability.helpers import (
    SOAK,
    Snapshot,
    acknowledged,
    chat_key,
    diff,
    membership_key,
    snapshot,
    without_limits,
)
from tests.reliability.parts import Parts
from tests.support import eventually

pytestmark = pytest.mark.timeout(900 if SOAK else 240)

USER_EVENTS = [
    "userConnected",
    "createChat",
    "joinChat",
    "leaveChat",
    "createPrivateChat",
    "deleteChat",
    "userEnterIdle",
    "userExitIdle",
    "blockUser",
    "unblockUser",
]
REQUEST_TYPES = ["joinGroup", "leaveGroup", "sendToGroup", "event", "ping", "sequenceAck"]
ALLOWED_CLOSE_CODES = {1003, 1007, 1009}  # unsupported data, invalid payload, too big: never 1011 or 1006
MAX_FRAME = 1024 * 1024  # the emulator's default frame limit
MAX_BODY = 1024 * 1024  # FUNCTIONS_REQUEST_BODY_SIZE_LIMIT of the local stack


def fuzz_settings(examples: int, soak_examples: int) -> settings:
    return settings(
        max_examples=soak_examples if SOAK else examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---- strategies -------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)
# ackIds the fuzzer may use stay below the probes' (helpers start at 10_000_000)
fuzz_ack_ids = st.one_of(st.integers(min_value=-5, max_value=9_999_999), st.text(max_size=5), st.floats(), st.none())


def _nested(depth: int, closed: bool) -> str:
    return "[" * depth + ("]" * depth if closed else "")


def _mutate(text: str, edits: list[tuple[str, int, str]]) -> str:
    for op, position, char in edits:
        at = position % (len(text) + 1)
        if op == "insert":
            text = text[:at] + char + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1 :]
        elif op == "replace":
            text = text[:at] + char + text[at + 1 :]
        else:
            text = text[:at]
    return text


@dataclass(repr=False)
class Arena:
    """Who is there while frames fly: the hostile user (two tabs), a bystander, their chats."""

    stack: Parts
    users: Any
    hostile_id: str = ""
    hostile: ChatClient | None = None
    anchor: ChatClient | None = None
    bystander: ChatClient | None = None
    own_chat: str = ""
    other_chat: str = ""
    private_chat: str = ""
    closes: list[int | None] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        assert self.bystander and self.anchor
        return [self.own_chat, self.other_chat, self.private_chat, self.hostile_id, self.bystander.user_id]

    def __repr__(self) -> str:
        return f"Arena(hostile={self.hostile_id})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis prints a failing example
        printer.text(repr(self))

    async def hostile_tab(self) -> ChatClient:
        """The hostile connection, reopened when the last frame got it closed.

        Frames that break the protocol close it, again and again: each reopening is a user of its own,
        or the limit on how often one user opens connections would close it before any frame is sent.
        """
        if self.hostile is None or self.hostile.closed:
            if self.hostile is not None:
                self.closes.append(self.hostile.socket.ws.close_code)
            self.hostile = await self.users("Hostile").connect(announce=False)
            self.hostile_id = self.hostile.user_id
        return self.hostile

    async def forgotten(self, connection_id: str) -> None:
        """A connection the emulator closed is gone from it, not left behind half-open."""
        client = WebPubSubServiceClient.from_connection_string(self.stack.pubsub_connection_string, hub="chat")
        async with client:

            async def gone() -> bool:
                return not await client.connection_exists(connection_id)

            await eventually(gone, timeout=30)

    async def bystander_is_served(self) -> None:
        """The bystander's connection is open and its messages still go round, promptly."""
        assert self.bystander is not None and not self.bystander.closed
        text = uuid.uuid4().hex
        ack = await self.bystander.publish(self.other_chat, text)
        if not ack["success"] and ack["error"]["code"] == "rateLimited":  # served: told when, after many examples
            await asyncio.sleep(ack["error"]["retryAfter"])
            ack = await self.bystander.publish(self.other_chat, text)
        assert ack["success"] is True, ack
        await self.bystander.wait_for(lambda m: said(m) == text, timeout=30)


@pytest.fixture
async def arena(alive: Parts, users) -> Arena:
    arena = Arena(alive, users)
    arena.anchor = await users("Hostile").connect()
    arena.hostile_id = arena.anchor.user_id
    arena.bystander = await users("Bystander").connect()
    arena.own_chat = await create_chat(arena.anchor, "Hostile's room")
    await join(arena.anchor, arena.own_chat)
    arena.other_chat = await create_chat(arena.bystander, "Bystander's room")
    await join(arena.bystander, arena.other_chat)
    other = await users("Someone").connect()
    await other.event("createPrivateChat", {"targetUserId": arena.bystander.user_id})
    arena.private_chat = json.loads(await other.chat_event("joinPrivateChat"))["id"]
    await arena.hostile_tab()
    return arena


def _without_connections(rows: Snapshot, me: str | None = None) -> Snapshot:
    """Connections open and close as the hostile tab is reopened (and with them what everyone is told of those
    users, `me` excepted), and every attempt counts against its sender's rate limits: none is the input's doing."""
    return {
        key: row
        for key, row in without_limits(rows).items()
        if not (key[0] == USERS_TABLE and key[2].startswith(CONNECTION_PREFIX))
        and not (key[0] == USERS_TABLE and key[2] == PRESENCE and key[1] != me)
    }


def _error_replies(messages: list[dict]) -> list[Any]:
    return [
        m["data"]["data"]
        for m in messages
        if m.get("from") == "server" and isinstance(m.get("data"), dict) and m["data"].get("chatEvent") == "error"
    ]


# ---- client frames into the emulator --------------------------------------------------------------


@st.composite
def client_frames(draw: st.DrawFn, ids: list[str]) -> str | bytes:
    """Frames a hostile client could send: structured, mutated, deeply nested, oversized, or noise."""
    names = st.one_of(st.sampled_from(ids), st.text(max_size=20))
    fields = {
        "type": st.one_of(st.sampled_from(REQUEST_TYPES), st.text(max_size=12), json_values),
        "group": st.one_of(names, json_values),
        "event": st.one_of(st.sampled_from(USER_EVENTS), st.text(max_size=20), json_values),
        "dataType": st.one_of(st.sampled_from(["json", "text", "binary", "protobuf"]), st.text(max_size=8)),
        "data": st.one_of(json_values, names, st.dictionaries(st.sampled_from(["id", "name", "chatId"]), names)),
        "ackId": fuzz_ack_ids,
        "noEcho": st.one_of(st.booleans(), json_values),
        "sequenceId": st.one_of(st.integers(min_value=-5, max_value=2**65), json_values),
    }
    structured = st.fixed_dictionaries({}, optional=fields).map(json.dumps)
    valid = st.sampled_from(
        [
            json.dumps({"type": "event", "event": "joinChat", "dataType": "text", "data": ids[0]}),
            json.dumps({"type": "sendToGroup", "group": ids[0], "dataType": "json", "data": {"message": "hi"}}),
            json.dumps({"type": "event", "event": "sendMessage", "dataType": "json", "data": {"chatId": ids[0]}}),
            json.dumps({"type": "event", "event": "createChat", "dataType": "json", "data": {"id": "x", "name": "y"}}),
            json.dumps({"type": "joinGroup", "group": ids[1], "ackId": 1}),
        ]
    )
    edits = st.lists(
        st.tuples(st.sampled_from(["insert", "delete", "replace", "truncate"]), st.integers(0, 500), st.characters()),
        min_size=1,
        max_size=4,
    )
    mutated = st.builds(_mutate, valid, edits)
    nested = st.builds(
        lambda depth, closed, kind: (
            (
                json.dumps({"type": "event", "event": kind, "dataType": "json"})[:-1]
                + ', "data": '
                + _nested(depth, closed)
            )
            + ("}" if closed else "")
        ),
        st.integers(min_value=1, max_value=5000),
        st.booleans(),
        st.sampled_from(["createChat", "joinChat", "userConnected"]),
    )
    oversized = st.sampled_from([64 * 1024, MAX_FRAME + 1]).map(
        lambda n: json.dumps({"type": "sendToGroup", "group": ids[0], "dataType": "text", "data": "x" * n})
    )
    return draw(
        st.one_of(
            structured,
            mutated,
            nested,
            st.text(max_size=200),
            st.binary(max_size=200),
            oversized,
        )
    )


def _is_event(frame: str | bytes) -> bool:
    try:
        parsed = json.loads(frame)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "event"


async def _frame_example(arena: Arena, frame: str | bytes) -> None:
    hostile = await arena.hostile_tab()
    before = _without_connections(await snapshot(arena.stack.storage_connection_string))
    start = len(hostile.received)
    ws = hostile.socket.ws
    try:
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        ack, _ = await acknowledged(hostile, {"type": "sendToGroup", "group": "probe", "dataType": "text", "data": "?"})
        assert ack["error"]["name"] == "Forbidden", ack
    except (AssertionError, ConnectionError, RuntimeError):
        if not hostile.closed:
            raise
        await hostile.close()
        allowed = ALLOWED_CLOSE_CODES
        if len(frame) > MAX_FRAME:  # aiohttp cannot finish the close handshake while the rest of the frame arrives
            allowed = {*allowed, 1006}
        assert ws.close_code in allowed, (frame[:300], ws.close_code, hostile.received)
        await arena.forgotten(hostile.connection_id)
    answers = hostile.received[start:]
    failed_acks = [
        m for m in answers if m.get("type") == "ack" and m.get("error", {}).get("name") == "InternalServerError"
    ]
    assert not failed_acks, f"the event handler failed a user event: {failed_acks}"
    is_event = _is_event(frame)
    after = _without_connections(await snapshot(arena.stack.storage_connection_string))
    if not is_event or _error_replies(answers):
        assert before == after, diff(before, after)
    await arena.bystander_is_served()


@fuzz_settings(examples=60, soak_examples=1500)
@given(data=st.data())
async def test_random_client_frames_never_crash_anything_or_disturb_other_connections(arena: Arena, data) -> None:
    frame = data.draw(client_frames(arena.ids), label="frame")
    await _frame_example(arena, frame)


async def test_deeply_nested_frames_are_handled_or_refused_never_crash(arena: Arena) -> None:
    """Nesting a JSON parser recurses on: every depth is either handled or refused, never a crash."""
    for depth in (100, 500, 900, 950, 990, 1000, 2000, 100_000):
        await _frame_example(
            arena, '{"type":"event","event":"createChat","dataType":"json","data":' + _nested(depth, True) + "}"
        )


# ---- CloudEvents requests straight to eventHandler ------------------------------------------------

# what an HTTP client can put in a header value (servers trim the spaces around it)
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(str.strip)
header_names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,20}\Z")


@dataclass(frozen=True)
class CloudEvent:
    method: str
    headers: dict[str, str]
    body: bytes
    signed: bool  # carries a signature our key made for its own ce-connectionId


@st.composite
def cloud_events(draw: st.DrawFn, user_ids: list[str], connection_ids: list[str], ids: list[str]) -> CloudEvent:
    """Requests an attacker (or a confused proxy) could send to the event handler."""
    event = draw(
        st.one_of(st.sampled_from([*USER_EVENTS, "connected", "disconnected", "connect", "message"]), header_text)
    )
    kind = draw(st.sampled_from(["user", "sys", "other"]))
    ce_type = f"azure.webpubsub.{kind}.{event}" if kind != "other" else draw(header_text)
    connection_id = draw(st.one_of(st.sampled_from(connection_ids), header_text))
    signing = draw(st.sampled_from(["valid", "valid", "none", "wrong key", "another connection", "garbage"]))
    headers = {
        "ce-specversion": "1.0",
        "ce-type": ce_type,
        "ce-eventName": event,
        "ce-hub": draw(st.sampled_from(["chat", "CHAT", "other", ""])),
        "ce-userId": draw(st.one_of(st.sampled_from(user_ids), header_text)),
        "ce-connectionId": connection_id,
    }
    if signing == "valid":
        headers["ce-signature"] = signature(connection_id)
    elif signing == "wrong key":
        headers["ce-signature"] = signature(connection_id, "an-attackers-guess-at-the-key-0123456789")
    elif signing == "another connection":
        headers["ce-signature"] = signature(connection_id + "x")
    elif signing == "garbage":
        headers["ce-signature"] = draw(header_text)
    dropped = draw(st.sets(st.sampled_from(sorted(headers))))
    headers = {k: v for k, v in headers.items() if k not in dropped}
    extra = draw(st.dictionaries(header_names, header_text, max_size=3))
    headers.update({k: v for k, v in extra.items() if not k.lower().startswith(("ce-", "content-type"))})
    headers["Content-Type"] = draw(
        st.one_of(
            st.sampled_from(
                ["application/json", "text/plain", "application/octet-stream", "application/json; charset=utf-8"]
            ),
            header_text,
        )
    )
    body = draw(
        st.one_of(
            json_values.map(lambda v: json.dumps(v).encode()),
            st.sampled_from(ids).map(str.encode),
            st.dictionaries(st.sampled_from(["id", "name", "chatId", "targetUserId"]), st.sampled_from(ids)).map(
                lambda v: json.dumps(v).encode()
            ),
            st.binary(max_size=300),
            st.integers(min_value=1, max_value=5000).map(lambda n: _nested(n, True).encode()),
            st.sampled_from([256 * 1024, 2 * 1024 * 1024]).map(lambda n: b'{"name": "' + b"x" * n + b'"}'),
        )
    )
    method = draw(st.sampled_from(["POST"] * 8 + ["GET", "PUT", "DELETE", "PATCH"]))
    sent_id = headers.get("ce-connectionId", "")
    correctly_signed = bool(sent_id) and headers.get("ce-signature") == signature(sent_id)
    return CloudEvent(method, headers, body, correctly_signed)


@pytest.fixture
async def known(alive: Parts, users) -> dict[str, list[str]]:
    """Real users, connections and chats for the requests to name."""
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat = await create_chat(ada)
    await join(ada, chat)
    return {
        "users": [ada.user_id, bob.user_id],
        "connections": [ada.connection_id, bob.connection_id],
        "ids": [
            chat,
            new_chat_id(),
            ada.user_id,
            bob.user_id,
            "private_" + "_".join(sorted((ada.user_id, bob.user_id))),
        ],
    }


@fuzz_settings(examples=80, soak_examples=2000)
@given(data=st.data())
async def test_random_cloud_events_get_401_unless_signed_and_never_a_server_error(alive: Parts, known, data) -> None:
    request = data.draw(cloud_events(known["users"], known["connections"], known["ids"]), label="request")
    before = await snapshot(alive.storage_connection_string)
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            request.method, f"{alive.functions_url}/api/eventHandler", headers=request.headers, data=request.body
        ) as response,
    ):
        status, body = response.status, await response.read()
    after = await snapshot(alive.storage_connection_string)
    assert status < 500, (status, body)
    if request.method != "POST":
        assert status == 405
        assert before == after
        return
    if len(request.body) > MAX_BODY:  # signed or not, the adapter refuses it before the app reads it
        assert status == 413 and b"Traceback" not in body
        assert before == after
        return
    if not request.signed:
        assert status == 401, (status, body)
        assert before == after, diff(before, after)
        return
    if request.headers.get("ce-hub", "").lower() != "chat":
        assert status == 400
        assert before == after
        return
    ce_type = request.headers.get("ce-type", "")
    if ce_type == "azure.webpubsub.sys.connect":  # only reads: accepted, or refused with the handshake's status
        assert status in (204, 401, 429), (status, body)
        assert before == after, diff(before, after)
        return
    assert status in (200, 204), (status, body)
    if status == 200:
        reply = json.loads(body)
        assert reply["chatEvent"] in ("error", "userOnline") and reply["data"]
        if reply["chatEvent"] == "error":
            assert reply["data"]["message"]
    if not ce_type.startswith("azure.webpubsub.sys.") and status == 200:
        assert without_limits(before) == without_limits(after), diff(before, after)


@pytest.mark.parametrize("depth", [10, 900, 1000, 5000, 100_000])
async def test_deeply_nested_json_in_a_signed_event_is_a_user_error_not_a_crash(alive: Parts, depth: int) -> None:
    ada = await ChatClient(alive.functions_url, "Ada").connect()
    try:
        headers = {**event_headers("createChat", ada.user_id, ada.connection_id), "Content-Type": "application/json"}
        before = await snapshot(alive.storage_connection_string)
        status, body = await post_event(alive.functions_url, headers, _nested(depth, True))
        assert status == 200, (status, body)
        assert json.loads(body)["chatEvent"] == "error"
        assert before == await snapshot(alive.storage_connection_string)
    finally:
        await ada.close()


async def test_the_abuse_protection_handshake_allows_only_our_service(alive: Parts) -> None:
    async with aiohttp.ClientSession() as session:
        for origin, expected in [("127.0.0.1", 200), ("127.0.0.1:8080", 200), ("evil.example", 403), ("", 400)]:
            headers = {"WebHook-Request-Origin": origin} if origin else {}
            async with session.options(f"{alive.functions_url}/api/eventHandler", headers=headers) as response:
                assert response.status == expected, origin
                allowed = response.headers.get("WebHook-Allowed-Origin")
                assert (allowed == origin) if expected == 200 else allowed is None


# ---- the data of every user event, through the emulator -------------------------------------------


@st.composite
def user_events(draw: st.DrawFn, ids: list[str]) -> tuple[str, str, Any]:
    """An event name and data: well-shaped with hostile values, or anything at all."""
    event = draw(st.sampled_from(USER_EVENTS))
    value = st.one_of(st.sampled_from(ids), st.text(max_size=140), json_values)
    shaped = st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(value, st.uuids().map(str)),
            "name": st.one_of(
                value, st.sampled_from(["<script>alert(1)</script>", "  padded  ", "\u202eevil", "x" * 101])
            ),
            "chatId": value,
            "targetUserId": value,
            "userId": value,
            "initiatorUserId": value,
            "userName": value,
        },
    )
    data = draw(st.one_of(shaped, value))
    data_type = "json" if isinstance(data, (dict, list)) or draw(st.booleans()) else "text"
    if data_type == "text" and not isinstance(data, str):
        data = json.dumps(data)
    return event, data_type, data


@fuzz_settings(examples=80, soak_examples=2000)
@given(data=st.data())
async def test_random_data_for_every_user_event_is_answered_and_changes_nothing_unless_valid(
    arena: Arena, data
) -> None:
    event, data_type, value = data.draw(user_events(arena.ids), label="event")
    assume(value is not None)  # null data is a protocol error: the emulator itself closes the socket (1007)
    try:
        frame = {"type": "event", "event": event, "dataType": data_type, "data": value}
        json.dumps(frame, allow_nan=False)
    except ValueError:
        assume(False)
    hostile = await arena.hostile_tab()
    before = await snapshot(arena.stack.storage_connection_string)
    ack, errors = await acknowledged(hostile, frame)
    after = await snapshot(arena.stack.storage_connection_string)
    assert ack["success"] is True, ack  # bad input is answered, never a failed invocation
    assert not hostile.closed
    if errors:
        assert [e["event"] for e in errors] == [event] and all(e["message"] for e in errors)
        assert _without_connections(before) == _without_connections(after), diff(before, after)
    else:
        _check_accepted(event, value, arena, before, after)
    await arena.bystander_is_served()


def _check_accepted(event: str, value: Any, arena: Arena, before: Snapshot, after: Snapshot) -> None:
    """An event that got no error must have been a valid request, and did what it says."""
    me = arena.hostile_id
    if event == "createChat":
        assert isinstance(value, dict)
        row = after[chat_key(value["id"])]
        assert chat_key(value["id"]) not in before
        assert row["owner"] == me and row["name"] == clean_name(value["name"], "chat name", CHAT_NAME_MAX)
    elif event == "joinChat":
        assert membership_key(me, value) in after
    elif event == "leaveChat":
        key = membership_key(me, value["chatId"])
        assert key in before and not before[key].get("left")
        assert key not in after or after[key]["left"] is True  # a private chat left stays, marked left
    elif event == "deleteChat":
        assert before[chat_key(value)]["owner"] == me
        assert chat_key(value) not in after
        assert not [k for k in after if k == membership_key(k[1], value) or (k[0] == CHATS_TABLE and k[1] == value)]
    elif event == "createPrivateChat":
        assert isinstance(value, dict) and value["targetUserId"] != me
        assert (USERS_TABLE, value["targetUserId"], "profile") in before
    elif event in ("blockUser", "unblockUser"):  # the sender's block list, and the blocked one's side of a private chat
        target = value["userId"] if isinstance(value, dict) else value
        assert event == "unblockUser" or (USERS_TABLE, target, "profile") in before  # unblocking anyone is harmless
        changed = diff(_without_connections(before), _without_connections(after))
        side = membership_key(target, private_chat_id(me, target))  # made, left, when they had no chat with me
        touched = {(USERS_TABLE, me, "profile"), side}
        assert not changed or (
            set(changed["added"]) <= {side} and not changed["removed"] and set(changed["changed"]) <= touched
        )
    else:  # presence events change nothing but what everyone is told of the sender
        changed = diff(_without_connections(before, me), _without_connections(after, me))
        told = {(USERS_TABLE, me, PRESENCE)}
        assert not changed or (not changed["removed"] and set(changed["added"]) | set(changed["changed"]) <= told), (
            changed
        )


# ---- the HTTP API ---------------------------------------------------------------------------------


@st.composite
def api_requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(["getToken", "users", "chats", "search"]))
    keys = st.sampled_from(
        ["guestName", "userId", "id", "after", "limit", "search", "mine", "q", "chat", "before", "x"]
    )
    params = draw(st.dictionaries(keys, st.text(max_size=80), max_size=2))
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        principal = draw(
            st.one_of(
                json_values.map(lambda v: base64.b64encode(json.dumps(v).encode()).decode()),
                st.builds(swa_principal, st.text(max_size=140), st.text(max_size=80)),
                header_text,
            )
        )
        headers["x-ms-client-principal"] = principal
    if draw(st.booleans()):
        headers["X-Chatr-Guest"] = draw(header_text)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    return f"{path}?{query}" if query else path, headers


async def test_a_deeply_nested_principal_is_no_identity_and_no_crash(alive: Parts) -> None:
    principal = base64.b64encode(_nested(2500, True).encode()).decode()  # within 8 KB of header
    async with aiohttp.ClientSession() as session:
        for path in ("getToken", "users", "chats"):
            headers = {"x-ms-client-principal": principal}
            async with session.get(f"{alive.functions_url}/api/{path}", headers=headers) as response:
                assert response.status == 401, path


@fuzz_settings(examples=60, soak_examples=1500)
@given(data=st.data())
async def test_random_api_calls_get_an_answer_never_a_server_error(alive: Parts, data) -> None:
    path, headers = data.draw(api_requests(), label="call")
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{alive.functions_url}/api/{path}", headers=headers) as response,
    ):
        status, body = response.status, await response.json(content_type=None)
    looked_up = "id=" in path and path.startswith(("users", "chats"))  # one user or chat by id: 404 when unknown
    looked_up |= path.startswith("search") and "chat=" in path  # messages of one chat: 404 unless yours
    searched = "search=" in path or path.startswith("search")  # searches are rate-limited: 429 when too often
    assert status in (200, 400, 401) or (status == 404 and looked_up) or (status == 429 and searched), (status, body)
    if status != 200:
        assert isinstance(body, dict) and body["error"]
