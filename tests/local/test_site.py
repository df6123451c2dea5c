"""The local site behaves like the deployed one where security depends on it.

The site's two parts, the SWA CLI and the edge in front of it (`python -m local.site`), run for real
here as the stack plans them, with a recording server standing in for the Function App, so each test
sees exactly what a function would receive; the last tests run the whole `make run` stack.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from local.functions_host.app_service_auth import visible_headers
from local.harness import swa_principal
from local.site import forwarded_headers
from local.stack import Part, free_port, offline, site_part, swa_cli_part
from tests.support import PartProcess, start_stack, wait_ready

SITE_TOKEN = "the-sites-own-token-for-its-function-app"


@dataclass
class FunctionApp:
    """Records the headers of every request the site forwards to it, and answers 200."""

    url: str = ""
    seen: list[dict[str, str]] = field(default_factory=list)

    def last(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.seen[-1].items()}


@pytest.fixture(scope="module")
def function_app() -> Iterator[FunctionApp]:
    recorder = FunctionApp()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            recorder.seen.append(dict(self.headers.items()))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = do_OPTIONS = _record

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _started(part: Part, folder: Path) -> PartProcess:
    return PartProcess(part, folder / f"{part.name}.log", offline(os.environ)).start()


@pytest.fixture(scope="module")
def site(function_app: FunctionApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site as the stack plans it: the SWA CLI on a private port, proxying /api to the recorder, behind the edge."""
    folder = tmp_path_factory.mktemp("site")
    swa_cli = _started(swa_cli_part(free_port(), function_app.url), folder)
    try:
        edge = _started(site_part(free_port(), swa_cli.part.port, SITE_TOKEN), folder)
        try:
            yield f"http://127.0.0.1:{edge.part.port}"
        finally:
            assert edge.stop() == 0, edge.log()
    finally:
        swa_cli.stop()


def _status(url: str, headers: dict[str, str] | None = None) -> int | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        with err:
            return err.code
    except OSError:
        return None


def test_a_callers_own_principal_headers_never_reach_the_function(site: str, function_app: FunctionApp) -> None:
    forged = {"X-MS-CLIENT-PRINCIPAL": swa_principal("forged", "Mallory"), "X-MS-CLIENT-PRINCIPAL-ID": "forged"}
    assert _status(f"{site}/api/getToken", forged) == 200
    assert not [name for name in function_app.last() if name.startswith("x-ms-client-principal")]


def test_the_function_gets_the_sites_authorization_not_the_callers(site: str, function_app: FunctionApp) -> None:
    assert _status(f"{site}/api/eventHandler", {"Authorization": "Bearer the-callers-own-token"}) == 200
    assert function_app.last()["authorization"] == f"Bearer {SITE_TOKEN}"


def test_the_function_sees_the_callers_real_address_not_one_the_caller_wrote(
    site: str, function_app: FunctionApp
) -> None:
    """Issue 24: a rotated X-Forwarded-For made a new guest per forged address; the platform's edge sets it."""
    for forged in ("203.0.113.9", "45.1.2.3, 198.51.100.7:443"):
        assert _status(f"{site}/api/getToken?guestName=Eve", {"X-Forwarded-For": forged}) == 200
        entries = [entry.strip() for entry in function_app.last()["x-forwarded-for"].split(",")]
        assert entries[0].startswith("127.0.0.1"), entries
        assert not any(entry in forged for entry in entries), entries


def test_a_signed_in_users_principal_still_comes_from_the_sites_sign_in(site: str, function_app: FunctionApp) -> None:
    cookie = {"Cookie": f"StaticWebAppsAuthCookie={swa_principal('ada-id', 'Ada')}"}
    assert _status(f"{site}/api/users", {**cookie, "X-MS-CLIENT-PRINCIPAL": swa_principal("forged", "Mallory")}) == 200
    seen = function_app.last()
    assert json.loads(base64.b64decode(seen["x-ms-client-principal"]))["userId"] == "ada-id"
    assert seen["authorization"] == f"Bearer {SITE_TOKEN}"


def test_pages_are_served_as_the_swa_cli_serves_them(site: str) -> None:
    assert _status(f"{site}/login.html") == 200
    request = urllib.request.Request(f"{site}/", method="GET")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    with redirect.value as answer:
        assert answer.code == 302
        assert answer.headers["Location"].endswith("/login.html")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def test_the_site_is_not_ready_while_the_swa_cli_behind_it_does_not_answer(tmp_path: Path) -> None:
    edge = site_part(free_port(), free_port(), SITE_TOKEN)  # nothing listens on the SWA CLI's port
    listening = _started(Part(edge.name, edge.argv, edge.port, env=edge.env), tmp_path)  # ready once it listens
    try:
        assert _status(f"http://127.0.0.1:{edge.port}/login.html") == 502
        assert not edge.answers()
    finally:
        assert listening.stop() == 0, listening.log()


# ---- the pieces, as pure logic ---------------------------------------------------------------------


def test_the_edge_keeps_other_headers_and_sets_authorization_only_on_api_calls() -> None:
    headers = {"Cookie": "a=b", "Authorization": "Bearer mine", "x-ms-client-principal-idp": "x", "Connection": "close"}
    page = forwarded_headers(headers, "/index.html", SITE_TOKEN, "127.0.0.1")
    assert dict(page) == {"Cookie": "a=b", "Authorization": "Bearer mine", "X-Forwarded-For": "127.0.0.1"}
    assert forwarded_headers(headers, "/API/users", SITE_TOKEN, None)["Authorization"] == f"Bearer {SITE_TOKEN}"


def test_the_edge_writes_x_forwarded_for_from_the_peer_whatever_the_caller_wrote() -> None:
    forged = {"X-Forwarded-For": "203.0.113.9", "x-forwarded-for": "45.1.2.3"}
    assert forwarded_headers(forged, "/api/getToken", SITE_TOKEN, "192.0.2.1").getall("X-Forwarded-For") == [
        "192.0.2.1"
    ]
    assert "X-Forwarded-For" not in forwarded_headers(forged, "/api/getToken", SITE_TOKEN, None)


def test_the_adapter_keeps_principal_headers_only_on_requests_the_site_forwarded() -> None:
    forged = {"x-ms-client-principal": swa_principal("forged", "Mallory"), "Accept": "*/*"}
    assert visible_headers(forged, SITE_TOKEN) == {"Accept": "*/*"}
    from_site = {**forged, "Authorization": f"Bearer {SITE_TOKEN}"}
    assert visible_headers(from_site, SITE_TOKEN) == from_site
    assert visible_headers(forged, None) == forged  # not linked to a site: a bare Functions host


# ---- the whole stack ----------------------------------------------------------------------------------


def _get_token(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"{}")


def test_in_make_runs_stack_a_forged_principal_is_no_identity_at_the_site_or_the_adapter() -> None:
    stack = wait_ready(start_stack())
    try:
        forged = {"x-ms-client-principal": swa_principal("mallory-as-ada", "Mallory")}
        assert _get_token(f"{stack.swa_url}/api/getToken", forged)[0] == 401
        assert _get_token(f"{stack.functions_url}/api/getToken", forged)[0] == 401
        cookie = {"Cookie": f"StaticWebAppsAuthCookie={swa_principal('ada-id', 'Ada')}"}
        status, body = _get_token(f"{stack.swa_url}/api/getToken", cookie)
        assert status == 200 and body["user"]["userId"] == "ada-id"
    finally:
        assert stack.stop() == 0, stack.output()
