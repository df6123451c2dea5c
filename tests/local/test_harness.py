"""What tests and benchmarks share to act as users: the SWA principal and a bounded crowd."""

from __future__ import annotations

import asyncio
import base64
import json

from local.harness import gather_bounded, swa_principal


def test_a_principal_is_the_base64_json_static_web_apps_sends() -> None:
    principal = json.loads(base64.b64decode(swa_principal("abc123", "Ada", "aad")))
    assert principal == {
        "identityProvider": "aad",
        "userId": "abc123",
        "userDetails": "Ada",
        "userRoles": ["authenticated"],
        "claims": [],
    }


def test_a_principal_can_carry_the_roles_of_the_swa_cli_sign_in_cookie() -> None:
    principal = json.loads(base64.b64decode(swa_principal("abc123", "Ada", roles=("anonymous", "authenticated"))))
    assert principal["userRoles"] == ["anonymous", "authenticated"] and principal["identityProvider"] == "github"


async def test_a_bounded_gather_never_runs_more_than_its_limit_and_keeps_the_order() -> None:
    running, most = 0, 0

    async def job(number: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)  # a yield point: without the gate, all twenty would be in here at once
        running -= 1
        return number

    assert await gather_bounded([job(n) for n in range(20)], 3) == list(range(20))
    assert most == 3
