"""`make verify-deploy`: does this Chatr work, and is it locked? Seven checks, one line each.

  python deploy/verify.py --site URL --function-app URL --pubsub-endpoint URL [--azure-facts FILE]
  python deploy/verify.py --local        (`make run`'s stack, on SWA_PORT, FUNCTIONS_PORT, PUBSUB_PORT)

1. the site serves its pages, and `/` sends a signed-out visitor to `/login.html`;
2. the API needs a sign-in through the site, even with a forged `x-ms-client-principal`;
3. the Function App's own address refuses a forged `x-ms-client-principal`;
4. the event handler answers Web PubSub's abuse-protection handshake through the site;
5. end to end: a guest gets a token through the site, connects, announces itself and hears its own
   `userOnline`, creates a chat, deletes it, and leaves; so events are authenticated and stored;
6. the app believes the site's principal (`/api/health`), and the Function App's App Service
   authentication (authsettingsV2, from --azure-facts) is on with the site as its provider;
7. Web PubSub keeps its access keys (events are signed with them), and a warning on the Free tier.

Checks 2, 4, 5 and 6 go through the site: while it answers 5xx or 404 (a deployment still settling:
role assignments take about 10 minutes to apply, a new link takes a while) they are tried again
for --retry-for seconds (600 against Azure, 0 locally), with a progress line before each pause.

Exit code 0 when every check passes, 1 otherwise, with what to do on each failed line. The check
leaves no chat behind; its guest goes offline like any guest and `make cleanup` removes it later.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
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
WATCH_GROUP_PREFIX = "chatr.watch."  # presence reaches a user through their watch group (api/pubsub.py)
PRINCIPAL_HEADER = "x-ms-client-principal"
README = "deploy/readme.md"


class Failed(Exception):
    """A check failed: the message says what was seen and what to do."""


class Unsettled(Failed):
    """A 5xx or 404 through the site: a deployment may still be settling, so the check is worth trying again."""


@dataclass(frozen=True)
class AzureFacts:
    """What `make verify-deploy` read from Azure's management API (deploy/verify.sh writes it as JSON)."""

    plan: str
    auth_settings: dict[str, Any] | None  # the Function App's authsettingsV2 properties; None: no Function App
    pubsub_sku: str
    pubsub_units: int
    pubsub_local_auth_disabled: bool

    @classmethod
    def read(cls, path: Path) -> AzureFacts:
        """The facts file; a missing field is a ValueError naming it."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        try:
            pubsub = raw["pubsub"]
            return cls(
                str(raw["plan"]),
                raw.get("authSettings"),
                str(pubsub["sku"]),
                int(pubsub.get("capacity") or 1),
                bool(pubsub.get("disableLocalAuth")),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"{path} lacks {err}: run `make verify-deploy`, which writes it") from err


@dataclass(frozen=True)
class Target:
    """Where the site, the Function App and Web PubSub answer, and what Azure says about them (None: locally)."""

    site: str
    function_app: str
    pubsub_endpoint: str
    azure: AzureFacts | None = None

    @property
    def pubsub_host(self) -> str:
        """What Web PubSub puts in WebHook-Request-Origin: its host name."""
        return urlsplit(self.pubsub_endpoint).hostname or self.pubsub_endpoint


@dataclass(frozen=True)
class Outcome:
    """One check's result line; a warning passes, but says what the deployment cannot carry."""

    number: int
    name: str
    passed: bool
    detail: str
    warning: bool = False


class Warned(Exception):
    """A check passed with a caveat the reader must see (the Free tier's capacity)."""


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
    status, headers, _body = await _get(http, f"{target.site}/")
    location = headers.get("Location", "")
    if status not in (301, 302, 307, 308) or not location.split("?")[0].endswith("/login.html"):
        raise Failed(
            f"/ answered {status} (Location {location or 'none'}) instead of sending a signed-out visitor to "
            "/login.html: the site runs without staticwebapp.config.json's routes; `make deploy-client` uploads it"
        )
    return "/login.html and /index.html served; / sends a signed-out visitor to /login.html"


# ---- 2. sign-in -------------------------------------------------------------------------------------


