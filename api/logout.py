"""`POST /api/logout`: a guest's logout ends their credentials and their open connections.

Every guest credential issued until now stops working (the browser that keeps one, and any copy
of it), and so does any issued in the next minute by a getToken already under way (see
`identity.revoked_until`); every connection of the guest is closed with the reason "Logged out". A signed-in user
signs out with Static Web Apps (`/.auth/logout`), which ends their session; for them this call
changes nothing.
"""

from __future__ import annotations

import logging
import time

import azure.functions as func

from .identity import identify, revoked_until
from .responses import answer, error_response
from .runtime import guarded, pubsub, state

log = logging.getLogger(__name__)

LOGGED_OUT = "Logged out"


@guarded
async def logout(req: func.HttpRequest) -> func.HttpResponse:
    """Revoke the calling guest's credentials and close their connections; 204 (also for signed-in users)."""
    identity = identify(req)
    if identity is None:
        return error_response(401, "Nobody is signed in here")
    if identity.issued_at is not None:
        await (await state()).revoke_credentials(identity.user_id, revoked_until(time.time()))
        await pubsub().close_user_connections(identity.user_id, LOGGED_OUT)
        log.info("logout: guest=%s credentials revoked, connections closed", identity.user_id)
    return answer(status=204)
