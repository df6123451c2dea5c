"""`make verify-deploy`: does this Chatr work, and is it locked? Five checks, one line each.

  python deploy/verify.py --site URL --function-app URL --pubsub-endpoint URL
  python deploy/verify.py --local        (`make run`'s stack, on SWA_PORT, FUNCTIONS_PORT, PUBSUB_PORT)

1. the site serves its pages, and `/` sends a signed-out visitor to `/login.html`;
2. the API needs a sign-in through the site, even with a forged `x-ms-client-principal`;
3. the Function App's own address refuses a forged `x-ms-client-principal`;
4. the event handler answers Web PubSub's abuse-protection handshake through the site;
5. end to end: a guest gets a token through the site, connects, announces itself and hears its own
   `userOnline`, creates a chat, deletes it, and leaves; so events are authenticated and stored.

Exit code 0 when every check passes, 1 otherwise, with what to do on each failed line. The check
leaves no chat behind; its guest goes offline like any guest and `make cleanup` removes it later.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SUBPROTOCOL = "json.webpubsub.azure.v1"
PRINCIPAL_HEADER = "x-ms-client-principal"
README = "deploy/readme.md"


class Failed(Exception):
    """A check failed: the message says what was seen and what to do."""


@dataclass(frozen=True)
class Target:
    """Where the site, the Function App and Web PubSub answer."""

    site: str
    function_app: str
    pubsub_endpoint: str

    @property
    def pubsub_host(self) -> str:
        """What Web PubSub puts in WebHook-Request-Origin: its host name."""
        return urlsplit(self.pubsub_endpoint).hostname or self.pubsub_endpoint


@dataclass(frozen=True)
class Outcome:
    """One check's result line."""

    number: int
    name: str
    passed: bool
    detail: str


def forged_principal(user_id: str) -> str:
    """A signed-in user's principal, as Static Web Apps encodes it, made up by a caller."""
    body = {"identityProvider": "github", "userId": user_id, "userDetails": "Forged", "userRoles": ["authenticated"]}
    return base64.b64encode(json.dumps(body).encode()).decode()


async def _get(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, dict[str, str], str]:
    async with http.get(url, allow_redirects=False, **kwargs) as response:
        return response.status, dict(response.headers), await response.text(errors="replace")


def _error_of(body: str) -> str:
    """The `error` of a Chatr error answer, or the start of whatever else came back."""
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return " ".join(body.split())[:120] or "(empty body)"


# ---- 1. pages ---------------------------------------------------------------------------------------


async def site_pages(http: aiohttp.ClientSession, target: Target, _: float) -> str:
    """login.html and index.html are served; `/` redirects a signed-out visitor to /login.html."""
    for page in ("login.html", "index.html"):
        status, _headers, body = await _get(http, f"{target.site}/{page}")
        if status != 200 or "<html" not in body.lower():
            raise Failed(f"/{page} answered {status}, not the page: upload the client with `make deploy-client`")
    status, headers, _ = await _get(http, f"{target.site}/")
    location = headers.get("Location", "")
    if status not in (301, 302, 307, 308) or not location.split("?")[0].endswith("/login.html"):
        raise Failed(
            f"/ answered {status} (Location {location or 'none'}) instead of sending a signed-out visitor to "
            "/login.html: the site runs without staticwebapp.config.json's routes; `make deploy-client` uploads it"
        )
    return "/login.html and /index.html served; / sends a signed-out visitor to /login.html"


# ---- 2. sign-in -------------------------------------------------------------------------------------


def _unreachable(what: str, status: int, body: str) -> Failed:
    if status == 500:
        return Failed(f"{what} answered 500: {_error_of(body)}; set it with `make deploy-infra`")
    return Failed(
        f"{what} answered {status} ({_error_of(body)}): the site does not reach the Function App; check that "
        "`make deploy-infra` linked it and `make deploy-api` deployed the code"
    )


async def api_needs_sign_in(http: aiohttp.ClientSession, target: Target, _: float) -> str:
    """GET /api/users through the site is 401 without a sign-in, and with a principal header of one's own."""
    status, _headers, body = await _get(http, f"{target.site}/api/users")
    if status != 401:
        if status == 200:
            raise Failed("/api/users answered 200 without a sign-in: anyone can list the users; see " + README)
        raise _unreachable("/api/users", status, body)
    forged = {PRINCIPAL_HEADER: forged_principal(f"verify-{uuid.uuid4().hex[:12]}")}
    status, _headers, body = await _get(http, f"{target.site}/api/users", headers=forged)
    if status != 401:
        raise Failed(
            f"/api/users with a forged {PRINCIPAL_HEADER} answered {status}: the site passed a caller's own "
            f"principal through to the Function App, so anyone can be anyone; see {README}"
        )
    return "/api/users is 401 without a sign-in, and with a forged principal header"


# ---- 3. the Function App's own address ----------------------------------------------------------------


