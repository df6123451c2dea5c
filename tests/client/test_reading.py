"""Reading back: the view never jumps away from what is being read, a divider marks what is new,
messages are grouped by sender and separated by day, times are complete on hover, links are safe."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.client.users import chat_between, unique

DAY_MS = 24 * 60 * 60 * 1000


def two_in_a_chat(new_user):
    reader = new_user(viewport=(1280, 720)).login_guest(unique("Reader"))
    writer = new_user().login_guest(unique("Writer"))
    return reader, writer, chat_between(reader, writer)


def send_many(user, room: str, count: int, prefix: str) -> None:
    """Messages sent back to back; waits for the last one only."""
    box = user.composer(room)
    for number in range(count):
        box.fill(f"{prefix} {number}")
        box.press("Enter")
    expect(user.messages(room).filter(has_text=f"{prefix} {count - 1}")).to_be_visible()


def test_scrolled_up_new_messages_do_not_move_the_view_and_a_button_jumps_to_them(new_user) -> None:
    reader, writer, room = two_in_a_chat(new_user)
    send_many(writer, room, 30, "Filler")
    last = reader.messages(room).filter(has_text="Filler 29")
    expect(last).to_be_in_viewport()  # at the bottom, the view follows
    scroller = reader.panel(room).locator(".messageList")

    scroller.evaluate("e => { e.scrollTop = 200; e.dispatchEvent(new Event('scroll')); }")
    send_many(writer, room, 3, "Later")
    expect(reader.messages(room).filter(has_text="Later 2")).to_have_count(1)

    jump = reader.panel(room).get_by_role("button", name="3 new messages ↓")
    expect(jump).to_be_visible()
    assert scroller.evaluate("e => e.scrollTop") == 200  # not moved
    jump.click()
    expect(reader.messages(room).filter(has_text="Later 2")).to_be_in_viewport()
    expect(jump).to_have_count(0)
    writer.send(room, "and the view follows again")
    expect(reader.messages(room).filter(has_text="and the view follows again")).to_be_in_viewport()


def test_a_divider_marks_the_messages_that_arrived_since_the_chat_was_last_open(new_user) -> None:
    reader, writer, room = two_in_a_chat(new_user)
    writer.send(room, "read already")
    other = unique("Other")
    reader.create_chat(other)
    writer.send(room, "new one")
    writer.send(room, "new two")
    expect(reader.unread(room)).to_have_attribute("data-unread", "2")

    reader.open_chat(room)

    rows = reader.panel(room).locator(".newDivider, .msgText")
    expect(rows).to_have_text(["read already", "New messages", "new one", "new two"])
    reader.open_chat(other)
    reader.open_chat(room)
    expect(reader.panel(room).locator(".newDivider")).to_have_count(0)  # read now


def test_messages_are_grouped_by_sender_and_separated_by_day_with_full_times_on_hover(new_user) -> None:
    reader, writer, room = two_in_a_chat(new_user)
    chat_id = reader.panel(room).get_attribute("data-chat-id")
    now = int(time.time() * 1000)
    older = [
        {
            "kind": "message",
            "fromUserId": "someone",
            "fromUserName": "Someone",
            "text": "last week",
            "time": now - 9 * DAY_MS,
        },
        {
            "kind": "message",
            "fromUserId": "someone",
            "fromUserName": "Someone",
            "text": "yesterday",
            "time": now - DAY_MS,
        },
    ]
    key = f"chatr.history.{chat_id}"
    reader.page.wait_for_function("([key, name]) => localStorage.getItem(key)?.includes(name)", arg=[key, writer.name])
    reader.page.evaluate(
        """([key, older]) => {
          const saved = JSON.parse(localStorage.getItem(key) ?? "[]");
          localStorage.setItem(key, JSON.stringify([...older, ...saved]));
        }""",
        [key, older],
    )
    reader.page.reload()
    reader.wait_ready()
    reader.open_chat(room)
    writer.send(room, "first of two")
    writer.send(room, "second of two")

    days = reader.panel(room).locator(".daySeparator")
    expect(days).to_have_count(3)
    expect(days.nth(1)).to_have_text("Yesterday")
    expect(days.nth(2)).to_have_text("Today")
    first, second = (reader.panel(room).locator(".msgRow", has_text=text) for text in ("first of two", "second of two"))
    expect(first.locator(".msgTitle")).not_to_have_class(re.compile(r"\bis-sr-only\b"))
    expect(second).to_have_class(re.compile(r"\bisGrouped\b"))
    expect(second.locator(".msgTitle")).to_have_class(re.compile(r"\bis-sr-only\b"))  # one name for the group...
    expect(second.locator(".msgFrom")).to_have_text(writer.name)  # ...still there for screen readers
    stamp = second.locator("time")
    year = time.strftime("%Y")
    expect(stamp).to_have_attribute("title", re.compile(year))
    expect(stamp.locator(".is-sr-only")).to_have_text(re.compile(year))
    expect(stamp).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))


def test_web_addresses_become_safe_links_opening_in_a_new_tab(new_user) -> None:
    reader, writer, room = two_in_a_chat(new_user)
    writer.send(room, "see www.example.org/page, or https://example.com/a?b=1.")
    links = reader.messages(room).last.locator("a")
    expect(links).to_have_text(["www.example.org/page", "https://example.com/a?b=1"])
    expect(links.first).to_have_attribute("href", "https://www.example.org/page")
    for index in range(2):
        expect(links.nth(index)).to_have_attribute("target", "_blank")
        expect(links.nth(index)).to_have_attribute("rel", "noopener noreferrer")
