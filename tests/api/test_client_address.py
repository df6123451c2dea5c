"""The client's address from X-Forwarded-For, as the platform in front of the app forwards it."""

from __future__ import annotations

import azure.functions as func
import pytest

from api.client_address import client_address


def request(forwarded: str | None) -> func.HttpRequest:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return func.HttpRequest("GET", "http://localhost/api/getToken", headers=headers, body=b"")


@pytest.mark.parametrize(
    ("forwarded", "address"),
    [
        ("8.8.4.4:52987, [fd00::d63d:e0b8:bc35:12be:2e17:f3af]:64909", "8.8.4.4"),  # what Azure forwards
        ("1.2.3.4, 8.8.4.4:1234, 10.0.0.5:80", "8.8.4.4"),  # what the client wrote itself comes first: ignored
        ("8.8.4.4", "8.8.4.4"),
        ("[2a00:1450:4001:82b::200e]:443", "2a00:1450:4001:82b::"),  # an IPv6 client: its /64
        ("2a00:1450:4001:82b::200e", "2a00:1450:4001:82b::"),
    ],
)
def test_the_last_public_address_is_the_clients(forwarded: str, address: str) -> None:
    assert client_address(request(forwarded)) == address


@pytest.mark.parametrize(
    "forwarded", [None, "", "127.0.0.1:5000", "10.1.2.3, 192.168.0.1", "not an address", "[::1]:80"]
)
def test_no_public_address_means_no_address(forwarded: str | None) -> None:
    assert client_address(request(forwarded)) is None
