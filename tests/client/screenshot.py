"""`python -m tests.client.screenshot [DIR]`: the README's screenshots, taken from the real local stack.

Starts the stack in memory; a guest (Ada), a GitHub user (Grace) and a guest who has gone idle
(Alan) talk in a group chat (a reaction, an edit, a mention of Ada, seen-by, Grace typing), and Grace
opens a private chat with Ada. What Ada sees is saved on a laptop and on a phone, in light and in
dark mode: DIR (default docs/) gets screenshot-desktop-light.png,
screenshot-desktop-dark.png, screenshot-phone-light.png and screenshot-phone-dark.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

from local.browser import LAUNCH_ARGS, chromium_path
from local.stack import ROOT
from tests.client.users import ChatUser, ColorScheme
from tests.support import RunningStack, stack_running

DESKTOP = (1280, 800)
PHONE = (390, 844)


def scene(browser: Browser, stack: RunningStack, scheme: ColorScheme, target: Path) -> None:
    """One conversation, seen by Ada in `scheme` on a laptop, then on a phone."""

    def user(idle_seconds: float | None = None, scheme: ColorScheme = "light") -> ChatUser:
        width, height = DESKTOP
        context = browser.new_context(
            base_url=stack.swa_url, viewport={"width": width, "height": height}, color_scheme=scheme
        )
        if idle_seconds is not None:
            context.add_init_script(f"localStorage.setItem('chatrIdleSeconds', '{idle_seconds}')")
        return ChatUser(context, stack)

    ada = user(scheme=scheme).login_guest("Ada Lovelace")
    grace = user().login_github("Grace Hopper")
    alan = user(idle_seconds=3).login_guest("Alan Turing")
    engine, compilers = "Analytical Engine", "Compilers"
    ada.create_chat(compilers)
    ada.create_chat(engine)
    grace.join_chat(engine)
    alan.join_chat(engine)
    grace.send(engine, "Morning Ada! Did the punched cards arrive?")
    ada.send(engine, "They did, and Note G runs: https://en.wikipedia.org/wiki/Note_G")
    alan.send(engine, "Can it compute Bernouli numbers?\nAsking for a friend.")
    alan.edit_message(engine, "Can it compute Bernouli", "Can it compute Bernoulli numbers?\nAsking for a friend.")
    grace.react(engine, "Note G runs", "party")
    alan.react(engine, "Note G runs", "party")
    grace.send(engine, "@Ada Lovelace wonderful. I am still hunting a bug in mine.")
    grace.send(engine, "An actual moth!")
    ada.react(engine, "An actual moth!", "laughing")
    ada.send(engine, "Tape it into the log book!")
    expect(ada.seen_by(engine)).to_have_text(f"Seen by {alan.name}, {grace.name}", timeout=30_000)
    grace.user_entry(ada.name).click()
    grace.send(ada.name, "Lunch later?")
    expect(ada.unread(grace.name)).to_have_attribute("data-unread", "1")
    grace.open_chat(engine)
    expect(ada.user_entry(alan.name).locator("i.fa-bed")).to_be_visible()
    ada.page.mouse.move(0, 0)
    expect(ada.page.locator(".chatrToast")).to_have_count(0)
    grace.composer(engine).press_sequentially("I found it")
    expect(ada.typing_line(engine)).to_be_visible()
    ada.page.screenshot(path=str(target / f"screenshot-desktop-{scheme}.png"))
    ada.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    expect(ada.panel(engine).get_by_role("button", name="Back to chats")).to_be_visible()
    grace.composer(engine).press_sequentially(", in relay 70")
    expect(ada.typing_line(engine)).to_be_visible()
    ada.page.screenshot(path=str(target / f"screenshot-phone-{scheme}.png"))
    ada.page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
    for chat in (engine, compilers):  # the next scene starts from an empty list
        ada.delete_chat(chat)
        expect(ada.chat_link(chat)).to_have_count(0)
    for person in (ada, grace, alan):
        person.logout()
        person.context.close()


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    target.mkdir(parents=True, exist_ok=True)
    with stack_running() as stack, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        schemes: tuple[ColorScheme, ...] = ("light", "dark")
        for scheme in schemes:
            scene(browser, stack, scheme, target)
        browser.close()
    print(f"Saved the screenshots in {target}")


if __name__ == "__main__":
    main()
