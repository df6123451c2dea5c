"""`/api/eventHandler`: the Web PubSub CloudEvents webhook.

Answers the abuse-protection handshake, authenticates every event (ce-signature with either of Web
PubSub's access keys, or its managed-identity bearer token where it calls us directly) from its
headers, refuses a body over 1 MiB (413) before reading it, then hands the event to ChatEvents. A
user event never gets a non-2xx reply for bad input: that would make the service drop the user's
connection, so the client gets a 200 whose body (`{"chatEvent": "error", ...}`) says what was
wrong. A refused `connect` gets the 4xx the client's handshake should fail with.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import azure.functions as func

from .chat_events import ChatEvents, request_id
from .config import MissingSetting, PubSubSettings, WebhookAuthSettings
from .events import Event, Refused
from .history import HistoryUnavailable
from .limits import LimitReached, RateLimited
from .pubsub import PubSubUnavailable, signature_matches, signing_keys
from .responses import MAX_BODY_BYTES, answer, error_response, json_response, too_large
from .runtime import pubsub, state
from .state import StorageUnavailable
from .validation import Invalid
from .webhook_identity import ManagedIdentityValidator, SigningKeysUnavailable

log = logging.getLogger(__name__)

SYSTEM_PREFIX = "azure.webpubsub.sys."
USER_PREFIX = "azure.webpubsub.user."


def handshake(req: func.HttpRequest, settings: PubSubSettings) -> func.HttpResponse:
    """Abuse protection: allow only our own Web PubSub service to deliver events here."""
    origin = req.headers.get("webhook-request-origin", "").strip()
    if not origin:
        return error_response(400, "Missing WebHook-Request-Origin header")
    host = origin.split(":")[0].lower()
    if host != (urlsplit(settings.service_endpoint).hostname or "").lower():
        log.warning("Refused webhook validation from origin %s", origin)
        return error_response(403, "This event handler serves another Web PubSub service")
    return answer(headers={"WebHook-Allowed-Origin": origin})


async def authenticated(req: func.HttpRequest, settings: PubSubSettings) -> bool:
    """ce-signature with either access key; else, where WEBHOOK_AUDIENCE is set, Web PubSub's bearer token.

    The signature comes first because it survives the Static Web App's proxy, which replaces the
    Authorization header of every request it forwards; the bearer token only reaches a handler
    that Web PubSub calls directly.
    """
    auth = WebhookAuthSettings.from_env()
    keys = signing_keys(settings, auth.keys)
    if not keys and not auth.audience:
        raise MissingSetting("WEBHOOK_PRIMARY_KEY", "WEBHOOK_AUDIENCE")
    connection_id = req.headers.get("ce-connectionid", "")
    signature = req.headers.get("ce-signature", "")
    if keys and connection_id and signature_matches(connection_id, signature, keys):
        return True
    authorization = req.headers.get("authorization", "")
    if (
        auth.audience
        and (authorization or not keys)
        and await ManagedIdentityValidator.for_settings(auth).accepts(authorization)
    ):
        return True
    if keys:
        why = "matches none of our access keys" if signature else "is missing"
        log.warning("Refused an event: its ce-signature %s (WEBHOOK_PRIMARY_KEY, WEBHOOK_SECONDARY_KEY)", why)
    return False


def parse(req: func.HttpRequest) -> Event:
    """The CloudEvent in binary mode: ce-* headers, and the client's data as the body."""
    kind = req.headers.get("ce-type", "")
    if not kind.startswith((SYSTEM_PREFIX, USER_PREFIX)):
        raise Invalid("Not a Web PubSub event")
    name = req.headers.get("ce-eventname") or kind.rsplit(".", 1)[-1]
    body = req.get_body()
    content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    data: object = body
    if content_type == "application/json":
        try:
            data = json.loads(body) if body else None
        except (ValueError, RecursionError) as err:  # RecursionError: nested deeper than the parser goes
            raise Invalid("The event data is not valid JSON") from err
    elif content_type == "text/plain":
        try:
            data = body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise Invalid("The event text is not UTF-8") from err
    return Event(
        name=name,
        system=kind.startswith(SYSTEM_PREFIX),
        user_id=req.headers.get("ce-userid") or None,
        connection_id=req.headers.get("ce-connectionid", ""),
        data=data,
    )


