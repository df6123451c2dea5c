"""`GET /api/users` and `GET /api/chats`: what a client loads, none of it growing with everyone who exists.

The browser loads them after its socket opened, so no update sent while it loads is missed.

`GET /api/users` is the caller's contacts and this hour's visitors who are online (api/presence.py
`people`); `?search=` finds anyone by name, a page at a time; `?id=<userId>` is the public profile
of anyone the server knows, online or not: how a browser names a sender it has not met.
`GET /api/chats?mine=1` is the caller's own chats; plain `GET /api/chats` pages through every group
chat (Browse: `next` is the cursor of the next page, `?after=<next>`, or null on the last);
`?search=` finds group chats by name. Searches are rate-limited per user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import azure.functions as func

from . import presence, quota
from .identity import signed_in
from .limits import CHATS_PAGE, SEARCH_PAGE, RateLimited
from .models import Account, Chat, Membership
from .names import CHAT_NAME_MAX
from .responses import error_response, json_response, too_many
from .runtime import guarded, pubsub, state
from .state import State
from .validation import Invalid, group_chat_id, is_private, is_user_id

SEARCH_MAX = CHAT_NAME_MAX  # the longest name anything is called
Finder = Callable[[State, Account, str, str | None], Awaitable[dict[str, object]]]

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
    """The people a user sees without searching, a search for anyone by name (`?search=`), or one profile (`?id=`)."""
    store = await state()
    me = await signed_in(req, store)
    if me is None:
        return error_response(401, NOT_SIGNED_IN)
    if "id" in req.params:
        wanted = req.params["id"]
        account = await store.get_account(wanted) if is_user_id(wanted) else None
        if account is None:
            return error_response(404, "No such user")
        if me.user_id in account.blocked:  # whom they block sees them offline, never why
            account.user.online = account.user.idle = False
        return json_response({"user": account.user.profile()})
    if "search" in req.params:
        return await _search(req, store, me.user_id, _users_found)
    people = await presence.people(store, pubsub(), me.user_id, datetime.now(UTC))
    return json_response({"users": {uid: u.to_wire() for uid, u in people.items()}, "next": None})


async def _search(req: func.HttpRequest, store: State, user_id: str, find: Finder) -> func.HttpResponse:
    """A search page, once the caller's search token is spent (429 with Retry-After when it is not there)."""
    prefix, after = _search_terms(req)
    account = await store.get_account(user_id)
    if account is None:
        return error_response(401, NOT_SIGNED_IN)
    try:
        quota.check_remembered(user_id, "search")
        await quota.spend(store, user_id, "search", account.limits, account.limits_etag)
    except RateLimited as err:
        return too_many(str(err), err.retry_after)
    return json_response(await find(store, account, prefix, after))


async def _users_found(store: State, account: Account, prefix: str, after: str | None) -> dict[str, object]:
    """People whose name starts with the prefix, with their presence (offline for whoever blocks the caller); never
    the caller or whom they block."""
    found, cursor = await store.search_users(prefix, after, SEARCH_PAGE)
    shown = [u for u in found if u.id != account.id and u.id not in account.blocked]
    now = await store.presence_of([u.id for u in shown])
    blockers = await store.blockers_of(account.id) if shown else set()
    for user in shown:
        live = now.get(user.id) if user.id not in blockers else None
        user.online, user.idle = (live.online, live.idle) if live is not None else (False, False)
    return {"users": [u.profile() for u in shown], "next": cursor}


async def _chats_found(store: State, account: Account, prefix: str, after: str | None) -> dict[str, object]:
    """Group chats whose name starts with the prefix (without members: a chat's own answer has them)."""
    found, cursor = await store.search_chats(prefix, after, SEARCH_PAGE)
    return {"chats": [{"id": c.id, "name": c.name, "owner": c.owner} for c in found], "next": cursor}


@guarded
async def get_chats(req: func.HttpRequest) -> func.HttpResponse:
    """Browse: a page of group chats with their members; or the caller's own chats (`?mine=1`), a search, one chat."""
    store = await state()
    me = await signed_in(req, store)
    if me is None:
        return error_response(401, NOT_SIGNED_IN)
    if "id" in req.params:  # one group chat: how a browser that just joined learns who is in it
        found = await store.chat_with_members(group_chat_id(req.params["id"]))
        if found is None:
            return error_response(404, "No such chat")
        return json_response({"chat": found[0].to_wire(found[1])})
    if "search" in req.params:
        return await _search(req, store, me.user_id, _chats_found)
    if req.params.get("mine") == "1":
        return json_response({"chats": await _chats_of(store, me.user_id), "next": None})
    after, limit = _page(req, CHATS_PAGE)
    page, cursor = await store.chats_page(after, limit)
    return json_response({"chats": {chat.id: chat.to_wire(members) for chat, members in page}, "next": cursor})


async def _chats_of(store: State, user_id: str) -> dict[str, object]:
    """Every chat the caller is in, with its members: their group chats, and their private chats named for the other."""
    body: dict[str, object] = {}
    mine = await store.chats_of(user_id)
    private = [m for m in mine if is_private(m.chat_id)]
    peers = await asyncio.gather(*(store.get_membership(m.chat_id, _peer(m)) for m in private))
    for membership, peer in zip(private, peers, strict=True):
        alone = (peer is None or peer.left) and not membership.blocked_by_peer  # a blocker seems to stay
        members = [membership] if alone else _pair(membership)
        chat = Chat.private_with(membership.chat_id, membership.peer_name or "")
        body[membership.chat_id] = chat.to_wire(members)
    groups = [m.chat_id for m in mine if not is_private(m.chat_id)]
    for found in await asyncio.gather(*(store.chat_with_members(chat_id) for chat_id in groups)):
        if found is not None:
            body[found[0].id] = found[0].to_wire(found[1])
    return body


def _search_terms(req: func.HttpRequest) -> tuple[str, str | None]:
    """The prefix searched for (1 to SEARCH_MAX characters, not only blanks) and the cursor of the page after."""
    prefix = req.params.get("search", "").strip()
    if not prefix or len(prefix) > SEARCH_MAX:
        raise Invalid(f"Search for 1 to {SEARCH_MAX} characters of a name")
    after = req.params.get("after") or None
    if after is not None and (len(after) > 1000 or any(c in after for c in "/\\#?") or not after.isprintable()):
        raise Invalid("That is not a valid page cursor")
    return prefix, after


def _peer(mine: Membership) -> str:
    """The other member of a private chat: their id is in the chat id."""
    low, high = mine.chat_id.removeprefix("private_").split("_")
    return high if low == mine.user_id else low


def _pair(mine: Membership) -> list[Membership]:
    """Both members of a private chat, from the caller's own row (the other's name is kept in it)."""
    peer = Membership(mine.chat_id, _peer(mine), mine.peer_name or "", private=True, user_provider=mine.peer_provider)
    return [mine, peer]
