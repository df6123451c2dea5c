"""HTTP replies in one place, so every error is JSON with a clear message and never a stack trace.

Every answer is built by `answer`, which adds `X-Content-Type-Options: nosniff`: no browser reads
a body as anything but the type it is sent as.
"""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


def answer(
    body: str | None = None, status: int = 200, mimetype: str = "text/plain", headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """Any reply (an empty one when `body` is None), with the headers every /api answer carries."""
    return func.HttpResponse(
        body, status_code=status, mimetype=mimetype, headers={**SECURITY_HEADERS, **(headers or {})}
    )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    """A JSON reply."""
    return answer(json.dumps(body), status, "application/json", headers)


MAX_BODY_BYTES = 1024 * 1024  # no Chatr request needs more; FUNCTIONS_REQUEST_BODY_SIZE_LIMIT is set to the same


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> func.HttpResponse:
    """A JSON error reply: `{"error": message}`."""
    return json_response({"error": message}, status=status, headers=headers)


def too_large() -> func.HttpResponse:
    """413 for a body over MAX_BODY_BYTES."""
    return error_response(413, f"The request body is too large (at most {MAX_BODY_BYTES} bytes)")


def too_many(message: str, retry_after: int) -> func.HttpResponse:
    """429 with the standard Retry-After header (seconds)."""
    return error_response(429, message, headers={"Retry-After": str(retry_after)})
