"""When the service drops the socket, the client says so, reconnects by itself, and chatting goes on."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from azure.messaging.webpubsubservice import WebPubSubServiceClient
from playwright.sync_api import Request, Route, WebSocketRoute, expect

from tests.client.users import chat_between, unique, wait_in_page


def test_the_client_reconnects_after_the_server_drops_its_socket(new_user, stack) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    service = WebPubSubServiceClient.from_connection_string(stack.pubsub_connection_string, hub="chat")

    service.close_user_connections(ada.user_id, reason="test drop")

    expect(ada.page.locator(".reconnecting")).to_contain_text("Connection lost.")
    ada.composer(room).fill("typed while offline")
    ada.composer(room).press("Enter")  # sending is paused: the text stays in the box
    expect(ada.panel(room).get_by_role("button", name="Send")).to_be_disabled()
    expect(ada.panel(room).get_by_text("Sending is paused")).to_be_visible()
    expect(ada.composer(room)).to_have_value("typed while offline")
    expect(ada.page.locator(".reconnecting")).to_have_count(0, timeout=20_000)
    expect(ada.panel(room).get_by_role("button", name="Send")).to_be_enabled()
    ada.composer(room).fill("")
    expect(ada.me_entry()).to_have_text(ada.name)
    expect(bob.user_entry(ada.name)).to_be_visible()

    ada.send(room, "back again")
    expect(bob.messages(room).filter(has_text="back again")).to_be_visible()
    bob.send(room, "welcome back")
    expect(ada.messages(room).filter(has_text="welcome back")).to_be_visible()


def test_overlapping_list_refreshes_each_keep_the_events_that_arrived_while_they_loaded(new_user, stack) -> None:
    ada = new_user().login_guest(unique("Ada"))
    marker = unique("Marker")
    ada_id = ada.user_id
    held: list[tuple[Route, dict[str, Any]]] = []

    def hold_the_first(route: Route) -> None:
        """The first list refresh answers late, with what the server said when it was asked."""
        if held:
            route.continue_()
            return
        body = route.fetch().json()
        chat_id = marker.replace(" ", "")
        me = {"userId": ada_id, "userName": ada.name, "userProvider": "guest"}
        body["chats"][chat_id] = {"id": chat_id, "name": marker, "members": {ada_id: me}, "owner": None}
        held.append((route, body))

    ada.page.route("**/api/chats?mine=1", hold_the_first)
    service = WebPubSubServiceClient.from_connection_string(stack.pubsub_connection_string, hub="chat")
    service.close_user_connections(ada.user_id, reason="first drop")
    expect(ada.page.locator(".reconnecting")).to_have_count(0, timeout=20_000)
    bob = new_user().login_guest(unique("Bob"))
    bob.chat_with(ada.name)  # Ada is invited to a private chat while the first refresh is still loading
    expect(ada.chat_entry(bob.name)).to_be_visible()

    def a_list_refresh(request: Request) -> bool:
        """The list of the user's chats: not a chat's history (a reconnect reads it too), nor one chat (`?id=`)."""
        url = urlsplit(request.url)
        return url.path == "/api/chats" and "mine=1" in url.query

    with ada.page.expect_request_finished(a_list_refresh, timeout=30_000):
        service.close_user_connections(ada.user_id, reason="second drop")  # a second refresh starts, and ends first
    assert len(held) == 1

    route, body = held[0]
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    expect(ada.chat_link(marker)).to_be_visible()  # the late answer is in...
    expect(ada.chat_entry(bob.name)).to_be_visible()  # ...and what it missed is applied on top of it
    assert ada.console_errors == []


def test_after_a_reconnect_sending_waits_until_the_server_has_put_the_connection_back_in_its_chats(
    new_user, stack
) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user()
    held: list[str | bytes] = []
    holding = False
    servers: list[WebSocketRoute] = []

    def hold_announcements(ws: WebSocketRoute) -> None:
        """While `holding`, Bob's `userConnected` waits here: the server has not restored his groups yet."""
        server = ws.connect_to_server()
        server.on_message(ws.send)
        servers.append(server)

        def forward(frame: str | bytes) -> None:
            if holding and '"userConnected"' in str(frame):
                held.append(frame)
            else:
                server.send(frame)

        ws.on_message(forward)

    bob.page.route_web_socket("**/client/hubs/**", hold_announcements)
    bob.login_guest(unique("Bob"))
    room = chat_between(ada, bob)
    service = WebPubSubServiceClient.from_connection_string(stack.pubsub_connection_string, hub="chat")

    holding = True
    service.close_user_connections(bob.user_id, reason="test drop")
    expect(bob.page.locator(".reconnecting")).to_contain_text("Connection lost.")
    wait_in_page(bob.page, lambda: held, timeout_ms=20_000)

    # the socket is open again, but the server has not confirmed it: sending stays paused
    expect(bob.panel(room).get_by_text("Sending is paused")).to_be_visible()
    expect(bob.panel(room).get_by_role("button", name="Send")).to_be_disabled()

    holding = False
    servers[-1].send(held.pop())
    expect(bob.page.locator(".reconnecting")).to_have_count(0)
    ada.send(room, "heard after the reconnect")
    expect(bob.messages(room).filter(has_text="heard after the reconnect")).to_be_visible()


WATCH_FOR_RECONNECTING = """
window.__sawReconnecting = false;
new MutationObserver(() => {
  if (/Reconnecting|Connection lost/.test(document.body?.textContent ?? "")) window.__sawReconnecting = true;
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def test_opening_the_app_says_connecting_never_reconnecting(new_user) -> None:
    ada = new_user()
    ada.context.add_init_script(WATCH_FOR_RECONNECTING)

    ada.login_guest(unique("Ada"))
    ada.page.reload()
    ada.wait_ready()

    assert ada.page.evaluate("window.__sawReconnecting") is False


def test_the_reconnect_bar_says_what_happened_and_counts_down_to_the_next_try(new_user, stack) -> None:
    """Issue 22, bug 5: no "Attempt 2 (connection closed (code 1006))", a plain sentence and a live countdown."""
    ada = new_user().login_guest(unique("Ada"))
    ada.page.route("**/api/getToken", lambda route: route.fulfill(status=503, body="down for a moment"))
    service = WebPubSubServiceClient.from_connection_string(stack.pubsub_connection_string, hub="chat")

    service.close_user_connections(ada.user_id, reason="test drop")

    bar = ada.page.locator(".reconnecting")
    expect(bar).to_contain_text("Connection lost. Trying again in 3 s…", timeout=30_000)  # the third wait is about 4 s
    expect(bar).to_contain_text("Connection lost. Trying again in 2 s…", timeout=2_500)  # a second later
    for jargon in ("Attempt", "code", "(", "down for a moment"):
        expect(bar).not_to_contain_text(jargon)

    ada.page.unroute("**/api/getToken")
    expect(bar).to_have_count(0, timeout=40_000)
    assert [error for error in ada.console_errors if "503" not in error] == []
