"""Issue 22, bug 3: a guest who logged out comes back with a recovery code, and nobody else does.

Over the in-memory fakes (the real State's part, the profile's digest, is in tests/api/test_state.py);
the whole way back runs in Chromium in tests/client/test_guest_recovery.py.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import azure.functions as func
import jwt
import pytest

from api import logout, recovery, tokens
from api.limits import RATES, RECOVERIES_PER_ADDRESS
from api.recovery import CODE_CHARACTERS, NOT_A_CODE, WRONG_CODE
from api.state import SIGNUPS_PREFIX, State
from local.harness import swa_principal
from tests.api.core import Core

KEY = "test-guest-signing-key-0123456789abcdef"
ADDRESS = "20.30.40.50"  # a public address: the network a guest comes from


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> Core:
    """The handlers' clients are the fakes."""
    core = Core()

    async def state() -> State:
        return core.state

    monkeypatch.setenv("GUEST_SIGNING_KEY", KEY)
    for module in (tokens, logout, recovery):
        monkeypatch.setattr(module, "state", state)
        monkeypatch.setattr(module, "pubsub", lambda: core.pubsub, raising=False)
    return core


def request(path: str, method: str = "GET", credential: str | None = None, body: Any = None) -> func.HttpRequest:
    headers = {"X-Forwarded-For": ADDRESS} | ({"X-Chatr-Guest": credential} if credential else {})
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    params = {"guestName": "Grace"} if path == "getToken" and credential is None else {}
    return func.HttpRequest(method, f"http://localhost/api/{path}", headers=headers, params=params, body=raw)


def other(code: str, at: int) -> str:
    """The code with one character changed (a mistyped code), without dashes."""
    raw = code.replace("-", "")
    return raw[:at] + ("A" if raw[at] != "A" else "B") + raw[at + 1 :]


def answer(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body())


async def guest_with_code(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, str]:
    """A guest who signed up, asked for a code and logged out over a minute ago: their id, old credential, code."""
    real = time.time
    now = real()
    monkeypatch.setattr(time, "time", lambda: now - 200)
    signed_up = answer(await tokens.get_token(request("getToken")))
    credential = signed_up["guest"]
    asked = await recovery.new_recovery_code(request("recoveryCode", "POST", credential))
    assert asked.status_code == 200 and asked.headers["Cache-Control"] == "no-store"
    monkeypatch.setattr(time, "time", lambda: now - 120)
    assert (await logout.logout(request("logout", "POST", credential))).status_code == 204
    monkeypatch.setattr(time, "time", real)
    return signed_up["user"]["userId"], credential, answer(asked)["recoveryCode"]


async def recover(code: object) -> func.HttpResponse:
    return await recovery.recover(request("recover", "POST", body={"recoveryCode": code}))


