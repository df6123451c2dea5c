"""What the reliability suites share: chat steps, the stored state as data, and acknowledged requests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import uuid
from typing import Any

import aiohttp
from azure.data.tables.aio import TableServiceClient

from api.state import CHATS_TABLE, USERS_TABLE
from local.stack import PUBSUB_KEY
from tests.chat_client import ChatClient, Message

# `make soak` sets CHATR_SOAK=1: the same properties, many more examples.
SOAK = os.environ.get("CHATR_SOAK") == "1"
_ack_ids = itertools.count(10_000_000)

Snapshot = dict[tuple[str, str, str], dict[str, Any]]


def new_chat_id() -> str:
    return str(uuid.uuid4())


async def create_chat(owner: ChatClient, name: str = "Room", chat_id: str | None = None) -> str:
    chat_id = chat_id or new_chat_id()
    await owner.event("createChat", {"name": name, "id": chat_id})
    await owner.chat_event("chatCreated", lambda d: json.loads(d)["id"] == chat_id)
    return chat_id


async def join(client: ChatClient, chat_id: str) -> None:
    await client.event("joinChat", chat_id)
    await client.notice(chat_id, "joined", client.user_id)


async def snapshot(connection_string: str) -> Snapshot:
    """Every row of both tables, without the service's own metadata: what "the stored state" means."""
    rows: Snapshot = {}
    async with TableServiceClient.from_connection_string(connection_string) as service:
        for table in (CHATS_TABLE, USERS_TABLE):
            async with service.get_table_client(table) as client:
                async for entity in client.list_entities():
                    rows[(table, entity["PartitionKey"], entity["RowKey"])] = dict(entity)
    return rows


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
    ack_id = next(_ack_ids)
    start = len(client.received)
    await client.send({**frame, "ackId": ack_id})
    ack = await client.wait_for(lambda m: m.get("type") == "ack" and m.get("ackId") == ack_id, timeout=timeout)
    end = client.received.index(ack)
    errors = [
        m["data"]["data"]
        for m in client.received[start:end]
        if m.get("from") == "server" and isinstance(m.get("data"), dict) and m["data"].get("chatEvent") == "error"
    ]
    return ack, errors


def signature(connection_id: str, key: str = PUBSUB_KEY) -> str:
    """`ce-signature` as Web PubSub makes it: only the holder of the access key can."""
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


def event_headers(event: str, user_id: str | None, connection_id: str, *, signed: bool = True) -> dict[str, str]:
    """The ce-* headers of a user event for `eventHandler`, signed with our key unless told otherwise."""
    headers = {
        "ce-specversion": "1.0",
        "ce-awpsversion": "1.0",
        "ce-type": f"azure.webpubsub.user.{event}",
        "ce-source": f"/hubs/chat/client/{connection_id}",
        "ce-id": uuid.uuid4().hex,
        "ce-hub": "chat",
        "ce-eventName": event,
        "ce-connectionId": connection_id,
    }
    if user_id is not None:
        headers["ce-userId"] = user_id
    if signed:
        headers["ce-signature"] = signature(connection_id)
    return headers


async def post_event(functions_url: str, headers: dict[str, str], body: bytes | str) -> tuple[int, bytes]:
    """POST one CloudEvent to the event handler; its status and body."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{functions_url}/api/eventHandler", headers=headers, data=body) as response,
    ):
        return response.status, await response.read()
