"""getToken, the lists and logout in-process over the in-memory fakes: limits, paging, refresh and revocation.

The same calls run through the Functions adapter in tests/integration/test_http_api.py and, as an
attacker would make them, in tests/reliability/test_hostile_users.py.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import azure.functions as func
import jwt
import pytest

from api import lists, logout, presence, tokens
from api.identity import GUEST_LIFETIME_SECONDS
from api.limits import (
    CHATS_PAGE,
    GUEST_SIGNUPS,
    LIVE_GUESTS,
    MAX_CONNECTIONS_PER_USER,
    MAX_LIVE_GUESTS_PER_ADDRESS,
    RATES,
    SEARCH_PAGE,
)
from api.models import Chat
from api.state import SIGNUPS_PREFIX, State
from api.tokens import PROFILE_SEEN_EVERY
from local.harness import swa_principal
from tests.api.core import Core

KEY = "test-guest-signing-key-of-enough-length"
ADA = {"x-ms-client-principal": swa_principal("ada", "Ada", "github")}


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Core:
    """The handlers' clients are the fakes."""
    core = Core()

    async def state() -> State:
        return core.state

    monkeypatch.setenv("GUEST_SIGNING_KEY", KEY)
    monkeypatch.setattr(presence, "_last_sweep", time.monotonic())
    for module in (tokens, lists, logout):
        monkeypatch.setattr(module, "state", state)
        monkeypatch.setattr(module, "pubsub", lambda: core.pubsub)
    return core


def get(path: str, headers: dict[str, str] | None = None, params: dict[str, str] | None = None) -> func.HttpRequest:
    return func.HttpRequest("GET", f"http://localhost/api/{path}", headers=headers or {}, params=params or {}, body=b"")


def body(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body())


async def new_guest(name: str = "Grace", address: str = "127.0.0.1:5000") -> dict[str, Any]:
    response = await tokens.get_token(get("getToken", {"X-Forwarded-For": address}, {"guestName": name}))
    assert response.status_code == 200, response.get_body()
    return dict(body(response))


# ---- getToken ---------------------------------------------------------------------------------


async def test_a_token_says_who_you_are_and_whom_you_block(core: Core) -> None:
    await core.online("ada")
    await core.online("bob")
    await core.send("blockUser", "ada", (await core.state.get_account("ada")).connections[0].id, "bob")  # type: ignore[union-attr]
    answer = body(await tokens.get_token(get("getToken", ADA)))
    assert answer["user"]["userId"] == "ada" and answer["blocked"] == ["bob"] and "guest" not in answer


async def test_a_user_with_the_most_connections_gets_no_token_and_is_told_why(core: Core) -> None:
    for _ in range(MAX_CONNECTIONS_PER_USER):
        await core.online("ada")
    response = await tokens.get_token(get("getToken", ADA))
    assert response.status_code == 429 and f"at most {MAX_CONNECTIONS_PER_USER}" in body(response)["error"]


