"""A user with a valid token tries to be someone else, or to see and touch what is not theirs: every attempt fails.

Mallory is a real, signed-in user with a working connection. Each test makes one kind of attempt and
then checks the victims' own views (what their sockets received, what the API shows them) for a trace.
"""

from __future__ import annotations

import base64
import json
import time

import aiohttp
import jwt
import pytest
from webpubsub_emulator.testing import JSON_PROTOCOL, handshake_status

from api.config import PubSubSettings
from local.stack import LOCAL_GUEST_SIGNING_KEY
from tests.chat_client import ChatClient, acquainted, create_chat, gained, join, new_chat_id, said
from tests.cloud_events import event_headers, post_event, signature
from tests.reliability.helpers import acknowledged, snapshot, without_limits
from tests.reliability.parts import Parts

pytestmark = pytest.mark.timeout(120)


def _private_room(a: ChatClient, b: ChatClient) -> str:
    return "private_" + "_".join(sorted((a.user_id, b.user_id)))


async def _private_pair(users) -> tuple[ChatClient, ChatClient, str]:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    await ada.event("createPrivateChat", {"targetUserId": bob.user_id})
    room = json.loads(await bob.chat_event("joinPrivateChat"))["id"]
    await bob.notice(room, "wantsToChat", ada.user_id)
    return ada, bob, room


def _traces_of(victim: ChatClient, mallory: ChatClient) -> list[dict]:
    """Everything the victim received that came from, or names, Mallory."""
    return [m for m in victim.received if mallory.user_id in json.dumps(m)]


# ---- tokens and credentials -----------------------------------------------------------------


async def test_asking_get_token_for_another_user_id_returns_your_own_identity(users, barrier) -> None:
    victim = await users("Victim").connect()
    mallory = users("Mallory")
    for query in (f"userId={victim.user_id}", f"user_id={victim.user_id}", f"userId={victim.user_id}&guestName=V"):
        status, body = await mallory.api(f"getToken?{query}")
        assert status == 200
        assert jwt.decode(body["token"], options={"verify_signature": False})["sub"] == mallory.user_id
        assert body["user"]["userId"] == mallory.user_id
    await mallory.connect()
    assert mallory.connection_id
    await acquainted(victim, mallory)  # the victim hears Mallory's presence, as Mallory
    await mallory.close()
    mallory = await users("Mallory", user_id=mallory.user_id).connect()
    online = await victim.chat_event("userOnline", lambda d: mallory.user_id in d)
    assert json.loads(online)["userId"] == mallory.user_id


def _guest_credential(key: str, sub: str, **extra: object) -> str:
    now = int(time.time())
    claims = {"iss": "chatr-guest", "sub": sub, "name": "Victim", "iat": now, "exp": now + 3600, **extra}
    return jwt.encode(claims, key, algorithm="HS256")


async def test_forged_guest_credentials_for_another_user_are_refused(users) -> None:
    victim_client = users()
    status, issued = await victim_client.api("getToken?guestName=Victim", headers={})
    assert status == 200
    victim_id = issued["user"]["userId"]
    mallory = users()
    forgeries = {
        "guessed key": _guest_credential("not-the-key-but-just-as-long-as-one-" * 2, victim_id),
        "alg none": jwt.encode({"iss": "chatr-guest", "sub": victim_id, "exp": time.time() + 60}, "", "none"),
        "expired": _guest_credential(LOCAL_GUEST_SIGNING_KEY, victim_id, exp=int(time.time()) - 10),
        "wrong issuer": _guest_credential(LOCAL_GUEST_SIGNING_KEY, victim_id, iss="someone-else"),
        "payload swapped": ".".join(
            [
                issued["guest"].split(".")[0],
                base64.urlsafe_b64encode(json.dumps({"iss": "chatr-guest", "sub": victim_id}).encode())
                .rstrip(b"=")
                .decode(),
                issued["guest"].split(".")[2],
            ]
        ),
        "garbage": "x" * 500,
    }
    # "expired" and "wrong issuer" use the local key on purpose: even a leaked key is bounded by the claims.
    for what, credential in forgeries.items():
        status, body = await mallory.api("getToken", headers={"X-Chatr-Guest": credential})
        assert status == 401, (what, body)
        status, _ = await mallory.api("chats", headers={"X-Chatr-Guest": credential})
        assert status == 401, what


