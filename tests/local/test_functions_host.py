"""The Functions host adapter serves a function app the way the Functions host does."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from local.functions_host.loader import route_prefix
from local.functions_host.routes import RouteTemplate
from local.stack import Part, free_port
from tests.support import PartProcess

SAMPLE = Path(__file__).parent / "sample_app" / "function_app.py"


def sample_part(port: int) -> Part:
    """The adapter serving the sample app (its own host.json prefix `v1`)."""
    argv = (sys.executable, "-m", "local.functions_host", "--script", str(SAMPLE), "--port", str(port))
    return Part("functions", argv, port, ready_url=f"http://127.0.0.1:{port}/admin/host/status")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample app served on a free port."""
    part = sample_part(free_port())
    process = PartProcess(part, tmp_path_factory.mktemp("host") / "functions.log", os.environ).start(timeout=30)
    try:
        yield f"http://127.0.0.1:{part.port}"
    finally:
        process.stop()


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