async def test_on_web_pubsubs_free_tier_a_user_keeps_two_connections_so_ten_people_fit(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBSUB_SKU", "Free_F1")
    for _ in range(2):
        await core.online("ada")
    response = await tokens.get_token(get("getToken", ADA))
    assert response.status_code == 429 and "at most 2" in body(response)["error"]


async def test_a_burst_of_get_token_is_refused_with_retry_after_and_stores_nothing(core: Core) -> None:
    """Issue 24: 1,149 of 1,149 getToken calls in a burst were answered, each a profile write."""
    rate = RATES["tokens"]
    await core.sign_in("ada", "Ada")  # the first visit makes the profile; visits from then on count
    for _ in range(rate.burst):
        assert (await tokens.get_token(get("getToken", ADA))).status_code == 200
    stored = (core.state.profiles["ada"].etag, core.state.limits["ada"])
    for _ in range(3):
        response = await tokens.get_token(get("getToken", ADA))
        assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
        assert "try again in" in body(response)["error"]
    assert (core.state.profiles["ada"].etag, core.state.limits["ada"]) == stored


async def test_a_get_token_that_changes_nothing_writes_no_profile(core: Core) -> None:
    await core.online("ada", "Ada")
    first = core.state.profiles["ada"]
    for _ in range(3):  # reloads and reconnects of a user online
        assert (await tokens.get_token(get("getToken", ADA))).status_code == 200
    assert core.state.profiles["ada"] is first  # the same name and sign-in: nothing written
    renamed = {"x-ms-client-principal": swa_principal("ada", "Ada Lovelace", "github")}
    assert body(await tokens.get_token(get("getToken", renamed)))["user"]["userName"] == "Ada Lovelace"
    assert core.state.profiles["ada"].user.name == "Ada Lovelace"


async def test_a_user_who_comes_back_with_no_connection_open_is_written_so_a_cleanup_keeps_them(core: Core) -> None:
    await core.sign_in("ada", "Ada")
    listed = core.state.profiles["ada"].etag  # what a cleanup that lists Ada as gone would delete with
    assert (await tokens.get_token(get("getToken", ADA))).status_code == 200
    assert core.state.profiles["ada"].etag != listed


async def test_a_profile_not_written_for_a_while_is_written_again_so_cleanup_sees_the_user_came_back(
    core: Core,
) -> None:
    await core.online("ada", "Ada")
    core.state.profiles["ada"].written -= PROFILE_SEEN_EVERY + timedelta(seconds=1)
    old = core.state.profiles["ada"].etag
    assert (await tokens.get_token(get("getToken", ADA))).status_code == 200
    assert core.state.profiles["ada"].etag != old


async def test_new_guests_from_one_public_address_are_limited_with_retry_after(core: Core) -> None:
    for i in range(GUEST_SIGNUPS.burst):
        await new_guest(f"Guest {i}", "8.8.4.4:1000")
    response = await tokens.get_token(get("getToken", {"X-Forwarded-For": "8.8.4.4:1001"}, {"guestName": "One more"}))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "try again in" in body(response)["error"]
    await new_guest("From elsewhere", "8.8.8.8")
    await new_guest("From the local network", "10.0.0.7")  # no public address: not limited by address


async def test_one_address_keeps_at_most_the_cap_of_live_guests_however_slowly_it_signs_up(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 24: the sign-up rate alone let one address make 2,880 guests a day."""
    start = time.time()
    made, refusal = 0, None
    for attempt in range(24 * 60):  # one a minute for a day: twice the sign-up rate's pace
        monkeypatch.setattr(time, "time", lambda moment=start + 60 * attempt: moment)
        response = await tokens.get_token(get("getToken", {"X-Forwarded-For": "8.8.4.4"}, {"guestName": "Sybil"}))
        if response.status_code == 200:
            made += 1
        else:
            assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
            refusal = refusal or body(response)["error"]
    assert refusal is not None and f"at most {MAX_LIVE_GUESTS_PER_ADDRESS}" in refusal
    assert LIVE_GUESTS.burst < made <= MAX_LIVE_GUESTS_PER_ADDRESS
    assert LIVE_GUESTS.burst + GUEST_LIFETIME_SECONDS / LIVE_GUESTS.every_seconds <= MAX_LIVE_GUESTS_PER_ADDRESS
    await new_guest("From elsewhere", "8.8.8.8")


async def test_an_operator_can_require_signing_in_and_new_guests_are_told_so(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    returning = await new_guest()
    monkeypatch.setenv("CHATR_REQUIRE_SIGN_IN", "true")
    response = await tokens.get_token(get("getToken", {"X-Forwarded-For": "8.8.4.4"}, {"guestName": "New"}))
    assert response.status_code == 403 and "sign in" in body(response)["error"]
    assert not [partition for partition in core.state.limits if partition.startswith(SIGNUPS_PREFIX)]  # nothing spent
    assert (await tokens.get_token(get("getToken", ADA))).status_code == 200
    assert (await tokens.get_token(get("getToken", {"X-Chatr-Guest": returning["guest"]}))).status_code == 200
    monkeypatch.setenv("CHATR_REQUIRE_SIGN_IN", "false")
    await new_guest("Welcome again")


async def test_a_bad_guest_name_spends_no_sign_up(core: Core) -> None:
    for _ in range(GUEST_SIGNUPS.burst + 3):
        response = await tokens.get_token(get("getToken", {"X-Forwarded-For": "8.8.4.4"}, {"guestName": "\u200b"}))
        assert response.status_code == 400
    await new_guest("Real", "8.8.4.4")


async def test_a_guest_past_half_the_credentials_life_gets_a_fresh_one(core: Core) -> None:
    first = await new_guest()
    claims = jwt.decode(first["guest"], KEY, algorithms=["HS256"], issuer="chatr-guest")
    old = jwt.encode({**claims, "iat": claims["iat"] - GUEST_LIFETIME_SECONDS // 2 - 1}, KEY, algorithm="HS256")
    answer = body(await tokens.get_token(get("getToken", {"X-Chatr-Guest": old})))
    fresh = jwt.decode(answer["guest"], KEY, algorithms=["HS256"], issuer="chatr-guest")
    assert fresh["sub"] == claims["sub"] and fresh["iat"] > claims["iat"] - GUEST_LIFETIME_SECONDS // 2
    again = body(await tokens.get_token(get("getToken", {"X-Chatr-Guest": first["guest"]})))
    assert "guest" not in again


# ---- logout ---------------------------------------------------------------------------------------


async def test_logout_revokes_a_guests_credentials_and_closes_their_connections(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    guest = await new_guest()
    user_id = guest["user"]["userId"]
    connection = await core.online(user_id)
    headers = {"X-Chatr-Guest": guest["guest"]}
    later = time.time() + 1
    monkeypatch.setattr(time, "time", lambda: later)  # logging out a second after signing up
    response = await logout.logout(func.HttpRequest("POST", "http://localhost/api/logout", headers=headers, body=b""))
    assert response.status_code == 204
    assert core.pubsub.closed == {connection: "Logged out"}
    assert (await tokens.get_token(get("getToken", headers))).status_code == 401
    assert (await lists.get_chats(get("chats", headers))).status_code == 401
    from api.chat_events import ChatEvents
    from api.events import Event, Refused

    with pytest.raises(Refused, match="signed out"):  # a Web PubSub token fetched before cannot connect either
        await ChatEvents(core.state, core.pubsub).handle(
            Event("connect", True, user_id, "c-new", {"claims": {"iat": [str(int(time.time()) - 1)]}})
        )


@pytest.mark.parametrize("late", [0.0, 0.999, 1.0, 5.0])
async def test_a_token_issued_while_the_logout_runs_can_neither_connect_nor_register(
    core: Core, monkeypatch: pytest.MonkeyPatch, late: float
) -> None:
    """Issue 24's race: a getToken past its revocation check issues a token `late` seconds after the logout."""
    from api.chat_events import ChatEvents
    from api.events import Event, Refused

    guest = await new_guest()
    user_id = guest["user"]["userId"]
    logged_out = time.time()
    monkeypatch.setattr(time, "time", lambda: logged_out)
    headers = {"X-Chatr-Guest": guest["guest"]}
    await logout.logout(func.HttpRequest("POST", "http://localhost/api/logout", headers=headers, body=b""))
    issued = int(logged_out + late)
    monkeypatch.setattr(time, "time", lambda: logged_out + late)
    events = ChatEvents(core.state, core.pubsub)
    in_flight = core.open(user_id)  # its connect passed before the logout; the socket opens after it

    with pytest.raises(Refused, match="signed out"):
        await events.handle(Event("connect", True, user_id, "c-late", {"claims": {"iat": [str(issued)]}}))
    await events.handle(Event("connected", True, user_id, in_flight, None))
    account = await core.state.get_account(user_id)
    assert account is not None and account.connections == []
    assert core.pubsub.closed[in_flight] == "Logged out"  # the browser stops and shows the login page
    reply = await webhook_reply(events, Event("userConnected", False, user_id, in_flight, {}))
    assert reply == "You signed out: sign in again"
    assert core.pubsub.presence_told("userOnline") == []


async def webhook_reply(events: object, event: object) -> str:
    """The refusal a user event gets (what the webhook turns into an error reply)."""
    from api.validation import Invalid

    with pytest.raises(Invalid) as refused:
        await events.handle(event)  # type: ignore[attr-defined]
    return str(refused.value)


async def test_logout_of_a_signed_in_user_leaves_the_session_to_static_web_apps(core: Core) -> None:
    connection = await core.online("ada")
    response = await logout.logout(func.HttpRequest("POST", "http://localhost/api/logout", headers=ADA, body=b""))
    assert response.status_code == 204 and core.pubsub.closed == {} and connection


async def test_logout_without_an_identity_is_refused(core: Core) -> None:
    response = await logout.logout(func.HttpRequest("POST", "http://localhost/api/logout", headers={}, body=b""))
    assert response.status_code == 401


# ---- the lists ------------------------------------------------------------------------------------


async def test_anyones_public_profile_is_there_by_id_online_or_not(core: Core) -> None:
    await core.online("ada")
    await core.sign_in("bob", "Bob", "guest")
    answer = body(await lists.get_users(get("users", ADA, {"id": "bob"})))
    assert answer == {
        "user": {"userId": "bob", "userName": "Bob", "userProvider": "guest", "idle": False, "online": False}
    }
    assert body(await lists.get_users(get("users", ADA, {"id": "ada"})))["user"]["online"] is True
    for unknown in ("nobody", "not a/user"):
        assert (await lists.get_users(get("users", ADA, {"id": unknown}))).status_code == 404


async def test_the_people_list_is_your_contacts_and_this_hours_visitors_who_are_online(core: Core) -> None:
    ada, grace = await core.online("ada"), await core.online("grace")
    await core.online("alan")  # online, but neither a contact nor a visitor this hour (no getToken)
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "grace"})
    await core.sign_in("vera", "Vera")
    await tokens.get_token(get("getToken", {"x-ms-client-principal": swa_principal("vera", "Vera", "github")}))
    vera = await core.online("vera")
    await core.send("userEnterIdle", "grace", grace)
    answer = body(await lists.get_users(get("users", ADA)))
    assert set(answer["users"]) == {"ada", "grace", "vera"} and answer["next"] is None
    assert answer["users"]["grace"]["idle"] is True
    await core.close("vera", vera)
    assert set(body(await lists.get_users(get("users", ADA)))["users"]) == {"ada", "grace"}


