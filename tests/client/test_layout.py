"""The app shell: at every size the open chat is named, and its last message and the composer are in
view without scrolling the page; on a phone the chat list and the chat are two screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.client.users import ChatUser, unique

# The sizes the issue names, plus the smallest and largest it promises.
SIZES = [(390, 844), (768, 1024), (800, 600), (1280, 720), (1366, 768), (1920, 1080), (360, 640), (2560, 1440)]
PHONE_WIDTH = 767
# The widest the conversation gets (its messages, both sides, and the box), so a line stays easy to follow.
READABLE_PX = 1000

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


def assert_apart(first: Locator, second: Locator, what: str) -> None:
    """The two boxes on screen do not overlap."""
    a, b = first.bounding_box(), second.bounding_box()
    assert a and b, what
    side_by_side = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
    apart = side_by_side or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    assert apart, f"{what}: {a} and {b} overlap"


@pytest.mark.parametrize("size", [(390, 844), (1280, 720)])
def test_a_toast_hides_neither_its_text_nor_the_new_messages_label_nor_the_top_of_the_chat_list(new_user, size) -> None:
    """Issue 22, bug 7: the close button sat on the end of the text, and the toast on the divider and the list's top."""
    ada = new_user(viewport=size).login_guest(unique("Ada"))
    bob, carol = new_user().login_guest(unique("Bob")), new_user().login_guest(unique("Carol"))
    room, other = unique("Room"), unique("Other")
    phone = size[0] <= PHONE_WIDTH
    bob.create_chat(room)
    ada.join_chat(room)
    if phone:
        ada.panel(room).get_by_role("button", name="Back to chats").click()
    ada.create_chat(other)
    for number in range(3):
        bob.send(room, f"while Ada was away {number}")
    if phone:
        ada.panel(other).get_by_role("button", name="Back to chats").click()

    bob.user_entry(ada.name).click()
    toast = ada.toast(f"Chat with {bob.name}")
    expect(toast).to_be_visible()
    close, text = toast.get_by_role("button", name="Dismiss"), toast.get_by_role("status")
    assert_apart(close, text, "the close button and the text")
    for top in (".sidebarHeader", ".whoAmI", ".chatItem >> nth=0"):
        assert_apart(toast, ada.page.locator(top), f"the toast and {top}")
    ada.dismiss_toast(f"Chat with {bob.name}")

    ada.open_chat(room)
    divider = ada.panel(room).locator(".newDivider span")
    expect(divider).to_be_in_viewport()
    carol.user_entry(ada.name).click()
    toast = ada.toast(f"Chat with {carol.name}")
    expect(toast).to_be_visible()
    assert_apart(toast, divider, "the toast and the New messages label")
    assert_apart(toast, ada.composer(room), "the toast and the box")
    assert ada.console_errors == []


def test_a_tablet_shows_the_list_beside_the_chat_and_a_wide_screen_keeps_the_conversation_readable(new_user) -> None:
    """Issue 22, bug 8: 768x1024 had the phone's one stretched column; at 2560x1440 the sides were 2,200 px apart."""
    reader, room, last = chat_with_history(new_user, "light")
    reader.send(room, "Mine, on the right")
    reader.page.set_viewport_size({"width": 768, "height": 1024})
    sidebar = reader.page.get_by_role("complementary", name="Chats and people")
    expect(sidebar).to_be_visible()
    expect(reader.panel(room)).to_be_visible()
    assert_apart(sidebar, reader.panel(room), "the sidebar and the chat")
    assert_in_view(reader.page)

    reader.page.set_viewport_size({"width": 2560, "height": 1440})
    assert_in_view(reader.page)
    mine = reader.message_row(room, "Mine, on the right").locator(".msgCard").bounding_box()
    theirs = reader.message_row(room, last).locator(".msgCard").bounding_box()
    box = reader.composer(room).bounding_box()
    assert mine and theirs and box
    assert mine["x"] + mine["width"] - theirs["x"] <= READABLE_PX, (mine, theirs)
    assert box["width"] <= READABLE_PX, box
    assert reader.console_errors == []
