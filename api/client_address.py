"""The address a request came from, as the platform in front of the app forwards it (X-Forwarded-For).

Every proxy appends the address it saw to `X-Forwarded-For`, so the entries a client wrote itself
come first and cannot be trusted. In Azure the header reaching the Function App reads
`<client>:<port>, <Static Web Apps' internal hop>`: the last public (globally routable) address is
the client's; the internal hops after it are private. Locally the Functions adapter appends the
peer's address as App Service does, which is the loopback: no public address, so nothing is
limited by address there. An IPv6 client is keyed by its /64, the block one subscriber usually has.
"""

from __future__ import annotations

import ipaddress

import azure.functions as func

FORWARDED_FOR = "x-forwarded-for"


def _address(entry: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`; None for anything else."""
    text = entry.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(req: func.HttpRequest) -> str | None:
    """The client's public address (an IPv6 one as the first address of its /64); None when none is named."""
    for entry in reversed(req.headers.get(FORWARDED_FOR, "").split(",")):
        address = _address(entry)
        if address is None or not address.is_global:
            continue
        if isinstance(address, ipaddress.IPv6Address):
            return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
        return str(address)
    return None