async def function_app_locked(http: aiohttp.ClientSession, target: Target, _: float) -> str:
    """A forged principal sent straight to the Function App gets no token in that name."""
    user_id = f"verify-{uuid.uuid4().hex[:12]}"
    url = f"{target.function_app}/api/getToken"
    try:
        status, _headers, body = await _get(http, url, headers={PRINCIPAL_HEADER: forged_principal(user_id)})
    except (aiohttp.ClientError, TimeoutError) as err:
        return f"the Function App's own address does not answer at all ({type(err).__name__})"
    if status == 200:
        named = user_id in body
        raise Failed(
            f"{url} gave a token {'in the name of' if named else 'to'} a caller with a forged {PRINCIPAL_HEADER}: "
            f"anyone can be anyone. The Function App is not locked to the site: link it again with "
            f"`make deploy-infra`, then see {README}"
        )
    return f"a forged principal sent straight to the Function App is refused ({status})"


# ---- 4. the webhook handshake -------------------------------------------------------------------------


async def webhook_handshake(http: aiohttp.ClientSession, target: Target, _: float) -> str:
    """OPTIONS /api/eventHandler through the site, as Web PubSub validates its event handler."""
    origin = target.pubsub_host
    headers = {"WebHook-Request-Origin": origin, "ce-awpsversion": "1.0"}
    async with http.options(f"{target.site}/api/eventHandler", headers=headers, allow_redirects=False) as response:
        status, allowed, body = response.status, response.headers.get("WebHook-Allowed-Origin"), await response.text()
    if status == 200 and allowed in (origin, "*"):
        return f"the event handler allows {origin} through the site"
    if status == 403:
        raise Failed(
            f"the event handler refuses {origin}: the Function App serves another Web PubSub; its PUBSUB_ENDPOINT "
            "must be this one (`make deploy-infra` sets it)"
        )
    if status == 200:
        raise Failed(f"the handshake answered 200 without allowing {origin} (WebHook-Allowed-Origin: {allowed})")
    raise _unreachable("OPTIONS /api/eventHandler", status, body)


# ---- 5. end to end ------------------------------------------------------------------------------------


class Listener:
    """The guest's WebSocket, and every frame it has received."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.frames: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                async with self._arrived:
                    self.frames.append(json.loads(message.data))
                    self._arrived.notify_all()
        async with self._arrived:
            self._arrived.notify_all()

    async def event(self, name: str, data: Any) -> None:
        kind = "json" if isinstance(data, dict) else "text"
        await self.socket.send_str(json.dumps({"type": "event", "event": name, "dataType": kind, "data": data}))

    async def expect(self, wanted: Callable[[dict[str, Any]], bool], timeout: float, missing: str) -> dict[str, Any]:
        """The first frame `wanted` accepts; an `error` from the server, a close or the timeout fail the check."""
        deadline = time.monotonic() + timeout
        async with self._arrived:
            while True:
                for frame in self.frames:
                    if _chat_event(frame) == "error":
                        raise Failed(f"the server answered an event with an error: {frame['data']['data']}")
                    if wanted(frame):
                        return frame
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._reader.done():
                    raise Failed(missing)
                try:
                    await asyncio.wait_for(self._arrived.wait(), remaining)
                except TimeoutError:
                    continue

    async def close(self) -> None:
        await self.socket.close()
        await asyncio.gather(self._reader, return_exceptions=True)


def _chat_event(frame: dict[str, Any]) -> str | None:
    data = frame.get("data")
    return data.get("chatEvent") if frame.get("from") == "server" and isinstance(data, dict) else None


def _payload(frame: dict[str, Any]) -> Any:
    """A server event's data; some are JSON strings inside the JSON message (docs/wire-contract.md)."""
    data = frame["data"].get("data")
    if isinstance(data, str):
        try:
            return json.loads(data)
        except ValueError:
            return data
    return data


def _field(frame: dict[str, Any], name: str) -> Any:
    payload = _payload(frame)
    return payload.get(name) if isinstance(payload, dict) else None


