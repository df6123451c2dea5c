"""The service clients a function invocation uses, built once per worker and event loop."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

import azure.functions as func

from .config import MissingSetting, StorageSettings
from .responses import error_response
from .state import State, StorageUnavailable

log = logging.getLogger(__name__)

_states: dict[asyncio.AbstractEventLoop, State] = {}


def state() -> State:
    """The State for the running event loop (clients are bound to the loop that made them)."""
    loop = asyncio.get_running_loop()
    if loop not in _states:
        _states[loop] = State.from_settings(StorageSettings.from_env())
    return _states[loop]


Handler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def guarded(handler: Handler) -> Handler:
    """Map missing settings to 500 and outages to 503, each with a message and no stack trace."""

    @functools.wraps(handler)
    async def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return await handler(req)
        except MissingSetting as err:
            log.error("%s: %s", handler.__name__, err)
            return error_response(500, str(err))
        except StorageUnavailable as err:
            log.error("%s: %s", handler.__name__, err)
            return error_response(503, "Storage is unavailable right now, please try again shortly")

    return wrapper
