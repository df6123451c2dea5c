"""What programs that drive the local stack as its users would (the tests and the benchmarks) share.

It lives in `local/`, beside the stack those programs drive, because both need it and `bench/`
must not import `tests/` (a benchmark is not a test, and `tests/` may import `bench/`'s report
helpers). Ports, addresses and connection strings come from `local.stack`; this module holds the
rest: who a scripted user claims to be, and how many of them act at once.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def swa_principal(user_id: str, name: str, provider: str = "github", roles: Sequence[str] = ("authenticated",)) -> str:
    """A signed-in user as Static Web Apps describes them: the `x-ms-client-principal` header's base64 JSON.

    The SWA CLI keeps the same document in its `StaticWebAppsAuthCookie` after its sign-in form.
    """
    principal = {
        "identityProvider": provider,
        "userId": user_id,
        "userDetails": name,
        "userRoles": list(roles),
        "claims": [],
    }
    return base64.b64encode(json.dumps(principal).encode()).decode()


async def gather_bounded(jobs: Iterable[Awaitable[T]], limit: int) -> list[T]:
    """Await every job, at most `limit` at a time (a crowd, not a stampede); their results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    return list(await asyncio.gather(*(one(job) for job in jobs)))