def _is_connected(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "system" and frame.get("event") == "connected"


EVENTS_REFUSED = (
    "Web PubSub's events do not reach the app or are refused. In the Function App's log stream, "
    "`Refused an event` says why: `make deploy-infra` gives it the current access keys; `make deploy-api` "
    f"deploys the code. See {README}"
)


async def end_to_end(http: aiohttp.ClientSession, target: Target, timeout: float) -> str:
    """A guest through the site: token, socket, userConnected -> userOnline, createChat, deleteChat, close."""
    status, _headers, body = await _get(http, f"{target.site}/api/getToken", params={"guestName": "Deployment check"})
    if status != 200:
        raise _unreachable("/api/getToken?guestName=...", status, body)
    token = json.loads(body)
    user_id = token["user"]["userId"]
    try:
        socket = await asyncio.wait_for(http.ws_connect(token["url"], protocols=(SUBPROTOCOL,)), timeout)
    except aiohttp.WSServerHandshakeError as err:
        # Web PubSub asks the app (`connect`) before it accepts a socket: a 5xx is that question unanswered.
        hint = f": {EVENTS_REFUSED}" if err.status >= 500 else ""
        raise Failed(f"the WebSocket to Web PubSub did not open (handshake status {err.status}){hint}") from err
    except (aiohttp.ClientError, TimeoutError) as err:
        raise Failed(f"the WebSocket to Web PubSub did not open ({type(err).__name__}: {err})") from err
    listener = Listener(socket)
    chat_id = str(uuid.uuid4())
    created = False
    try:
        await listener.expect(_is_connected, timeout, f"Web PubSub did not confirm the connection within {timeout:g} s")
        await listener.event("userConnected", {"userName": "Deployment check", "userProvider": "guest"})
        await listener.expect(
            lambda f: _chat_event(f) == "userOnline" and _field(f, "userId") == user_id,
            timeout,
            f"no userOnline for this guest within {timeout:g} s: {EVENTS_REFUSED}",
        )
        await listener.event("createChat", {"name": "Deployment check", "id": chat_id})
        await listener.expect(
            lambda f: _chat_event(f) == "chatCreated" and _field(f, "id") == chat_id,
            timeout,
            f"no chatCreated within {timeout:g} s: {EVENTS_REFUSED}",
        )
        created = True
        await listener.event("deleteChat", chat_id)
        await listener.expect(
            lambda f: _chat_event(f) == "chatDeleted" and _payload(f) == chat_id,
            timeout,
            f"no chatDeleted within {timeout:g} s: the chat {chat_id} may be left behind; {EVENTS_REFUSED}",
        )
        created = False
    finally:
        if created and not listener.socket.closed:
            await listener.event("deleteChat", chat_id)  # best effort: leave nothing behind
        await listener.close()
    return "a guest connected, was announced online, created and deleted a chat, and left"


CHECKS: list[tuple[str, Callable[[aiohttp.ClientSession, Target, float], Awaitable[str]]]] = [
    ("site pages", site_pages),
    ("sign-in required", api_needs_sign_in),
    ("Function App locked", function_app_locked),
    ("webhook handshake", webhook_handshake),
    ("end to end", end_to_end),
]


async def run_checks(target: Target, timeout: float) -> list[Outcome]:
    """Every check in order, each on its own: one failing does not stop the others."""
    outcomes = []
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        for number, (name, check) in enumerate(CHECKS, 1):
            try:
                outcomes.append(Outcome(number, name, True, await check(http, target, timeout)))
            except Failed as err:
                outcomes.append(Outcome(number, name, False, str(err)))
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as err:
                why = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
                outcomes.append(Outcome(number, name, False, f"no usable answer ({why})"))
    return outcomes


def report(target: Target, outcomes: list[Outcome]) -> str:
    """One line per check, then the summary."""
    lines = [f"Verifying {target.site} (Function App {target.function_app}, Web PubSub {target.pubsub_endpoint})"]
    width = max(len(o.name) for o in outcomes)
    for o in outcomes:
        lines.append(f"  {'ok  ' if o.passed else 'FAIL'}  {o.number}. {o.name.ljust(width)}  {o.detail}")
    failed = [o for o in outcomes if not o.passed]
    if failed:
        numbers = ", ".join(str(o.number) for o in failed)
        lines.append(f"{len(outcomes) - len(failed)} of {len(outcomes)} checks passed; fix {numbers} as said above.")
    else:
        lines.append(f"All {len(outcomes)} checks passed: Chatr works and only the site can act for its users.")
    return "\n".join(lines)


def local_target() -> Target:
    """`make run`'s stack, on the ports it uses (SWA_PORT, FUNCTIONS_PORT, PUBSUB_PORT)."""
    sys.path.insert(0, str(ROOT))
    from local.stack import Ports

    ports = Ports.from_env()
    return Target(
        f"http://127.0.0.1:{ports.swa}", f"http://127.0.0.1:{ports.functions}", f"http://127.0.0.1:{ports.pubsub}"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point used by `make verify-deploy`."""
    parser = argparse.ArgumentParser(
        prog="python deploy/verify.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", help="the site, https://<name>.azurestaticapps.net")
    parser.add_argument("--function-app", help="the Function App's own address, https://<name>.azurewebsites.net")
    parser.add_argument("--pubsub-endpoint", help="Web PubSub, https://<name>.webpubsub.azure.com")
    parser.add_argument("--local", action="store_true", help="check `make run`'s stack instead")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer (default 60)")
    args = parser.parse_args(argv)
    if args.local:
        target = local_target()
    elif args.site and args.function_app and args.pubsub_endpoint:
        target = Target(*(u.rstrip("/") for u in (args.site, args.function_app, args.pubsub_endpoint)))
    else:
        parser.error("give --site, --function-app and --pubsub-endpoint, or --local")
    outcomes = asyncio.run(run_checks(target, args.timeout))
    print(report(target, outcomes), flush=True)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
