"""Who is calling: the Static Web Apps principal, or a guest identity the server issued and can verify."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
import uuid
from dataclasses import dataclass

import azure.functions as func
import jwt

from .config import guest_signing_key, principal_header_trusted
from .validation import USER_NAME_MAX, Invalid, clean_name, is_user_id

GUEST_HEADER = "x-chatr-guest"
PRINCIPAL_HEADER = "x-ms-client-principal"
GUEST_PROVIDER = "guest"
GUEST_LIFETIME_SECONDS = 30 * 24 * 3600
_GUEST_ISSUER = "chatr-guest"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """A caller the server vouches for."""

    user_id: str
    name: str
    provider: str

    def to_wire(self) -> dict[str, str]:
        """The `user` object getToken returns."""
        return {"userId": self.user_id, "userName": self.name, "userProvider": self.provider}


def _principal(header: str) -> Identity | None:
    try:
        principal = json.loads(base64.b64decode(header, validate=False))
    except (binascii.Error, ValueError, RecursionError):
        return None
    if not isinstance(principal, dict) or not is_user_id(principal.get("userId")):
        return None
    details = principal.get("userDetails")
    try:
        name = clean_name(details, "name", USER_NAME_MAX)
    except Invalid:
        name = "User"
    provider = str(principal.get("identityProvider") or "unknown")[:20]
    return Identity(principal["userId"], name, provider)


def issue_guest(name: object) -> tuple[Identity, str]:
    """A new guest (its own id, even for a name already in use) and the credential the browser keeps."""
    identity = Identity(f"guest-{uuid.uuid4().hex}", clean_name(name, "name", USER_NAME_MAX), GUEST_PROVIDER)
    now = int(time.time())
    claims = {
        "iss": _GUEST_ISSUER,
        "sub": identity.user_id,
        "name": identity.name,
        "iat": now,
        "exp": now + GUEST_LIFETIME_SECONDS,
    }
    return identity, jwt.encode(claims, guest_signing_key(), algorithm="HS256")


def _guest(credential: str) -> Identity | None:
    try:
        claims = jwt.decode(
            credential,
            guest_signing_key(),
            algorithms=["HS256"],
            issuer=_GUEST_ISSUER,
            options={"require": ["sub", "exp"]},
        )
    except jwt.PyJWTError:
        return None
    if not is_user_id(claims.get("sub")) or not isinstance(claims.get("name"), str):
        return None
    return Identity(claims["sub"], claims["name"], GUEST_PROVIDER)


def claims_identity(req: func.HttpRequest) -> bool:
    """True when the caller sent a principal or a guest credential, valid or not."""
    return bool(req.headers.get(PRINCIPAL_HEADER) or req.headers.get(GUEST_HEADER))


def identify(req: func.HttpRequest) -> Identity | None:
    """The caller: a principal added by Static Web Apps wins over a guest credential; None if neither.

    The principal header proves nothing by itself: anyone can send one. It is believed only where
    something in front of the app drops a caller's own copy: locally the stack's site, in Azure the
    App Service authentication that linking the Static Web App sets up on the Function App.
    """
    principal = req.headers.get(PRINCIPAL_HEADER)
    if principal and not principal_header_trusted():
        log.error(
            "Ignored an x-ms-client-principal header: App Service authentication is not enabled on this Function App "
            "(WEBSITE_AUTH_ENABLED is not true), so anyone could have sent it. Link the Function App to the Static "
            "Web App (make deploy-infra) and run make verify-deploy"
        )
        principal = None
    if principal:
        return _principal(principal)
    credential = req.headers.get(GUEST_HEADER)
    if credential:
        return _guest(credential)
    return None
