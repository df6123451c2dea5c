"""The local site behaves like the deployed one where security depends on it.

`python -m local.site` (the SWA CLI behind a thin edge) runs for real here, with a recording server
standing in for the Function App, so each test sees exactly what a function would receive; the
last tests run the whole `make run` stack.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.functions_host.app_service_auth import visible_headers
from local.site import SITE_TOKEN_SETTING, forwarded_headers
from local.stack import ROOT, free_port
from tests.support import start_stack, wait_ready, wait_until

SITE_TOKEN = "the-sites-own-token-for-its-function-app"


def principal(user_id: str, name: str = "Mallory") -> str:
    body = {"identityProvider": "github", "userId": user_id, "userDetails": name, "userRoles": ["authenticated"]}
    return base64.b64encode(json.dumps(body).encode()).decode()


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


@pytest.fixture(scope="module")
def site(function_app: FunctionApp) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.site", "--port", str(port), "--api", function_app.url],
        cwd=ROOT,
        env={**os.environ, SITE_TOKEN_SETTING: SITE_TOKEN, "SWA_CLI_CAPTURE_TELEMETRY": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: process.poll() is not None or _status(f"{url}/login.html") == 200, timeout=120)
        assert process.poll() is None, "the local site exited while starting"
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the whole group, as `make run` stops it: the SWA CLI's children too
        process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _status(url: str, headers: dict[str, str] | None = None) -> int | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


def test_a_callers_own_principal_headers_never_reach_the_function(site: str, function_app: FunctionApp) -> None:
    forged = {"X-MS-CLIENT-PRINCIPAL": principal("forged"), "X-MS-CLIENT-PRINCIPAL-ID": "forged"}
    assert _status(f"{site}/api/getToken", forged) == 200
    assert not [name for name in function_app.last() if name.startswith("x-ms-client-principal")]


def test_the_function_gets_the_sites_authorization_not_the_callers(site: str, function_app: FunctionApp) -> None:
    assert _status(f"{site}/api/eventHandler", {"Authorization": "Bearer the-callers-own-token"}) == 200
    assert function_app.last()["authorization"] == f"Bearer {SITE_TOKEN}"


def test_a_signed_in_users_principal_still_comes_from_the_sites_sign_in(site: str, function_app: FunctionApp) -> None:
    cookie = {"Cookie": f"StaticWebAppsAuthCookie={principal('ada-id', 'Ada')}"}
    assert _status(f"{site}/api/users", {**cookie, "X-MS-CLIENT-PRINCIPAL": principal("forged")}) == 200
    seen = function_app.last()
    assert json.loads(base64.b64decode(seen["x-ms-client-principal"]))["userId"] == "ada-id"
    assert seen["authorization"] == f"Bearer {SITE_TOKEN}"


def test_pages_are_served_as_the_swa_cli_serves_them(site: str) -> None:
    assert _status(f"{site}/login.html") == 200
    request = urllib.request.Request(f"{site}/", method="GET")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].endswith("/login.html")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


# ---- the pieces, as pure logic ---------------------------------------------------------------------


def test_the_edge_keeps_other_headers_and_sets_authorization_only_on_api_calls() -> None:
    headers = {"Cookie": "a=b", "Authorization": "Bearer mine", "x-ms-client-principal-idp": "x", "Connection": "close"}
    page = forwarded_headers(headers, "/index.html", SITE_TOKEN)
    assert dict(page) == {"Cookie": "a=b", "Authorization": "Bearer mine"}
    assert forwarded_headers(headers, "/API/users", SITE_TOKEN)["Authorization"] == f"Bearer {SITE_TOKEN}"


def test_the_adapter_keeps_principal_headers_only_on_requests_the_site_forwarded() -> None:
    forged = {"x-ms-client-principal": principal("forged"), "Accept": "*/*"}
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
        return err.code, json.loads(err.read() or b"{}")


def test_in_make_runs_stack_a_forged_principal_is_no_identity_at_the_site_or_the_adapter() -> None:
    stack = wait_ready(start_stack())
    try:
        forged = {"x-ms-client-principal": principal("mallory-as-ada")}
        assert _get_token(f"{stack.swa_url}/api/getToken", forged)[0] == 401
        assert _get_token(f"{stack.functions_url}/api/getToken", forged)[0] == 401
        cookie = {"Cookie": f"StaticWebAppsAuthCookie={principal('ada-id', 'Ada')}"}
        status, body = _get_token(f"{stack.swa_url}/api/getToken", cookie)
        assert status == 200 and body["user"]["userId"] == "ada-id"
    finally:
        assert stack.stop() == 0, stack.output()
