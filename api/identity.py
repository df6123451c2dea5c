"""Who is calling: the Static Web Apps principal, or a guest identity the server issued and can verify.

A guest credential lasts GUEST_LIFETIME_SECONDS; `getToken` hands out a fresh one once it is past
half its life, so a guest who comes back within a day never has to sign in again. Logging out
revokes every credential of that guest issued until then (`revokedBefore` in their profile), and
those of the next REVOCATION_MARGIN_SECONDS too: a getToken that read the profile just before the
logout still issues its tokens after it, in the same second or the next. Nothing legitimate is
lost: a guest who logged out comes back as a new guest, or with a recovery code (api/recovery.py)
once the margin is over.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
import uuid
from dataclasses import dataclass

import azure.functions as func
import jwt

from .config import guest_signing_key, principal_header_trusted
from .names import USER_NAME_MAX, clean_name
from .state import State
from .validation import Invalid, is_user_id

GUEST_HEADER = "x-chatr-guest"
PRINCIPAL_HEADER = "x-ms-client-principal"
GUEST_PROVIDER = "guest"
GUEST_LIFETIME_SECONDS = 24 * 3600
REVOCATION_MARGIN_SECONDS = 60  # longer than any getToken takes from reading the profile to issuing its tokens
_GUEST_ISSUER = "chatr-guest"
SIGNED_OUT = "You signed out: sign in again"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """A caller the server vouches for."""

    user_id: str
    name: str
    provider: str
    issued_at: int | None = None  # when a guest credential was issued (seconds since the epoch); None: a principal

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
    return _credential(f"guest-{uuid.uuid4().hex}", clean_name(name, "name", USER_NAME_MAX))


def returning_guest(user_id: str, name: str) -> tuple[Identity, str]:
    """A credential for a guest who proved they own the account (a recovery code, api/recovery.py)."""
    return _credential(user_id, name)


def refreshed(identity: Identity) -> tuple[Identity, str] | None:
    """A fresh credential for a guest whose credential is past half its life; None while it is younger."""
    if identity.issued_at is None or time.time() - identity.issued_at < GUEST_LIFETIME_SECONDS / 2:
        return None
    return _credential(identity.user_id, identity.name)


def revoked_until(logged_out: float) -> int:
    """`revokedBefore` for a logout at `logged_out`: every credential or token issued until the margin ends."""
    return math.ceil(logged_out) + REVOCATION_MARGIN_SECONDS


def revoking(revoked_before: int) -> bool:
    """True while a logout's margin lasts: any connection registering now holds a token issued within it."""
    return time.time() <= revoked_before


def revoked(identity: Identity, revoked_before: int) -> bool:
    """A guest credential issued at or before the guest logged out."""
    return identity.issued_at is not None and identity.issued_at <= revoked_before


def _credential(user_id: str, name: str) -> tuple[Identity, str]:
    now = int(time.time())
    claims = {"iss": _GUEST_ISSUER, "sub": user_id, "name": name, "iat": now, "exp": now + GUEST_LIFETIME_SECONDS}
    return Identity(user_id, name, GUEST_PROVIDER, now), jwt.encode(claims, guest_signing_key(), algorithm="HS256")


def _guest(credential: str) -> Identity | None:
    try:
        claims = jwt.decode(
            credential,
            guest_signing_key(),
            algorithms=["HS256"],
            issuer=_GUEST_ISSUER,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    if not is_user_id(claims.get("sub")) or not isinstance(claims.get("name"), str):
        return None
    return Identity(claims["sub"], claims["name"], GUEST_PROVIDER, int(claims["iat"]))


async def signed_in(req: func.HttpRequest, state: State) -> Identity | None:
    """The caller, unless they are a guest whose credential was revoked by logging out."""
    identity = identify(req)
    if identity is None or identity.issued_at is None:
        return identity
    account = await state.get_account(identity.user_id)
    return None if account is not None and revoked(identity, account.revoked_before) else identity


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
