"""`GET /api/search?q=<words>[&chat=<chatId>][&before=<cursor>]`: messages found by their words, in your chats.

Every word of `q` must be in a message, folded as the index folds them (api/message_index.py:
"cafe" finds "Café"); the last word is also a prefix, so a search finds as the person types. Hits
come newest first, at most PAGE a page; `next` is the cursor of the page after (`before=<next>`),
null on the last. Only chats the caller is in are searched (`chat=` narrows it to one of them; any
other chat is the same 404 as history): the caller's first CHATS_SEARCHED chats in id order, so a
search costs at most CHATS_SEARCHED x WORDS_SEARCHED range queries, each reading at most SCAN rows
(the newest uses of a word), plus one read per hit shown and one per group chat shown. Searches
are rate-limited per user (429 with Retry-After), apart from the name searches of `/api/users` and
`/api/chats`.
"""

from __future__ import annotations

import asyncio
import re

import azure.functions as func

from . import quota
from .chat_history import NOT_FOUND
from .history import Entry
from .identity import signed_in
from .limits import RateLimited
from .message_index import words
from .models import Membership
from .responses import error_response, json_response, too_many
from .runtime import guarded, state
from .state import State
from .validation import Invalid, chat_id, is_private

QUERY_MAX = 200  # characters of a search
WORDS_SEARCHED = 5  # words of a search that count (each one range query per chat)
CHATS_SEARCHED = 50  # chats one search reads
SCAN = 200  # newest uses of a word read per chat
PAGE = 20  # hits per page
PARALLEL = 8  # range queries in flight at once for one search
_CURSOR = re.compile(r"^(\d{1,15})\.(\d{1,10})\.(.{1,300})$")
Hit = tuple[int, int, str]  # (time, seq, chat id): the order hits are shown in, newest first


def _terms(req: func.HttpRequest) -> tuple[list[str], Hit | None]:
    """The folded words searched for and the cursor of the page asked for, or Invalid with the reason."""
    q = req.params.get("q", "").strip()
    if not q or len(q) > QUERY_MAX:
        raise Invalid(f"Search for 1 to {QUERY_MAX} characters")
    wanted = words(q, WORDS_SEARCHED + 1)
    if not wanted:
        raise Invalid("Search for at least one word (letters or digits)")
    if len(wanted) > WORDS_SEARCHED:
        raise Invalid(f"Search for at most {WORDS_SEARCHED} words")
    raw = req.params.get("before")
    if raw is None:
        return wanted, None
    cursor = _CURSOR.fullmatch(raw)
    if cursor is None:
        raise Invalid("That is not a valid page cursor")
    return wanted, (int(cursor[1]), int(cursor[2]), chat_id(cursor[3]))


async def _chats(store: State, user_id: str, only: str | None) -> list[Membership] | None:
    """The chats searched: `only` if the caller is in it (None when not), else their first CHATS_SEARCHED."""
    if only is not None:
        membership = await store.get_membership(only, user_id)
        return None if membership is None or membership.left else [membership]
    mine = await store.chats_of(user_id)
    return sorted(mine, key=lambda m: m.chat_id)[:CHATS_SEARCHED]


async def _hits(store: State, chats: list[Membership], wanted: list[str]) -> list[Hit]:
    """Every message of those chats the words find (newest SCAN uses of each word), newest first."""
    gate = asyncio.Semaphore(PARALLEL)

    async def found(chat: str) -> list[Hit]:
        async with gate:
            return [(t, seq, chat) for seq, t in (await store.history.find(chat, wanted, True, SCAN)).items()]

    every = await asyncio.gather(*(found(m.chat_id) for m in chats))
    return sorted((hit for hits in every for hit in hits), reverse=True)


async def _shown(store: State, user_id: str, chats: list[Membership], page: list[Hit]) -> list[dict[str, object]]:
    """The hits of one page as the client shows them: the message, its chat's id and name (none hidden from them)."""
    by_id = {m.chat_id: m for m in chats}
    groups = sorted({chat for _, _, chat in page if not is_private(chat)})
    named = dict(zip(groups, await asyncio.gather(*(store.get_chat(c) for c in groups)), strict=True))
    entries: list[list[Entry]] = await asyncio.gather(*(store.history.entries(c, s, s) for _, s, c in page))
    shown: list[dict[str, object]] = []
    for (_, _, chat), found in zip(page, entries, strict=True):
        if not found or found[0].deleted or not found[0].shown_to(user_id):  # deleted since, or its sender is blocked
            continue
        group = named.get(chat)
        name = (by_id[chat].peer_name or "") if is_private(chat) else (group.name if group is not None else "")
        entry = found[0]
        shown.append(
            {
                "chatId": chat,
                "chatName": name,
                "private": is_private(chat),
                "seq": entry.seq,
                "fromUserId": entry.sender,
                "time": entry.time,
                "text": entry.text,
            }
        )
    return shown


@guarded
async def search(req: func.HttpRequest) -> func.HttpResponse:
    """A page of the caller's messages found by words; 400 for a bad search, 404 for a chat not theirs, 429."""
    store = await state()
    me = await signed_in(req, store)
    if me is None:
        return error_response(401, "Sign in, or join as a guest, first")
    wanted, before = _terms(req)
    only = req.params.get("chat")
    if only is not None:
        try:
            only = chat_id(only)
        except Invalid:
            return error_response(404, NOT_FOUND)
    account = await store.get_account(me.user_id)
    if account is None:
        return error_response(401, "Sign in, or join as a guest, first")
    try:
        quota.check_remembered(me.user_id, "messageSearch")
        await quota.spend(store, me.user_id, "messageSearch", account.limits, account.limits_etag)
    except RateLimited as err:
        return too_many(str(err), err.retry_after)
    chats = await _chats(store, me.user_id, only)
    if chats is None:
        return error_response(404, NOT_FOUND)
    hits = [h for h in await _hits(store, chats, wanted) if before is None or h < before]
    page = hits[:PAGE]
    more = len(hits) > PAGE
    cursor = f"{page[-1][0]}.{page[-1][1]}.{page[-1][2]}" if more else None
    return json_response({"hits": await _shown(store, me.user_id, chats, page), "words": wanted, "next": cursor})
