"""One person using Chatr in their own browser context, driven through the UI like a user would."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Literal

from playwright.sync_api import BrowserContext, Dialog, Locator, Page, expect

from local.harness import swa_principal
from local.stack import Addresses

TIMEOUT_MS = 15_000
ColorScheme = Literal["light", "dark"]
expect.set_options(timeout=TIMEOUT_MS)


def unique(name: str) -> str:
    """A display name no other test uses, so assertions never match someone else's user or chat."""
    return f"{name} {uuid.uuid4().hex[:6]}"


class ChatUser:
    """A browser context with one page on the app, plus the steps a test needs."""

    def __init__(self, context: BrowserContext, stack: Addresses) -> None:
        self.context = context
        self.stack = stack
        self.page = context.new_page()
        self.name = ""
        self.guest = False
        self.dialogs: list[Dialog] = []
        self.page.on("dialog", self._on_dialog)
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda err: self.console_errors.append(str(err)))
        self.page.set_default_timeout(TIMEOUT_MS)

    def _on_dialog(self, dialog: Dialog) -> None:
        """Accept confirm() (deleting a chat); record every dialog so a test can prove none was an alert."""
        self.dialogs.append(dialog)
        dialog.accept()

    # ---- logging in and out ----------------------------------------------------------------------

    def login_guest(self, name: str) -> ChatUser:
        """Guest login through the login page: the name, then Enter."""
        self.name = name
        self.guest = True
        self.page.goto("/login.html")
        self.page.get_by_role("button", name="Guest").click()
        self.page.get_by_label("Enter your name").fill(name)
        self.page.get_by_label("Enter your name").press("Enter")
        self.page.wait_for_url("**/index.html")
        return self.wait_ready()

    def login_github(self, name: str, user_id: str | None = None, wait: bool = True) -> ChatUser:
        """Sign in with the SWA CLI's emulated GitHub login.

        Its form (at /.auth/login/github) is driven by jQuery from a CDN, which an offline machine
        cannot load, so after filling the form we store what its submit handler would: the
        `StaticWebAppsAuthCookie` (base64 JSON principal). The SWA CLI then serves /.auth/me and adds
        x-ms-client-principal to /api calls exactly as after a real form submit.
        """
        self.name = name
        user_id = user_id or uuid.uuid4().hex
        self.page.goto("/.auth/login/github?post_login_redirect_uri=/index.html")
        self.page.fill("#userId", user_id)
        self.page.fill("#userDetails", name)
        cookie = swa_principal(user_id, name, roles=("anonymous", "authenticated"))
        self.context.add_cookies([{"name": "StaticWebAppsAuthCookie", "value": cookie, "url": self.stack.swa_url}])
        self.console_errors.clear()  # the emulator's form page fails to load its CDN scripts offline
        self.page.goto("/")
        return self.wait_ready() if wait else self

    def wait_ready(self) -> ChatUser:
        """This user is shown, highlighted, in Online Users and the server confirmed the connection: sending is on."""
        # the name, and "away" after it once a short idle limit has passed (a test's idle user on a busy machine)
        expect(self.me_entry()).to_have_text(re.compile(rf"^{re.escape(self.name)}( away)?$"), timeout=TIMEOUT_MS)
        expect(self.page.locator(".reconnecting")).to_have_count(0, timeout=TIMEOUT_MS)
        return self

    def another_tab(self) -> ChatUser:
        """The same person in a second tab of the same browser (same cookies and storage)."""
        tab = ChatUser(self.context, self.stack)
        tab.name, tab.guest = self.name, self.guest
        tab.page.goto("/")
        return tab.wait_ready()

    def logout(self) -> None:
        """Logout; a guest says yes in the dialog that first tells them what it means (and offers a recovery code)."""
        self.page.get_by_role("button", name="Logout").click()
        if self.guest:
            self.page.get_by_role("dialog", name="Log out?").get_by_role("button", name="Log out", exact=True).click()
        self.page.wait_for_url("**/login.html")

    @property
    def user_id(self) -> str:
        return self.me_entry().get_attribute("data-user-id") or ""

    # ---- what is on screen -----------------------------------------------------------------------

    def me_entry(self) -> Locator:
        return self.page.locator("button.userItem.userSelf")

    def user_entry(self, name: str) -> Locator:
        """Someone in Online Users (a contact, or a recent visitor)."""
        people = self.page.get_by_role("list", name="Online users")
        return people.get_by_role("button", name=f"Chat privately with {name}")

    def chat_link(self, name: str) -> Locator:
        """A group chat in the sidebar's Group Chats: one this user is in (or joining)."""
        return self.page.get_by_role("list", name="Group chats").locator(".chatLink").filter(has=self._named(name))

    def search(self, text: str) -> None:
        """Type into the sidebar's search box (the server is asked once typing pauses)."""
        self.page.get_by_label("Search people and chats").fill(text)

    def found_person(self, name: str) -> Locator:
        """Someone the search found (search for them first)."""
        found = self.page.get_by_role("list", name="People found")
        return found.get_by_role("button", name=f"Chat privately with {name}")

    def found_chat(self, name: str) -> Locator:
        """A group chat the search found (search for it first)."""
        return self.page.get_by_role("list", name="Chats found").locator(".chatLink").filter(has=self._named(name))

    def chat_with(self, name: str) -> None:
        """Open a private chat with anyone, found by name in the search (which then clears)."""
        self.search(name)
        self.found_person(name).click()
        expect(self.page.get_by_label("Search people and chats")).to_have_value("")

    def chat_entry(self, name: str) -> Locator:
        """A chat this user is in, in the sidebar: a group chat by its name, a private chat by the other person's."""
        return self.page.locator(".chatItem.isJoined .chatLink").filter(has=self._named(name))

    def unread(self, name: str) -> Locator:
        """The unread badge of a chat in the sidebar; its `data-unread` is the count."""
        return self.chat_entry(name).locator(".unread")

    def delete_button(self, chat_name: str) -> Locator:
        return self.page.get_by_role("button", name=f"Delete chat {chat_name}", exact=True)

    def panel(self, chat_name: str) -> Locator:
        """The open chat (only one is shown at a time)."""
        return self.page.get_by_role("region", name=f"Chat: {chat_name}", exact=True)

    def composer(self, chat_name: str) -> Locator:
        return self.panel(chat_name).get_by_label(f"Message to {chat_name}")

    def messages(self, chat_name: str) -> Locator:
        return self.panel(chat_name).locator(".msgText")

    def toast(self, text: str) -> Locator:
        return self.page.locator(".chatrToast").filter(has_text=text)

    def dismiss_toast(self, text: str) -> None:
        """Close a toast with its Dismiss button, as someone does when it covers what they want to tap."""
        self.toast(text).get_by_role("button", name="Dismiss").click()
        expect(self.toast(text)).to_have_count(0)

    def message_row(self, chat_name: str, text: str) -> Locator:
        """The row of the (last) message in the open chat whose text contains `text`."""
        return self.panel(chat_name).locator(".msgRow", has=self.page.locator(".msgText", has_text=text)).last

    def chips(self, chat_name: str, text: str) -> Locator:
        """A message's reaction chips (their `aria-pressed` says whether this user is among them)."""
        return self.message_row(chat_name, text).locator(".reactionChip")

    def typing_line(self, chat_name: str) -> Locator:
        return self.panel(chat_name).locator(".typingLine")

    def seen_by(self, chat_name: str) -> Locator:
        return self.panel(chat_name).locator(".seenBy")

    def _named(self, name: str) -> Locator:
        return self.page.locator(".chatName").get_by_text(name, exact=True)

    # ---- doing things ----------------------------------------------------------------------------

    def create_chat(self, name: str) -> None:
        """New Chat → name → Enter; the chat opens."""
        self.page.get_by_role("button", name="New Chat").click()
        self.page.get_by_label("Chat name").fill(name)
        self.page.get_by_label("Chat name").press("Enter")
        self.wait_joined(name)

    def join_chat(self, name: str) -> None:
        """Find a group chat by name in the search and join it (the search then clears)."""
        self.search(name)
        self.found_chat(name).click()
        self.wait_joined(name)

    def open_chat(self, name: str) -> None:
        """Switch to a chat this user is in, from the sidebar."""
        self.chat_entry(name).click()
        expect(self.chat_entry(name)).to_have_attribute("aria-current", "true")

    def wait_joined(self, chat_name: str) -> None:
        """The chat is open and our own "has joined" notice arrived: the server added us, so we may publish."""
        expect(self.chat_entry(chat_name)).to_have_attribute("aria-current", "true")
        notice = self.panel(chat_name).locator(".chatNotice", has_text=f"{self.name} has joined the chat")
        expect(notice).to_be_visible()

    def send(self, chat_name: str, text: str) -> None:
        """Type into the open chat's box and press Enter; wait until the message is back from the service."""
        box = self.composer(chat_name)
        box.fill(text)
        box.press("Enter")
        expect(self.messages(chat_name).filter(has_text=text.strip()).last).to_be_visible()

    def open_message_menu(self, chat_name: str, text: str) -> Locator:
        """Open a message's menu with the pointer; returns the menu."""
        self.message_row(chat_name, text).get_by_role("button", name=re.compile("^Actions for the message")).click()
        menu = self.page.get_by_role("menu", name=re.compile("^Actions for the message"))
        expect(menu).to_be_visible()
        return menu

    def react(self, chat_name: str, text: str, reaction: str) -> None:
        """Toggle a reaction (by its name: "thumbs up", "heart", ...) from the message's menu."""
        self.open_message_menu(chat_name, text).get_by_role("menuitemcheckbox", name=f"React with {reaction}").click()

    def edit_message(self, chat_name: str, text: str, new_text: str) -> None:
        """Edit one of this user's messages (found by part of its text) from its menu, in the composer; Enter saves."""
        self.open_message_menu(chat_name, text).get_by_role("menuitem", name="Edit message").click()
        box = self.composer(chat_name)
        expect(box).to_have_value(re.compile(re.escape(text)))
        box.fill(new_text)
        box.press("Enter")

    def delete_message(self, chat_name: str, text: str) -> None:
        """Delete one of this user's messages from its menu, confirming in the dialog that asks first."""
        self.open_message_menu(chat_name, text).get_by_role("menuitem", name="Delete message").click()
        dialog = self.page.get_by_role("dialog", name="Delete this message?")
        dialog.get_by_role("button", name="Delete message").click()

    def mute(self, chat_name: str) -> None:
        """Mute the open chat through its options menu; its header then says so."""
        self.panel(chat_name).get_by_role("button", name=f"Options for {chat_name}").click()
        self.page.get_by_role("menuitem", name="Mute chat").click()
        expect(self.panel(chat_name).locator(".conversationMeta")).to_contain_text("muted")

    def leave(self, chat_name: str) -> None:
        """Leave the open chat through its options menu."""
        self.panel(chat_name).get_by_role("button", name=f"Options for {chat_name}").click()
        self.page.get_by_role("menuitem", name="Leave chat").click()

    def delete_chat(self, chat_name: str) -> None:
        """The owner's delete button, then Delete in the dialog that asks first."""
        self.delete_button(chat_name).click()
        self.page.get_by_role("dialog", name=f"Delete “{chat_name}”?").get_by_role("button", name="Delete chat").click()


