"""`python -m tests.client.screenshot [PATH]`: the README's screenshot, taken from the real local stack.

Starts the stack in memory, lets two users (a guest and a GitHub user) talk in a group chat and
open a private one, and saves what the guest sees (default docs/screenshot.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from local.browser import LAUNCH_ARGS, chromium_path
from local.stack import ROOT
from tests.client.users import ChatUser
from tests.support import start_stack, wait_ready


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    stack = wait_ready(start_stack())
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)

            def user() -> ChatUser:
                context = browser.new_context(base_url=stack.swa_url, viewport={"width": 1280, "height": 960})
                return ChatUser(context, stack)

            ada = user().login_guest("Ada Lovelace")
            grace = user().login_github("Grace Hopper")
            ada.create_chat("Compilers")
            ada.create_chat("Analytical Engine")
            grace.join_chat("Analytical Engine")
            grace.send("Analytical Engine", "Morning Ada! Did the punched cards arrive?")
            ada.send("Analytical Engine", "They did, and Note G runs: https://en.wikipedia.org/wiki/Note_G")
            grace.send("Analytical Engine", "Wonderful. I am still hunting a bug in mine. An actual moth!")
            grace.user_entry(ada.name).click()
            grace.send(f"Chat with {ada.name}", "Lunch later?")
            expect(ada.tab(f"Chat with {grace.name}").locator(".unread .tag")).to_have_text("2")
            ada.page.mouse.move(0, 0)
            expect(ada.page.locator(".notification.is-warning, .notification.is-success")).to_have_count(0)
            target.parent.mkdir(parents=True, exist_ok=True)
            ada.page.screenshot(path=str(target))
            browser.close()
    finally:
        stack.stop()
    print(f"Saved {target}")


if __name__ == "__main__":
    main()
