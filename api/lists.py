"""`GET /api/users` and `GET /api/chats`: what a client loads before its socket opens."""

from __future__ import annotations

import azure.functions as func

from .responses import json_response
from .runtime import guarded, state


@guarded
async def get_users(req: func.HttpRequest) -> func.HttpResponse:
    """Users online now, idle state included: `{"users": {id: {userName, userProvider, idle}}}`."""
    users = await state().list_online_users()
    return json_response({"users": {uid: u.to_wire() for uid, u in users.items()}})


@guarded
async def get_chats(req: func.HttpRequest) -> func.HttpResponse:
    """Every group chat with its members: `{"chats": {id: {id, name, members, owner, timestamp}}}`."""
    store = state()
    chats = await store.list_group_chats()
    members: dict[str, list] = {}
    for m in await store.all_memberships():
        members.setdefault(m.chat_id, []).append(m)
    return json_response({"chats": {cid: c.to_wire(members.get(cid, [])) for cid, c in chats.items()}})