def wait_in_page(page: Page, check: Callable[[], object], timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until `check()` (state that Playwright callbacks update) is true, letting those callbacks run."""
    waited = 0.0
    while not check():
        if waited > timeout_ms:
            raise AssertionError(f"condition not met within {timeout_ms / 1000:g} s")
        page.wait_for_timeout(50)  # the sync API runs route and event callbacks only inside its own calls
        waited += 50


def in_a_chat(new_user: Callable[..., ChatUser], *names: str) -> tuple[list[ChatUser], str]:
    """New guests, one per name, in a new group chat the first creates and the others join (all open on it)."""
    people = [new_user().login_guest(unique(name)) for name in names]
    room = unique("Room")
    people[0].create_chat(room)
    for person in people[1:]:
        person.join_chat(room)
    return people, room


def chat_between(first: ChatUser, second: ChatUser) -> str:
    """A new chat that `first` creates and `second` joins, open on both sides; returns its name."""
    room = unique("Room")
    first.create_chat(room)
    second.join_chat(room)
    return room


# Notifications are shown by the browser, outside the page: record each one the page creates.
RECORD_NOTIFICATIONS = """
window.__notes = [];
window.Notification = class extends window.Notification {
  constructor(title, options) {
    super(title, options);
    window.__notes.push({ title, body: options?.body, tag: options?.tag, note: this });
  }
};
"""


def set_visibility(page: Page, state: str) -> None:
    """What switching to another tab or window does to the page (headless Chromium never hides one)."""
    page.evaluate(
        """(state) => {
          Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
          Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def notified_reader(new_user: Callable[..., ChatUser], name: str = "Reader") -> ChatUser:
    """A user whose browser allows notifications, each of which is recorded in the page."""
    reader = new_user()
    reader.context.grant_permissions(["notifications"])
    reader.context.add_init_script(RECORD_NOTIFICATIONS)
    return reader.login_guest(unique(name))


def notes(user: ChatUser) -> list[dict]:
    """The notifications the page has raised: title, body and tag of each."""
    return user.page.evaluate("window.__notes.map(({ title, body, tag }) => ({ title, body, tag }))")