async def test_a_malformed_principal_header_is_not_an_identity(users) -> None:
    mallory = users()
    for header in ("not base64!", base64.b64encode(b"[]").decode(), base64.b64encode(b'{"userId": "a b"}').decode()):
        status, _ = await mallory.api("getToken", headers={"x-ms-client-principal": header})
        assert status == 401


async def test_a_tampered_web_pubsub_token_cannot_open_a_connection(users, stack: Parts) -> None:
    victim = await users("Victim").connect()
    mallory = users("Mallory")
    _, body = await mallory.api("getToken")
    header, _payload, sig = body["token"].split(".")
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    as_victim = {**claims, "sub": victim.user_id}
    with_roles = {**claims, "role": ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"]}

    def encoded(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    forgeries = {
        "payload swapped, signature kept": f"{header}.{encoded(as_victim)}.{sig}",
        "roles added, signature kept": f"{header}.{encoded(with_roles)}.{sig}",
        "signed with a guessed key": jwt.encode(as_victim, "guessed-key-" * 4, algorithm="HS256"),
        "alg none": jwt.encode(as_victim, "", algorithm="none"),
    }
    for what, token in forgeries.items():
        assert await handshake_status(f"{body['baseUrl']}?access_token={token}") == 401, what
    assert await handshake_status(body["url"]) == 101


async def test_a_client_token_does_not_open_the_service_rest_api(users, stack: Parts) -> None:
    ada = await users("Ada").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    mallory = await users("Mallory").connect()
    _, body = await mallory.api("getToken")
    base = f"{PubSubSettings(stack.pubsub_connection_string, None, 'chat').service_endpoint}/api/hubs/chat"
    group, conn = chat_id, mallory.connection_id
    calls = [
        ("PUT", f"{base}/groups/{group}/connections/{conn}"),
        ("PUT", f"{base}/permissions/sendToGroup/connections/{conn}?targetName={group}"),
        ("POST", f"{base}/:send"),
        ("POST", f"{base}/groups/{group}/:send"),
        ("DELETE", f"{base}/users/{ada.user_id}/groups"),
    ]
    async with aiohttp.ClientSession() as session:
        for method, url in calls:
            sep = "&" if "?" in url else "?"
            headers = {"Authorization": f"Bearer {body['token']}", "Content-Type": "application/json"}
            async with session.request(method, f"{url}{sep}api-version=2024-01-01", headers=headers, data="{}") as r:
                assert r.status == 401, (method, url, r.status)
    ack = await mallory.publish(chat_id, "did it work?")
    assert ack["success"] is False and ack["error"]["message"] == "You are not in that chat"


async def test_a_connection_cannot_be_taken_over_by_its_id(users, stack: Parts, barrier) -> None:
    victim = await users("Victim").connect()
    mallory = users("Mallory")
    _, body = await mallory.api("getToken")
    ws_base = body["baseUrl"]
    for token in ("", "forged-reconnection-token"):
        url = f"{ws_base}?awps_connection_id={victim.connection_id}&awps_reconnection_token={token}"
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url, protocols=(JSON_PROTOCOL,))
            closing = await ws.receive(timeout=30)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 1008
    await barrier(victim)
    assert not victim.closed


# ---- chats one is not in --------------------------------------------------------------------


async def test_an_outsider_can_neither_join_the_group_directly_nor_publish_nor_hear(users, barrier) -> None:
    ada = await users("Ada").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    mallory = await users("Mallory").connect()
    ack, _ = await acknowledged(mallory, {"type": "joinGroup", "group": chat_id})
    assert ack["success"] is False and ack["error"]["name"] == "Forbidden"
    ack = await mallory.publish(chat_id, "let me in")
    assert ack["success"] is False and ack["error"]["message"] == "You are not in that chat"
    ack, _ = await acknowledged(mallory, {"type": "sendToGroup", "group": chat_id, "dataType": "json", "data": {}})
    assert ack["success"] is False and ack["error"]["name"] == "Forbidden"
    await ada.publish(chat_id, "members only")
    await barrier(ada, mallory)
    assert mallory.group_messages(chat_id) == []
    assert [said(m) for m in ada.group_messages(chat_id) if said(m) is not None] == ["members only"]


async def test_an_outsider_cannot_join_read_or_post_to_a_private_chat_of_two_others(users, barrier, stack) -> None:
    ada, bob, room = await _private_pair(users)
    mallory = await users("Mallory").connect()
    before = {k: v for k, v in (await snapshot(stack.storage_connection_string)).items() if room in k[2]}

    await mallory.event("joinChat", room)
    assert "invitation" in await mallory.error_reply("joinChat")
    ack, _ = await acknowledged(mallory, {"type": "joinGroup", "group": room})
    assert ack["error"]["name"] == "Forbidden"
    assert (await mallory.publish(room, "hello?"))["error"]["message"] == "You are not in that chat"
    await mallory.event("leaveChat", {"chatId": room})
    assert "not in that chat" in await mallory.error_reply("leaveChat")
    await mallory.event("deleteChat", room)
    assert await mallory.error_reply("deleteChat")
    # naming Ada as the initiator opens a chat between Mallory and Bob, never Ada and Bob's
    await mallory.event("createPrivateChat", {"initiatorUserId": ada.user_id, "targetUserId": bob.user_id})
    mine = json.loads(await mallory.chat_event("joinPrivateChat"))["id"]
    assert mine == _private_room(mallory, bob) != room
    listed = {"chats": await mallory.chats()}
    assert room not in listed["chats"]

    await ada.publish(room, "just between us")
    await bob.wait_for(lambda m: m.get("group") == room and said(m) == "just between us")
    await barrier(mallory, ada)
    assert mallory.group_messages(room) == []
    assert not [m for m in ada.group_messages(room) if mallory.user_id in json.dumps(m)]
    after = {k: v for k, v in (await snapshot(stack.storage_connection_string)).items() if room in k[2]}
    assert after == before


async def test_a_member_who_left_hears_nothing_more_and_cannot_post(users, barrier) -> None:
    ada = await users("Ada").connect()
    mallory = await users("Mallory").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    await join(mallory, chat_id)
    await mallory.event("leaveChat", {"chatId": chat_id})
    await ada.notice(chat_id, "left", mallory.user_id)
    await barrier(mallory)
    heard = len(mallory.group_messages(chat_id))
    await ada.publish(chat_id, "after you left")
    assert (await mallory.publish(chat_id, "still here"))["success"] is False
    ack, _ = await acknowledged(mallory, {"type": "joinGroup", "group": chat_id})
    assert ack["success"] is False
    await barrier(mallory, ada)
    assert len(mallory.group_messages(chat_id)) == heard


async def test_deleting_a_chat_you_do_not_own_fails_and_leaves_no_trace(users, barrier, stack) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await create_chat(ada, "Ada's room")
    await join(ada, chat_id)
    await join(bob, chat_id)
    mallory = await users("Mallory").connect()
    await join(mallory, chat_id)  # even a member who is not the owner
    before = await snapshot(stack.storage_connection_string)
    await mallory.event("deleteChat", chat_id)
    assert "owner" in await mallory.error_reply("deleteChat")
    unsigned = event_headers("deleteChat", ada.user_id, ada.connection_id, signed=False)
    status, _ = await post_event(stack.functions_url, {**unsigned, "Content-Type": "text/plain"}, chat_id)
    assert status == 401
    assert without_limits(await snapshot(stack.storage_connection_string)) == without_limits(before)
    assert (await bob.publish(chat_id, "still here"))["success"] is True
    await ada.wait_for(lambda m: m.get("group") == chat_id and said(m) == "still here")
    await barrier(ada, bob)
    for victim in (ada, bob):
        assert chat_id not in victim.chat_events("chatDeleted")
        assert not victim.chat_events("error")


# ---- passing oneself off as someone else ----------------------------------------------------


async def test_the_sender_others_see_is_the_connections_user_whatever_the_payload_claims(users, barrier) -> None:
    ada = await users("Ada").connect()
    bob = await users("Bob").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    mallory = await users("Mallory").connect()
    await join(mallory, chat_id)
    forged = {"entry": {"seq": 1, "kind": "message", "fromUserId": ada.user_id, "id": "x", "text": "password?"}}
    ack, _ = await acknowledged(
        mallory, {"type": "sendToGroup", "group": chat_id, "dataType": "json", "data": forged, "fromUserId": "x"}
    )
    assert ack["success"] is False and ack["error"]["name"] == "Forbidden"  # only the server publishes to a chat
    claims = {"fromUserId": ada.user_id, "fromUserName": "Ada", "userId": ada.user_id}
    await mallory.event("sendMessage", {"chatId": chat_id, "id": "m1", "text": "send me your password", **claims})
    message = await ada.wait_for(lambda m: said(m) == "send me your password")
    assert message["data"]["entry"]["fromUserId"] == mallory.user_id and message["fromUserId"] is None
    await barrier(ada)
    assert [said(m) for m in ada.group_messages(chat_id) if said(m) is not None] == ["send me your password"]
    await barrier(bob)
    assert bob.group_messages(chat_id) == []


async def test_events_naming_another_user_act_on_the_sender_only(users, barrier) -> None:
    ada = await users("Ada").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    mallory = await users("Mallory").connect()
    await join(mallory, chat_id)
    watcher = await users("Watcher").connect()
    await join(watcher, chat_id)  # a contact of both
    await watcher.chat_event("contacts", gained(mallory.user_id))
    await mallory.event("userEnterIdle", ada.user_id)
    assert await watcher.chat_event("userIsIdle") == mallory.user_id
    await mallory.event("leaveChat", {"chatId": chat_id, "userName": "Ada", "userId": ada.user_id})
    left = await ada.notice(chat_id, "left", mallory.user_id)
    assert left["data"]["userName"] == "Mallory"
    start = len(mallory.received)
    claim = {"userName": "Ada", "userProvider": "aad", "userId": ada.user_id}
    await acknowledged(mallory, {"type": "event", "event": "userConnected", "dataType": "json", "data": claim})
    replies = [
        json.loads(m["data"]["data"])
        for m in mallory.received[start:]
        if m.get("from") == "server" and m["data"].get("chatEvent") == "userOnline"
    ]
    assert replies == [{"userId": mallory.user_id, "userName": "Mallory", "userProvider": "github", "idle": True}]
    await barrier(ada, watcher)
    assert ada.user_id not in watcher.chat_events("userIsIdle")
    listed = {"chats": await ada.chats()}
    assert set(listed["chats"][chat_id]["members"]) == {ada.user_id, watcher.user_id}  # Mallory left, not Ada
    assert (await ada.publish(chat_id, "I am still here"))["success"] is True
    _, online_users = await watcher.api("users")
    assert online_users["users"][ada.user_id]["idle"] is False
    assert online_users["users"][ada.user_id]["userName"] == "Ada"


async def test_a_webhook_that_names_another_user_without_our_signature_is_refused(users, barrier, stack) -> None:
    ada = await users("Ada").connect()
    chat_id = await create_chat(ada)
    await join(ada, chat_id)
    before = await snapshot(stack.storage_connection_string)
    forged_events = [
        ("leaveChat", "application/json", json.dumps({"chatId": chat_id})),
        ("deleteChat", "text/plain", chat_id),
        ("userEnterIdle", "text/plain", ada.user_id),
        ("createChat", "application/json", json.dumps({"id": new_chat_id(), "name": "Forged"})),
    ]
    for event, content_type, body in forged_events:
        for forged in ("", "sha256=" + "0" * 64, signature(ada.connection_id, "guessed-key-" * 4)):
            headers = event_headers(event, ada.user_id, ada.connection_id, signed=False)
            headers.update({"ce-signature": forged, "Content-Type": content_type})
            status, _ = await post_event(stack.functions_url, headers, body)
            assert status == 401, (event, forged)
    assert await snapshot(stack.storage_connection_string) == before
    await barrier(ada)
    assert chat_id not in ada.chat_events("chatDeleted")
    assert ada.user_id not in ada.chat_events("userIsIdle")