async def search(core: Core, what: str, prefix: str, after: str | None = None) -> Any:
    params = {"search": prefix} | ({"after": after} if after else {})
    handler = lists.get_users if what == "users" else lists.get_chats
    response = await handler(get(what, ADA, params))
    assert response.status_code == 200, response.get_body()
    return body(response)


async def test_people_are_found_by_a_prefix_of_their_name_whatever_its_accents_and_case(core: Core) -> None:
    await core.online("ada")
    await core.sign_in("zoe", "Zoë Ádámsdóttir")
    await core.online("anna", "ANNA")
    await core.sign_in("bob", "Bob")
    for prefix in ("zoe", "ZOË", "zoe ad", "Zoé ÁDÁMS"):
        assert [u["userId"] for u in (await search(core, "users", prefix))["users"]] == ["zoe"]
    found = (await search(core, "users", "an"))["users"]
    assert found == [{"userId": "anna", "userName": "ANNA", "userProvider": "github", "idle": False, "online": True}]
    assert (await search(core, "users", "zoe"))["users"][0]["online"] is False


async def test_a_search_comes_a_page_at_a_time(core: Core) -> None:
    await core.online("ada")
    for i in range(SEARCH_PAGE + 3):
        await core.sign_in(f"sam-{i:02d}", f"Sam {i:02d}")
    first = await search(core, "users", "sam")
    assert [u["userName"] for u in first["users"]] == [f"Sam {i:02d}" for i in range(SEARCH_PAGE)]
    rest = await search(core, "users", "sam", first["next"])
    assert [u["userName"] for u in rest["users"]] == [f"Sam {i:02d}" for i in range(SEARCH_PAGE, SEARCH_PAGE + 3)]
    assert rest["next"] is None


