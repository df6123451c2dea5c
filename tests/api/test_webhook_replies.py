"""What the event handler answers once an event is authenticated, in-process over the in-memory fakes.

A user event is never answered with an error status (Web PubSub would drop the connection): bad input
and outages get a 200 whose body tells the user. A system event that hit an outage gets a 503.
"""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from api import webhook
from api.limits import MAX_CONNECTIONS_PER_USER, MAX_OWNED_CHATS, RATES
from api.responses import MAX_BODY_BYTES
from api.state import State
from local.stack import free_port, pubsub_connection_string
from tests.api.core import Core
from tests.cloud_events import event_headers

CHAT = "0b6f4c1e-6a53-4c3e-9d2e-3f1a2b4c5d6e"


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Core:
    """The handler's clients are the fakes; events are signed with the key of its connection string."""
    core = Core()

    async def state() -> State:
        return core.state

    monkeypatch.setenv("PUBSUB_CONNECTION_STRING", pubsub_connection_string(free_port()))
    monkeypatch.delenv("WEBHOOK_AUDIENCE", raising=False)
    monkeypatch.setattr(webhook, "state", state)
    monkeypatch.setattr(webhook, "pubsub", lambda: core.pubsub)
    return core


def request(
    event: str, user_id: str, connection_id: str, body: object = None, *, system: bool = False
) -> func.HttpRequest:
    """A signed event whose body is `body` as JSON (bytes are sent as they are)."""
    headers = {**event_headers(event, user_id, connection_id), "Content-Type": "application/json"}
    if system:
        headers["ce-type"] = f"azure.webpubsub.sys.{event}"
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    return func.HttpRequest("POST", "http://localhost/api/eventHandler", headers=headers, body=raw)


def error_reply(response: func.HttpResponse) -> dict[str, object]:
    assert response.status_code == 200
    body = json.loads(response.get_body())
    assert body["chatEvent"] == "error"
    return dict(body["data"])


async def test_an_event_that_succeeds_is_answered_with_no_content(core: Core) -> None:
    connection = await core.online("ada")
    response = await webhook.handle(request("createChat", "ada", connection, {"id": CHAT, "name": "Lobby"}))
    assert response.status_code == 204
    assert await core.state.get_chat(CHAT) is not None


async def test_bad_input_is_answered_with_a_reply_naming_the_event_and_the_chat(core: Core) -> None:
    connection = await core.online("ada")
    response = await webhook.handle(request("leaveChat", "ada", connection, {"chatId": CHAT}))
    assert error_reply(response) == {
        "event": "leaveChat",
        "message": "You are not in that chat",
        "chatId": CHAT,
        "code": "invalid",
        "retryAfter": None,
        "requestId": None,
    }


async def test_an_event_over_the_rate_is_answered_with_the_seconds_to_wait(core: Core) -> None:
    connection = await core.online("ada")
    for i in range(RATES["chats"].burst):
        await core.send("createChat", "ada", connection, {"id": f"c-{i}", "name": "Mine"})
    reply = error_reply(await webhook.handle(request("createChat", "ada", connection, {"id": CHAT, "name": "Late"})))
    assert reply["code"] == "rateLimited" and isinstance(reply["retryAfter"], int) and reply["retryAfter"] >= 1
    assert reply["chatId"] == CHAT and "try again in" in str(reply["message"])


async def test_an_event_past_a_cap_is_answered_with_the_cap(core: Core) -> None:
    connection = await core.online("ada")
    account = await core.state.get_account("ada")
    assert account is not None
    await core.state.save_limits("ada", account.limits.with_owned(MAX_OWNED_CHATS), account.limits_etag)
    reply = error_reply(await webhook.handle(request("createChat", "ada", connection, {"id": CHAT, "name": "More"})))
    assert reply["code"] == "limitReached" and reply["retryAfter"] is None


async def test_a_reply_for_the_sending_connection_alone_is_its_body(core: Core) -> None:
    await core.online("ada")
    second = await core.connect("ada")
    response = await webhook.handle(request("userConnected", "ada", second, {}))
    assert response.status_code == 200
    assert json.loads(response.get_body())["chatEvent"] == "userOnline"


