"""Who is online: connections counted per user, and repaired when a `disconnected` event was missed.

Web PubSub sends `disconnected` for every closed connection, but an event the backend could not
take (it was down, or timed out) is not sent again. So every connection also joins a hidden
presence group, and `GET /api/users` now and then compares the stored connections with the
group's live ones, dropping the dead and announcing users who turn out to be gone.
"""

from __future__ import annotations

import logging
import time

from .models import User
from .pubsub import PubSub
from .state import State
from .validation import Invalid

log = logging.getLogger(__name__)

# No chat id can contain a dot, so no chat can ever share this group.
PRESENCE_GROUP = "chatr.presence"
SWEEP_INTERVAL_SECONDS = 15.0
UNKNOWN_USER = "Unknown user: reload the page to sign in again"

_last_sweep = 0.0


async def register(state: State, pubsub: PubSub, user_id: str, connection_id: str) -> User:
    """Count an open connection (both `connected` and `userConnected` may come first)."""
    # Into the group before into the table: then every stored live connection is in the group.
    await pubsub.join_presence(connection_id, PRESENCE_GROUP)
    user, _ = await state.add_connection(user_id, connection_id)
    if user is None:
        raise Invalid(UNKNOWN_USER)
    return user


async def unregister(state: State, pubsub: PubSub, user_id: str, connection_id: str) -> None:
    """A connection closed: the user goes offline, once, when it was their last one."""
    _, went_offline = await state.remove_connection(user_id, connection_id)
    if went_offline:
        log.info("event=disconnected user=%s offline", user_id)
        await pubsub.broadcast("userOffline", user_id)


async def online_users(state: State, pubsub: PubSub) -> dict[str, User]:
    """The online users, first repairing presence when the last repair is old enough."""
    global _last_sweep
    users = await state.list_online_users()
    if time.monotonic() - _last_sweep < SWEEP_INTERVAL_SECONDS:
        return users
    # The table was read before the group is listed, so a connection that registers in between
    # is simply not in `users` yet, never wrongly taken for dead.
    live = await pubsub.group_connections(PRESENCE_GROUP)
    _last_sweep = time.monotonic()
    for user in list(users.values()):
        for dead in [c for c in user.connections if c not in live]:
            log.info("presence: user=%s connection %s is gone without a disconnected event", user.id, dead)
            await unregister(state, pubsub, user.id, dead)
            user.connections.remove(dead)
        if not user.online:
            del users[user.id]
    return users
