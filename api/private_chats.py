"""Private chats between two users, and blocks.

A private chat is two memberships, one in each user's partition. Leaving marks yours `left`: the
chat is no longer reopened for you on a reload, and the other user brings you back only by inviting
you again (opening the chat, or writing to it: the browser then sends `createPrivateChat`), which
is rate-limited.

Blocking someone is never told to them. Their row of your private chat (made, marked left, when
there is none) is marked `blockedByPeer`: they keep the chat and its history, and whatever they say
there seems sent but reaches only their own devices (api/messages.py); opening a private chat with
you seems to work but makes only their side, with no invitation or notice to you; and they stop
hearing your presence without a word, so you look offline to them from then on (api/contacts.py,
api/lists.py). Unblocking unmarks the row: what they say from then on reaches you, what they said
meanwhile never does. Their messages elsewhere are hidden by your browser, which learns your block
list from `getToken` and from `blockList`.

Opening a private chat makes its two members contacts (each hears the other's presence); leaving it
stops that for the one who left, unless they share another chat (api/contacts.py).
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
from .validation import Invalid, private_chat_id, private_peer

log = logging.getLogger(__name__)

_MAX_TRIES = 20


class PrivateChats:
    """What private chat and block events do to state, and what the two users hear of it."""

    def __init__(self, state: State, pubsub: PubSub) -> None:
        self.state = state
        self.pubsub = pubsub

    async def open(self, caller: Caller, target_id: str) -> None:
        """Open (or reopen) a private chat: your side, and theirs when they are not in it (new, or they left).

        With someone who blocks you, only your side opens (marked so): it seems to work, they hear nothing.
        """
        if target_id == caller.id:
            raise Invalid("You cannot start a private chat with yourself")
        if target_id in caller.account.blocked:
            raise Invalid("You have blocked that user: unblock them first")
        other = await self.state.get_account(target_id)
        if other is None:
            raise Invalid("That user is not known")
        me = caller.account.user
        room = private_chat_id(caller.id, target_id)
        if caller.id in other.blocked:
            log.info("event=createPrivateChat user=%s target=%s held: blocked by the target", caller.id, target_id)
            await self.state.rejoin(_side(room, caller.account, other, blocked_by_peer=True))
            await self.pubsub.admit(caller.connection_ids, room)
            await self._invite(caller.id, room, other.user.name, grab_focus=True)
            return
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
        if not membership.blocked_by_peer:  # whoever blocks them hears nothing of them
            await self.pubsub.notice(room, "left", caller.id, caller.account.user.name)
        await contacts.part(self.state, self.pubsub, caller.account, [private_peer(room, caller.id)], both=False)

    async def block(self, caller: Caller, target_id: str) -> None:
        """Block a user, without a word to them: what they say to you in private stays theirs, your presence too."""
        if target_id == caller.id:
            raise Invalid("You cannot block yourself")
        other = await _known(self.state, target_id)
        blocked = await self._change_blocks(caller.account, target_id, add=True)
        room = private_chat_id(caller.id, target_id)
        if not await self.state.set_blocked_by_peer(room, target_id, True):
            marker = _side(room, other, caller.account, blocked_by_peer=True)
            marker.left = True  # no chat appears for them: the row only says who blocks them
            if not await self.state.add_member(marker):  # they opened it meanwhile
                await self.state.set_blocked_by_peer(room, target_id, True)
        await self.pubsub.unlink([target_id], [caller.id])  # silently: no `contacts` frame
        log.info("event=blockUser user=%s blocked=%s", caller.id, target_id)
        await self.pubsub.send_to_user(caller.id, "blockList", {"blocked": blocked})

    async def unblock(self, caller: Caller, target_id: str) -> None:
        """Unblock a user: what they say in your private chat reaches you again, and they hear your presence."""
        blocked = await self._change_blocks(caller.account, target_id, add=False)
        room = private_chat_id(caller.id, target_id)
        await self.state.set_blocked_by_peer(room, target_id, False)
        other = await self.state.get_account(target_id)
        if other is not None and caller.id in await contacts.contacts_of(self.state, target_id):
            await self.pubsub.link([target_id], [caller.id])
            if other.connections:
                await self.pubsub.send_to_user(
                    target_id, "contacts", {"added": {caller.id: caller.account.user.profile()}, "removed": []}
                )
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


def _side(room: str, member: Account, peer: Account, *, blocked_by_peer: bool = False) -> Membership:
    """One member's row of a private chat, named for the other."""
    return Membership(
        room,
        member.id,
        member.user.name,
        private=True,
        peer_name=peer.user.name,
        user_provider=member.user.provider,
        peer_provider=peer.user.provider,
        blocked_by_peer=blocked_by_peer,
    )
