"""Replies and message search in the browser, at phone and laptop size: a reply quotes its message and the quote
goes to it (loading older history) on another device; a search finds words whatever their accents and case, only
in your chats, shows a hit's markup as text, opens the chat at the hit, and says when you search too often."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.chat_client import ChatClient, join
from tests.client.sockets import ScriptedClients
from tests.client.users import ChatUser, unique

SIZES = pytest.mark.parametrize("viewport", [(390, 844), (1280, 720)], ids=["phone", "laptop"])


def _flood(scripted: ScriptedClients, chat_id: str, count: int) -> None:
    """`count` messages from scripted members (each within its burst), so what came before is off the latest page."""
    talkers = [scripted.client(unique(f"Talker{i}")) for i in range(4)]
    scripted.run_all(t.connect() for t in talkers)
    scripted.run_all(join(t, chat_id) for t in talkers)

    async def say(talker: ChatClient, n: int) -> None:
        for i in range(n):
            assert (await talker.publish(chat_id, f"filler {talker.name} {i}"))["success"] is True

    scripted.run_all((say(t, count // len(talkers)) for t in talkers), timeout=120)


def _to_the_list(user: ChatUser) -> None:
    """On a phone showing a chat, back to the chat list (the sidebar); on a laptop it is always there."""
    back = user.page.get_by_role("button", name="Back to chats")
    if back.is_visible():
        back.click()


def _open_search(user: ChatUser) -> None:
    _to_the_list(user)
    user.page.get_by_role("button", name="Search messages").click()
    expect(user.page.get_by_role("dialog", name="Search messages")).to_be_visible()


def _search(user: ChatUser, words: str) -> None:
    box = user.page.get_by_label("Words to search for in your chats")
    box.fill(words)
    box.press("Enter")
    answered = user.page.locator("#messageSearchStatus", has_text=f"found for “{words}”")
    expect(answered.or_(user.page.locator(".searchError"))).to_be_visible()


@SIZES
def test_a_reply_quotes_its_message_and_the_quote_goes_to_it_on_another_device(
    new_user, scripted, viewport: tuple[int, int]
) -> None:
    ada_id, ada_name = uuid.uuid4().hex, unique("Ada")
    ada = new_user(viewport=viewport).login_github(ada_name, user_id=ada_id)
    bob = new_user(viewport=viewport).login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    chat_id = ada.panel(room).get_attribute("data-chat-id") or ""
    ada.send(room, "Where do we meet? <b>not bold</b>")
    _flood(scripted, chat_id, 104)  # more than the latest page (100) after it
    expect(bob.messages(room).last).to_have_text(re.compile("^filler"))

    bob.open_message_menu(room, "Where do we meet?").get_by_role("menuitem", name="Reply").click()
    bar = bob.panel(room).locator(".replyBar")
    expect(bar).to_have_text(re.compile(f"Replying to {ada_name}: Where do we meet\\? <b>not bold</b>"))
    box = bob.composer(room)
    expect(box).to_be_focused()
    box.press("Escape")
    expect(bar).to_have_count(0)
    bob.open_message_menu(room, "Where do we meet?").get_by_role("menuitem", name="Reply").click()
    bob.send(room, "At the station")
    expect(bar).to_have_count(0)
    for user in (ada, bob):
        quote = user.message_row(room, "At the station").locator(".msgQuote")
        expect(quote).to_have_text(re.compile(f"{ada_name}\\s*Where do we meet\\? <b>not bold</b>"))
        expect(quote.locator("b")).to_have_count(0)

    phone = new_user(viewport=viewport).login_github(ada_name, user_id=ada_id)  # another device, nothing kept there
    phone.open_chat(room)
    reply = phone.message_row(room, "At the station")
    quote = reply.locator(".msgQuote")
    expect(quote).to_have_text(re.compile(f"{ada_name}\\s*Where do we meet\\?"))  # resolved from the server
    expect(phone.messages(room).filter(has_text="Where do we meet?")).to_have_count(0)  # not on the latest page
    reply.get_by_role("button", name=re.compile("^Actions for the message")).focus()
    phone.page.keyboard.press("ArrowLeft")  # the message's parts: the quote comes before its menu
    expect(quote).to_be_focused()
    phone.page.keyboard.press("Enter")
    asked = phone.message_row(room, "Where do we meet?")
    expect(asked).to_have_class(re.compile("isFlash"))
    expect(asked).to_be_in_viewport()
    expect(asked.get_by_role("button", name=re.compile("^Actions for the message"))).to_be_focused()


def test_a_quote_of_a_message_deleted_since_says_so(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    ada.send(room, "a hasty thought")
    bob.open_message_menu(room, "a hasty thought").get_by_role("menuitem", name="Reply").click()
    bob.send(room, "really?")
    ada.delete_message(room, "a hasty thought")
    for user in (ada, bob):
        expect(user.message_row(room, "really?").locator(".msgQuote")).to_have_text(re.compile("Message deleted"))
    bob.page.reload()
    bob.wait_ready()
    expect(bob.message_row(room, "really?").locator(".msgQuote")).to_have_text(re.compile("Message deleted"))


@SIZES
def test_a_search_finds_words_folded_only_in_your_chats_shows_markup_as_text_and_opens_the_hit(
    new_user, viewport: tuple[int, int]
) -> None:
    ada = new_user(viewport=viewport).login_guest(unique("Ada"))
    bob = new_user(viewport=viewport).login_guest(unique("Bob"))
    eve = new_user(viewport=viewport).login_guest(unique("Eve"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    bob.send(room, "Rendez-vous au CAFÉ <b>demain</b>")
    bob.send(room, "something else")
    elsewhere = unique("Elsewhere")
    _to_the_list(ada)
    ada.create_chat(elsewhere)  # the hit's chat is not the open one

    _open_search(ada)
    _search(ada, "cafe dem")
    hits = ada.page.get_by_role("list", name="Messages found").locator(".searchHit")
    expect(hits).to_have_count(1)
    hit = hits.first
    expect(hit.locator(".hitText")).to_have_text("Rendez-vous au CAFÉ <b>demain</b>")
    expect(hit.locator(".hitText mark")).to_have_text(["CAFÉ", "demain"])
    expect(hit.locator(".hitText b")).to_have_count(0)
    expect(hit.locator(".hitMeta")).to_contain_text(f"{room} · {bob.name}")
    ada.page.get_by_label("Words to search for in your chats").press("ArrowDown")
    expect(hit).to_be_focused()
    ada.page.keyboard.press("Enter")
    expect(ada.page.get_by_role("dialog", name="Search messages")).to_have_count(0)
    found = ada.message_row(room, "Rendez-vous au CAFÉ")
    expect(found).to_have_class(re.compile("isFlash"))
    expect(found).to_be_in_viewport()

    _open_search(eve)
    _search(eve, "cafe")
    expect(eve.page.locator("#messageSearchStatus")).to_have_text("No messages found for “cafe”.")
    expect(eve.page.locator(".searchHit")).to_have_count(0)


def test_searching_too_often_says_for_how_long(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    _open_search(ada)
    for i in range(10):  # the burst the server allows
        _search(ada, f"word{i}")
        expect(ada.page.locator(".searchError")).to_have_count(0)
    for i in range(10):  # then one more every 3 s: searching on refills the bucket no faster than it empties
        _search(ada, f"more{i}")
        if ada.page.locator(".searchError").count():
            break
    expect(ada.page.locator(".searchError")).to_have_text(re.compile(r"Searching too often\..*try again in \d+ s"))
