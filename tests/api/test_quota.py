"""Spending stored tokens: refusals remembered, floods held back, concurrent spenders all counted."""

from __future__ import annotations

import asyncio

import pytest

from api import quota
from api.limits import RATES, Limits, RateLimited
from tests.api.conftest import Clock
from tests.api.fakes import FakeState


async def test_a_refusal_is_remembered_until_the_bucket_refills(clock: Clock) -> None:
    state = FakeState()
    limits = Limits()
    for _ in range(RATES["idle"].burst):
        limits = await quota.spend(state, "ada", "idle", *await state.get_limits("ada"))
    with pytest.raises(RateLimited):
        await quota.spend(state, "ada", "idle", *await state.get_limits("ada"))
    with pytest.raises(RateLimited):
        quota.check_remembered("ada", "idle")
    clock.advance(RATES["idle"].every_seconds)
    quota.check_remembered("ada", "idle")  # nothing to remember any more
    assert limits


async def test_a_user_who_keeps_sending_while_refused_is_answered_only_after_the_wait(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        if seconds:  # the fake's own round trips sleep(0)
            slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    state = FakeState()
    for _ in range(RATES["chats"].burst):
        await quota.spend(state, "mallory", "chats", *await state.get_limits("mallory"))
    with pytest.raises(RateLimited):
        await quota.spend(state, "mallory", "chats", *await state.get_limits("mallory"))
    answers = []
    for _ in range(quota.SHED_AFTER + 2):
        try:
            quota.check_remembered("mallory", "chats")
        except RateLimited as refusal:
            answers.append(await quota.held(refusal))
    assert len(answers) == quota.SHED_AFTER + 2
    assert slept == [RATES["chats"].every_seconds] * 3  # the 20th and later refusals wait before they are given
    quota.check_remembered("ada", "chats")  # nobody else is affected


async def test_concurrent_spends_of_one_user_all_count(clock: Clock) -> None:
    state = FakeState()

    async def spend() -> None:
        await quota.spend(state, "ada", "membership", *await state.get_limits("ada"))

    await asyncio.gather(*(spend() for _ in range(10)))
    limits, _ = await state.get_limits("ada")
    assert limits.available("membership", RATES["membership"], clock.now) == RATES["membership"].burst - 10


async def test_a_chat_no_longer_owned_frees_a_place(clock: Clock) -> None:
    state = FakeState()
    await quota.spend(state, "ada", "chats", *await state.get_limits("ada"), owned=1)
    await quota.disown(state, "ada")
    assert (await state.get_limits("ada"))[0].owned_chats == 0
