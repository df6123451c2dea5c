"""`GET /api/users` and `GET /api/chats`: what a client loads before its socket opens."""

from __future__ import annotations

import azure.functions as func

from . import presence
from .identity import identify
from .models import Chat, Membership
from .responses import error_response, json_response
from .runtime import guarded, pubsub, state
from .validation import is_private

NOT_SIGNED_IN = "Sign in, or join as a guest, first"


@guarded
async def get_users(req: func.HttpRequest) -> func.HttpResponse:
    """Users online now, idle state included: `{"users": {id: {userId, userName, userProvider, idle}}}`."""
    if identify(req) is None:
        return error_response(401, NOT_SIGNED_IN)
    users = await presence.online_users(await state(), pubsub())
    return json_response({"users": {uid: u.to_wire() for uid, u in users.items()}})


@guarded
async def get_chats(req: func.HttpRequest) -> func.HttpResponse:
    """Every group chat with its members, plus the caller's own private chats (and nobody else's)."""
    me = identify(req)
    if me is None:
        return error_response(401, NOT_SIGNED_IN)
    store = await state()
    chats = await store.list_group_chats()
    members: dict[str, list[Membership]] = {}
    for m in await store.all_memberships():
        members.setdefault(m.chat_id, []).append(m)
    body = {cid: c.to_wire(members.get(cid, [])) for cid, c in chats.items()}
    for chat_id, pair in members.items():
        mine = next((m for m in pair if m.user_id == me.user_id), None)
        if is_private(chat_id) and mine is not None:
            body[chat_id] = Chat.private_with(chat_id, mine.peer_name or "").to_wire(pair)
    return json_response({"chats": body})