async def test_a_search_never_offers_you_or_anyone_you_block(core: Core) -> None:
    ada = await core.online("ada", "Adam")
    await core.sign_in("adele", "Adele")
    await core.sign_in("adrian", "Adrian")
    await core.send("blockUser", "ada", ada, "adrian")
    assert [u["userId"] for u in (await search(core, "users", "ad"))["users"]] == ["adele"]


async def test_searching_too_often_is_refused_with_retry_after(core: Core, clock: Any) -> None:
    await core.online("ada")
    for _ in range(RATES["search"].burst):
        await search(core, "users", "a")
    response = await lists.get_chats(get("chats", ADA, {"search": "a"}))
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    clock.advance(RATES["search"].every_seconds)
    assert (await lists.get_users(get("users", ADA, {"search": "a"}))).status_code == 200


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"search": " "}, "Search for"),
        ({"search": "x" * 101}, "Search for"),
        ({"search": "a", "after": "a/b"}, "cursor"),
    ],
)
async def test_a_bad_search_is_refused(core: Core, params: dict[str, str], reason: str) -> None:
    await core.online("ada")
    response = await lists.get_users(get("users", ADA, params))
    assert response.status_code == 400 and reason in body(response)["error"]


async def test_a_new_chat_is_found_by_search_and_in_browse_and_gone_once_deleted(core: Core) -> None:
    bob = await core.online("bob")
    await core.online("ada")
    await core.send("createChat", "bob", bob, {"id": "c-1", "name": "Élan Vital"})
    found = await search(core, "chats", "elan")
    assert found == {"chats": [{"id": "c-1", "name": "Élan Vital", "owner": "bob"}], "next": None}
    assert list(body(await lists.get_chats(get("chats", ADA)))["chats"]) == ["c-1"]
    await core.send("deleteChat", "bob", bob, "c-1")
    assert (await search(core, "chats", "elan"))["chats"] == []


