"""Issue 22, bug 3: a guest's recovery code through the Functions adapter and Azurite."""

from __future__ import annotations

from tests.chat_client import ChatClient


async def new_guest(client: ChatClient) -> dict:
    status, body = await client.api("getToken?guestName=Grace", headers={})
    assert status == 200, body
    return dict(body)


async def test_a_recovery_code_brings_the_same_guest_back_once_and_the_new_one_works_after_it(users) -> None:
    client: ChatClient = users()
    guest = await new_guest(client)
    status, asked = await client.post("recoveryCode", headers={"X-Chatr-Guest": guest["guest"]})
    assert status == 200, asked

    status, back = await client.post("recover", headers={}, body={"recoveryCode": asked["recoveryCode"]})
    assert status == 200, back
    assert back["user"] == guest["user"] and back["recoveryCode"] != asked["recoveryCode"]
    status, token = await client.api("getToken", headers={"X-Chatr-Guest": back["guest"]})
    assert status == 200 and token["user"]["userId"] == guest["user"]["userId"]
    status, again = await client.post("recover", headers={}, body={"recoveryCode": asked["recoveryCode"]})
    assert status == 401 and "used already" in again["error"]
    status, _ = await client.post("recover", headers={}, body={"recoveryCode": back["recoveryCode"]})
    assert status == 200


async def test_right_after_a_logout_the_code_waits_for_the_logouts_minute_and_bad_input_is_refused(users) -> None:
    client: ChatClient = users()
    guest = await new_guest(client)
    _, asked = await client.post("recoveryCode", headers={"X-Chatr-Guest": guest["guest"]})
    status, _ = await client.post("logout", headers={"X-Chatr-Guest": guest["guest"]})
    assert status == 204
    status, body = await client.post("recover", headers={}, body={"recoveryCode": asked["recoveryCode"]})
    assert status == 429 and "less than a minute ago" in body["error"]
    status, body = await client.post("recover", headers={}, body={"recoveryCode": "not a code"})
    assert status == 400 and "not a recovery code" in body["error"]
    status, body = await client.post("recoveryCode", headers={})
    assert status == 401 and body["error"]
