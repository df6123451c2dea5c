"""The service clients an invocation uses (built once per worker and event loop) and the HTTP error mapping."""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import Awaitable, Callable

import azure.functions as func

from .config import MissingSetting, PubSubSettings, StorageSettings
from .history import HistoryUnavailable
from .pubsub import PubSub, PubSubUnavailable
from .responses import error_response
from .state import State, StorageUnavailable
from .validation import Invalid

log = logging.getLogger(__name__)
# The SDKs log every HTTP request at INFO; our own log lines already say what happened and to whom.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)

_states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, State] = weakref.WeakKeyDictionary()
_pubsubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PubSub] = weakref.WeakKeyDictionary()


async def state() -> State:
    """The State for the running event loop (async clients are bound to the loop that made them), tables ready."""
    loop = asyncio.get_running_loop()
    if loop not in _states:
        opened = await State.open(StorageSettings.from_env())
        if loop in _states:  # another invocation opened one meanwhile: keep the first
            await opened.close()
        else:
            _states[loop] = opened
    return _states[loop]


def pubsub() -> PubSub:
    """The Web PubSub client for the running event loop."""
    loop = asyncio.get_running_loop()
    if loop not in _pubsubs:
        _pubsubs[loop] = PubSub.from_settings(PubSubSettings.from_env())
    return _pubsubs[loop]


async def close() -> None:
    """Close the running event loop's service clients: a host that stops cleanly calls this (Azure ends the worker)."""
    loop = asyncio.get_running_loop()
    stored_state, stored_pubsub = _states.pop(loop, None), _pubsubs.pop(loop, None)
    if stored_state is not None:
        await stored_state.close()
    if stored_pubsub is not None:
        await stored_pubsub.close()


Handler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def guarded(handler: Handler) -> Handler:
    """Answer bad input with 400, a missing setting with 500 and an outage with 503; never a stack trace."""

    @functools.wraps(handler)
    async def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return await handler(req)
        except Invalid as err:
            return error_response(400, str(err))
        except MissingSetting as err:
            log.error("%s: %s", handler.__name__, err)
            return error_response(500, str(err))
        except (StorageUnavailable, HistoryUnavailable) as err:
            log.error("%s: %s", handler.__name__, err)
            return error_response(503, "Storage is unavailable right now, please try again shortly")
        except PubSubUnavailable as err:
            log.error("%s: %s", handler.__name__, err)
            return error_response(503, "Web PubSub is unavailable right now, please try again shortly")

    return wrapper
