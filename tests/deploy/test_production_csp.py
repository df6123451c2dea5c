"""The app in Chromium under the CSP `make deploy-client` uploads: it works, and nothing trips the policy.

The site runs with the staticwebapp.config.json that deploy/site_config.py writes for a deployment,
its `connect-src` narrowed to the site and one Web PubSub: here the stack's emulator, where Azure has
`wss://<name>.webpubsub.azure.com`. Two guests chat; no Content-Security-Policy violation is
reported, and a WebSocket to any other address is refused by the browser.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from deploy.site_config import production_config
from local.browser import LAUNCH_ARGS, chromium_path
from local.stack import HOST, swa_cli_part
from tests.client.users import ChatUser, unique
from tests.reliability.parts import Parts

pytestmark = pytest.mark.timeout(300)

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def _socket_origin(parts: Parts) -> str:
    return f"ws://{HOST}:{parts.ports.pubsub}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    """`make run`'s stack whose site serves the production config, written as make deploy-client writes it."""
    workdir = tmp_path_factory.mktemp("production-csp")
    parts = Parts.plan(workdir, swa=True)
    repository = json.loads((Path(__file__).resolve().parents[2] / "staticwebapp.config.json").read_text())
    config_dir = workdir / "site-config"
    config_dir.mkdir()
    config = production_config(repository, _socket_origin(parts), "dedicated")
    (config_dir / "staticwebapp.config.json").write_text(json.dumps(config))
    swa = parts.processes["swa"]
    swa.part = swa_cli_part(swa.part.port, parts.functions_url, str(config_dir))
    parts.start()
    yield parts
    parts.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def person(browser: Browser, site: Parts) -> Iterator[Callable[[], ChatUser]]:
    made: list[ChatUser] = []

    def make() -> ChatUser:
        context = browser.new_context(base_url=site.swa_url, viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH)
        made.append(ChatUser(context, site))
        return made[-1]

    yield make
    for user in made:
        user.context.close()


def test_the_app_works_under_the_production_csp_and_nothing_trips_it(person, site: Parts) -> None:
    ada = person().login_guest(unique("Ada"))
    bob = person().login_guest(unique("Bob"))
    served = ada.page.evaluate("async () => (await fetch('/index.html')).headers.get('content-security-policy')")
    connect = [d.strip() for d in served.split(";") if d.strip().startswith("connect-src")]
    assert connect == [f"connect-src 'self' {_socket_origin(site)}"]
    room = unique("Room")
    ada.create_chat(room)
    bob.join_chat(room)
    ada.send(room, "under the deployed policy")
    expect(bob.messages(room).filter(has_text="under the deployed policy")).to_be_visible()
    for user in (ada, bob):
        assert user.page.evaluate("window.__violations") == [], user.name
        assert [e for e in user.console_errors if "Content Security Policy" in e] == [], user.name


def test_a_websocket_to_any_other_address_is_refused_by_the_browser(person, site: Parts) -> None:
    ada = person().login_guest(unique("Ada"))
    elsewhere = f"ws://localhost:{site.ports.pubsub}/client/hubs/chat"  # the same emulator, another origin
    ada.page.evaluate(
        f"() => {{ try {{ new WebSocket({elsewhere!r}); }} catch (e) {{ window.__refused = String(e); }} }}"
    )
    ada.page.wait_for_function("() => window.__violations.length >= 1 || window.__refused !== undefined")
    violations = ada.page.evaluate("window.__violations")
    refused = ada.page.evaluate("window.__refused")
    # reported as a violation; a browser may also throw from the constructor (a valid URL throws for nothing else)
    assert refused is not None or any(v.startswith("connect-src") for v in violations), (violations, refused)
