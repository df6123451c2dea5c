"""Formatting and emoji: what one person types with markers or picks from the emoji grid, the other sees drawn."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.client.users import ChatUser, ColorScheme, chat_between, notes, notified_reader, set_visibility, unique
from tests.support import RunningStack

FORMATTED = "*Bold* and _soft_ with `x = 1`\n- milk\n- eggs\n> quoted\n```\nline <b>one</b>\n  two\n```"
HOSTILE = "*<img src=x onerror=alert(1)>* `<script>alert(2)</script>`\n- <b>not bold</b>"


def two_in_a_chat(new_user, viewport: tuple[int, int] = (1280, 900), scheme: ColorScheme = "light"):
    ada = new_user(viewport=viewport, color_scheme=scheme).login_guest(unique("Ada"))
    bob = new_user(viewport=viewport, color_scheme=scheme).login_guest(unique("Bob"))
    return ada, bob, chat_between(ada, bob)


def post(user: ChatUser, room: str, text: str, shows: str) -> None:
    """Send `text` from the box; wait until it is back from the service, drawn with `shows` in it (markers are not)."""
    box = user.composer(room)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")
    expect(user.messages(room).filter(has_text=shows).last).to_be_visible()


def expect_formatted(user: ChatUser, room: str) -> None:
    """The FORMATTED message, drawn: bold, italic, code, a list of two, a quote and a code block."""
    text = user.messages(room).filter(has_text="milk").last
    expect(text.locator("strong")).to_have_text("Bold")
    expect(text.locator("em")).to_have_text("soft")
    expect(text.locator("code.fmtCode")).to_have_text("x = 1")
    expect(text.get_by_role("listitem")).to_have_text(["milk", "eggs"])
    expect(text.locator("blockquote")).to_have_text("quoted")
    assert text.locator("pre").inner_text() == "line <b>one</b>\n  two"


@pytest.mark.parametrize(("viewport", "scheme"), [((390, 844), "dark"), ((1280, 720), "light")])
def test_a_formatted_message_is_drawn_for_the_other_person_and_after_a_reload(
    new_user, viewport: tuple[int, int], scheme: ColorScheme
) -> None:
    ada, bob, room = two_in_a_chat(new_user, viewport, scheme)
    post(ada, room, FORMATTED, "milk")
    expect_formatted(bob, room)
    expect_formatted(ada, room)
    bob.page.reload()
    bob.wait_ready()
    expect_formatted(bob, room)


def test_markup_inside_formatting_stays_text_and_runs_nothing(new_user) -> None:
    ada, bob, room = two_in_a_chat(new_user)
    post(ada, room, HOSTILE, "not bold")
    shown = bob.messages(room).filter(has_text="not bold").last
    expect(shown.locator("strong")).to_have_text("<img src=x onerror=alert(1)>")
    expect(shown.locator("code")).to_have_text("<script>alert(2)</script>")
    expect(shown.get_by_role("listitem")).to_have_text("<b>not bold</b>")
    for user in (ada, bob):
        expect(user.page.locator("main img, main script, .msgText b")).to_have_count(0)
        assert user.dialogs == []


def test_an_edit_is_drawn_again_with_its_new_formatting(new_user) -> None:
    ada, bob, room = two_in_a_chat(new_user)
    ada.send(room, "plain words first")
    ada.edit_message(room, "plain words first", "now *loud* words")
    shown = bob.messages(room).filter(has_text="words").last
    expect(shown.locator("strong")).to_have_text("loud")
    expect(shown).to_have_text("now loud words")


def test_a_notification_shows_the_words_without_the_markers(new_user) -> None:
    reader = notified_reader(new_user)
    writer = new_user().login_guest(unique("Writer"))
    room = chat_between(reader, writer)
    bell = reader.page.get_by_role("button", name="Notifications")
    bell.click()
    expect(bell).to_have_attribute("aria-pressed", "true")
    set_visibility(reader.page, "hidden")
    post(writer, room, "> *Lunch* at `noon`?\n- cards", "cards")
    reader.page.wait_for_function("window.__notes.length === 1")
    assert notes(reader)[0]["body"] == "Lunch at noon?"


@pytest.mark.parametrize(("viewport", "scheme"), [((390, 844), "dark"), ((1280, 720), "light")])
def test_an_emoji_picked_with_the_keyboard_only_reaches_the_other_person(
    new_user, viewport: tuple[int, int], scheme: ColorScheme
) -> None:
    ada, bob, room = two_in_a_chat(new_user, viewport, scheme)
    box = ada.composer(room)
    box.fill("ab")
    box.press("ArrowLeft")  # the caret between a and b
    box.press("Tab")
    picker = ada.panel(room).get_by_role("button", name="Emoji", exact=True)
    expect(picker).to_be_focused()
    ada.page.keyboard.press("Enter")
    popover = ada.page.get_by_role("dialog", name="Emoji")
    expect(popover.get_by_label("Find an emoji")).to_be_focused()
    size = ada.page.viewport_size
    assert size is not None
    bounds = popover.bounding_box()
    assert bounds is not None
    assert bounds["x"] >= 0 and bounds["y"] >= 0
    assert bounds["x"] + bounds["width"] <= size["width"] and bounds["y"] + bounds["height"] <= size["height"]

    ada.page.keyboard.press("ArrowDown")
    expect(popover.get_by_role("button", name="grinning face", exact=True)).to_be_focused()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowRight", "ArrowRight"):
        ada.page.keyboard.press(key)
    chosen = popover.get_by_role("button", name="smiling face with smiling eyes")
    expect(chosen).to_be_focused()  # second row, fourth column
    ada.page.keyboard.press("Enter")

    expect(popover).to_have_count(0)
    expect(box).to_be_focused()
    expect(box).to_have_value("a😊b")
    ada.page.keyboard.type("!")  # the caret is right after the emoji
    ada.page.keyboard.press("Enter")
    expect(bob.messages(room).last).to_have_text("a😊!b")


def test_escape_closes_the_picker_and_the_filter_finds_by_name(new_user) -> None:
    ada, bob, room = two_in_a_chat(new_user)
    box = ada.composer(room)
    picker = ada.panel(room).get_by_role("button", name="Emoji", exact=True)
    popover = ada.page.get_by_role("dialog", name="Emoji")
    picker.click()
    expect(picker).to_have_attribute("aria-expanded", "true")
    ada.page.keyboard.press("Escape")
    expect(popover).to_have_count(0)
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(box).to_be_focused()
    expect(ada.panel(room)).to_be_visible()  # Escape closed only the picker

    picker.click()
    ada.page.keyboard.type("party")
    expect(popover.get_by_role("button")).to_have_count(2)  # partying face, party popper
    ada.page.keyboard.type("zzz-none")
    expect(popover).to_contain_text("No emoji named")
    popover.get_by_label("Find an emoji").fill("thumbs up")
    ada.page.keyboard.press("Enter")
    expect(box).to_have_value("👍")
    box.press("Enter")
    expect(bob.messages(room).last).to_have_text("👍")


def test_on_a_touch_screen_the_picker_opens_on_its_grid_and_a_tap_inserts(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(
        base_url=stack.swa_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        ada = ChatUser(context, stack).login_guest(unique("Ada"))
        room = unique("Room")
        ada.create_chat(room)
        ada.panel(room).get_by_role("button", name="Emoji", exact=True).tap()
        popover = ada.page.get_by_role("dialog", name="Emoji")
        expect(popover.get_by_role("button", name="grinning face", exact=True)).to_be_focused()  # no keyboard pops up
        popover.get_by_role("button", name="party popper").tap()
        expect(ada.composer(room)).to_have_value("🎉")
    finally:
        context.close()
