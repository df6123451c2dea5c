"""Limits the server enforces, as the user meets them: the most connections open at once, and events
sent too often. Each says why in words, says when waiting helps, and loses nothing the user wrote."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Request, expect

from tests.chat_client import ChatClient
from tests.client.sockets import RawSocket, ScriptedClients
from tests.client.users import ChatUser, unique, wait_in_page

MOST_CONNECTIONS = 10


def open_connections(scripted: ScriptedClients, user: ChatUser, count: int) -> list[ChatClient]:
    """`count` more connections of this guest, opened with their own credential by scripted clients."""
    credential = user.page.evaluate("localStorage.getItem('chatrGuest')")
    clients = [scripted.client(user.name, guest=credential, user_id=user.user_id) for _ in range(count)]
    for client in clients:
        scripted.run(client.connect(announce=False))
    return clients


def test_a_tab_past_the_most_connections_says_so_waits_and_connects_on_retry_once_one_closed(
    new_user, scripted: ScriptedClients
) -> None:
    ada = new_user().login_guest(unique("Ada"))
    others = open_connections(scripted, ada, MOST_CONNECTIONS - 1)  # with Ada's tab: the most she may have
    tab = ChatUser(ada.context, ada.stack)
    tab.name = ada.name
    asked: list[Request] = []
    tab.page.on("request", lambda request: asked.append(request) if "/api/getToken" in request.url else None)

    tab.page.goto("/")

    expect(tab.page.get_by_text("You have the most Chatr tabs or windows open at once")).to_be_visible()
    retry = tab.page.get_by_role("button", name="Retry now")
    expect(retry).to_be_visible()
    waiting = tab.page.get_by_text(re.compile(r"Trying again in \d+ s"))
    seconds = int(re.findall(r"Trying again in (\d+) s", waiting.inner_text())[0])
    assert seconds >= 60, f"a refused connection is tried again only rarely, not in {seconds} s"
    assert len(asked) == 1

    scripted.close(others[0])
    credential = {"X-Chatr-Guest": ada.page.evaluate("localStorage.getItem('chatrGuest')")}
    wait_in_page(
        tab.page, lambda: ada.context.request.get("/api/getToken", headers=credential).ok
    )  # the service let it go
    retry.focus()
    tab.page.keyboard.press("Enter")
    tab.wait_ready()


def test_chats_created_too_often_are_refused_with_when_to_try_again_and_the_name_is_kept(new_user) -> None:
    ada = new_user()
    raw = RawSocket(ada)
    ada.login_guest(unique("Ada"))
    for _ in range(10):  # as many chats as may be created at once, from Ada's own connection
        raw.send_event("createChat", {"name": unique("Burst"), "id": str(uuid.uuid4())})
    name = unique("One too many")

    ada.page.get_by_role("button", name="New Chat").click()
    ada.page.get_by_label("Chat name").fill(name)
    ada.page.get_by_label("Chat name").press("Enter")

    refusal = ada.toast(f"Chat “{name}” not created")
    expect(refusal).to_be_visible()
    expect(refusal).to_have_text(re.compile(r"too often.*: try again in \d+ s"))
    expect(ada.chat_link(name)).to_have_count(0)
    ada.page.get_by_role("button", name="New Chat").click()
    expect(ada.page.get_by_label("Chat name")).to_have_value(name)  # nothing the user typed is lost
