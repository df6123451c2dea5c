"""getToken, users and chats through the Functions adapter: identity comes from the server."""

from __future__ import annotations

import jwt

from tests.chat_client import ChatClient


async def test_get_token_ignores_a_proposed_user_id_and_grants_no_roles(users) -> None:
    ada: ChatClient = users("Ada")
    status, body = await ada.api("getToken?userId=someone-else")
    assert status == 200
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["sub"] == ada.user_id
    assert "role" not in claims
    # the only groups: the user's own (proof of whose connection it is) and presence, neither of them a chat
    assert claims["webpubsub.group"] == [f"chatr.user.{ada.user_id}", "chatr.presence"]
    assert claims["exp"] - claims["iat"] <= 10 * 60
    assert body["url"] == f"{body['baseUrl']}?access_token={body['token']}"
    assert body["user"] == {"userId": ada.user_id, "userName": "Ada", "userProvider": "github"}
    assert body["blocked"] == []


async def test_a_new_guest_gets_a_credential_that_keeps_their_id(users) -> None:
    client: ChatClient = users()
    status, first = await client.api("getToken?guestName=%20Grace%20", headers={})
    assert status == 200 and first["user"]["userName"] == "Grace" and first["user"]["userProvider"] == "guest"
    status, again = await client.api("getToken", headers={"X-Chatr-Guest": first["guest"]})
    assert status == 200 and again["user"] == first["user"]
    assert "guest" not in again


async def test_two_guests_with_the_same_name_are_two_users(users) -> None:
    client: ChatClient = users()
    _, first = await client.api("getToken?guestName=Sam", headers={})
    _, second = await client.api("getToken?guestName=Sam", headers={})
    assert first["user"]["userId"] != second["user"]["userId"]


async def test_a_bad_guest_name_is_refused_with_a_reason(users) -> None:
    client: ChatClient = users()
    for name in ("", "%20%20", "x" * 51):
        status, body = await client.api(f"getToken?guestName={name}", headers={})
        assert status == 400 and body["error"]


async def test_a_tampered_guest_credential_is_refused(users) -> None:
    client: ChatClient = users()
    _, first = await client.api("getToken?guestName=Sam", headers={})
    tampered = first["guest"][:-2] + ("AA" if not first["guest"].endswith("AA") else "BB")
    status, body = await client.api("getToken", headers={"X-Chatr-Guest": tampered})
    assert status == 401 and "sign in again" in body["error"]


async def test_nothing_is_served_without_an_identity(users) -> None:
    client: ChatClient = users()
    for path in ("getToken", "users", "chats"):
        status, body = await client.api(path, headers={})
        assert status == 401 and body["error"]
