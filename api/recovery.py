"""Recovery codes: the way back to a guest account after a logout, on this browser or another.

A guest has no password: their credential is the account, and a logout revokes it (api/logout.py).
Before logging out they can ask for a recovery code (`POST /api/recoveryCode`, shown once). The
code names the account and carries a 128-bit random secret: 32 bytes, written as 52 base32
characters in groups of four. The server keeps only an HMAC-SHA256 of it (keyed from
GUEST_SIGNING_KEY) in the guest's profile; asking again replaces it, so only the latest code works.

`POST /api/recover` with `{"recoveryCode": ...}` checks the code in constant time and, when it
matches, issues a fresh guest credential for that account and replaces the code (a code is used
once; the answer carries the new one, shown once). Attempts are rate-limited per client address
and per account (429 with Retry-After); a malformed code is refused before anything is spent, and a
wrong, used or unknown code gets one and the same 401. Within a logout's revocation margin (a
minute, api/identity.py) a recovery is refused with 429 and the seconds to wait, since any
credential issued then counts as revoked. Other credentials of the account are left as they are:
those the logout revoked stay revoked, and a browser still signed in stays signed in.

Cost: a code asked for is one profile read and one profile write; a recovery reads the account
(one range query), writes the account's and the address's rate buckets and the profile (ETag-guarded,
so two uses of one code at once make one recovery), whatever the number of users or chats.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid

import azure.functions as func

from . import quota
from .client_address import client_address
from .config import guest_signing_key
from .identity import GUEST_PROVIDER, returning_guest, revoking, signed_in
from .limits import RECOVERIES_PER_ADDRESS, RateLimited
from .models import Account
from .responses import error_response, json_response, too_many
from .runtime import guarded, state
from .state import SIGNUPS_PREFIX, State, StorageUnavailable

log = logging.getLogger(__name__)

SECRET_BYTES = 16  # 128 bits: guessing is hopeless at any rate the limits allow
CODE_CHARACTERS = 52  # base32 of the account's 16 bytes and the secret's 16, without padding
GUESTS_ONLY = "Recovery codes are for guests: a signed-in user comes back by signing in"
NOT_A_CODE = "That is not a recovery code: it is 52 letters and digits (dashes and spaces do not matter)"
WRONG_CODE = "That recovery code does not work: it may be mistyped, or used already (each works once)"
_MAX_TRIES = 5


def _digest(user_id: str, secret: bytes) -> str:
    """What is kept of a code: an HMAC of the account and the secret under a key only the server has."""
    key = hashlib.sha256(b"chatr-recovery-code|" + guest_signing_key().encode()).digest()
    return hmac.new(key, user_id.encode() + b"|" + secret, hashlib.sha256).hexdigest()


def new_code(user_id: str) -> tuple[str, str]:
    """A new code for a guest, and its digest to keep."""
    secret = secrets.token_bytes(SECRET_BYTES)
    raw = base64.b32encode(uuid.UUID(user_id.removeprefix("guest-")).bytes + secret).decode().rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4)), _digest(user_id, secret)


def parse_code(value: object) -> tuple[str, bytes]:
    """The account a code names and its secret; ValueError for anything that is not a code."""
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError(NOT_A_CODE)
    raw = "".join(value.split()).replace("-", "").upper()
    if len(raw) != CODE_CHARACTERS:
        raise ValueError(NOT_A_CODE)
    try:
        decoded = base64.b32decode(raw + "====", casefold=False)
    except (binascii.Error, ValueError):
        raise ValueError(NOT_A_CODE) from None
    return f"guest-{uuid.UUID(bytes=decoded[:16]).hex}", decoded[16:]


@guarded
async def new_recovery_code(req: func.HttpRequest) -> func.HttpResponse:
    """A new recovery code for the calling guest (the earlier one stops working); shown once."""
    store = await state()
    me = await signed_in(req, store)
    if me is None:
        return error_response(401, "Join as a guest first")
    if me.provider != GUEST_PROVIDER:
        return error_response(400, GUESTS_ONLY)
    account = await store.get_account(me.user_id)
    if account is None:
        return error_response(401, "Join as a guest first")
    try:
        await quota.spend(store, account.id, "recovery", account.limits, account.limits_etag)
    except RateLimited as err:
        return too_many(str(err), err.retry_after)
    code = await _replace_code(store, account)
    log.info("recovery: guest=%s asked for a new code", me.user_id)
    return json_response({"recoveryCode": code}, headers={"Cache-Control": "no-store"})


@guarded
async def recover(req: func.HttpRequest) -> func.HttpResponse:
    """A fresh guest credential for the account a recovery code names, and a new code; 401 for a wrong one."""
    try:
        body = json.loads(req.get_body() or b"null")
        user_id, secret = parse_code(body.get("recoveryCode") if isinstance(body, dict) else None)
    except ValueError as err:  # a JSON error is a ValueError too
        return error_response(400, str(err) if str(err) == NOT_A_CODE else NOT_A_CODE)
    store = await state()
    address = client_address(req)
    try:
        if address is not None:
            partition = SIGNUPS_PREFIX + address
            quota.check_remembered(partition, "recoveries")
            limits, etag = await store.get_limits(partition)
            await quota.spend(store, partition, "recoveries", limits, etag, rate=RECOVERIES_PER_ADDRESS)
        account = await store.get_account(user_id)
        if account is None or account.user.provider != GUEST_PROVIDER:
            log.info("recovery: refused, no such guest (address %s)", address)
            return error_response(401, WRONG_CODE)
        quota.check_remembered(account.id, "recovery")
        account.limits = await quota.spend(store, account.id, "recovery", account.limits, account.limits_etag)
    except RateLimited as err:
        return too_many(str(err), err.retry_after)
    if not account.recovery_digest or not hmac.compare_digest(account.recovery_digest, _digest(user_id, secret)):
        log.info("recovery: guest=%s refused, wrong or used code", user_id)
        return error_response(401, WRONG_CODE)
    if revoking(account.revoked_before):
        wait = max(1, account.revoked_before - int(time.time()) + 1)
        message = f"You logged out less than a minute ago: your account can come back in {wait} s"
        return too_many(message, wait)
    code, digest = new_code(user_id)
    if not await store.save_recovery(user_id, digest, account.profile_etag):
        log.info("recovery: guest=%s refused, the profile changed meanwhile (a code used twice at once)", user_id)
        return error_response(401, WRONG_CODE)
    identity, credential = returning_guest(user_id, account.user.name)
    log.info("recovery: guest=%s came back with a recovery code", user_id)
    body = {"guest": credential, "user": identity.to_wire(), "recoveryCode": code}
    return json_response(body, headers={"Cache-Control": "no-store"})


async def _replace_code(store: State, account: Account) -> str:
    """A new code in place of the account's last one (read again when the profile changed meanwhile)."""
    for _ in range(_MAX_TRIES):
        code, digest = new_code(account.id)
        if await store.save_recovery(account.id, digest, account.profile_etag):
            return code
        fresh = await store.get_account(account.id)
        if fresh is None:
            break
        account = fresh
    raise StorageUnavailable(f"profile of {account.id} kept changing; gave up after {_MAX_TRIES} tries")
