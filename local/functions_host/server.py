"""The HTTP server: match a request to a function, call it with a real HttpRequest, send its HttpResponse."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

import azure.functions as func
from aiohttp import web

from .app_service_auth import visible_headers
from .loader import HttpFunction, StopHook

log = logging.getLogger("functions_host")

BODY_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
DEFAULT_BODY_LIMIT = 100 * 1024 * 1024  # the Functions host's own default
FORWARDED_FOR = "X-Forwarded-For"


def body_limit(env: Mapping[str, str]) -> int:
    """The largest request body served, from the host's own setting (100 MB when unset or not a number)."""
    try:
        return max(0, int(env.get(BODY_LIMIT_SETTING, "")))
    except ValueError:
        return DEFAULT_BODY_LIMIT


class BodyTooLarge(Exception):
    """A request body over the limit: answered 413 without reading the rest."""


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to pass `limit`: from Content-Length before any of it is read."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    body = bytearray()
    while chunk := await request.content.read(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def _too_large(limit: int) -> web.Response:
    response = web.json_response({"error": f"The request body is too large (at most {limit} bytes)"}, status=413)
    response.force_close()  # the rest of the body is never read
    return response


def _with_client_address(request: web.Request, headers: dict[str, str]) -> dict[str, str]:
    """App Service's front end appends the address it saw (`ip:port`) to X-Forwarded-For; so does the adapter."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return headers
    host, port = peer[0], peer[1]
    seen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    key = next((k for k in headers if k.lower() == FORWARDED_FOR.lower()), FORWARDED_FOR)
    earlier = headers.get(key)
    return {**headers, key: f"{earlier}, {seen}" if earlier else seen}


class _Context(func.Context):
    """The invocation context handed to functions that ask for a `context` argument."""

    def __init__(self, function_name: str) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return ""

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None

    @property
    def thread_local_storage(self) -> Any:
        return None


def _to_http_request(
    request: web.Request, body: bytes, route_params: dict[str, str], site_token: str | None
) -> func.HttpRequest:
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=_with_client_address(request, visible_headers(request.headers, site_token)),
        params={k: request.query.getone(k) for k in request.query},
        route_params=route_params,
        body=body,
    )


def _to_web_response(result: Any) -> web.Response:
    if result is None:
        return web.Response(status=204)
    if isinstance(result, (str, bytes)):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"a function returned {type(result).__name__}, not an HttpResponse")
    headers = {k: v for k, v in result.headers.items() if k.lower() != "content-type"}
    content_type = result.headers.get("content-type")
    if content_type is None and result.mimetype:
        content_type = result.mimetype
        if result.charset and not content_type.startswith(("image/", "application/octet-stream")):
            content_type += f"; charset={result.charset}"
    response = web.Response(status=result.status_code, body=result.get_body() or None, headers=headers)
    if content_type:
        response.headers["Content-Type"] = content_type
    return response


async def _invoke(function: HttpFunction, req: func.HttpRequest) -> Any:
    kwargs: dict[str, Any] = {function.trigger_arg: req}
    if "context" in inspect.signature(function.handler).parameters:
        kwargs["context"] = _Context(function.name)
    if inspect.iscoroutinefunction(function.handler):
        return await function.handler(**kwargs)
    return await asyncio.to_thread(function.handler, **kwargs)


def _admin_functions(functions: list[HttpFunction]) -> list[dict[str, Any]]:
    return [{"name": f.name, "config": {"bindings": f.bindings}} for f in functions]


def build_app(
    functions: list[HttpFunction],
    on_stop: StopHook | None = None,
    site_token: str | None = None,
    max_body: int = DEFAULT_BODY_LIMIT,
) -> web.Application:
    """An aiohttp application serving `functions`; literal routes win over parameterised ones.

    `on_stop` is awaited when the server stops, on the loop the functions ran on (their clients are bound to it).
    `site_token` links the app to the stack's site, as App Service authentication does in Azure. A body
    over `max_body` bytes gets 413 (JSON, no stack trace) before it is read, or as soon as it passes the limit.
    """
    ordered = sorted(functions, key=lambda f: f.route.template.count("{"))

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/admin/host/status":
            return web.json_response({"state": "Running"})
        if path == "/admin/functions":
            return web.json_response(_admin_functions(functions))
        matched = [(f, params) for f in ordered if (params := f.route.match(path)) is not None]
        if not matched:
            return web.Response(status=404)
        allowed = [(f, p) for f, p in matched if f.methods is None or request.method in f.methods]
        if not allowed:
            return web.Response(status=405)
        function, route_params = allowed[0]
        started = time.perf_counter()
        try:
            body = await _read_body(request, max_body)
        except BodyTooLarge:
            log.warning("Refused '%s' %s %s: body over %d bytes (413)", function.name, request.method, path, max_body)
            return _too_large(max_body)
        try:
            req = _to_http_request(request, body, route_params, site_token)
            result = await _invoke(function, req)
            response = _to_web_response(result)
        except Exception:
            log.exception("Executed '%s' (Failed)", function.name)
            response = web.Response(status=500)
        elapsed = (time.perf_counter() - started) * 1000
        log.info("Executed '%s' %s %s -> %d (%.0f ms)", function.name, request.method, path, response.status, elapsed)
        return response

    app = web.Application(client_max_size=max_body)
    app.router.add_route("*", "/{tail:.*}", handle)
    if on_stop is not None:

        async def stop(_: web.Application) -> None:
            await on_stop()

        app.on_cleanup.append(stop)
    return app