def _unreachable(what: str, status: int, body: str) -> Failed:
    """The failure for an unexpected answer through the site; 5xx and 404 may be a deployment still settling."""
    if status == 500:
        return Unsettled(f"{what} answered 500: {_error_of(body)}; set it with `make deploy-infra`")
    kind = Unsettled if status == 404 or status > 500 else Failed
    return kind(
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
    if not target.function_app:
        return "the API runs inside the site (hosting plan managed): it has no address of its own"
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
    """A server event: sent to this connection or its user, or to a watch group (presence), never by a client."""
    data = frame.get("data")
    from_server = frame.get("from") == "server" or (
        frame.get("from") == "group" and str(frame.get("group", "")).startswith(WATCH_GROUP_PREFIX)
    )
    return data.get("chatEvent") if from_server and frame.get("fromUserId") is None and isinstance(data, dict) else None


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
        kind, hint = (Unsettled, f": {EVENTS_REFUSED}") if err.status >= 500 else (Failed, "")
        raise kind(f"the WebSocket to Web PubSub did not open (handshake status {err.status}){hint}") from err
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


# ---- 6. the site's principal is believed ---------------------------------------------------------------

PRINCIPAL_IGNORED = (
    "so every GitHub and Microsoft user gets 401 while guests still work. Link the Function App to the site again "
    f"with `make deploy-infra`, which turns the link's App Service authentication on; see {README}"
)


def _authentication_off(settings: dict[str, Any]) -> str | None:
    """What is off in a Function App's authsettingsV2 properties for the site's principal to reach it; None: on."""
    if (settings.get("platform") or {}).get("enabled") is not True:
        return "App Service authentication is off on the Function App (authsettingsV2 platform.enabled is not true)"
    provider = (settings.get("identityProviders") or {}).get("azureStaticWebApps")
    if not isinstance(provider, dict) or provider.get("enabled") is False:
        return (
            "the Function App's App Service authentication has no enabled Static Web Apps provider "
            "(authsettingsV2 identityProviders.azureStaticWebApps): the link did not set it up"
        )
    return None


async def principal_trusted(http: aiohttp.ClientSession, target: Target, _: float) -> str:
    """GET /api/health through the site says the principal is believed; authsettingsV2 agrees, where read."""
    status, _headers, body = await _get(http, f"{target.site}/api/health")
    if status != 200:
        raise _unreachable("/api/health", status, body)
    if json.loads(body).get("principalTrusted") is not True:
        raise Failed(
            "/api/health says the app ignores the site's x-ms-client-principal (App Service authentication is not "
            f"enabled for it: WEBSITE_AUTH_ENABLED is not true), {PRINCIPAL_IGNORED}"
        )
    if target.azure is None:
        return "the app believes the site's principal (authentication settings not read: not Azure)"
    if target.azure.auth_settings is None:
        return f"the app believes the site's principal; the API runs inside the site (plan {target.azure.plan})"
    off = _authentication_off(target.azure.auth_settings)
    if off:
        raise Failed(f"{off}, {PRINCIPAL_IGNORED}")
    return "the app believes the site's principal, and its App Service authentication has the site as provider"


# ---- 7. Web PubSub's keys and capacity -------------------------------------------------------------------

LOCAL_AUTH_POLICY = "Web PubSub should disable local authentication"
FREE_TIER = "Free_F1"


def local_auth_refused(name: str) -> str:
    """What to do when Web PubSub's access keys are off: every event would be unsigned and refused."""
    return (
        f"Web PubSub {name} has local authentication disabled (disableLocalAuth is true), so it cannot sign events "
        "and the app refuses every one (401). An Azure Policy such as "
        f'"{LOCAL_AUTH_POLICY}" (deny or modify effect) usually does this: ask for an exemption for this '
        f"resource, then `make deploy-infra`; see {README}"
    )


async def pubsub_settings(_http: aiohttp.ClientSession, target: Target, _: float) -> str:
    """Web PubSub keeps its access keys; the Free tier passes with a warning of what it carries."""
    facts = target.azure
    if facts is None:
        return "not Azure: the local emulator has keys and no tier"
    if facts.pubsub_local_auth_disabled:
        raise Failed(local_auth_refused(target.pubsub_host))
    if facts.pubsub_sku == FREE_TIER:
        raise Warned(
            "Web PubSub is on the Free tier: 20 connections and 20,000 messages a day in all, and one person may "
            "hold 10 connections, so two people with a few tabs fill it. For more, `make deploy-infra "
            "AZURE_PUBSUB_SKU=Standard_S1` (1,000 connections a unit; see the README's deploy section)"
        )
    return f"access keys on; {facts.pubsub_sku} with {facts.pubsub_units} unit(s)"


Check = Callable[[aiohttp.ClientSession, Target, float], Awaitable[str]]
CHECKS: list[tuple[str, Check]] = [
    ("site pages", site_pages),
    ("sign-in required", api_needs_sign_in),
    ("Function App locked", function_app_locked),
    ("webhook handshake", webhook_handshake),
    ("end to end", end_to_end),
    ("site's principal trusted", principal_trusted),
    ("Web PubSub keys and tier", pubsub_settings),
]
# Through the site, and worth trying again while a new deployment settles (role assignments, the link).
RETRIED = frozenset({2, 4, 5, 6})
FIRST_PAUSE_SECONDS = 5.0
LONGEST_PAUSE_SECONDS = 60.0


def _minutes(seconds: float) -> str:
    return f"{int(seconds) // 60}m{int(seconds) % 60:02d}s"


async def _settled(
    number: int, name: str, run: Callable[[], Awaitable[str]], retry_for: float, say: Callable[[str], None]
) -> str:
    """The check's result; while it meets a 5xx or 404 it is tried again, pauses doubling, for `retry_for` seconds."""
    started = time.monotonic()
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            return await run()
        except Unsettled as err:
            waited = time.monotonic() - started
            if number not in RETRIED or waited + pause > retry_for:
                raise
            say(
                f"  ..    {number}. {name}: {err.args[0].split(':')[0]}; trying again in {pause:g} s "
                f"({_minutes(waited)} waited of at most {_minutes(retry_for)}: a new deployment can take that long)"
            )
            await asyncio.sleep(pause)  # a back-off between attempts at a remote service, not a synchronisation
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)


