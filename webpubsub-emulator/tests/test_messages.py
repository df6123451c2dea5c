"""Payload conversions and frame encoding."""

from __future__ import annotations

import struct

import pytest
from webpubsub_emulator.messages import BINARY, JSON, TEXT, Outbound, Payload, PayloadError, ws_frame


@pytest.mark.parametrize("size,header", [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)])
def test_frame_length_encoding_follows_rfc6455(size: int, header: int) -> None:
    frame = ws_frame(b"x" * size)
    assert len(frame) == header + size
    assert frame[0] == 0x81
    if header == 4:
        assert struct.unpack("!H", frame[2:4])[0] == size
    if header == 10:
        assert struct.unpack("!Q", frame[2:10])[0] == size


def test_binary_frames_use_the_binary_opcode() -> None:
    assert ws_frame(b"\x00", binary=True)[0] == 0x82


@pytest.mark.parametrize(
    "content_type,body,data_type",
    [
        ("application/json", b'{"a":1}', JSON),
        ("application/json; charset=utf-8", b'"s"', JSON),
        ("text/plain", "é".encode(), TEXT),
        ("text/plain; charset=utf-8", b"t", TEXT),
        ("application/octet-stream", b"\xff", BINARY),
        (None, b"\xff", BINARY),
    ],
)
def test_http_content_types_map_to_data_types(content_type: str | None, body: bytes, data_type: str) -> None:
    assert Payload.from_http(content_type, body) == Payload(data_type, body)


@pytest.mark.parametrize("content_type,body", [("application/json", b"{bad"), ("text/plain", b"\xff")])
def test_http_bodies_that_do_not_match_their_type_are_refused(content_type: str, body: bytes) -> None:
    with pytest.raises(PayloadError):
        Payload.from_http(content_type, body)


def test_client_data_defaults_to_json_and_accepts_protobuf_as_binary() -> None:
    assert Payload.from_client(None, {"a": 1}) == Payload(JSON, b'{"a":1}')
    assert Payload.from_client("protobuf", "AAE=") == Payload(BINARY, b"\x00\x01")


def test_group_frames_for_reliable_clients_add_the_sequence_id() -> None:
    message = Outbound.to_group("g", "u", Payload(TEXT, b"hi"))
    assert (
        message.json_frame()[2:]
        == b'{"type":"message","from":"group","group":"g","fromUserId":"u","dataType":"text","data":"hi"}'
    )
    assert message.reliable_frame(7).endswith(b',"sequenceId":7}')
    assert message.raw_frame() == ws_frame(b"hi")
