"""Spending a user's (or an address's) stored rate-limit tokens, and the cap on chats owned.

Tokens are stored (`State.save_limits`, ETag-guarded), so a limit holds across Function instances.
This process also remembers refusals until their bucket refills: other instances can only spend
tokens, never add them, so a refusal until time T stays true until T and a flood is answered
without touching storage. A user who keeps sending while refused (SHED_AFTER times) is flooding:
each further refusal is answered only after the wait it names (at most HOLD_SECONDS). Web PubSub
hands a connection's events over one at a time, so a flooding connection stalls, at no cost to the
backend but an idle wait, and everyone else is served as before.
"""

from __future__ import annotations

import asyncio
import time

from .limits import (
    MAX_LIVE_GUESTS_PER_ADDRESS,
    MAX_OWNED_CHATS,
    RATES,
    LimitReached,
    Limits,
    Rate,
    RateLimited,
    too_often,
)
from .state import State, StorageUnavailable

SHED_AFTER = 20  # refusals answered from memory, one after another, before the answers are held back
HOLD_SECONDS = 10.0
_MAX_TRIES = 20
_MAX_REMEMBERED = 10_000
_refused_until: dict[tuple[str, str], float] = {}
_strikes: dict[str, int] = {}


class Flooding(RateLimited):
    """Still sending while refused: hold the answer back for `hold` seconds before giving it (`held`)."""

    @property
    def hold(self) -> float:
        return min(float(self.retry_after), HOLD_SECONDS)


async def held(refusal: RateLimited) -> RateLimited:
    """The refusal to answer with, once a flood's refusal has been held back."""
    if isinstance(refusal, Flooding):
        await asyncio.sleep(refusal.hold)
    return refusal


def check_remembered(partition: str, kind: str, now: float | None = None) -> None:
    """Refuse at once what this process already knows to be over the limit (no storage read)."""
    until = _refused_until.get((partition, kind))
    moment = time.time() if now is None else now
    if until is None:
        return
    if moment >= until:
        del _refused_until[(partition, kind)]
        _strikes.pop(partition, None)
        return
    wait = max(1, round(until - moment))
    _strikes[partition] = strikes = _strikes.get(partition, 0) + 1
    if strikes >= SHED_AFTER:
        raise Flooding(f"Too many refused requests: wait {wait} s before trying again", wait)
    raise too_often(_WHAT[kind], wait)


async def spend(
    state: State,
    partition: str,
    kind: str,
    limits: Limits,
    etag: str | None,
    *,
    rate: Rate | None = None,
    owned: int = 0,
    also: tuple[tuple[str, Rate], ...] = (),
) -> Limits:
    """Take one token of `kind` and of each `also` kind (and add `owned` to the chats owned, within the cap), or raise.

    RateLimited when a bucket is empty (then none is spent), LimitReached when a new chat would pass
    the cap. A write that finds the row changed reads it again and retries, so concurrent events
    count exactly.
    """
    buckets = ((kind, rate or RATES[kind]), *also)
    for _ in range(_MAX_TRIES):
        now = time.time()
        for each, each_rate in buckets:
            wait = limits.retry_after(each, each_rate, now)
            if wait is not None:
                _remember(partition, each, now + wait)
                raise too_often(_WHAT.get(each, each), wait)
        if owned > 0 and limits.owned_chats + owned > MAX_OWNED_CHATS:
            raise LimitReached(
                f"You own {limits.owned_chats} chats, the most one person can own ({MAX_OWNED_CHATS}): "
                "delete one of yours first"
            )
        spent = limits.with_owned(limits.owned_chats + owned)
        for each, each_rate in buckets:
            spent = spent.take(each, each_rate, now)
        if await state.save_limits(partition, spent, etag):
            return spent
        limits, etag = await state.get_limits(partition)
    # Only the same user's (or address's) own events write this row: that many at once is a flood of its own.
    raise too_often(_WHAT.get(kind, kind), 1)


async def disown(state: State, user_id: str) -> None:
    """One chat fewer owned (deleted, or never created after all): no token is spent."""
    for _ in range(_MAX_TRIES):
        limits, etag = await state.get_limits(user_id)
        if await state.save_limits(user_id, limits.with_owned(limits.owned_chats - 1), etag):
            return
    raise StorageUnavailable(f"limits of {user_id} kept changing; gave up after {_MAX_TRIES} tries")


_here: dict[tuple[str, str], Limits] = {}


def spend_here(partition: str, kind: str, now: float | None = None) -> None:
    """Take one token from a bucket this worker alone keeps: for what is forwarded and never stored (typing)."""
    moment = time.time() if now is None else now
    key = (partition, kind)
    limits = _here.get(key, Limits())
    wait = limits.retry_after(kind, RATES[kind], moment)
    if wait is not None:
        _remember(partition, kind, moment + wait)
        raise too_often(_WHAT.get(kind, kind), wait)
    if len(_here) >= _MAX_REMEMBERED:
        _here.clear()
    _here[key] = limits.take(kind, RATES[kind], moment)


def _remember(partition: str, kind: str, until: float) -> None:
    if len(_refused_until) >= _MAX_REMEMBERED:
        now = time.time()
        for key in [k for k, t in _refused_until.items() if t <= now] or list(_refused_until)[: _MAX_REMEMBERED // 2]:
            del _refused_until[key]
    _refused_until[(partition, kind)] = until


_WHAT = {
    "chats": "creating or deleting chats",
    "membership": "joining or leaving chats",
    "private": "opening private chats",
    "idle": "idle changes",
    "blocks": "blocking or unblocking",
    "connections": "new connections",
    "tokens": "asking for connection tokens",
    "search": "searching",
    "messageSearch": "searching messages",
    "recovery": "recovery codes for this account",
    "recoveries": "recovery codes from your network",
    "signups": "new guests from your network",
    "messages": "sending, editing or deleting messages",
    "reactions": "reactions",
    "typing": "typing notices",
    "reads": "read marks",
    "guests": f"guests from your network: at most {MAX_LIVE_GUESTS_PER_ADDRESS} a day, or sign in",
}
