"""100 people chatting in 10 chats while visitors come and go: every message reaches every member
exactly once, in order per sender, and the memory of every process is as flat at the end as after
the warm-up.

`make test` runs seconds of it; `make soak` runs minutes. The benchmark `memory_soak` reports the
growth figures for the same kind of load.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.report import tree_rss_mb
from local.harness import gather_bounded
from tests.chat_client import ChatClient, create_chat, said
from tests.reliability.helpers import SOAK, acknowledged
from tests.reliability.parts import Parts

CLIENTS = 100
CHATS = 10
LIMIT = 10  # requests in flight at once while the rooms fill and settle
SECONDS = float(os.environ.get("CHATR_SOAK_SECONDS", "180")) if SOAK else 6.0
WARMUP_SECONDS = float(os.environ.get("CHATR_SOAK_WARMUP", "45")) if SOAK else 3.0
MEMORY_GROWTH_LIMIT_MB = 40.0  # generous: flat means no growth with the number of messages or visitors


@pytest.fixture
def soak_stack(tmp_path: Path) -> Iterator[Parts]:
    parts = Parts.plan(tmp_path).start()
    yield parts
    parts.stop()


@dataclass
class Room:
    chat_id: str
    members: list[ChatClient]


@dataclass
class Traffic:
    """Who sent what: per sender, the sequence numbers posted (each acknowledged by the service)."""

    sent: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


async def _join(client: ChatClient, chat_id: str) -> None:
    _, errors = await acknowledged(client, {"type": "event", "event": "joinChat", "dataType": "text", "data": chat_id})
    assert not errors, errors


async def _populate(parts: Parts, made: list[ChatClient]) -> list[Room]:
    def person(i: int) -> ChatClient:
        client = ChatClient(parts.functions_url, f"Person {i}")
        made.append(client)
        return client

    people = await gather_bounded([person(i).connect() for i in range(CLIENTS)], LIMIT)
    rooms = []
    for index in range(CHATS):
        members = people[index::CHATS]
        chat_id = await create_chat(members[0], f"Room {index}")
        rooms.append(Room(chat_id, members))
    await gather_bounded([_join(c, r.chat_id) for r in rooms for c in r.members], LIMIT)
    return rooms


async def _chatter(client: ChatClient, chat_id: str, until: float, traffic: Traffic, rng: random.Random) -> None:
    for seq in itertools.count():
        if time.monotonic() >= until:
            return
        ack = await client.publish(chat_id, f"{client.user_id}:{seq}")
        if not ack.get("success"):
            traffic.errors.append(f"{client.name}: {ack}")
            return
        traffic.sent[client.user_id].append(seq)
        await asyncio.sleep(rng.uniform(0.5, 1.5))


async def _churn(parts: Parts, rooms: list[Room], until: float, made: list[ChatClient], rng: random.Random) -> int:
    """People who come, join, say something, leave and close the tab, over and over."""
    cycles = 0
    while time.monotonic() < until:
        room = rng.choice(rooms)
        visitor = ChatClient(parts.functions_url, f"Visitor {cycles}")
        made.append(visitor)
        await visitor.connect()
        await _join(visitor, room.chat_id)
        await visitor.publish(room.chat_id, "just passing through")
        await acknowledged(
            visitor, {"type": "event", "event": "leaveChat", "dataType": "json", "data": {"chatId": room.chat_id}}
        )
        await visitor.close()
        made.remove(visitor)
        cycles += 1
    return cycles


async def _talk(parts: Parts, rooms: list[Room], seconds: float, traffic: Traffic, made) -> int:
    rng = random.Random(42)
    until = time.monotonic() + seconds
    talkers = [_chatter(c, r.chat_id, until, traffic, random.Random(rng.random())) for r in rooms for c in r.members]
    churners = [_churn(parts, rooms, until, made, random.Random(rng.random())) for _ in range(3)]
    results = await asyncio.gather(*talkers, *churners)
    return sum(r for r in results if isinstance(r, int))


async def _settled(parts: Parts, people: list[ChatClient]) -> None:
    """Everything sent before now has reached every client (the service writes in order per connection)."""
    from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

    marker = {"settled": time.monotonic()}
    async with WebPubSubServiceClient.from_connection_string(parts.pubsub_connection_string, hub="chat") as service:
        await gather_bounded(
            [service.send_to_connection(c.connection_id, marker, content_type="application/json") for c in people],
            LIMIT,
        )
    await asyncio.gather(*(c.wait_for(lambda m: m.get("data") == marker, timeout=120) for c in people))


def _check_delivery(rooms: list[Room], traffic: Traffic) -> int:
    """Exactly once, in order per sender, to every member; nothing to anyone else. Returns deliveries."""
    assert not traffic.errors, traffic.errors[:5]
    delivered = 0
    everyone = [c for r in rooms for c in r.members]
    for room in rooms:
        senders = {c.user_id for c in room.members}
        for receiver in everyone:
            got: dict[str, list[int]] = defaultdict(list)
            for message in receiver.group_messages(room.chat_id):
                text = said(message)
                sender = message["data"]["entry"]["fromUserId"] if text is not None else None
                if sender in senders and text is not None:
                    owner, _, seq = text.rpartition(":")
                    assert owner == sender, message
                    got[sender].append(int(seq))
            if receiver in room.members:
                for sender in senders:
                    assert got[sender] == traffic.sent[sender], (receiver.name, sender, got[sender][:20])
                    delivered += len(got[sender])
            else:
                assert not got, (receiver.name, room.chat_id)
    return delivered


@pytest.mark.timeout(SECONDS + 600)
async def test_a_hundred_people_in_ten_chats_get_every_message_exactly_once_in_order_while_visitors_come_and_go(
    soak_stack: Parts,
) -> None:
    made: list[ChatClient] = []
    try:
        rooms = await _populate(soak_stack, made)
        traffic = Traffic()
        visitors = await _talk(soak_stack, rooms, SECONDS, traffic, made)
        await _settled(soak_stack, [c for r in rooms for c in r.members])
        delivered = _check_delivery(rooms, traffic)
        assert visitors > 0
        assert sum(len(s) for s in traffic.sent.values()) >= CLIENTS  # everyone said something
        assert delivered == sum(len(s) for s in traffic.sent.values()) * (CLIENTS // CHATS)
    finally:
        for client in made:
            with contextlib.suppress(Exception):
                await client.close()


@pytest.mark.timeout(WARMUP_SECONDS + SECONDS + 600)
async def test_the_memory_of_every_process_stays_flat_while_a_hundred_people_chat(soak_stack: Parts) -> None:
    made: list[ChatClient] = []
    try:
        rooms = await _populate(soak_stack, made)
        people = [c for r in rooms for c in r.members]
        await _talk(soak_stack, rooms, WARMUP_SECONDS, Traffic(), made)
        await _settled(soak_stack, people)
        before = {name: tree_rss_mb(process.pid) for name, process in soak_stack.processes.items()}
        traffic = Traffic()
        await _talk(soak_stack, rooms, SECONDS, traffic, made)
        await _settled(soak_stack, people)
        after = {name: tree_rss_mb(process.pid) for name, process in soak_stack.processes.items()}
        assert not traffic.errors, traffic.errors[:5]
        assert sum(len(s) for s in traffic.sent.values()) >= CLIENTS
        grown = {name: round(after[name] - before[name], 1) for name in before}
        assert set(grown) == {"azurite", "webpubsub", "functions"}
        assert all(growth < MEMORY_GROWTH_LIMIT_MB for growth in grown.values()), (before, after)
    finally:
        for client in made:
            with contextlib.suppress(Exception):
                await client.close()
