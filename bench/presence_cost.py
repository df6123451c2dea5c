"""Presence cost: Web PubSub messages one visit costs, with 1,000 and with 10,000 people online.

A counted model: the real event handlers (`api.chat_events.ChatEvents`) over the in-memory State
and Web PubSub of `tests/api/fakes.py`, whose connections keep an inbox of every message delivered
to them, which is what Web PubSub bills. The population is seeded straight into the fakes (each
person in three group chats of 11 sliding along a ring, so about 18 contacts each, one tab each,
online, in the watch groups the server would have put them in); then sampled people each make a
whole visit through the handlers: `connected`, `userConnected`, idle, back, `disconnected`. The
figures are the messages delivered per visit and per presence change, and the table operations a
visit makes; the target is the 10,000 figure within 1.2x of the 1,000 one, and at most 2 x
(contacts + 1) messages per change. Today's design (a broadcast per change) is the baseline:
every change reaches every connection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from api.chat_events import ChatEvents
from api.contacts import contacts_of
from api.events import Event
from api.models import Chat, Connection, Membership, Presence, User
from api.pubsub import token_groups, watch_group
from bench.report import Row, Section, at_most, progress
from tests.api.fakes import FakePubSub, FakeState, _Profile

CHAT_SIZE = 11
LAYERS = (0, 4, 8)  # each person is in one chat of every layer: chats of 11 starting at these offsets
CHANGES = ("online", "idle", "back", "offline")


@dataclass(frozen=True)
class Sizes:
    populations: tuple[int, ...]
    visits: int  # sampled visits per population


FULL = Sizes(populations=(1000, 10000), visits=40)
QUICK = Sizes(populations=(100, 400), visits=4)


class CountingState(FakeState):
    """The in-memory State, counting the calls a handler makes (about one table operation or query each)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def _reachable(self) -> None:
        self.calls += 1
        super()._reachable()


def _user_id(number: int) -> str:
    return f"p{number:06d}"


def _seed(people: int) -> tuple[CountingState, FakePubSub]:
    """Everyone online in their chats and watch groups, as if each had visited through the handlers."""
    state, pubsub = CountingState(), FakePubSub()
    chats: dict[str, list[str]] = {}
    for offset in LAYERS:
        for start in range(offset, offset + people, CHAT_SIZE):
            chat_id = f"c{offset}-{start}"
            chats[chat_id] = [_user_id(n % people) for n in range(start, start + CHAT_SIZE)]
    for number in range(people):
        user = User(_user_id(number), f"Person {number}", "guest")
        state.profiles[user.id] = _Profile(user, state._etag(), datetime.now(UTC), [])
        state.told[user.id] = (user, Presence(True, False), state._etag())
        connection = f"{user.id}-tab"
        state.connections[(user.id, connection)] = Connection(connection, user.id, user.name, "guest", announced=True)
        pubsub.connect(connection, user.id)
    for chat_id, members in chats.items():
        state.chats[chat_id] = Chat(chat_id, chat_id, members[0])
        for member in members:
            membership = Membership(chat_id, member, member)
            state.members[(chat_id, member)] = membership
            state.memberships[(member, chat_id)] = membership
            pubsub.groups[chat_id].add(f"{member}-tab")
    contacts: dict[str, set[str]] = {}
    for members in chats.values():
        for member in members:
            contacts.setdefault(member, set()).update(m for m in members if m != member)
    for user_id, theirs in contacts.items():
        for watched in theirs | {user_id}:
            pubsub.groups[watch_group(watched)].add(f"{user_id}-tab")
    return state, pubsub


def _delivered(pubsub: FakePubSub) -> int:
    return sum(len(inbox) for inbox in pubsub.inboxes.values())


async def _visit(state: CountingState, pubsub: FakePubSub, user_id: str) -> dict[str, int]:
    """One whole visit of someone already seeded (their old tab closes first): messages per change, and calls."""
    events = ChatEvents(state, pubsub)
    old = f"{user_id}-tab"
    pubsub.disconnect(old)
    await events.handle(Event("disconnected", True, user_id, old))
    counts: dict[str, int] = {}
    connection = f"{user_id}-visit"
    pubsub.open_connections[connection] = user_id
    for group in token_groups(user_id):
        pubsub.groups[group].add(connection)
    calls = state.calls
    steps = [
        ("online", Event("connected", True, user_id, connection)),
        ("online", Event("userConnected", False, user_id, connection, {})),
        ("idle", Event("userEnterIdle", False, user_id, connection)),
        ("back", Event("userExitIdle", False, user_id, connection)),
    ]
    for change, event in steps:
        before = _delivered(pubsub)
        await events.handle(event)
        counts[change] = counts.get(change, 0) + _delivered(pubsub) - before
    before = _delivered(pubsub)
    pubsub.disconnect(connection)
    await events.handle(Event("disconnected", True, user_id, connection))
    counts["offline"] = _delivered(pubsub) - before
    counts["calls"] = state.calls - calls
    return counts


async def _population(people: int, visits: int) -> dict[str, float]:
    progress(f"presence_cost: {people:,} people online")
    state, pubsub = _seed(people)
    sampled = [_user_id(n * (people // visits)) for n in range(visits)]
    contacts = [len(await contacts_of(state, u)) for u in sampled]
    started = time.perf_counter()
    results = [await _visit(state, pubsub, u) for u in sampled]
    seconds = time.perf_counter() - started
    per_change = {c: sum(r[c] for r in results) / visits for c in CHANGES}
    return {
        "people": people,
        "contacts": sum(contacts) / visits,
        "visit": sum(per_change.values()),
        "worst change": max(per_change.values()),
        "calls": sum(r["calls"] for r in results) / visits,
        "seconds per visit": seconds / visits,
        **{f"change {c}": v for c, v in per_change.items()},
    }


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    small, large = sizes.populations
    section = Section(
        "presence_cost",
        f"Presence cost per visit ({small:,} and {large:,} people online, about 18 contacts each)",
        notes=[
            "a counted model: the real handlers over the in-memory fakes, every message delivered to a connection "
            f"counted; {sizes.visits} sampled visits per population (connected, userConnected, idle, back, "
            "disconnected); today's design broadcast each of the four changes to every connection"
        ],
    )
    figures = [await _population(people, sizes.visits) for people in sizes.populations]
    low, high = figures
    ratio = high["visit"] / low["visit"] if low["visit"] else float("inf")
    for figure in figures:
        people = int(figure["people"])
        bound = 2 * (figure["contacts"] + 1)
        section.add(
            Row(
                f"messages delivered per visit, {people:,} online (contacts {figure['contacts']:.1f}; "
                f"today's design: 4 broadcasts of {people:,})",
                figure["visit"],
                baseline=4 * people,
            ),
            Row(
                f"messages per presence change at most, {people:,} online (target: 2 x (contacts + 1) = {bound:.0f})",
                figure["worst change"],
                target=f"<= {bound:.0f}",
                met=at_most(figure["worst change"], bound),
            ),
            Row(f"State calls per visit (about one table operation each), {people:,} online", figure["calls"]),
        )
    section.add(
        Row(
            f"messages per visit, {large:,} online vs {small:,}",
            high["visit"],
            baseline=low["visit"],
            ratio=ratio,
            target="<= 1.2x",
            met=at_most(ratio, 1.2),
        )
    )
    section.raw = {"populations": figures}
    return section
