"""The Functions host adapter serves a function app the way the Functions host does."""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from local.functions_host.loader import route_prefix
from local.functions_host.routes import RouteTemplate
from local.functions_host.server import BODY_LIMIT_SETTING, body_limit
from local.stack import Part, free_port
from tests.support import PartProcess

SAMPLE = Path(__file__).parent / "sample_app" / "function_app.py"


SMALL_LIMIT = 4096


def sample_part(port: int, env: dict[str, str] | None = None) -> Part:
    """The adapter serving the sample app (its own host.json prefix `v1`)."""
    argv = (sys.executable, "-m", "local.functions_host", "--script", str(SAMPLE), "--port", str(port))
    return Part("functions", argv, port, ready_url=f"http://127.0.0.1:{port}/admin/host/status", env=env or {})


def _serve(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str] | None = None) -> Iterator[str]:
    part = sample_part(free_port(), env)
    process = PartProcess(part, tmp_path_factory.mktemp("host") / "functions.log", os.environ).start(timeout=30)
    try:
        yield f"http://127.0.0.1:{part.port}"
    finally:
        process.stop()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample app served on a free port."""
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="module")
def small_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample app with the host's body limit set low (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT)."""
    yield from _serve(tmp_path_factory, {BODY_LIMIT_SETTING: str(SMALL_LIMIT)})


def _declare(url: str, length: int, sent: bytes, chunked: bool = False) -> bytes:
    """POST declaring `length` bytes (or chunked) but sending only `sent`; the answer's head, read at once."""
    parts = urlsplit(url)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    body = f"{len(sent):x}\r\n".encode() + sent + b"\r\n" if chunked else sent
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: x\r\n{framing}\r\n\r\n".encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    return answer


async def request(method: str, url: str, **kwargs) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kwargs) as response:
        return response.status, dict(response.headers), await response.text()


async def test_serves_routes_under_the_host_json_prefix(host: str) -> None:
    assert (await request("GET", f"{host}/v1/sync"))[0] == 200
    assert (await request("GET", f"{host}/api/sync"))[0] == 404


async def test_passes_method_url_headers_query_route_params_and_body(host: str) -> None:
    status, headers, text = await request(
        "POST", f"{host}/v1/echo/42?q=hello", headers={"X-Sample": "abc"}, data=b"payload"
    )
    assert status == 201
    assert headers["x-echo"] == "yes"
    assert headers["Content-Type"].startswith("application/json")
    import json

    body = json.loads(text)
    assert body == {
        "method": "POST",
        "url": f"{host}/v1/echo/42?q=hello",
        "header": "abc",
        "params": {"q": "hello"},
        "route_params": {"id": "42"},
        "body": "payload",
    }


async def test_route_matching_ignores_case(host: str) -> None:
    assert (await request("GET", f"{host}/V1/SYNC"))[0] == 200


async def test_method_not_in_the_allowed_list_gets_405(host: str) -> None:
    assert (await request("GET", f"{host}/v1/echo/1"))[0] == 405


async def test_unknown_route_gets_404(host: str) -> None:
    assert (await request("GET", f"{host}/v1/nothing-here"))[0] == 404


async def test_sync_function_returns_mimetype_and_charset(host: str) -> None:
    status, headers, text = await request("GET", f"{host}/v1/sync")
    assert (status, text) == (200, "sync ok")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


async def test_literal_route_wins_over_parameter_and_constraint_is_applied(host: str) -> None:
    assert (await request("GET", f"{host}/v1/items/new"))[2] == "literal"
    assert (await request("GET", f"{host}/v1/items/7"))[2] == "item 7"
    assert (await request("GET", f"{host}/v1/items/seven"))[0] == 404


async def test_route_defaults_to_function_name(host: str) -> None:
    assert (await request("GET", f"{host}/v1/setting"))[0] == 200


async def test_local_settings_values_reach_the_environment(host: str) -> None:
    assert (await request("GET", f"{host}/v1/setting"))[2] == "from local.settings.json"


async def test_exception_gives_500_and_the_host_keeps_serving(host: str) -> None:
    assert (await request("GET", f"{host}/v1/boom"))[0] == 500
    assert (await request("GET", f"{host}/v1/sync"))[0] == 200


def test_a_body_declared_over_the_limit_is_refused_413_before_it_is_read(small_host: str) -> None:
    answer = _declare(f"{small_host}/v1/forwarded", 2 * 1024**3, b"x" * 100)
    assert answer.startswith(b"HTTP/1.1 413") and b"Traceback" not in answer


def test_a_chunked_body_that_grows_over_the_limit_is_refused_413(small_host: str) -> None:
    assert _declare(f"{small_host}/v1/forwarded", 0, b"x" * (SMALL_LIMIT + 1), chunked=True).startswith(b"HTTP/1.1 413")


async def test_a_body_within_the_limit_is_served(small_host: str) -> None:
    status, _, _ = await request("POST", f"{small_host}/v1/echo/1", data=b"x" * SMALL_LIMIT)
    assert status == 201


async def test_the_default_limit_is_the_hosts_100_megabytes(host: str) -> None:
    assert body_limit({}) == 100 * 1024 * 1024 == body_limit({BODY_LIMIT_SETTING: "not a number"})
    assert _declare(f"{host}/v1/forwarded", 100 * 1024 * 1024 + 1, b"x").startswith(b"HTTP/1.1 413")


async def test_the_callers_address_is_appended_to_x_forwarded_for_as_app_service_does(host: str) -> None:
    _, _, alone = await request("GET", f"{host}/v1/forwarded")
    _, _, behind = await request("GET", f"{host}/v1/forwarded", headers={"X-Forwarded-For": "203.0.113.9:5000"})
    assert alone.startswith("127.0.0.1:") and behind.startswith("203.0.113.9:5000, 127.0.0.1:")


async def test_admin_functions_lists_http_triggers_for_the_swa_cli(host: str) -> None:
    import json

    functions = json.loads((await request("GET", f"{host}/admin/functions"))[2])
    names = {f["name"] for f in functions}
    assert {"echo", "sync", "boom", "setting"} <= names
    assert all(f["config"]["bindings"][0]["type"] == "httpTrigger" for f in functions)


def test_route_prefix_defaults_to_api(tmp_path: Path) -> None:
    assert route_prefix(tmp_path) == "api"


def test_optional_and_catch_all_parameters() -> None:
    optional = RouteTemplate.compile("api", "files/{name?}")
    assert optional.match("/api/files") == {}
    assert optional.match("/api/files/a.txt") == {"name": "a.txt"}
    catch_all = RouteTemplate.compile("api", "static/{*path}")
    assert catch_all.match("/api/static/a/b/c") == {"path": "a/b/c"}


def test_awaits_the_apps_on_stop_when_it_stops(tmp_path: Path) -> None:
    part = replace(sample_part(free_port()), stop_signal=signal.SIGINT)  # Ctrl-C
    process = PartProcess(part, tmp_path / "functions.log", os.environ).start(timeout=30)
    process.stop(timeout=30)
    assert "sample app: on_stop awaited" in process.log()
