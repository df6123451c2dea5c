"""REST conformance with the official `azure-messaging-webpubsubservice` (sync and aio) as the peer.

The SDK raises on any status other than the one it expects, so a call that returns proves the status.
Sync SDK calls run in a thread: the emulator shares this test's event loop.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.messaging.webpubsubservice import WebPubSubServiceClient
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient as AsyncServiceClient
from helpers import Connect
from webpubsub_emulator.testing import RELIABLE_PROTOCOL, Client, Emulator


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return asyncio.to_thread(fn, *args, **kwargs)


@pytest.fixture
def sdk(emulator: Emulator) -> WebPubSubServiceClient:
    return WebPubSubServiceClient.from_connection_string(emulator.connection_string, hub="chat")


async def rest(
    emulator: Emulator, method: str, path_qs: str, *, token: bool = True, **kwargs: Any
) -> tuple[int, bytes]:
    """A raw REST call signed like the SDK signs (audience = the full URL)."""
    url = f"{emulator.endpoint}{path_qs}"
    headers = kwargs.pop("headers", {})
    if token:
        claims = {"aud": url, "exp": int(time.time()) + 60}
        headers["Authorization"] = "Bearer " + jwt.encode(claims, emulator.settings.access_keys[0])
    async with aiohttp.ClientSession() as session, session.request(method, url, headers=headers, **kwargs) as response:
        return response.status, await response.read()


async def _ids(client: Client) -> str:
    return str(client.connected["connectionId"])


# ---- sending --------------------------------------------------------------------------------------


async def test_send_to_all_maps_content_types_to_data_types(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url())
    await run(sdk.send_to_all, {"a": 1})
    await run(sdk.send_to_all, "plain", content_type="text/plain")
    await run(sdk.send_to_all, b"\x01\x02", content_type="application/octet-stream")
    await run(sdk.send_to_all, "just a JSON string")
    received = [await client.receive() for _ in range(4)]
    assert [(m["from"], m["dataType"], m["data"]) for m in received] == [
        ("server", "json", {"a": 1}),
        ("server", "text", "plain"),
        ("server", "binary", "AQI="),
        ("server", "json", "just a JSON string"),
    ]


async def test_send_to_all_skips_excluded_connections(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    kept, skipped = await connect(emulator.client_url()), await connect(emulator.client_url())
    await run(sdk.send_to_all, "x", content_type="text/plain", excluded=[await _ids(skipped)])
    await run(sdk.send_to_all, "y", content_type="text/plain")
    assert (await kept.receive())["data"] == "x"
    assert (await skipped.receive())["data"] == "y"


async def test_send_to_all_applies_the_odata_filter(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    ada = await connect(emulator.client_url(user_id="ada", groups=["vip"]))
    bob = await connect(emulator.client_url(user_id="bob"))
    await run(sdk.send_to_all, "vip", content_type="text/plain", filter="'vip' in groups and userId ne 'bob'")
    await run(sdk.send_to_all, "all", content_type="text/plain")
    assert (await ada.receive())["data"] == "vip"
    assert (await bob.receive())["data"] == "all"


async def test_send_to_user_reaches_every_connection_of_that_user_only(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    tab1, tab2 = await connect(emulator.client_url(user_id="ada")), await connect(emulator.client_url(user_id="ada"))
    other = await connect(emulator.client_url(user_id="bob"))
    await run(sdk.send_to_user, "ada", {"to": "ada"})
    await run(sdk.send_to_all, {"to": "all"})
    assert (await tab1.receive())["data"] == {"to": "ada"}
    assert (await tab2.receive())["data"] == {"to": "ada"}
    assert (await other.receive())["data"] == {"to": "all"}


async def test_send_to_group_arrives_as_a_group_message_without_sender(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    member = await connect(emulator.client_url(groups=["room"]))
    await run(sdk.send_to_group, "room", {"n": 1})
    assert await member.receive() == {
        "type": "message",
        "from": "group",
        "group": "room",
        "fromUserId": None,
        "dataType": "json",
        "data": {"n": 1},
    }


async def test_send_to_group_honours_excluded_and_filter(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    a = await connect(emulator.client_url(user_id="a", groups=["room"]))
    b = await connect(emulator.client_url(user_id="b", groups=["room"]))
    c = await connect(emulator.client_url(user_id="c", groups=["room"]))
    await run(
        sdk.send_to_group, "room", "1", content_type="text/plain", excluded=[await _ids(a)], filter="userId ne 'b'"
    )
    await run(sdk.send_to_group, "room", "2", content_type="text/plain")
    assert [(await x.receive())["data"] for x in (a, b, c)] == ["2", "2", "1"]


async def test_send_to_connection_reaches_one_connection(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    target, other = await connect(emulator.client_url()), await connect(emulator.client_url())
    await run(sdk.send_to_connection, await _ids(target), "only you", content_type="text/plain")
    await run(sdk.send_to_all, "everyone", content_type="text/plain")
    assert (await target.receive())["data"] == "only you"
    assert (await other.receive())["data"] == "everyone"


async def test_send_to_an_unknown_connection_is_accepted_and_dropped(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    listeners = [await connect(emulator.client_url()), await connect(emulator.client_url(), RELIABLE_PROTOCOL)]
    await run(sdk.send_to_connection, "no-such-connection", {"x": 1})  # 202, as the service answers
    await run(sdk.send_to_all, "after", content_type="text/plain")
    for listener in listeners:  # what arrives first is what was sent after: the message went nowhere
        message = await listener.receive()
        assert message["data"] == "after", message
    assert emulator.service.hub("chat").get("no-such-connection") is None
    assert len(emulator.service.hub("chat").connections) == len(listeners)


async def test_group_names_with_slashes_and_spaces_route_correctly(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    member = await connect(emulator.client_url(groups=["a/b c"]))
    await run(sdk.send_to_group, "a/b c", "ok", content_type="text/plain")
    assert (await member.receive())["group"] == "a/b c"


# ---- groups and users ----------------------------------------------------------------------------------


async def test_add_and_remove_connection_to_group(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url())
    conn_id = await _ids(client)
    await run(sdk.add_connection_to_group, "g", conn_id)
    assert await run(sdk.group_exists, "g") is True
    await run(sdk.remove_connection_from_group, "g", conn_id)
    assert await run(sdk.group_exists, "g") is False


async def test_remove_connection_from_all_groups(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url(groups=["g1", "g2"]))
    await run(sdk.remove_connection_from_all_groups, await _ids(client))
    assert emulator.connection(await _ids(client)).groups == set()


async def test_adding_an_unknown_connection_to_a_group_is_not_found(sdk: WebPubSubServiceClient) -> None:
    with pytest.raises(ResourceNotFoundError):
        await run(sdk.add_connection_to_group, "g", "no-such-connection")


async def test_removing_an_unknown_connection_from_a_group_succeeds(sdk: WebPubSubServiceClient) -> None:
    await run(sdk.remove_connection_from_group, "g", "no-such-connection")


async def test_user_group_membership_applies_to_current_and_future_connections(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    before = await connect(emulator.client_url(user_id="ada"))
    await run(sdk.add_user_to_group, "team", "ada")
    after = await connect(emulator.client_url(user_id="ada"))
    await run(sdk.send_to_group, "team", "hi team", content_type="text/plain")
    assert (await before.receive())["data"] == "hi team"
    assert (await after.receive())["data"] == "hi team"


async def test_removed_user_membership_no_longer_applies(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    await run(sdk.add_user_to_group, "team", "ada")
    await run(sdk.add_user_to_group, "crew", "ada")
    current = await connect(emulator.client_url(user_id="ada"))
    await run(sdk.remove_user_from_group, "team", "ada")
    assert emulator.connection(await _ids(current)).groups == {"crew"}
    await run(sdk.remove_user_from_all_groups, "ada")
    later = await connect(emulator.client_url(user_id="ada"))
    assert emulator.connection(await _ids(current)).groups == set()
    assert emulator.connection(await _ids(later)).groups == set()


async def test_existence_checks_answer_true_and_false(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url(user_id="ada", groups=["g"]))
    assert await run(sdk.connection_exists, await _ids(client)) is True
    assert await run(sdk.connection_exists, "nope") is False
    assert await run(sdk.user_exists, "ada") is True
    assert await run(sdk.user_exists, "bob") is False
    assert await run(sdk.group_exists, "g") is True
    assert await run(sdk.group_exists, "h") is False


async def test_list_connections_pages_through_every_member(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    clients = [await connect(emulator.client_url(user_id=f"u{i}", groups=["g"])) for i in range(5)]
    expected = {await _ids(c) for c in clients}

    def listing(**kwargs: Any) -> list[tuple[str, str | None]]:
        return [(m.connection_id, m.user_id) for m in sdk.list_connections(group="g", **kwargs)]

    paged = await run(listing, maxpagesize=2)
    assert {c for c, _ in paged} == expected and len(paged) == 5
    assert {u for _, u in paged} == {f"u{i}" for i in range(5)}
    assert len(await run(listing, top=3, maxpagesize=2)) == 3
    assert await run(lambda: [len(list(p)) for p in sdk.list_connections(group="g", maxpagesize=2).by_page()]) == [
        2,
        2,
        1,
    ]


# ---- closing ------------------------------------------------------------------------------------------


async def test_close_connection_sends_the_reason_then_closes(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url())
    await run(sdk.close_connection, await _ids(client), reason="bye now")
    code, messages = await client.until_closed()
    assert messages == [{"type": "system", "event": "disconnected", "message": "bye now"}]
    assert code == 1000
    assert await run(sdk.connection_exists, await _ids(client)) is False


async def test_a_long_reason_is_cut_in_the_close_frame_at_a_character_boundary(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    reason = "Tschüs " + "ü" * 100  # 208 bytes of UTF-8; a close frame carries at most 123
    client = await connect(emulator.client_url())
    await run(sdk.close_connection, await _ids(client), reason=reason)
    assert (await client.receive())["message"] == reason  # the system message carries all of it
    frame = await client.frame()
    assert frame.type == aiohttp.WSMsgType.CLOSE, frame  # an invalid UTF-8 reason would be a protocol error
    assert frame.data == 1000
    assert isinstance(frame.extra, str) and reason.startswith(frame.extra)
    assert len(frame.extra.encode()) == 122  # 123 would end in half a "ü"


async def test_close_all_user_and_group_connections_respect_excluded(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    ada1 = await connect(emulator.client_url(user_id="ada"))
    ada2 = await connect(emulator.client_url(user_id="ada"))
    member = await connect(emulator.client_url(groups=["g"]))
    bystander = await connect(emulator.client_url())
    await run(sdk.close_user_connections, "ada", excluded=[await _ids(ada2)])
    await run(sdk.close_group_connections, "g")
    assert (await ada1.until_closed())[0] == 1000
    assert (await member.until_closed())[0] == 1000
    await run(sdk.close_all_connections, excluded=[await _ids(bystander)])
    assert (await ada2.until_closed())[0] == 1000
    assert await run(sdk.connection_exists, await _ids(bystander)) is True


# ---- permissions ----------------------------------------------------------------------------------------


async def test_granted_send_permission_for_one_group_is_enforced(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url(groups=["mine", "theirs"]))
    conn_id = await _ids(client)
    await run(sdk.grant_permission, "sendToGroup", conn_id, target_name="mine")
    assert await run(sdk.has_permission, "sendToGroup", conn_id, target_name="mine") is True
    assert await run(sdk.has_permission, "sendToGroup", conn_id, target_name="theirs") is False
    await client.send({"type": "sendToGroup", "group": "mine", "dataType": "text", "data": "a", "ackId": 1})
    await client.send({"type": "sendToGroup", "group": "theirs", "dataType": "text", "data": "b", "ackId": 2})
    assert (await client.ack(1))["success"] is True
    assert (await client.ack(2))["error"]["name"] == "Forbidden"
    await run(sdk.revoke_permission, "sendToGroup", conn_id, target_name="mine")
    assert await run(sdk.has_permission, "sendToGroup", conn_id, target_name="mine") is False
    await client.send({"type": "sendToGroup", "group": "mine", "dataType": "text", "data": "c", "ackId": 3})
    assert (await client.ack(3))["error"]["name"] == "Forbidden"


async def test_permission_without_target_covers_every_group(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    client = await connect(emulator.client_url())
    conn_id = await _ids(client)
    await run(sdk.grant_permission, "joinLeaveGroup", conn_id)
    assert await run(sdk.has_permission, "joinLeaveGroup", conn_id) is True
    assert await run(sdk.has_permission, "joinLeaveGroup", conn_id, target_name="any") is True
    await client.send({"type": "joinGroup", "group": "any", "ackId": 1})
    assert (await client.ack(1))["success"] is True


async def test_granting_to_an_unknown_connection_is_not_found(sdk: WebPubSubServiceClient) -> None:
    with pytest.raises(ResourceNotFoundError):
        await run(sdk.grant_permission, "sendToGroup", "no-such-connection", target_name="g")
    assert await run(sdk.has_permission, "sendToGroup", "no-such-connection", target_name="g") is False
    await run(sdk.revoke_permission, "sendToGroup", "no-such-connection", target_name="g")


# ---- tokens and auth ------------------------------------------------------------------------------------


async def test_sdk_client_token_connects_with_its_user_roles_and_groups(
    emulator: Emulator, sdk: WebPubSubServiceClient, connect: Connect
) -> None:
    access = await run(sdk.get_client_access_token, user_id="ada", roles=["webpubsub.sendToGroup"], groups=["g"])
    assert access["url"].startswith(emulator.endpoint.replace("http", "ws") + "/client/hubs/chat?access_token=")
    client = await connect(access["url"])
    assert client.connected["userId"] == "ada"
    await client.send({"type": "sendToGroup", "group": "g", "dataType": "text", "data": "me", "ackId": 1})
    assert (await client.receive())["data"] == "me"


async def test_generate_token_operation_issues_a_working_client_token(emulator: Emulator, connect: Connect) -> None:
    status, body = await rest(
        emulator, "POST", "/api/hubs/chat/:generateToken?userId=ada&role=r1&group=g&api-version=2024-12-01"
    )
    assert status == 200
    token = __import__("json").loads(body)["token"]
    client = await connect(f"{emulator.endpoint}/client/hubs/chat?access_token={token}")
    assert client.connected["userId"] == "ada"
    assert emulator.connection(await _ids(client)).groups == {"g"}


async def test_a_client_with_the_wrong_key_is_refused(emulator: Emulator) -> None:
    wrong = emulator.connection_string.replace(emulator.settings.access_keys[0], "x" * 44)
    client = WebPubSubServiceClient.from_connection_string(wrong, hub="chat")
    with pytest.raises(ClientAuthenticationError):
        await run(client.send_to_all, {"a": 1})


async def test_requests_without_a_token_are_401(emulator: Emulator) -> None:
    status, body = await rest(emulator, "POST", "/api/hubs/chat/:send?api-version=2024-12-01", token=False, json={})
    assert status == 401
    assert b"Unauthorized" in body


async def test_a_token_for_another_url_is_401(emulator: Emulator) -> None:
    claims = {"aud": f"{emulator.endpoint}/api/hubs/other/:send", "exp": int(time.time()) + 60}
    headers = {"Authorization": "Bearer " + jwt.encode(claims, emulator.settings.access_keys[0])}
    status, _ = await rest(emulator, "POST", "/api/hubs/chat/:send", token=False, headers=headers, json={})
    assert status == 401


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/hubs/9bad/:send"),
        ("POST", "/api/hubs/chat/groups/%20%20/:send"),
        ("PUT", "/api/hubs/chat/permissions/admin/connections/c1"),
        ("POST", "/api/hubs/chat/:send?messageTtlSeconds=301"),
        ("POST", "/api/hubs/chat/:send?filter=userId%20eq"),
    ],
)
async def test_bad_names_and_arguments_are_400(emulator: Emulator, method: str, path: str) -> None:
    status, _ = await rest(emulator, method, path, json={"a": 1})
    assert status == 400


async def test_an_invalid_json_body_is_400(emulator: Emulator) -> None:
    headers = {"Content-Type": "application/json"}
    status, _ = await rest(emulator, "POST", "/api/hubs/chat/:send", data=b"{nope", headers=headers)
    assert status == 400


async def test_unknown_operations_are_404_and_wrong_methods_405(emulator: Emulator) -> None:
    assert (await rest(emulator, "POST", "/api/hubs/chat/nothing"))[0] == 404
    assert (await rest(emulator, "GET", "/api/hubs/chat/:send"))[0] == 405


async def test_sdk_error_for_a_bad_argument_is_an_http_response_error(
    emulator: Emulator, sdk: WebPubSubServiceClient
) -> None:
    with pytest.raises(HttpResponseError) as caught:
        await run(sdk.send_to_all, {"a": 1}, filter="userId eq")
    assert caught.value.status_code == 400


# What the service answers (the JavaScript SDK's own tests for @azure/web-pubsub expect this wording).
INVALID_FILTER = (
    "Invalid syntax for 'invalid filter': Syntax error at position 14 in 'invalid filter'. (Parameter 'filter')"
)


@pytest.mark.parametrize("path", ["/api/hubs/chat/:send", "/api/hubs/chat/users/brian/:send"])
async def test_a_bad_odata_filter_gets_the_services_400(emulator: Emulator, path: str) -> None:
    status, body = await rest(emulator, "POST", f"{path}?filter=invalid%20filter", data=b"hello")
    assert status == 400
    assert json.loads(body)["message"] == INVALID_FILTER


async def test_the_sdk_reports_the_services_filter_error(emulator: Emulator, sdk: WebPubSubServiceClient) -> None:
    with pytest.raises(HttpResponseError) as caught:
        await run(sdk.send_to_all, "hello", content_type="text/plain", filter="invalid filter")
    assert caught.value.status_code == 400
    response: Any = caught.value.response
    assert response.json()["message"] == INVALID_FILTER
    assert response.headers["x-ms-error-code"] == response.json()["code"]


@pytest.mark.parametrize(
    "text,position",
    [("userId eq", 9), ("userId eq 'a' 'b'", 17), ("(userId eq 'a'", 14), ("userId eq 'a' and", 17)],
)
async def test_a_syntax_error_names_where_the_parser_stopped(emulator: Emulator, text: str, position: int) -> None:
    status, body = await rest(emulator, "POST", "/api/hubs/chat/:send", params={"filter": text}, data=b"x")
    assert status == 400
    expected = f"Invalid syntax for '{text}': Syntax error at position {position} in '{text}'. (Parameter 'filter')"
    assert json.loads(body)["message"] == expected


# ---- bulk group operations (REST 2024-01-01+, not in the Python SDK 1.3.0) -----------------------------------


async def test_add_to_groups_and_remove_from_groups_follow_the_filter(emulator: Emulator, connect: Connect) -> None:
    ada = await connect(emulator.client_url(user_id="ada"))
    bob = await connect(emulator.client_url(user_id="bob"))
    body = {"groups": ["g1", "g2"], "filter": "userId eq 'ada'"}
    assert (await rest(emulator, "POST", "/api/hubs/chat/:addToGroups?api-version=2024-12-01", json=body))[0] == 200
    assert emulator.connection(await _ids(ada)).groups == {"g1", "g2"}
    assert emulator.connection(await _ids(bob)).groups == set()
    body = {"groups": ["g1"]}
    assert (await rest(emulator, "POST", "/api/hubs/chat/:removeFromGroups", json=body))[0] == 200
    assert emulator.connection(await _ids(ada)).groups == {"g2"}


async def test_bulk_group_operations_reject_a_missing_group_list(emulator: Emulator) -> None:
    assert (await rest(emulator, "POST", "/api/hubs/chat/:addToGroups", json={"filter": "true"}))[0] == 400


async def test_bulk_group_operations_reject_a_filter_that_is_not_a_string(emulator: Emulator) -> None:
    body = {"groups": ["g1"], "filter": 7}
    assert (await rest(emulator, "POST", "/api/hubs/chat/:addToGroups", json=body))[0] == 400


# ---- the async twin -------------------------------------------------------------------------------------------


async def test_async_client_sends_groups_permissions_and_lists(emulator: Emulator, connect: Connect) -> None:
    async with AsyncServiceClient.from_connection_string(emulator.connection_string, hub="chat") as aio:
        client = await connect(emulator.client_url(user_id="ada"))
        conn_id = await _ids(client)
        await aio.add_connection_to_group("room", conn_id)
        await aio.grant_permission("sendToGroup", conn_id, target_name="room")
        assert await aio.has_permission("sendToGroup", conn_id, target_name="room") is True
        assert [m.connection_id async for m in aio.list_connections(group="room")] == [conn_id]
        await aio.send_to_group("room", {"hello": "room"})
        assert (await client.receive())["data"] == {"hello": "room"}
        await aio.send_to_user("ada", "text", content_type="text/plain")
        assert (await client.receive())["data"] == "text"
        await aio.send_to_connection(  # type: ignore[call-overload]  # bytes go as they are; the stubs omit them
            conn_id, b"\x00\x01", content_type="application/octet-stream"
        )
        assert (await client.receive())["data"] == "AAE="
        await aio.send_to_all({"all": True})
        assert (await client.receive())["data"] == {"all": True}
        await aio.revoke_permission("sendToGroup", conn_id, target_name="room")
        assert await aio.has_permission("sendToGroup", conn_id, target_name="room") is False
        assert await aio.connection_exists(conn_id) is True
        await aio.remove_connection_from_group("room", conn_id)
        await aio.add_user_to_group("team", "ada")
        await aio.remove_user_from_group("team", "ada")
        await aio.close_connection(conn_id, reason="done")
        assert (await client.until_closed())[0] == 1000
        assert await aio.connection_exists(conn_id) is False
