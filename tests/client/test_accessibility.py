"""An automated accessibility check (axe-core, from npm) finds nothing serious or critical on the
login page, the app with a busy chat open, the New Chat dialog, replies and message search, in light
and in dark mode."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from local.stack import ROOT
from tests.client.users import ChatUser, unique

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

SERIOUS = """async () => {
  const { violations } = await axe.run(document, { resultTypes: ["violations"] });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}\\n` + v.nodes.slice(0, 5)
      .map((n) => `  ${n.target.join(" ")}: ${n.failureSummary.replaceAll("\\n", " ")}`).join("\\n"));
}"""


def checked(user: ChatUser) -> ChatUser:
    """axe-core, loaded into every page of this browser context (an init script, so the CSP allows it)."""
    user.context.add_init_script(path=str(AXE))
    return user


SETTLED = """() => document.getAnimations()
  .every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity)"""


def assert_no_serious_violations(page: Page, where: str) -> None:
    page.wait_for_function(SETTLED)  # a toast fading in or out has no contrast yet: axe sees what stays
    found = page.evaluate(SERIOUS)
    assert found == [], f"{where}:\n" + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_login_page_has_no_serious_accessibility_problems(new_user, scheme) -> None:
    visitor = checked(new_user(color_scheme=scheme))
    visitor.page.goto("/login.html")
    expect(visitor.page.get_by_role("button", name="Guest")).to_be_visible()
    assert_no_serious_violations(visitor.page, "login page")
    visitor.page.get_by_role("button", name="Guest").click()
    visitor.page.get_by_label("Enter your name").fill("n" * 60)  # with its error showing
    assert_no_serious_violations(visitor.page, "guest dialog")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_app_and_the_new_chat_dialog_have_no_serious_accessibility_problems(new_user, scheme) -> None:
    ada = checked(new_user(color_scheme=scheme)).login_guest(unique("Ada"))
    bob = new_user(idle_seconds=2).login_guest(unique("Bob"))
    room, quiet = unique("Room"), unique("Quiet")
    ada.create_chat(quiet)
    ada.create_chat(room)
    bob.join_chat(quiet)
    bob.join_chat(room)
    bob.send(room, "Hello, see www.example.org")
    bob.send(room, "and a second line\nbelow it")
    ada.send(room, "Hi Bob")
    bob.open_chat(quiet)
    bob.send(quiet, "unread over here")
    bob.user_entry(ada.name).click()
    expect(ada.unread(quiet)).to_have_attribute("data-unread", "1")
    expect(ada.user_entry(bob.name).locator("i.fa-bed")).to_be_visible()  # an idle user in the list
    ada.composer(room).fill("x" * 2010)  # the composer saying the message is too long
    assert_no_serious_violations(ada.page, "app")
    ada.composer(room).fill("")
    ada.panel(room).get_by_role("button", name=f"Options for {room}").click()
    expect(ada.page.get_by_role("menu")).to_be_visible()
    assert_no_serious_violations(ada.page, "the chat's menu")
    ada.page.keyboard.press("Escape")

    ada.page.get_by_role("button", name="New Chat").click()
    ada.page.get_by_label("Chat name").fill(room)  # with the "already exists" warning
    expect(ada.page.get_by_role("dialog", name="New Chat")).to_contain_text("already exists")
    assert_no_serious_violations(ada.page, "New Chat dialog")

    ada.page.keyboard.press("Escape")
    ada.page.set_viewport_size({"width": 390, "height": 844})
    assert_no_serious_violations(ada.page, "app on a phone")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reactions_mentions_edits_and_the_message_menu_have_no_serious_accessibility_problems(new_user, scheme) -> None:
    ada = checked(new_user(color_scheme=scheme)).login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    ada.send(room, "Morning, see www.example.org")
    bob.composer(room).press_sequentially(f"@{ada.name[:3]}")
    bob.composer(room).press("Enter")
    bob.composer(room).press_sequentially("the engine runs")
    bob.composer(room).press("Enter")
    bob.send(room, "a typo hree")
    bob.edit_message(room, "a typo hree", "a typo here")
    bob.send(room, "sent by mistake")
    bob.delete_message(room, "sent by mistake")
    ada.react(room, "the engine runs", "party")
    bob.react(room, "Morning, see", "heart")
    ada.send(room, "Thanks!")
    expect(ada.seen_by(room)).to_have_text(f"Seen by {bob.name}")
    bob.composer(room).press_sequentially("typing")
    expect(ada.typing_line(room)).to_be_visible()
    expect(ada.message_row(room, "the engine runs").locator(".msgCard.isMention")).to_be_visible()
    assert_no_serious_violations(ada.page, "a conversation with reactions, a mention, an edit and a delete")

    ada.open_message_menu(room, "Thanks!")
    assert_no_serious_violations(ada.page, "the message menu with the reaction picker")
    ada.page.keyboard.press("Escape")
    ada.composer(room).press("ArrowUp")
    expect(ada.panel(room).get_by_text("Editing your message")).to_be_visible()
    assert_no_serious_violations(ada.page, "the composer editing a message")
    ada.composer(room).press("Escape")
    ada.composer(room).press_sequentially("@")
    expect(ada.page.get_by_role("listbox", name="People to mention")).to_be_visible()
    assert_no_serious_violations(ada.page, "the mention suggestions")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_blocking_and_the_blocked_users_list_have_no_serious_accessibility_problems(new_user, scheme) -> None:
    ada = checked(new_user(color_scheme=scheme)).login_guest(unique("Ada"))
    bob = new_user().login_github(unique("Bob"))
    ada.chat_with(bob.name)
    ada.page.get_by_role("list", name="Online users").get_by_role("button", name=f"Actions for {bob.name}").click()
    assert_no_serious_violations(ada.page, "a person's menu in Online Users")
    ada.page.get_by_role("menuitem", name=f"Block {bob.name}").click()
    dialog = ada.page.get_by_role("dialog", name=f"Block {bob.name}?")
    assert_no_serious_violations(ada.page, "the block question")
    dialog.get_by_role("button", name="Block", exact=True).click()
    expect(ada.panel(bob.name).locator(".blockedBar")).to_be_visible()
    expect(ada.user_entry(bob.name)).to_contain_text("blocked")
    expect(ada.page.locator(".chatrToast")).to_have_count(0)  # "You blocked …" fades (axe would catch it half drawn)
    assert_no_serious_violations(ada.page, "a private chat with someone blocked, and the list marking them")
    ada.page.get_by_role("button", name="Blocked users").click()
    expect(ada.page.get_by_role("dialog", name="Blocked users").get_by_role("listitem")).to_have_count(1)
    assert_no_serious_violations(ada.page, "Blocked users")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [(390, 844), (1280, 720)], ids=["phone", "laptop"])
def test_replies_and_message_search_have_no_serious_accessibility_problems(new_user, scheme, viewport) -> None:
    ada = checked(new_user(viewport=viewport, color_scheme=scheme)).login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    bob.send(room, "Le café <i>ouvre</i> à 8 h")
    ada.open_message_menu(room, "Le café").get_by_role("menuitem", name="Reply").click()
    expect(ada.panel(room).locator(".replyBar")).to_be_visible()
    assert_no_serious_violations(ada.page, "the Replying to bar")
    ada.send(room, "Parfait")
    ada.message_row(room, "Parfait").locator(".msgQuote").click()
    expect(ada.message_row(room, "Le café")).to_have_class(re.compile("isFlash"))
    assert_no_serious_violations(ada.page, "a reply's quote and the message it goes to, highlighted")
    back = ada.page.get_by_role("button", name="Back to chats")
    if back.is_visible():
        back.click()
    ada.page.get_by_role("button", name="Search messages").click()
    box = ada.page.get_by_label("Words to search for in your chats")
    box.fill("cafe")
    box.press("Enter")
    expect(ada.page.locator(".searchHit")).to_have_count(1)
    assert_no_serious_violations(ada.page, "Search messages with a hit")


# How a focused element's ring looks: its outline, and the outline's contrast with the surface around it.
FOCUS_RING = """(element) => {
  const channels = (colour) => colour.match(/[\\d.]+/g).map(Number);
  const opaque = (colour) => { const c = channels(colour); return c.length < 4 || c[3] > 0; };
  const luminance = (colour) => {
    const linear = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = channels(colour).map(linear);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let surface = element.parentElement;
  while (surface && !opaque(getComputedStyle(surface).backgroundColor)) surface = surface.parentElement;
  const style = getComputedStyle(element);
  const around = getComputedStyle(surface ?? document.body).backgroundColor;
  const [light, dark] = [luminance(style.outlineColor), luminance(around)].sort((a, b) => b - a);
  return { visible: element.matches(":focus-visible"), style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    contrast: (light + 0.05) / (dark + 0.05) };
}"""


def assert_focus_ring(page: Page, button: Locator, where: str) -> None:
    """Focused from the keyboard, the button shows a solid 2 px ring, 3:1 against what is around it (WCAG 1.4.11)."""
    page.keyboard.press("Shift")  # the last input was the keyboard, so focusing shows the ring
    button.focus()
    ring = button.evaluate(FOCUS_RING)
    shown = ring["visible"] and ring["style"] == "solid" and ring["width"] >= 2
    assert shown and ring["contrast"] >= 3, f"{where}: {ring}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_buttons_show_the_apps_focus_ring_over_bulmas(new_user, scheme) -> None:
    """Issue 22, bug 6: Bulma's `.button:focus-visible { outline: none }` hid the ring on New, Create, Cancel, Login."""
    visitor = new_user(color_scheme=scheme)
    visitor.page.goto("/login.html")
    visitor.page.get_by_role("button", name="Guest").click()
    visitor.name = unique("Ada")
    visitor.page.get_by_label("Enter your name").fill(visitor.name)
    assert_focus_ring(visitor.page, visitor.page.get_by_role("button", name="Login"), "Login")
    assert_focus_ring(visitor.page, visitor.page.get_by_role("button", name="Cancel"), "Cancel on the login page")
    visitor.page.get_by_label("Enter your name").press("Enter")
    visitor.page.wait_for_url("**/index.html")
    ada = visitor.wait_ready()

    assert_focus_ring(ada.page, ada.page.get_by_role("button", name="New Chat"), "New")
    ada.page.get_by_role("button", name="New Chat").click()
    ada.page.get_by_label("Chat name").fill(unique("Room"))
    dialog = ada.page.get_by_role("dialog", name="New Chat")
    assert_focus_ring(ada.page, dialog.get_by_role("button", name="Create"), "Create")
    assert_focus_ring(ada.page, dialog.get_by_role("button", name="Cancel"), "Cancel")


HEADING_ONE = """async () =>
  (await axe.run(document, { runOnly: ["page-has-heading-one"] })).violations.map((v) => v.help)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_both_screens_have_a_heading_one_and_the_list_has_no_credit_footer(new_user, scheme) -> None:
    """Issue 22, bug 10: the h1 lived only in the sidebar, hidden behind an open chat; the credit took room."""
    phone = checked(new_user(viewport=(390, 844), color_scheme=scheme)).login_guest(unique("Phone"))
    expect(phone.page.locator(".credit")).to_be_hidden()
    assert phone.page.evaluate(HEADING_ONE) == [], "the chat list"
    room = unique("Room")
    phone.create_chat(room)
    expect(phone.page.get_by_role("complementary", name="Chats and people")).to_be_hidden()
    assert phone.page.evaluate(HEADING_ONE) == [], "an open chat"
    assert_no_serious_violations(phone.page, "an open chat on a phone")
    phone.page.set_viewport_size({"width": 1280, "height": 720})
    expect(phone.page.locator(".credit")).to_be_visible()  # a laptop has the room for it
    assert phone.page.evaluate(HEADING_ONE) == [], "a laptop"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_formatted_messages_and_the_emoji_picker_have_no_serious_accessibility_problems(new_user, scheme) -> None:
    ada = checked(new_user(color_scheme=scheme)).login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    for who, text in (
        (bob, "*Bold* _soft_ `code` www.example.org\n- milk\n1. one\n> quoted\n```\nblock " + "x" * 300 + "\n```"),
        (ada, "`mine` *too*"),
    ):
        who.composer(room).fill(text)
        who.composer(room).press("Enter")
        expect(ada.messages(room).locator("code").filter(has_text=text.split("`")[1])).to_be_visible()
    assert_no_serious_violations(ada.page, "formatted messages")
    ada.panel(room).get_by_role("button", name="Emoji", exact=True).click()
    ada.page.keyboard.press("ArrowDown")
    assert_no_serious_violations(ada.page, "the emoji picker")
    ada.page.set_viewport_size({"width": 390, "height": 844})
    assert_no_serious_violations(ada.page, "the emoji picker on a phone")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_guests_logout_question_and_the_recovery_code_dialog_have_no_serious_accessibility_problems(
    new_user, scheme
) -> None:
    ada = checked(new_user(color_scheme=scheme)).login_guest(unique("Ada"))
    ada.page.get_by_role("button", name="Logout").click()
    dialog = ada.page.get_by_role("dialog", name="Log out?")
    assert_no_serious_violations(ada.page, "the logout question")
    dialog.get_by_role("button", name="Get a recovery code").click()
    expect(dialog.get_by_label("Your recovery code")).not_to_have_value("")
    assert_no_serious_violations(ada.page, "the logout question with a recovery code")
    dialog.get_by_role("button", name="Log out", exact=True).click()
    ada.page.wait_for_url("**/login.html")
    ada.page.get_by_role("button", name="I have a recovery code").click()
    ada.page.get_by_label("Your recovery code", exact=True).fill("not a code")
    ada.page.get_by_label("Your recovery code", exact=True).press("Enter")
    expect(ada.page.get_by_role("alert")).to_contain_text("That is not a recovery code")
    assert_no_serious_violations(ada.page, "the recovery code dialog with its error")
