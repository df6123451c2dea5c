"""User-typed text is only ever text: no HTML, no script, links only as safe http(s) anchors."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.client.users import unique

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_markup_in_a_message_and_a_chat_name_shows_as_text_and_runs_nothing(new_user) -> None:
    ada = new_user().login_guest(unique("Ada"))
    bob = new_user().login_guest(unique("Bob"))
    evil = f"{PAYLOAD} {unique('room')}"

    ada.create_chat(evil)
    expect(bob.chat_link(evil)).to_have_text(evil)
    bob.join_chat(evil)
    ada.send(evil, PAYLOAD)
    ada.send(evil, "see https://example.com/docs?a=1, or javascript:alert(1)")

    expect(bob.messages(evil).filter(has_text=PAYLOAD)).to_have_text(PAYLOAD)
    link = bob.messages(evil).locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.com/docs?a=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    for user in (ada, bob):
        expect(user.page.locator("main img")).to_have_count(0)
        assert user.dialogs == []
