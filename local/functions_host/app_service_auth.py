"""What App Service authentication does for identity in front of a Function App linked to a Static Web App.

Linking a Function App to a Static Web App sets up App Service authentication on it with the site as
its identity provider: the site sends its own token with every request it forwards, and the
platform drops any `X-MS-CLIENT-PRINCIPAL*` header a caller sent itself, so such headers are present
only when the platform set them. Locally the stack's site (local/site.py) sends CHATR_SITE_TOKEN as
that token, and this keeps principal headers only on requests that carry it. Unlike Azure, a request
without it is still served (the emulator's webhooks and the tests reach the adapter directly); it
just carries no signed-in identity. Without CHATR_SITE_TOKEN the adapter is a bare Functions host.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

SITE_TOKEN_SETTING = "CHATR_SITE_TOKEN"
PRINCIPAL_HEADERS = "x-ms-client-principal"  # and -id, -name, -idp


def from_site(headers: Mapping[str, str], token: str) -> bool:
    """True when the request carries the site's token, i.e. the site forwarded it."""
    offered = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


def visible_headers(headers: Mapping[str, str], token: str | None) -> dict[str, str]:
    """The headers the app sees: a caller's own principal headers dropped unless the site forwarded the request."""
    if token is None or from_site(headers, token):
        return dict(headers)
    return {k: v for k, v in headers.items() if not k.lower().startswith(PRINCIPAL_HEADERS)}
