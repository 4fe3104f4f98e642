"""Opaque, tamper-evident pagination cursors.

A cursor is ``base64url(json(LastEvaluatedKey)) + "." + base64url(HMAC-SHA256)``. The MAC
covers the payload and the query context (table, index, entity, partition key), so a client
can neither edit a cursor nor replay it against another query without detection.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import TYPE_CHECKING, Any

from pydynamodel.errors import InvalidCursor
from pydynamodel.serialization import Wire, wire_from_json, wire_to_json

if TYPE_CHECKING:
    from collections.abc import Mapping

# Only what encode_cursor can produce: two unpadded base64url parts. Checked before anything
# else, so client input outside the alphabet (non-ASCII included) never reaches the MAC or the
# decoders, and a client-supplied cursor can fail in one way only: InvalidCursor.
_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MAX_CURSOR_LENGTH = 8192


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str, context: str) -> bytes:
    msg = payload.encode("ascii") + b"\x00" + context.encode("utf-8")
    return hmac.new(secret, msg, hashlib.sha256).digest()


def encode_cursor(key: Mapping[str, Wire], secret: bytes, context: str) -> str:
    data = {name: wire_to_json(value) for name, value in key.items()}
    payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_b64(_mac(secret, payload, context))}"


def decode_cursor(cursor: str, secret: bytes, context: str) -> dict[str, Wire]:
    """The ``LastEvaluatedKey`` in ``cursor``; any cursor that ``encode_cursor`` did not make
    with this secret and context raises ``InvalidCursor`` (and nothing else)."""
    if (
        not isinstance(cursor, str)
        or len(cursor) > MAX_CURSOR_LENGTH
        or not _SHAPE.fullmatch(cursor)
    ):
        raise InvalidCursor("malformed pagination cursor")
    payload, signature = cursor.split(".")
    try:
        given = _unb64(signature)
    except ValueError:
        raise InvalidCursor("malformed pagination cursor") from None
    if not hmac.compare_digest(given, _mac(secret, payload, context)):
        raise InvalidCursor("pagination cursor was modified or belongs to another query")
    try:
        data: Any = json.loads(_unb64(payload))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return {str(k): wire_from_json(v) for k, v in data.items()}
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # JSON, base64, shape
        raise InvalidCursor(f"malformed pagination cursor: {exc}") from None
