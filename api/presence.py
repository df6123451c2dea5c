"""Who is online: connections confirmed with Web PubSub, counted per user, announced, and repaired.

A connection counts only once Web PubSub confirmed that it exists and is the event's user's: every
client token makes its connection join its user's group (`chatr.user.<id>`), and listing that
group (one REST call) shows which connections are the user's. So a replayed `ce-signature`, which
vouches for a connection id and nothing else, cannot register a connection for another user.

Each connection is a row of its own (no row shared by all of a user's connections). A user is
online while one of their connections has announced itself (`userConnected`), and idle when all of
those are idle. Their watch group (their own connections and their contacts', api/contacts.py)
hears `userOnline`, `userOffline`, `userIsIdle` and `userNotIdle` only when that view changes, in
one send whatever the number of people online; a connection that announces itself while its user
is already online gets its own `userOnline` back, and nobody else hears it. Anyone else asks when
they need it (`GET /api/users`, a search, a profile).

Web PubSub sends `disconnected` for every closed connection, but an event the backend could not
take is not sent again. Every connection also joins the hidden presence group at connect, and
`GET /api/users` now and then compares the stored connections with the group's live ones, dropping
the dead user by user: one user whose repair fails is retried at the next sweep and fails nobody's list.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from . import quota
from .config import connections_per_user
from .contacts import blockers_in, contacts_of
from .events import Reply
from .identity import SIGNED_OUT, revoking
from .limits import RECENT_PEOPLE, LimitReached, RateLimited
from .logout import LOGGED_OUT
from .models import Account, Connection, Presence, User
from .pubsub import PRESENCE_GROUP, PubSub, PubSubUnavailable, json_string, watch_group
from .state import State, StorageUnavailable
from .validation import Invalid

log = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 15.0
UNKNOWN_USER = "Unknown user: reload the page to sign in again"
NOT_CONFIRMED = "Web PubSub does not know this connection as yours: reload the page"


def too_many_connections(most: int) -> str:
    """What a user past the connection limit is told."""
    return f"You have the most Chatr tabs or windows open at once (at most {most}): close one to open another"


UNCONFIRMED_SECONDS = 60.0
_MAX_TRIES = 20
_MAX_UNCONFIRMED = 10_000
_last_sweep = 0.0
# (user, connection) pairs Web PubSub did not confirm lately: a replayed signature naming another user
# is refused again without asking anyone (a connection never becomes another user's)
_unconfirmed: dict[tuple[str, str], float] = {}


def check_unconfirmed(user_id: str, connection_id: str) -> None:
    """Refuse at once a pair that Web PubSub did not confirm a moment ago."""
    until = _unconfirmed.get((user_id, connection_id))
    if until is not None:
        if time.monotonic() < until:
            raise Invalid(NOT_CONFIRMED)
        del _unconfirmed[(user_id, connection_id)]


async def account_of(state: State, user_id: str, chat_id: str | None = None) -> Account:
    """The user's account (with their membership of `chat_id`); Invalid for a user the server never issued a token."""
    account = await state.get_account(user_id, chat_id)
    if account is None:
        raise Invalid(UNKNOWN_USER)
    return account


async def register(state: State, pubsub: PubSub, account: Account, connection_id: str) -> Connection:
    """Count a connection once Web PubSub confirmed it is this user's; over a limit it is closed, with the reason.

    Both `connected` and the connection's first user event may come first; either registers it. A
    connection of a guest who logged out a moment ago is closed: its token was issued in the logout's margin.
    """
    if revoking(account.revoked_before):
        log.info("presence: user=%s connection %s closed: the user logged out", account.id, connection_id)
        await pubsub.close_connection(connection_id, LOGGED_OUT)  # the browser stops, as for its logout
        raise Invalid(SIGNED_OUT)
    live = await pubsub.user_connections(account.id)
    if connection_id not in live:
        log.warning("presence: connection %s is not one of user %s's: not registered", connection_id, account.id)
        _unconfirmed[(account.id, connection_id)] = time.monotonic() + UNCONFIRMED_SECONDS
        while len(_unconfirmed) > _MAX_UNCONFIRMED:
            del _unconfirmed[next(iter(_unconfirmed))]
        raise Invalid(NOT_CONFIRMED)
    try:
        if len(live) > (most := connections_per_user()):
            raise LimitReached(too_many_connections(most))
        await quota.spend(state, account.id, "connections", account.limits, account.limits_etag)
    except (LimitReached, RateLimited) as err:
        log.info("presence: user=%s connection %s closed: %s", account.id, connection_id, err)
        await pubsub.close_connection(connection_id, str(err))
        raise
    connection = Connection(connection_id, account.id, account.user.name, account.user.provider)
    await state.add_connection(connection)  # False: the connection's other event registered it meanwhile
    account.connections.append(connection)
    return connection


async def announce(state: State, pubsub: PubSub, account: Account, connection: Connection) -> Reply:
    """The connection's browser is ready: the user's watchers hear `userOnline` if the user was not shown online yet.

    Returns `userOnline` for this connection alone when nobody else needed to hear it.
    """
    if not await state.update_connection(account.id, connection.id, announced=True):
        raise Invalid("This connection has closed")
    connection.announced = True
    told = await _settle(state, pubsub, account)
    return None if told else shown_to(account)


