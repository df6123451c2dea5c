"""`GET /api/chats/<chatId>/messages`: a chat's kept history, for its members only, a page at a time.

- no `after`/`before`: the latest page (what a new device shows at once);
- `after=N`: what came after number N, oldest first (catching up after a reconnect or a gap);
  `more: true` when there is more than one page of it;
- `before=N`: the page just before N (scrolling up), until the chat's first message.

The answer also has `last` (the chat's last number) and `reads` (how far each member has read).
Someone who is not a member (a chat they left, one of two other people's private chats, one that
does not exist) gets the same 404: they learn nothing, not even whether the chat exists.
What someone said in a private chat while its other member blocked them is left out for that
member (api/messages.py): their page simply has fewer entries, and their numbers skip.
"""

from __future__ import annotations

import asyncio

import azure.functions as func

from .identity import signed_in
from .messages import seq_number
from .responses import error_response, json_response
from .runtime import guarded, state
from .validation import Invalid, chat_id

PAGE = 100  # entries per page (a message is at most about 8 KB on the wire; most are far less)
NOT_FOUND = "No such chat among yours"


def _number(req: func.HttpRequest, name: str) -> int | None:
    raw = req.params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise Invalid(f"{name} must be a message number")
    return seq_number(int(raw), name) if int(raw) > 0 else 0


@guarded
async def get_messages(req: func.HttpRequest) -> func.HttpResponse:
    """A page of one chat's history with its last number and read positions; 404 for anyone but its members."""
    store = await state()
    me = await signed_in(req, store)
    if me is None:
        return error_response(401, "Sign in, or join as a guest, first")
    try:
        chat = chat_id(req.route_params.get("chatId"))
    except Invalid:
        return error_response(404, NOT_FOUND)
    after, before = _number(req, "after"), _number(req, "before")
    if after is not None and before is not None:
        raise Invalid("Ask for after or before, not both")
    raw_limit = req.params.get("limit", str(PAGE))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= PAGE:
        raise Invalid(f"limit must be a number from 1 to {PAGE}")
    limit = int(raw_limit)
    membership = await store.get_membership(chat, me.user_id)
    if membership is None or membership.left:
        return error_response(404, NOT_FOUND)
    history = store.history
    last, reads = await asyncio.gather(history.last_seq(chat), history.read_positions(chat))
    if after is not None:
        first, end = after + 1, min(last, after + limit)
    elif before is not None:
        end = min(before - 1, last)
        first = end - limit + 1
    else:
        first, end = last - limit + 1, last
    entries = await history.entries(chat, max(1, first), end)
    return json_response(
        {
            "chatId": chat,
            "entries": [{"chatId": chat, **e.to_wire()} for e in entries if e.shown_to(me.user_id)],
            "last": last,
            "more": after is not None and end < last,
            "reads": reads,
        }
    )
