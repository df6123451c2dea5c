"""`GET /api/users` and `GET /api/chats`: what a client loads before its socket opens."""

from __future__ import annotations

import azure.functions as func

from . import presence
from .identity import identify
from .models import Membership
from .responses import error_response, json_response
from .runtime import guarded, pubsub, state
from .validation import is_private

NOT_SIGNED_IN = "Sign in, or join as a guest, first"


@guarded
async def get_users(req: func.HttpRequest) -> func.HttpResponse:
    """Users online now, idle state included: `{"users": {id: {userId, userName, userProvider, idle}}}`."""
    if identify(req) is None:
        return error_response(401, NOT_SIGNED_IN)
    users = await presence.online_users(state(), pubsub())
    return json_response({"users": {uid: u.to_wire() for uid, u in users.items()}})


@guarded
async def get_chats(req: func.HttpRequest) -> func.HttpResponse:
    """Every group chat with its members, plus the caller's own private chats (and nobody else's)."""
    me = identify(req)
    if me is None:
        return error_response(401, NOT_SIGNED_IN)
    store = state()
    chats = await store.list_group_chats()
    members: dict[str, list[Membership]] = {}
    for m in await store.all_memberships():
        members.setdefault(m.chat_id, []).append(m)
    body = {cid: c.to_wire(members.get(cid, [])) for cid, c in chats.items()}
    for chat_id, pair in members.items():
        if is_private(chat_id) and any(m.user_id == me.user_id for m in pair):
            body[chat_id] = _private_chat(chat_id, pair, me.user_id)
    return json_response({"chats": body})


def _private_chat(chat_id: str, pair: list[Membership], me: str) -> dict[str, object]:
    mine = next(m for m in pair if m.user_id == me)
    return {
        "id": chat_id,
        "name": f"Chat with {mine.peer_name}",
        "members": {m.user_id: {"userId": m.user_id, "userName": m.user_name} for m in pair},
        "owner": None,
        "private": True,
        "timestamp": None,
    }
