"""What travels: message payloads with their data type, and the WebSocket frames built from them once per message."""

from __future__ import annotations

import base64
import binascii
import json
import struct
from dataclasses import dataclass
from typing import Any

JSON, TEXT, BINARY = "json", "text", "binary"
CONTENT_TYPES = {JSON: "application/json", TEXT: "text/plain", BINARY: "application/octet-stream"}
_OPCODE_TEXT, _OPCODE_BINARY = 0x81, 0x82  # FIN set


class PayloadError(ValueError):
    """Data that does not fit its declared type (bad JSON, bad base64, non-UTF-8 text)."""


def dumps(value: Any) -> str:
    """Compact JSON, as the service writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True, slots=True)
class Payload:
    """Message data: `body` is JSON text (json), UTF-8 text (text) or raw bytes (binary)."""

    data_type: str
    body: bytes

    @classmethod
    def from_http(cls, content_type: str | None, body: bytes) -> Payload:
        """REST bodies and upstream replies: application/json, text/*, anything else binary."""
        mime = (content_type or "").split(";", 1)[0].strip().lower()
        if mime == "application/json" or mime.endswith("+json"):
            try:
                json.loads(body.decode())
            except (UnicodeDecodeError, ValueError, RecursionError) as err:
                raise PayloadError(f"the body is not valid JSON: {err}") from err
            return cls(JSON, body)
        if mime.startswith("text/"):
            try:
                body.decode()
            except UnicodeDecodeError as err:
                raise PayloadError("the text body is not UTF-8") from err
            return cls(TEXT, body)
        return cls(BINARY, body)

    @classmethod
    def from_client(cls, data_type: object, data: object) -> Payload:
        """The `dataType`/`data` pair of a JSON-subprotocol message (`json` when no type is given)."""
        if data_type is None or data_type == JSON:
            if data is None:
                raise PayloadError("'data' is required and may not be null for dataType json")
            try:
                return cls(JSON, dumps(data).encode())
            except (ValueError, RecursionError) as err:
                raise PayloadError(f"'data' is not valid JSON: {err}") from err
        if data_type == TEXT:
            if not isinstance(data, str):
                raise PayloadError("'data' must be a string for dataType text")
            return cls(TEXT, data.encode())
        if data_type in (BINARY, "protobuf"):
            if not isinstance(data, str):
                raise PayloadError(f"'data' must be a base64 string for dataType {data_type}")
            try:
                return cls(BINARY, base64.b64decode(data, validate=True))
            except binascii.Error as err:
                raise PayloadError("'data' is not valid base64") from err
        raise PayloadError(f"unknown dataType {data_type!r}; use json, text or binary")

    @property
    def content_type(self) -> str:
        """The Content-Type this data has on HTTP (webhooks)."""
        return CONTENT_TYPES[self.data_type]

    def json_fragment(self) -> str:
        """The value of `data` in a JSON-subprotocol frame (binary as base64)."""
        if self.data_type == JSON:
            return self.body.decode()
        if self.data_type == TEXT:
            return dumps(self.body.decode())
        return '"' + base64.b64encode(self.body).decode() + '"'


def ws_frame(data: bytes, *, binary: bool = False) -> bytes:
    """One unmasked, unfragmented server-to-client WebSocket frame (RFC 6455 §5.2)."""
    first = _OPCODE_BINARY if binary else _OPCODE_TEXT
    size = len(data)
    if size < 126:
        return bytes((first, size)) + data
    if size < 65536:
        return struct.pack("!BBH", first, 126, size) + data
    return struct.pack("!BBQ", first, 127, size) + data


def control_frame(message: dict[str, Any]) -> bytes:
    """A system, ack or pong message as a ready text frame."""
    return ws_frame(dumps(message).encode())


def _data_fields(payload: Payload) -> str:
    return f',"dataType":"{payload.data_type}","data":{payload.json_fragment()}'


class Outbound:
    """One data message for any number of receivers, serialised once.

    Plain JSON clients share one ready frame, reliable clients get the same text plus their own
    `sequenceId`, raw clients get the bare body (text frame for json/text, binary frame for binary).
    """

    __slots__ = ("_json", "_prefix", "_raw", "payload")

    def __init__(self, prefix: str, payload: Payload) -> None:
        self._prefix = prefix
        self.payload = payload
        self._json: bytes | None = None
        self._raw: bytes | None = None

    @classmethod
    def to_group(cls, group: str, from_user: str | None, payload: Payload) -> Outbound:
        """A group message; `from_user` is None when the server sent it."""
        head = f'{{"type":"message","from":"group","group":{dumps(group)},"fromUserId":{dumps(from_user)}'
        return cls(head + _data_fields(payload), payload)

    @classmethod
    def from_server(cls, payload: Payload) -> Outbound:
        """A message the server sent (REST send, or an event handler's reply)."""
        return cls(f'{{"type":"message","from":"server"{_data_fields(payload)}', payload)

    def json_frame(self) -> bytes:
        """The frame for `json.webpubsub.azure.v1` clients."""
        if self._json is None:
            self._json = ws_frame((self._prefix + "}").encode())
        return self._json

    def reliable_frame(self, sequence_id: int) -> bytes:
        """The frame for a reliable client, carrying its next sequence id."""
        return ws_frame(f'{self._prefix},"sequenceId":{sequence_id}}}'.encode())

    def raw_frame(self) -> bytes:
        """The frame for a client without subprotocol: the data itself."""
        if self._raw is None:
            self._raw = ws_frame(self.payload.body, binary=self.payload.data_type == BINARY)
        return self._raw