def _chat_of(event: Event | None) -> str | None:
    """The chat an event is about, so the browser can undo exactly that (e.g. close a refused tab)."""
    data = event.data if event else None
    if isinstance(data, dict):
        data = data.get("chatId") or data.get("id")
    return data if isinstance(data, str) and len(data) <= 300 else None


def _user_error(
    event_name: str, message: str, event: Event | None, code: str, retry_after: int | None = None
) -> func.HttpResponse:
    body = {
        "event": event_name,
        "message": message,
        "chatId": _chat_of(event),
        "code": code,
        "retryAfter": retry_after,
        "requestId": request_id(event.data) if event else None,
    }
    return json_response({"chatEvent": "error", "data": body})


def _declared_too_large(req: func.HttpRequest) -> bool:
    """A Content-Length over the limit: refused from the headers alone, the body unread."""
    try:
        return int(req.headers.get("content-length") or 0) > MAX_BODY_BYTES
    except ValueError:
        return True


async def handle(req: func.HttpRequest) -> func.HttpResponse:
    """Handshake, authenticate, parse, run; 401 for forged calls, 503 for our outages, error replies for bad input."""
    try:
        settings = PubSubSettings.from_env()
        if req.method == "OPTIONS":
            return handshake(req, settings)
        if req.method != "POST":
            return error_response(405, "Web PubSub delivers events with POST")
        if not await authenticated(req, settings):
            log.warning("Refused an unauthenticated event (%s)", req.headers.get("ce-eventname", "?"))
            return error_response(401, "Event signature or token is not valid")
        if (req.headers.get("ce-hub") or "").lower() != settings.hub.lower():
            return error_response(400, f"This event handler serves hub '{settings.hub}'")
        if _declared_too_large(req) or len(req.get_body()) > MAX_BODY_BYTES:
            return too_large()
    except MissingSetting as err:
        log.error("eventHandler: %s", err)
        return error_response(500, str(err))
    except SigningKeysUnavailable as err:
        log.error("eventHandler: could not check the %s event's bearer token: %s", req.headers.get("ce-eventname"), err)
        return error_response(503, "The event's token cannot be checked right now: retry later")
    event_name = req.headers.get("ce-eventname", "")
    user = req.headers.get("ce-userid")
    event = None
    try:
        event = parse(req)
        reply = await ChatEvents(await state(), pubsub()).handle(event)
    except Refused as err:
        log.info("event=%s user=%s refused (%d): %s", event_name, user, err.status, err)
        return answer(str(err), err.status)
    except RateLimited as err:
        log.info("event=%s user=%s rate-limited for %d s", event_name, user, err.retry_after)
        return _user_error(event_name, str(err), event, "rateLimited", err.retry_after)
    except LimitReached as err:
        log.info("event=%s user=%s refused: %s", event_name, user, err)
        return _user_error(event_name, str(err), event, "limitReached")
    except Invalid as err:
        log.info("event=%s user=%s refused: %s", event_name, user, err)
        return _user_error(event_name, str(err), event, "invalid")
    except (StorageUnavailable, HistoryUnavailable, PubSubUnavailable, MissingSetting) as err:
        log.error("event=%s user=%s failed: %s", event_name, user, err)
        if req.headers.get("ce-type", "").startswith(SYSTEM_PREFIX):
            return error_response(503, str(err))
        return _user_error(event_name, "Chatr could not do that right now, please try again", event, "unavailable")
    if reply is not None:
        return json_response(reply)
    return answer(status=204)
