"""The app shell: at every size the open chat is named, and its last message and the composer are in
view without scrolling the page; on a phone the chat list and the chat are two screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.client.users import ChatUser, unique

# The sizes the issue names, plus the smallest and largest it promises.
SIZES = [(390, 844), (800, 600), (1280, 720), (1366, 768), (1920, 1080), (360, 640), (2560, 1440)]
PHONE_WIDTH = 768

IN_VIEW = """() => {
  const page = document.scrollingElement;
  const rect = (selector) => document.querySelector(selector)?.getBoundingClientRect();
  const rows = document.querySelectorAll(".messageList .msgRow");
  const last = rows[rows.length - 1]?.getBoundingClientRect();
  const list = rect(".messageList");
  const parts = [rect(".composerInput"), rect(".sendButton"), rect(".conversationName"), last];
  if (!list || parts.some((r) => !r || r.width === 0)) return false;
  const inWindow = (r) => r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5;
  return page.scrollHeight <= innerHeight && page.scrollWidth <= innerWidth && page.scrollTop === 0
    && parts.every(inWindow) && last.top >= list.top - 0.5 && last.bottom <= list.bottom + 0.5;
}"""


def chat_with_history(new_user, scheme: str) -> tuple[ChatUser, str, str]:
    """Two people and a chat long enough to scroll; returns the reader, the chat and its last message."""
    reader = new_user(color_scheme=scheme).login_guest(unique("Reader"))
    writer = new_user().login_guest(unique("Writer"))
    room = unique("Room")
    reader.create_chat(room)
    writer.join_chat(room)
    box = writer.composer(room)
    for number in range(30):
        box.fill(f"Line {number}: a message long enough to wrap on a narrow phone screen, twice over")
        box.press("Enter")
    last = "The very last message"
    writer.send(room, last)
    expect(reader.messages(room).filter(has_text=last)).to_be_visible()
    return reader, room, last


def assert_in_view(page: Page) -> None:
    """Waits (layout follows a resize) until the composer and the last message are in view, the page unscrolled."""
    page.wait_for_function(IN_VIEW, timeout=5000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_at_every_size_the_composer_and_the_last_message_are_in_view_without_scrolling(new_user, scheme) -> None:
    reader, room, last = chat_with_history(new_user, scheme)
    expect(reader.panel(room).locator(".msgRow").last).to_contain_text(last)
    for width, height in SIZES:
        reader.page.set_viewport_size({"width": width, "height": height})
        assert_in_view(reader.page)
        expect(reader.panel(room).locator(".conversationName")).to_have_text(room)
        sidebar = reader.page.get_by_role("complementary", name="Chats and people")
        if width > PHONE_WIDTH:
            expect(sidebar).to_be_visible()
            expect(reader.chat_entry(room)).to_have_attribute("aria-current", "true")
        else:
            expect(sidebar).to_be_hidden()
    assert reader.console_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_chat_list_and_the_chat_are_two_screens_with_a_back_button(new_user, scheme) -> None:
    phone = new_user(viewport=(390, 844), color_scheme=scheme).login_guest(unique("Phone"))
    friend = new_user().login_guest(unique("Friend"))
    room = unique("Room")
    friend.create_chat(room)
    sidebar = phone.page.get_by_role("complementary", name="Chats and people")
    expect(sidebar).to_be_visible()
    expect(phone.page.locator(".mainPane")).to_be_hidden()

    phone.join_chat(room)
    expect(sidebar).to_be_hidden()
    friend.send(room, "hello phone")
    expect(phone.messages(room).filter(has_text="hello phone")).to_be_visible()

    phone.panel(room).get_by_role("button", name="Back to chats").click()
    expect(sidebar).to_be_visible()
    expect(phone.panel(room)).to_be_hidden()
    friend.send(room, "while you were away")
    expect(phone.unread(room)).to_have_attribute("data-unread", "1")

    phone.page.reload()
    phone.wait_ready()
    expect(sidebar).to_be_visible()  # a reload keeps the screen the user was on
    phone.chat_entry(room).click()
    expect(phone.messages(room).filter(has_text="while you were away")).to_be_visible()
    expect(phone.panel(room).locator(".newDivider")).to_be_visible()

    # the on-screen keyboard takes the bottom of the screen: the composer stays above it
    phone.composer(room).focus()
    phone.page.set_viewport_size({"width": 390, "height": 420})
    assert_in_view(phone.page)
    phone.send(room, "typed above the keyboard")
    expect(friend.messages(room).filter(has_text="typed above the keyboard")).to_be_visible()
    assert phone.console_errors == []
