"""Contacts: the people whose presence a user hears, so that what one change costs does not grow with everyone online.

A user's contacts are the people they share a chat with: the other member of each private chat
they are in (not one they left), and every member of each group chat they are in that has at most
SMALL_GROUP members (in a bigger group, its members are found by search, not watched), at most
MAX_CONTACTS in all; never someone who blocks them (api/private_chats.py). Each user has a watch
group (`chatr.watch.<userId>`); the server puts in it their own connections and their contacts'
connections, and a change of their presence is one send to it. A connection joins its watch groups
when it announces itself (`userConnected`); as chats are joined, left, opened in private, blocked or
deleted, users are linked or unlinked (one Web PubSub call a pair, which the service keeps for their
later connections too), and each side is told whom it gained or lost (`contacts`), except someone
blocked, who is told nothing. A group chat that grows past SMALL_GROUP keeps the links
it made until its members' next visit.
"""

from __future__ import annotations

import asyncio
import logging

from .limits import MAX_CONTACTS, SMALL_GROUP
from .models import Account, Membership
from .pubsub import PubSub
from .state import State
from .validation import is_private, private_peer

log = logging.getLogger(__name__)


def blockers_in(rows: list[Membership]) -> set[str]:
    """Who blocks the user, by their private chat rows (left ones included) marked so (api/private_chats.py)."""
    return {private_peer(m.chat_id, m.user_id) for m in rows if m.blocked_by_peer}


async def contacts_of(state: State, user_id: str, rows: list[Membership] | None = None) -> list[str]:
    """The user's contacts: a range query of their chat rows (unless given; left ones too), one per group chat."""
    if rows is None:
        rows = await state.chats_of(user_id, including_left=True)
    blockers = blockers_in(rows)
    mine = [m for m in rows if not m.left]
    found = dict.fromkeys(private_peer(m.chat_id, user_id) for m in mine if is_private(m.chat_id))
    groups = [m.chat_id for m in mine if not is_private(m.chat_id)]
    for members in await asyncio.gather(*(state.first_members(c, SMALL_GROUP + 1) for c in groups)):
        if len(members) <= SMALL_GROUP:
            found.update(dict.fromkeys(m for m in members if m != user_id))
    return [c for c in found if c not in blockers][:MAX_CONTACTS]


async def small_group_members(state: State, chat_id: str) -> list[str] | None:
    """Every member of a group chat small enough for its members to be contacts; None for a bigger one."""
    members = await state.first_members(chat_id, SMALL_GROUP + 1)
    return members if len(members) <= SMALL_GROUP else None


async def watch_contacts(
    state: State, pubsub: PubSub, user_id: str, connection_id: str, rows: list[Membership]
) -> None:
    """A connection that announces itself hears its own user's presence and every contact's (`rows`: their chats)."""
    contacts = await contacts_of(state, user_id, rows)
    await pubsub.watch([connection_id], [user_id, *contacts])


async def befriend(state: State, pubsub: PubSub, account: Account, others: list[str]) -> None:
    """`account` and `others` now share a chat: each side hears the other's presence from now on, told it now.

    One call a pair each way and one point read a person (their presence), whatever their tabs, and
    one range query of the user's chat rows (who blocks them).
    """
    others = [o for o in dict.fromkeys(others) if o != account.id]
    if not others:
        return
    people = await state.presence_of(others)
    blockers = blockers_in(await state.chats_of(account.id, including_left=True))
    hears = [p for p in people.values() if p.id not in blockers]  # nobody hears who blocks them
    heard_by = [p for p in people.values() if p.id not in account.blocked]  # nor is heard by whom they block
    await pubsub.link([account.id], [p.id for p in hears])
    await pubsub.link([p.id for p in heard_by], [account.id])
    if account.connections:
        added = {p.id: p.profile() for p in hears}
        await pubsub.send_to_user(account.id, "contacts", {"added": added, "removed": []})
    mine = {account.id: account.user.profile()}
    online = [p.id for p in heard_by if p.online]
    await asyncio.gather(*(pubsub.send_to_user(o, "contacts", {"added": mine, "removed": []}) for o in online))
    log.info("contacts: user=%s linked with %d users", account.id, len(people))


async def part(state: State, pubsub: PubSub, account: Account, others: list[str], *, both: bool = True) -> None:
    """`account` no longer shares a chat with some of `others`: those stop hearing each other (with `both`, both ways).

    Only the ones that are no longer contacts at all are unlinked: someone still in another shared
    chat stays.
    """
    others = [o for o in dict.fromkeys(others) if o != account.id]
    if not others:
        return
    still = set(await contacts_of(state, account.id))
    gone = [o for o in others if o not in still]
    if not gone:
        return
    await pubsub.unlink([account.id], gone)
    if account.connections:
        await pubsub.send_to_user(account.id, "contacts", {"added": {}, "removed": gone})
    if both:
        await pubsub.unlink(gone, [account.id])
        people = await state.presence_of(gone)
        removed = {"added": {}, "removed": [account.id]}
        online = [u.id for u in people.values() if u.online]
        await asyncio.gather(*(pubsub.send_to_user(o, "contacts", removed) for o in online))
    log.info("contacts: user=%s unlinked from %d users", account.id, len(gone))
