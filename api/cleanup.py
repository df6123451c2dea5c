"""`python -m api.cleanup` (`make cleanup`): remove users and chats nobody has used for a while.

The original app had a cleanup script for this, broken at its HEAD. Guests get a new user id at
every sign-in, so without a cleanup the `users` table only grows. This removes:
- users offline since before the cutoff (their profile was last written then), with their
  memberships; a user who comes back meanwhile changes their profile's ETag and is kept;
- group chats created before the cutoff that have no members left (they no longer count against
  their owner's cap) and from search, with their history; the owner's browsers are told
  (`chatDeleted`);
- messages (and changes to them) older than the retention period, MESSAGE_RETENTION_DAYS (365 by
  default; 0 keeps them for ever). A chat's numbering goes on: its history then starts later than 1.

It reads the same settings as the Functions app (STORAGE_*, PUBSUB_*). Locally, `make cleanup`
points it at the stack `make run` started.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import quota
from .config import PubSubSettings, StorageSettings, message_retention_days
from .pubsub import PubSub
from .state import State

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removed:
    """What a cleanup removed."""

    users: int
    chats: int
    messages: int = 0


async def remove_unused(
    state: State,
    pubsub: PubSub,
    older_than: timedelta,
    now: datetime | None = None,
    keep_messages: timedelta | None = None,
) -> Removed:
    """Remove users offline and empty group chats older than `older_than`, and messages older than `keep_messages`."""
    moment = now or datetime.now(UTC)
    cutoff = moment - older_than
    users = 0
    for user_id, etag in (await state.idle_profiles(cutoff)).items():
        if await state.delete_user(user_id, etag):
            users += 1
            log.info("cleanup: user=%s removed, offline since before %s", user_id, cutoff.isoformat())
    empty = [
        chat
        async for chat, members in state.all_chats()
        if not members and chat.timestamp is not None and datetime.fromisoformat(chat.timestamp) < cutoff
    ]
    chats = 0
    for chat in empty:
        await state.delete_chat(chat.id)
        await state.history.delete_chat(chat.id)
        await state.unindex_chat_name(chat)
        if chat.owner is not None:
            await quota.disown(state, chat.owner)
            await pubsub.send_to_user(chat.owner, "chatDeleted", chat.id)  # nobody else is in it
        chats += 1
        log.info("cleanup: chat=%s removed, empty and created before %s", chat.id, cutoff.isoformat())
    messages = 0
    if keep_messages:
        messages = await state.history.delete_before(int((moment - keep_messages).timestamp() * 1000))
        log.info("cleanup: %d history rows older than %s removed", messages, (moment - keep_messages).isoformat())
    return Removed(users, chats, messages)


async def _main(hours: float, message_days: float) -> Removed:
    storage, service = StorageSettings.from_env(), PubSubSettings.from_env()
    state = await State.open(storage)
    pubsub = PubSub.from_settings(service)
    try:
        keep = timedelta(days=message_days) if message_days > 0 else None
        return await remove_unused(state, pubsub, timedelta(hours=hours), keep_messages=keep)
    finally:
        await state.close()
        await pubsub.close()


def main(argv: list[str] | None = None) -> None:
    """Parse the retention, run the cleanup, print what was removed."""
    parser = argparse.ArgumentParser(prog="python -m api.cleanup", description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="keep what was used within this many hours (24)")
    parser.add_argument(
        "--message-days",
        type=float,
        default=message_retention_days(),
        help="keep messages this many days (MESSAGE_RETENTION_DAYS, 365; 0: for ever)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)  # the SDKs log every HTTP request at INFO
    removed = asyncio.run(_main(args.hours, args.message_days))
    print(f"Removed {removed.users} users and {removed.chats} chats unused for {args.hours:g} hours.")
    if args.message_days > 0:
        print(f"Removed {removed.messages} history rows older than {args.message_days:g} days.")


if __name__ == "__main__":
    main()
