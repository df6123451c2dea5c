"""HTTP replies in one place, so every error is JSON with a clear message and never a stack trace."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    """A JSON reply."""
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json", headers=headers)


def error_response(status: int, message: str) -> func.HttpResponse:
    """A JSON error reply: `{"error": message}`."""
    return json_response({"error": message}, status=status)