def shown_to(account: Account) -> dict[str, object]:
    """`userOnline` for one connection alone: its user as their contacts see them now."""
    return {"chatEvent": "userOnline", "data": json_string(_shown(account, account.presence.idle).to_wire())}


async def unregister(state: State, pubsub: PubSub, user_id: str, connection_id: str) -> None:
    """A connection closed: the user's watchers hear `userOffline` once they have no announced connection left."""
    account = await state.get_account(user_id)
    closed = account.connection(connection_id) if account else None
    if account is None or closed is None:
        return
    await state.remove_connection(user_id, connection_id)
    account.connections.remove(closed)
    if closed.announced:  # a connection that never announced itself changed nothing anyone was told
        await _settle(state, pubsub, account)


async def set_idle(state: State, pubsub: PubSub, account: Account, connection: Connection, idle: bool) -> None:
    """One connection went idle or came back; the user's watchers hear it only when the user's idle state changed."""
    if not await state.update_connection(account.id, connection.id, idle=idle):
        raise Invalid("This connection has closed")
    connection.idle = idle
    await _settle(state, pubsub, account)


async def _settle(state: State, pubsub: PubSub, account: Account) -> bool:
    """Tell the user's watchers what changed in how the user looks, once: True when `userOnline` went to them.

    Every change to a user's connections ends here, with a write of what everyone is told that is
    guarded by the ETag read before the change. Of two changes at the same moment one write fails,
    and that one reads again (seeing the other's change too): each change is announced exactly once.
    """
    for _ in range(_MAX_TRIES):
        now = account.presence
        if await state.save_presence(account.user, now, account.told_etag):
            await _announce_change(pubsub, account, account.told, now)
            return now.online and not account.told.online
        account = await account_of(state, account.id)
    raise StorageUnavailable(f"presence of {account.id} kept changing; gave up after {_MAX_TRIES} tries")


async def _announce_change(pubsub: PubSub, account: Account, before: Presence, after: Presence) -> None:
    """One send to the user's watch group: what one change costs does not depend on how many are online."""
    watchers = watch_group(account.id)
    if after.online and not before.online:
        log.info("presence: user=%s online", account.id)
        await pubsub.send_to_group(watchers, "userOnline", json_string(_shown(account, after.idle).to_wire()))
    elif before.online and not after.online:
        log.info("presence: user=%s offline", account.id)
        await pubsub.send_to_group(watchers, "userOffline", account.id)
    elif after.online and after.idle != before.idle:
        await pubsub.send_to_group(watchers, "userIsIdle" if after.idle else "userNotIdle", account.id)


def _shown(account: Account, idle: bool) -> User:
    return User(account.id, account.user.name, account.user.provider, idle=idle, online=True)


async def people(state: State, pubsub: PubSub, user_id: str, now: datetime) -> dict[str, User]:
    """Who a user sees without searching: their contacts and the recent visitors who are online, they first.

    First repairs presence when the last repair is old enough. Costs one query of the user's
    chats (which also say who blocks them), one bounded query per group chat of theirs, at most two of
    the recent visitors and one point read per person (at most MAX_CONTACTS + RECENT_PEOPLE + 1), whoever else exists.
    """
    await _repair_if_due(state, pubsub)
    rows = await state.chats_of(user_id, including_left=True)
    contacts = await contacts_of(state, user_id, rows)
    recent = await state.recent_users(now, RECENT_PEOPLE)
    found = await state.presence_of([user_id, *contacts, *recent])
    blockers = blockers_in(rows)  # they look offline to whom they block
    return {uid: user for uid, user in found.items() if user.online and uid not in blockers}


async def _repair_if_due(state: State, pubsub: PubSub) -> None:
    global _last_sweep
    if time.monotonic() - _last_sweep < SWEEP_INTERVAL_SECONDS:
        return
    # The table is read before the group is listed, so a connection that registers in between is
    # simply not in `stored` yet, never wrongly taken for dead.
    stored = await state.all_connections()
    shown = await _everyone_shown(state)
    try:
        live = await pubsub.group_connections(PRESENCE_GROUP)
    except PubSubUnavailable as err:
        log.warning("presence: repair skipped, retried with the next user list: %s", err)
        return
    _last_sweep = time.monotonic()
    for user_id in sorted(stored.keys() | shown):
        try:
            await _repair(state, pubsub, user_id, stored.get(user_id, []), live)
        except (StorageUnavailable, PubSubUnavailable) as err:
            log.warning("presence: user=%s not repaired, retried at the next sweep: %s", user_id, err)


async def _repair(state: State, pubsub: PubSub, user_id: str, stored: list[Connection], live: set[str]) -> None:
    """Drop a user's dead connections; catch up what everyone is told if an event was cut short."""
    for dead in [c.id for c in stored if c.id not in live]:
        log.info("presence: user=%s connection %s is gone without a disconnected event", user_id, dead)
        await unregister(state, pubsub, user_id, dead)
    account = await state.get_account(user_id)
    if account is not None and account.told != account.presence:
        await _settle(state, pubsub, account)


async def _everyone_shown(state: State) -> set[str]:
    shown: set[str] = set()
    after: str | None = None
    while True:
        page, after = await state.list_online(after, 1000)
        shown |= set(page)
        if after is None:
            return shown
