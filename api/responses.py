"""HTTP replies in one place, so every error is JSON with a clear message and never a stack trace."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    """A JSON reply."""
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json", headers=headers)


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
