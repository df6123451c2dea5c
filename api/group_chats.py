"""Group chats: create, join, leave, delete. Members are listed in the chat's own partition too.

Every handler gets the sender already confirmed (`Caller`) and its rate-limit token already spent.
Nothing here reaches everyone: a new chat is announced to its creator's connections (others find
it by search or Browse), a deleted one to its members; joining and leaving a small chat links or
unlinks its members' presence (api/contacts.py).
"""

from __future__ import annotations

import asyncio
import logging

from . import contacts, quota
from .events import Caller
from .limits import SMALL_GROUP
from .models import Account, Chat, Membership
from .pubsub import PubSub, json_string
from .state import State
from .validation import Invalid

log = logging.getLogger(__name__)


class GroupChats:
    """What group chat events do to state, and what the users hear of it."""

    def __init__(self, state: State, pubsub: PubSub) -> None:
        self.state = state
        self.pubsub = pubsub

    async def create(self, caller: Caller, chat: Chat) -> None:
        """Store a new group chat owned by the sender (counted against their cap), findable by name; tell their tabs."""
        if not await self.state.create_chat(chat):
            await quota.disown(self.state, caller.id)
            raise Invalid("A chat with that id already exists")
        await self.state.index_chat_name(chat)
        log.info("event=createChat user=%s chat=%s", caller.id, chat.id)
        await self.pubsub.send_to_user(caller.id, "chatCreated", json_string(chat.announcement()))

    async def join(self, caller: Caller, chat_id: str) -> None:
        """Add the sender to an existing chat and let their connections publish there; announced once."""
        user = caller.account.user
        membership = Membership(chat_id, caller.id, user.name, user_provider=user.provider)
        added = await self.state.add_member(membership)
        listed = await self.state.index_member(membership)
        if listed is None:  # no such chat, or deleted while this join ran
            if added:
                await self.state.remove_member(chat_id, caller.id)
            raise Invalid("That chat does not exist (it may have been deleted)")
        await self.pubsub.admit(caller.connection_ids, chat_id)
        if added:
            log.info("event=joinChat user=%s chat=%s", caller.id, chat_id)
            chat = await self.state.get_chat(chat_id)
            if chat is not None:  # the user's other tabs learn the chat before they hear they joined it
                await self.pubsub.send_to_user(caller.id, "chatJoined", json_string(chat.announcement()))
            await self.pubsub.notice(chat_id, "joined", caller.id, user.name)
            members = await contacts.small_group_members(self.state, chat_id)
            if members is not None:
                await contacts.befriend(self.state, self.pubsub, caller.account, members)

    async def leave(self, caller: Caller, chat_id: str) -> None:
        """Take the sender out of a chat, take back publishing, and tell the rest."""
        members = await contacts.small_group_members(self.state, chat_id)
        if not await self.state.remove_member(chat_id, caller.id):
            raise Invalid("You are not in that chat")
        await self.state.unindex_member(chat_id, caller.id)
        await self.pubsub.evict(caller.connection_ids, chat_id)
        log.info("event=leaveChat user=%s chat=%s", caller.id, chat_id)
        await self.pubsub.notice(chat_id, "left", caller.id, caller.account.user.name)
        if members is not None:
            await contacts.part(self.state, self.pubsub, caller.account, members)

    async def delete(self, caller: Caller, chat_id: str) -> None:
        """The owner deletes a chat: everyone is removed from it, then its members (and the owner) are told."""
        chat = await self.state.get_chat(chat_id)
        if chat is None:
            raise Invalid("That chat does not exist")
        if chat.owner != caller.id:
            raise Invalid("Only the chat's owner can delete it")
        await self.state.delete_chat(chat_id)
        await self.state.unindex_chat_name(chat)
        await quota.disown(self.state, caller.id)
        members = await self.state.members_of(chat_id)
        accounts = await asyncio.gather(*(self._remove(m) for m in members))
        ids = [m.user_id for m in members]
        told = {*ids, caller.id}  # once they are out of it: nobody posts to it after hearing it is gone
        await asyncio.gather(*(self.pubsub.send_to_user(u, "chatDeleted", chat_id) for u in sorted(told)))
        removed = await self.state.history.delete_chat(chat_id)
        log.info(
            "event=deleteChat user=%s chat=%s members=%d history rows=%d", caller.id, chat_id, len(members), removed
        )
        if len(ids) <= SMALL_GROUP:
            for account in accounts:
                if account is not None:
                    await contacts.part(self.state, self.pubsub, account, ids, both=False)

    async def _remove(self, member: Membership) -> Account | None:
        await self.state.remove_member(member.chat_id, member.user_id)
        await self.state.unindex_member(member.chat_id, member.user_id)
        account = await self.state.get_account(member.user_id)
        if account is not None:
            await self.pubsub.evict([c.id for c in account.connections], member.chat_id)
        return account