async def run_checks(
    target: Target, timeout: float, retry_for: float = 0.0, say: Callable[[str], None] = lambda _: None
) -> list[Outcome]:
    """Every check in order, each on its own: one failing does not stop the others."""
    outcomes = []
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        for number, (name, check) in enumerate(CHECKS, 1):
            try:
                detail = await _settled(number, name, functools.partial(check, http, target, timeout), retry_for, say)
                outcomes.append(Outcome(number, name, True, detail))
            except Warned as warning:
                outcomes.append(Outcome(number, name, True, str(warning), warning=True))
            except Failed as err:
                outcomes.append(Outcome(number, name, False, str(err)))
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, AttributeError) as err:
                why = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
                outcomes.append(Outcome(number, name, False, f"no usable answer ({why})"))
    return outcomes


def report(target: Target, outcomes: list[Outcome]) -> str:
    """One line per check, then the summary."""
    app = target.function_app or "none: the API runs inside the site"
    lines = [f"Verifying {target.site} (Function App {app}, Web PubSub {target.pubsub_endpoint})"]
    width = max(len(o.name) for o in outcomes)
    for o in outcomes:
        mark = "FAIL" if not o.passed else "warn" if o.warning else "ok  "
        lines.append(f"  {mark}  {o.number}. {o.name.ljust(width)}  {o.detail}")
    failed = [o for o in outcomes if not o.passed]
    warned = [str(o.number) for o in outcomes if o.warning]
    if failed:
        numbers = ", ".join(str(o.number) for o in failed)
        lines.append(f"{len(outcomes) - len(failed)} of {len(outcomes)} checks passed; fix {numbers} as said above.")
    else:
        lines.append(f"All {len(outcomes)} checks passed: Chatr works and only the site can act for its users.")
    if warned:
        lines.append(f"Read the warning of check {', '.join(warned)}: it says what this deployment can carry.")
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
    parser.add_argument(
        "--azure-facts", type=Path, help="JSON that verify.sh read from Azure: plan, authsettingsV2, tier"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer (default 60)")
    parser.add_argument(
        "--retry-for", type=float, help="seconds to keep trying checks 2, 4, 5, 6 on 5xx or 404 (600; 0 with --local)"
    )
    args = parser.parse_args(argv)
    if args.local:
        target = local_target()
    elif args.site and args.function_app is not None and args.pubsub_endpoint:
        facts = AzureFacts.read(args.azure_facts) if args.azure_facts else None
        site, function_app, pubsub = (u.rstrip("/") for u in (args.site, args.function_app, args.pubsub_endpoint))
        target = Target(site, function_app, pubsub, facts)
    else:
        parser.error("give --site, --function-app (empty for the managed plan) and --pubsub-endpoint, or --local")
    retry_for = args.retry_for if args.retry_for is not None else 0.0 if args.local else 600.0
    say = functools.partial(print, flush=True)
    outcomes = asyncio.run(run_checks(target, args.timeout, retry_for, say))
    print(report(target, outcomes), flush=True)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
