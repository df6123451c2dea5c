"""Private chats between two users, and blocks.

A private chat is two memberships, one in each user's partition. Leaving marks yours `left`: the
chat is no longer reopened for you on a reload, and the other user brings you back only by inviting
you again (opening the chat, or writing to it: the browser then sends `createPrivateChat`), which
is rate-limited. Blocking someone ends even that: it takes them out of your private chat with them,
and from then on they can neither open it again, nor start a new one with you, nor bring you back
into one you left (they are told so without being told why). Their messages elsewhere are hidden by
your browser, which learns your block list from `getToken` and from `blockList`.

Opening a private chat makes its two members contacts (each hears the other's presence); leaving it,
or being taken out of it by a block, stops that for the one who is out, unless they share another
chat (api/contacts.py).
"""

from __future__ import annotations

import logging

from . import contacts
from .events import Caller
from .limits import MAX_BLOCKED, LimitReached
from .models import Account, Chat, Membership
from .presence import account_of
from .pubsub import PubSub, json_string
from .state import State, StorageUnavailable
from .validation import Invalid, private_chat_id

log = logging.getLogger(__name__)

UNREACHABLE = "That user cannot be reached in a private chat"
_MAX_TRIES = 20


class PrivateChats:
    """What private chat and block events do to state, and what the two users hear of it."""

    def __init__(self, state: State, pubsub: PubSub) -> None:
        self.state = state
        self.pubsub = pubsub

    async def open(self, caller: Caller, target_id: str) -> None:
        """Open (or reopen) a private chat: your side, and theirs when they are not in it (new, or they left).

        Someone who blocks you is not reachable at all, and nothing changes.
        """
        if target_id == caller.id:
            raise Invalid("You cannot start a private chat with yourself")
        if target_id in caller.account.blocked:
            raise Invalid("You have blocked that user: unblock them first")
        other = await self.state.get_account(target_id)
        if other is None:
            raise Invalid("That user is not known")
        if caller.id in other.blocked:
            log.info("event=createPrivateChat user=%s target=%s refused: blocked", caller.id, target_id)
            raise Invalid(UNREACHABLE)
        me = caller.account.user
        room = private_chat_id(caller.id, target_id)
        await self.state.rejoin(_side(room, caller.account, other))
        theirs = await self.state.get_membership(room, target_id)
        added = theirs is None or theirs.left
        if added:  # a new chat, or an invitation back into one they left
            await self.state.rejoin(_side(room, other, caller.account))
        await self.pubsub.admit(caller.connection_ids, room)
        if added:
            await self.pubsub.admit([c.id for c in other.connections], room)
            await self._invite(target_id, room, me.name, grab_focus=False)
        await self._invite(caller.id, room, other.user.name, grab_focus=True)
        if added:
            log.info("event=createPrivateChat user=%s chat=%s", caller.id, room)
            await self.pubsub.notice(room, "wantsToChat", caller.id, me.name)
        await contacts.befriend(self.state, self.pubsub, caller.account, [target_id])

    async def reopen(self, caller: Caller, room: str) -> None:
        """A member's new connection joins a private chat they are in (by invitation only)."""
        membership = await self.state.get_membership(room, caller.id)
        if membership is None or membership.left:
            raise Invalid("Private chats are joined by invitation only")
        await self.pubsub.admit([caller.connection.id], room)

    async def leave(self, caller: Caller, room: str) -> None:
        """Leave a private chat; it stays left (the other cannot bring you back) until you open it yourself."""
        membership = await self.state.get_membership(room, caller.id)
        if membership is None or membership.left or not await self.state.leave_private(room, caller.id):
            raise Invalid("You are not in that chat")
        await self.pubsub.evict(caller.connection_ids, room)
        log.info("event=leaveChat user=%s chat=%s", caller.id, room)
        await self.pubsub.notice(room, "left", caller.id, caller.account.user.name)
        await contacts.part(
            self.state, self.pubsub, caller.account, [contacts.private_peer(room, caller.id)], both=False
        )

    async def block(self, caller: Caller, target_id: str) -> None:
        """Block a user: they leave your private chat with them and cannot reach you in one again."""
        if target_id == caller.id:
            raise Invalid("You cannot block yourself")
        other = await _known(self.state, target_id)
        blocked = await self._change_blocks(caller.account, target_id, add=True)
        room = private_chat_id(caller.id, target_id)
        if await self.state.leave_private(room, target_id):
            await self.pubsub.evict([c.id for c in other.connections], room)
            await contacts.part(self.state, self.pubsub, other, [caller.id], both=False)
        log.info("event=blockUser user=%s blocked=%s", caller.id, target_id)
        await self.pubsub.send_to_user(caller.id, "blockList", {"blocked": blocked})

    async def unblock(self, caller: Caller, target_id: str) -> None:
        """Unblock a user: they may open a private chat with you again (they are not put back in the old one)."""
        blocked = await self._change_blocks(caller.account, target_id, add=False)
        log.info("event=unblockUser user=%s unblocked=%s", caller.id, target_id)
        await self.pubsub.send_to_user(caller.id, "blockList", {"blocked": blocked})

    async def _change_blocks(self, account: Account, target_id: str, *, add: bool) -> list[str]:
        for _ in range(_MAX_TRIES):
            blocked = [b for b in account.blocked if b != target_id] + ([target_id] if add else [])
            if blocked == account.blocked:
                return blocked
            if add and len(blocked) > MAX_BLOCKED:
                raise LimitReached(f"You block {MAX_BLOCKED} users, the most at once: unblock someone first")
            if await self.state.save_blocks(account.id, blocked, account.profile_etag):
                return blocked
            account = await account_of(self.state, account.id)
        raise StorageUnavailable(f"profile of {account.id} kept changing; gave up after {_MAX_TRIES} tries")

    async def _invite(self, user_id: str, room: str, peer_name: str, grab_focus: bool) -> None:
        invitation = Chat.private_with(room, peer_name).invitation(grab_focus)
        await self.pubsub.send_to_user(user_id, "joinPrivateChat", json_string(invitation))


async def _known(state: State, user_id: str) -> Account:
    """Another user's account, or Invalid when the server does not know them."""
    account = await state.get_account(user_id)
    if account is None:
        raise Invalid("That user is not known")
    return account


def _side(room: str, member: Account, peer: Account) -> Membership:
    """One member's row of a private chat, named for the other."""
    return Membership(
        room,
        member.id,
        member.user.name,
        private=True,
        peer_name=peer.user.name,
        user_provider=member.user.provider,
        peer_provider=peer.user.provider,
    )
