"""Search: anyone and any group chat found by name, whatever its case and accents; names shown as text."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.client.users import unique


def test_a_person_is_found_by_search_with_presence_markup_shown_as_text_and_clicking_opens_a_private_chat(
    new_user,
) -> None:
    tag = uuid.uuid4().hex[:6]
    alan = new_user().login_guest(unique("Alan"))
    zoe = new_user().login_guest(f"<b>Zoë</b> Ádams {tag}")
    zoe.page.close()  # she goes offline: the search says so
    expect(alan.user_entry(zoe.name)).to_have_count(0)  # they share no chat: her presence is never sent to him

    alan.search(f"<B>ZOE</B> adams {tag}")
    hit = alan.found_person(zoe.name)
    expect(hit).to_be_visible()
    expect(hit.locator(".userName")).to_have_text(zoe.name)  # the markup is text: no bold element
    expect(hit.locator("b")).to_have_count(0)
    expect(hit).to_contain_text("offline")

    hit.click()
    expect(alan.chat_entry(zoe.name)).to_have_attribute("aria-current", "true")
    expect(alan.page.get_by_label("Search people and chats")).to_have_value("")
    assert alan.console_errors == []


def test_a_new_chat_reaches_nobody_else_yet_is_found_by_search_and_in_browse(new_user) -> None:
    bob = new_user().login_guest(unique("Bob"))
    ada = new_user().login_guest(unique("Ada"))
    room = unique("Élan")
    ada.create_chat(room)

    expect(bob.chat_link(room)).to_have_count(0)  # not pushed to him: he is not in it
    bob.page.get_by_role("button", name="Browse chats").click()
    browsed = bob.page.get_by_role("list", name="Browse chats")
    expect(browsed).to_be_visible()
    bob.search(room.replace("É", "e").upper())
    expect(bob.found_chat(room)).to_be_visible()
    bob.found_chat(room).click()
    bob.wait_joined(room)
    expect(bob.chat_link(room)).to_have_count(1)
    expect(bob.panel(room).locator(".conversationMeta")).to_contain_text(re.compile("2 members"))
    assert bob.console_errors == [] and ada.console_errors == []
