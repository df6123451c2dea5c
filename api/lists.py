"""`GET /api/users` and `GET /api/chats`: what a client loads once its socket is open, a page at a time.

The browser loads them after its socket opened, so no update sent while it loads is missed.

Both answer their first page in the shape the original client reads, plus `next`: the cursor of
the next page (`?after=<next>`), or null on the last. `GET /api/users?id=<userId>` is the public
profile of anyone the server knows, online or not: how a browser names a sender it has not met.
"""

from __future__ import annotations

import asyncio

import azure.functions as func

from . import presence
from .identity import signed_in
from .limits import CHATS_PAGE, USERS_PAGE
from .models import Chat, Membership
from .responses import error_response, json_response
from .runtime import guarded, pubsub, state
from .validation import Invalid, group_chat_id, is_private, is_user_id

NOT_SIGNED_IN = "Sign in, or join as a guest, first"


def _page(req: func.HttpRequest, most: int) -> tuple[str | None, int]:
    """`after` (a cursor from `next`) and `limit` (1..most, default most)."""
    after = req.params.get("after") or None
    if after is not None and (len(after) > 200 or any(c in after for c in "/\\#?") or not after.isprintable()):
        raise Invalid("That is not a valid page cursor")
    raw = req.params.get("limit")
    try:
        limit = most if raw is None else int(raw)
    except ValueError:
        raise Invalid(f"limit must be a number from 1 to {most}") from None
    if not 1 <= limit <= most:
        raise Invalid(f"limit must be a number from 1 to {most}")
    return after, limit


@guarded
async def get_users(req: func.HttpRequest) -> func.HttpResponse:
    """Users online now, idle state included: `{"users": {id: {userId, userName, userProvider, idle}}, "next"}`."""
    store = await state()
    if await signed_in(req, store) is None:
        return error_response(401, NOT_SIGNED_IN)
    if "id" in req.params:
        wanted = req.params["id"]
        account = await store.get_account(wanted) if is_user_id(wanted) else None
        if account is None:
            return error_response(404, "No such user")
        return json_response({"user": account.user.profile()})
    after, limit = _page(req, USERS_PAGE)
    users, cursor = await presence.online_users(store, pubsub(), after, limit)
    return json_response({"users": {uid: u.to_wire() for uid, u in users.items()}, "next": cursor})


@guarded
async def get_chats(req: func.HttpRequest) -> func.HttpResponse:
    """A page of group chats with their members; the first page also has every chat the caller is in."""
    store = await state()
    me = await signed_in(req, store)
    if me is None:
        return error_response(401, NOT_SIGNED_IN)
    if "id" in req.params:  # one group chat: how a browser that just joined learns who is in it
        found = await store.chat_with_members(group_chat_id(req.params["id"]))
        if found is None:
            return error_response(404, "No such chat")
        return json_response({"chat": found[0].to_wire(found[1])})
    after, limit = _page(req, CHATS_PAGE)
    page, cursor = await store.chats_page(after, limit)
    body = {chat.id: chat.to_wire(members) for chat, members in page}
    if after is None:  # every chat of the caller's, wherever it falls in the pages: what a client reopens
        mine = await store.chats_of(me.user_id)
        private = [m for m in mine if is_private(m.chat_id)]
        peers = await asyncio.gather(*(store.get_membership(m.chat_id, _peer(m)) for m in private))
        for membership, peer in zip(private, peers, strict=True):
            members = [membership] if peer is None or peer.left else _pair(membership)
            chat = Chat.private_with(membership.chat_id, membership.peer_name or "")
            body[membership.chat_id] = chat.to_wire(members)
        elsewhere = [m.chat_id for m in mine if not is_private(m.chat_id) and m.chat_id not in body]
        for found in await asyncio.gather(*(store.chat_with_members(chat_id) for chat_id in elsewhere)):
            if found is not None:
                body[found[0].id] = found[0].to_wire(found[1])
    return json_response({"chats": body, "next": cursor})


def _peer(mine: Membership) -> str:
    """The other member of a private chat: their id is in the chat id."""
    low, high = mine.chat_id.removeprefix("private_").split("_")
    return high if low == mine.user_id else low


def _pair(mine: Membership) -> list[Membership]:
    """Both members of a private chat, from the caller's own row (the other's name is kept in it)."""
    peer = Membership(mine.chat_id, _peer(mine), mine.peer_name or "", private=True, user_provider=mine.peer_provider)
    return [mine, peer]