async def test_a_refused_connect_gets_the_status_the_clients_handshake_should_fail_with(core: Core) -> None:
    for _ in range(MAX_CONNECTIONS_PER_USER):
        await core.online("ada")
    response = await webhook.handle(request("connect", "ada", "next", {"claims": {}}, system=True))
    assert response.status_code == 429 and "at most" in response.get_body().decode()


async def test_a_body_over_a_megabyte_is_refused(core: Core) -> None:
    connection = await core.online("ada")
    response = await webhook.handle(request("createChat", "ada", connection, b"x" * (MAX_BODY_BYTES + 1)))
    assert response.status_code == 413 and core.state.chats == {}


async def test_json_that_does_not_parse_is_answered_with_a_reply(core: Core) -> None:
    connection = await core.online("ada")
    response = await webhook.handle(request("createChat", "ada", connection, b'{"id": '))
    assert "not valid JSON" in str(error_reply(response)["message"])
    assert core.state.chats == {}


async def test_a_user_event_during_a_storage_outage_is_answered_with_a_reply_to_try_again(core: Core) -> None:
    connection = await core.online("ada")
    core.state.unavailable = True
    response = await webhook.handle(request("createChat", "ada", connection, {"id": CHAT, "name": "Lobby"}))
    assert "try again" in str(error_reply(response)["message"])


async def test_a_system_event_during_a_web_pubsub_outage_is_answered_503_so_it_is_retried(core: Core) -> None:
    await core.sign_in("ada")
    core.pubsub.unavailable = True
    response = await webhook.handle(request("connected", "ada", "c1", system=True))
    assert response.status_code == 503


async def test_a_refused_request_is_answered_with_its_request_id(core: Core) -> None:
    connection = await core.online("ada")
    body = {"requestId": "r-42", "chatId": CHAT, "id": "m1", "text": "anyone?"}
    response = await webhook.handle(request("sendMessage", "ada", connection, body))
    assert error_reply(response)["requestId"] == "r-42"


async def test_a_request_that_succeeds_is_answered_with_its_id_and_result(core: Core) -> None:
    connection = await core.online("ada")
    await webhook.handle(request("createChat", "ada", connection, {"id": CHAT, "name": "Lobby"}))
    await webhook.handle(request("joinChat", "ada", connection, CHAT))
    body = {"requestId": "r-7", "chatId": CHAT, "id": "m1", "text": "hello"}
    response = await webhook.handle(request("sendMessage", "ada", connection, body))
    answer = json.loads(response.get_body())
    assert answer["chatEvent"] == "reply"
    assert (answer["data"]["requestId"], answer["data"]["result"]["seq"]) == ("r-7", 1)


async def test_every_answer_of_the_event_handler_says_nosniff(core: Core) -> None:
    """Issue 24: no /api answer may be sniffed into another type (the plain-text refusals included)."""
    connection = await core.online("ada")
    for _ in range(MAX_CONNECTIONS_PER_USER - 1):
        await core.online("ada")
    answers = [
        await webhook.handle(request("createChat", "ada", connection, {"id": CHAT, "name": "Lobby"})),  # 204
        await webhook.handle(request("leaveChat", "ada", connection, {"chatId": "nope"})),  # an error reply
        await webhook.handle(request("connect", "ada", "next", {"claims": {}}, system=True)),  # a text refusal
        await webhook.handle(request("createChat", "ada", connection, b"x" * (MAX_BODY_BYTES + 1))),  # 413
        await webhook.handle(func.HttpRequest("GET", "http://localhost/api/eventHandler", headers={}, body=b"")),
        await webhook.handle(
            func.HttpRequest(
                "OPTIONS", "http://localhost/api/eventHandler", headers={"WebHook-Request-Origin": "x"}, body=b""
            )
        ),
    ]
    assert [a.status_code for a in answers] == [204, 200, 429, 413, 405, answers[-1].status_code]
    for answer in answers:
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", answer.status_code
