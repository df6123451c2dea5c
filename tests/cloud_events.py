"""CloudEvents requests to the event handler, made the way Web PubSub makes them (or forged on purpose)."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import aiohttp

from local.stack import PUBSUB_KEY


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