@pytest.mark.parametrize(
    ("params", "reason"), [({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"after": "a/b"}, "cursor")]
)
async def test_a_bad_page_request_is_refused(core: Core, params: dict[str, str], reason: str) -> None:
    await core.online("ada")
    response = await lists.get_chats(get("chats", ADA, params))
    assert response.status_code == 400 and reason in body(response)["error"]


async def test_browse_pages_through_group_chats_and_yours_come_on_their_own(core: Core) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    for i in range(CHATS_PAGE + 1):
        await core.state.create_chat(Chat(f"c-{i:03d}", f"Chat {i}", "seed"))
    await core.send("createChat", "ada", ada, {"id": "z-mine", "name": "Mine, far down"})
    await core.send("joinChat", "ada", ada, "z-mine")
    first = body(await lists.get_chats(get("chats", ADA)))
    assert len(first["chats"]) == CHATS_PAGE and first["next"] == f"c-{CHATS_PAGE - 1:03d}"
    rest = body(await lists.get_chats(get("chats", ADA, {"after": first["next"]})))
    assert list(rest["chats"]) == [f"c-{CHATS_PAGE:03d}", "z-mine"] and rest["next"] is None
    mine = body(await lists.get_chats(get("chats", ADA, {"mine": "1"})))
    assert set(mine["chats"]) == {"z-mine", "private_ada_bob"} and mine["next"] is None
    assert mine["chats"]["z-mine"]["members"]["ada"]["userName"] == "Ada"
    assert mine["chats"]["private_ada_bob"]["name"] == "Chat with Bob"
    assert set(mine["chats"]["private_ada_bob"]["members"]) == {"ada", "bob"}


async def test_one_group_chat_comes_with_its_members_by_id(core: Core) -> None:
    ada = await core.online("ada")
    bob = await core.online("bob")
    await core.send("createChat", "ada", ada, {"id": "c-1", "name": "Engines"})
    await core.send("joinChat", "ada", ada, "c-1")
    await core.send("joinChat", "bob", bob, "c-1")
    answer = body(await lists.get_chats(get("chats", ADA, {"id": "c-1"})))
    assert answer["chat"]["name"] == "Engines" and set(answer["chat"]["members"]) == {"ada", "bob"}
    assert "chats" not in answer


@pytest.mark.parametrize(("wanted", "status"), [("no-such-chat", 404), ("private_ada_bob", 400), ("a b", 400)])
async def test_only_a_stored_group_chat_comes_by_id(core: Core, wanted: str, status: int) -> None:
    ada = await core.online("ada")
    await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    response = await lists.get_chats(get("chats", ADA, {"id": wanted}))
    assert response.status_code == status and body(response)["error"]


async def test_a_private_chat_the_other_person_left_lists_only_you_so_writing_invites_them_back(core: Core) -> None:
    ada = await core.online("ada")
    bob = await core.online("bob")
    await core.send("createPrivateChat", "ada", ada, {"targetUserId": "bob"})
    await core.send("leaveChat", "bob", bob, {"chatId": "private_ada_bob"})
    chats = body(await lists.get_chats(get("chats", ADA, {"mine": "1"})))["chats"]
    assert set(chats["private_ada_bob"]["members"]) == {"ada"}
    assert chats["private_ada_bob"]["name"] == "Chat with Bob"


async def test_every_api_answer_says_nosniff(core: Core) -> None:
    """Issue 24: JSON answers, errors and empty answers alike carry `X-Content-Type-Options: nosniff`."""
    guest = await new_guest()
    credential = {"x-chatr-guest": guest["guest"]}
    answers = [
        await tokens.get_token(get("getToken", ADA)),
        await tokens.get_token(get("getToken")),  # 401
        await tokens.get_token(get("getToken", params={"guestName": "\u200b"})),  # 400
        await lists.get_users(get("users", ADA)),
        await lists.get_chats(get("chats", ADA)),
        await lists.get_users(get("users", ADA, {"id": "nobody"})),  # 404
        await logout.logout(func.HttpRequest("POST", "http://localhost/api/logout", headers=credential, body=b"")),
    ]
    assert [a.status_code for a in answers] == [200, 401, 400, 200, 200, 404, 204]
    for answer in answers:
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", answer.status_code
