"""What the reliability suites share: chat steps, the stored state as data, and acknowledged requests."""

from __future__ import annotations

import os
from typing import Any

from azure.data.tables.aio import TableServiceClient

from api.state import CHAT_ROW, CHATS_TABLE, CONNECTION_PREFIX, LIMITS, MEMBER_PREFIX, MEMBERSHIP_PREFIX, USERS_TABLE
from tests.chat_client import ChatClient, Message

# `make soak` sets CHATR_SOAK=1: the same properties, many more examples.
SOAK = os.environ.get("CHATR_SOAK") == "1"

Snapshot = dict[tuple[str, str, str], dict[str, Any]]


def chat_key(chat_id: str) -> tuple[str, str, str]:
    """Where a chat's row lives in a snapshot, so tests follow the storage layout instead of restating it."""
    return (CHATS_TABLE, chat_id, CHAT_ROW)


def membership_key(user_id: str, chat_id: str) -> tuple[str, str, str]:
    """Where a user's membership of a chat lives in a snapshot."""
    return (USERS_TABLE, user_id, MEMBERSHIP_PREFIX + chat_id)


def member_key(chat_id: str, user_id: str) -> tuple[str, str, str]:
    """Where a group chat lists one of its members in a snapshot."""
    return (CHATS_TABLE, chat_id, MEMBER_PREFIX + user_id)


def connections_in(rows: Snapshot, user_id: str) -> list[str]:
    """The connections a snapshot has registered for a user."""
    return [
        key[2][len(CONNECTION_PREFIX) :]
        for key in rows
        if key[:2] == (USERS_TABLE, user_id) and key[2].startswith(CONNECTION_PREFIX)
    ]


def without_connections(rows: Snapshot) -> Snapshot:
    """The stored state without what comes and goes with sockets (connection rows) and rate counters."""
    return {
        key: row
        for key, row in without_limits(rows).items()
        if not (key[0] == USERS_TABLE and key[2].startswith(CONNECTION_PREFIX))
    }


async def snapshot(connection_string: str) -> Snapshot:
    """Every row of both tables, without the service's own metadata: what "the stored state" means."""
    rows: Snapshot = {}
    async with TableServiceClient.from_connection_string(connection_string) as service:
        for table in (CHATS_TABLE, USERS_TABLE):
            async with service.get_table_client(table) as client:
                async for entity in client.list_entities():
                    rows[(table, entity["PartitionKey"], entity["RowKey"])] = dict(entity)
    return rows


def without_limits(rows: Snapshot) -> Snapshot:
    """The stored state without the rate-limit counters: a refused attempt still counts against its sender."""
    return {key: row for key, row in rows.items() if key[2] != LIMITS}


def diff(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """What changed between two snapshots (empty when nothing did)."""
    changed = {k: (before[k], after[k]) for k in before.keys() & after.keys() if before[k] != after[k]}
    return (
        {
            "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()),
            "changed": changed,
        }
        if (before != after)
        else {}
    )


async def acknowledged(client: ChatClient, frame: dict[str, Any], timeout: float = 30.0) -> tuple[Message, list[Any]]:
    """Send a request with a fresh ackId; its ack and the error replies that arrived for it.

    The emulator writes an event handler's reply before the ack, so whatever came between the
    frame and its ack is the answer to this frame.
    """
    ack_id = client.socket.next_ack_id()
    start = len(client.received)
    await client.send({**frame, "ackId": ack_id})
    ack = await client.socket.acked(ack_id, timeout=timeout)
    end = client.received.index(ack)
    errors = [
        m["data"]["data"]
        for m in client.received[start:end]
        if m.get("from") == "server" and isinstance(m.get("data"), dict) and m["data"].get("chatEvent") == "error"
    ]
    return ack, errors