async def test_a_guest_who_logged_out_comes_back_to_the_same_account_with_a_recovery_code(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, old, code = await guest_with_code(monkeypatch)
    assert (await tokens.get_token(request("getToken", credential=old))).status_code == 401

    response = await recover(code.lower().replace("-", " "))  # typed in lower case, spaced: still the code

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    back = answer(response)
    assert back["user"] == {"userId": user_id, "userName": "Grace", "userProvider": "guest"}
    assert jwt.decode(back["guest"], KEY, algorithms=["HS256"], issuer="chatr-guest")["sub"] == user_id
    token = answer(await tokens.get_token(request("getToken", credential=back["guest"])))
    assert token["user"]["userId"] == user_id
    assert (await tokens.get_token(request("getToken", credential=old))).status_code == 401  # still revoked
    assert back["recoveryCode"] != code and len(back["recoveryCode"].replace("-", "")) == CODE_CHARACTERS


async def test_a_used_code_is_replaced_and_never_works_again(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, code = await guest_with_code(monkeypatch)
    first = await recover(code)
    assert first.status_code == 200
    again = await recover(code)
    assert (again.status_code, answer(again)["error"]) == (401, WRONG_CODE)
    assert (await recover(answer(first)["recoveryCode"])).status_code == 200  # the new one works, once


async def test_asking_again_replaces_the_code_and_the_earlier_one_stops_working(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_up = answer(await tokens.get_token(request("getToken")))
    codes = [
        answer(await recovery.new_recovery_code(request("recoveryCode", "POST", signed_up["guest"])))["recoveryCode"]
        for _ in range(2)
    ]
    assert codes[0] != codes[1]
    assert (await recover(codes[0])).status_code == 401
    assert (await recover(codes[1])).status_code == 200


async def test_a_wrong_code_changes_nothing_and_gets_the_same_answer_as_an_unknown_account(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _, code = await guest_with_code(monkeypatch)
    wrong_secret, unknown_account = other(code, 40), other(code, 0)
    profile = core.state.profiles[user_id]
    for wrong in (wrong_secret, unknown_account):
        response = await recover(wrong)
        assert (response.status_code, answer(response)["error"]) == (401, WRONG_CODE)
    assert core.state.profiles[user_id].recovery_digest == profile.recovery_digest
    assert (await recover(code)).status_code == 200


async def test_only_a_digest_of_the_code_is_kept(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    user_id, _, code = await guest_with_code(monkeypatch)
    kept = core.state.profiles[user_id].recovery_digest
    secret = code.replace("-", "")[26:]
    assert len(kept) == 64 and code.replace("-", "") not in kept and secret not in kept
    assert len(recovery.parse_code(code)[1]) * 8 >= 100  # the secret's bits


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        {"recoveryCode": 5},
        {"recoveryCode": None},
        {"recoveryCode": "ABCD-EFGH"},
        {"recoveryCode": "1" * CODE_CHARACTERS},  # 0, 1, 8 and 9 are not base32
        {"recoveryCode": "A" * 5000},
    ],
)
async def test_a_malformed_code_is_refused_before_anything_is_spent(core: Core, body: Any) -> None:
    response = await recovery.recover(request("recover", "POST", body=body))
    assert (response.status_code, answer(response)["error"]) == (400, NOT_A_CODE)
    assert core.state.limits == {}


async def test_tries_against_one_account_are_rate_limited_with_retry_after(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, code = await guest_with_code(monkeypatch)
    for at in range(30, 30 + RATES["recovery"].burst):  # asking for the code spent one, refilled since
        assert (await recover(other(code, at))).status_code == 401
    refused = await recover(code)  # even the right code waits: nobody learns it was right
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "recovery codes for this account" in answer(refused)["error"]


async def test_tries_from_one_address_are_rate_limited_whatever_account_they_name(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, code = await guest_with_code(monkeypatch)
    for at in range(RECOVERIES_PER_ADDRESS.burst):  # each names another account
        assert (await recover(other(code, at))).status_code == 401
    refused = await recover(code)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "from your network" in answer(refused)["error"]
    assert SIGNUPS_PREFIX + ADDRESS in core.state.limits


async def test_coming_back_within_the_logouts_margin_waits_and_the_code_still_works(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_up = answer(await tokens.get_token(request("getToken")))
    asked = await recovery.new_recovery_code(request("recoveryCode", "POST", signed_up["guest"]))
    await logout.logout(request("logout", "POST", signed_up["guest"]))
    response = await recover(answer(asked)["recoveryCode"])
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 62
    assert "logged out less than a minute ago" in answer(response)["error"]
    user_id = signed_up["user"]["userId"]
    over = replace(core.state.profiles[user_id], revoked_before=int(time.time()) - 1)  # the minute is over
    core.state.profiles[user_id] = over
    assert (await recover(answer(asked)["recoveryCode"])).status_code == 200


async def test_only_a_guest_gets_a_recovery_code(core: Core) -> None:
    await core.sign_in("ada", "Ada", "github")
    principal = {"x-ms-client-principal": swa_principal("ada", "Ada", "github")}
    signed_in = func.HttpRequest("POST", "http://localhost/api/recoveryCode", headers=principal, body=b"")
    assert (await recovery.new_recovery_code(signed_in)).status_code == 400
    assert (await recovery.new_recovery_code(request("recoveryCode", "POST"))).status_code == 401
    nobody = func.HttpRequest("POST", "http://localhost/api/recoveryCode", headers={}, body=b"")
    assert (await recovery.new_recovery_code(nobody)).status_code == 401
