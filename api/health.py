"""`GET /api/health`: anonymous, it says whether this app believes the site's principal header, and nothing more.

`make verify-deploy` asks it through the site: a Function App whose App Service authentication is off
ignores every `x-ms-client-principal`, so GitHub and Microsoft users get 401 while guests still work,
which no other check would notice.
"""

from __future__ import annotations

import azure.functions as func

from .config import principal_header_trusted
from .responses import json_response


def health(_req: func.HttpRequest) -> func.HttpResponse:
    """`{"principalTrusted": bool}`, never cached, the same for every caller."""
    return json_response({"principalTrusted": principal_header_trusted()}, headers={"Cache-Control": "no-store"})
