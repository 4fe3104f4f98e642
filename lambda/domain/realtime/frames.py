"""Client frames: parsing, validation and the error frames sent back for bad input.

A frame is a JSON object ``{"action": ..., ...}``; API Gateway selects the route on
``$request.body.action``. Every problem with a frame becomes a :class:`FrameError` whose
:meth:`FrameError.frame` names it: handlers answer with that frame as the route response and
never raise for bad input, so the connection stays open and nothing is written.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from contract import limits
from contract.errors import FRAME_ERRORS_LISTING_ACTIONS
from contract.websocket import ACTIONS as ACTIONS
from domain.errors import ValidationFailed
from domain.ids import check_id

# Re-exported for the handlers and tests: the contract's WebSocket limits.
MAX_MESSAGE_BYTES = limits.MAX_MESSAGE_BYTES
MAX_FRAME_BYTES = limits.MAX_FRAME_BYTES
#: Longest message body a client may send, in characters (as over REST).
MAX_BODY_CHARS = limits.MESSAGE_BODY_LENGTH[1]
_CLIENT_ID = re.compile(limits.CLIENT_ID_PATTERN)
_NOT_BLANK = re.compile(limits.NOT_BLANK_PATTERN)


class FrameError(ValueError):
    """A frame the API cannot act on; ``code`` is stable, ``message`` is for humans."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def frame(self, request_id: str | None = None) -> dict[str, Any]:
        """The error frame: ``{"action": "error", "error": code, "message": ..., ...}``."""
        out: dict[str, Any] = {"action": "error", "error": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.code in FRAME_ERRORS_LISTING_ACTIONS:
            out["valid_actions"] = list(ACTIONS)
        if request_id:
            out["request_id"] = request_id
        return out


def unavailable() -> FrameError:
    """The table could not serve the frame now (the primary region is down or hung, or the
    table throttles). The frame may be sent again: a ``send`` with the same ``client_id`` is
    stored at most once, even if this attempt's write was applied and its answer lost."""
    return FrameError(
        "unavailable",
        "the service is unavailable: send the frame again later (with the same client_id)",
    )


@dataclass(frozen=True)
class RoomFrame:
    """``join`` and ``leave``: ``{"action": "join", "room_id": "r1"}``."""

    action: str
    room_id: str


@dataclass(frozen=True)
class SendFrame:
    """``send``: ``{"action": "send", "room_id": "r1", "body": "hi", "client_id": "c-1"}``."""

    room_id: str
    body: str
    client_id: str | None = None


def parse(body: str | None, *, base64_encoded: bool = False) -> dict[str, Any]:
    """Decode one client message into a JSON object, or raise :class:`FrameError`."""
    if body is None or body == "":
        raise FrameError("empty_frame", "the message is empty: send a JSON object with 'action'")
    if base64_encoded:
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raise FrameError("invalid_encoding", "the binary message is not base64") from None
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise FrameError(
            "message_too_large",
            f"the message has {len(raw)} bytes; the limit is {MAX_MESSAGE_BYTES} bytes "
            f"(sent in frames of at most {MAX_FRAME_BYTES} bytes)",
        )
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameError("invalid_json", "the message is not valid UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise FrameError("invalid_json", "the message must be a JSON object with 'action'")
    action = value.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise FrameError("unknown_action", f"unknown action {_show(action)}", field="action")
    return value


def room_frame(frame: dict[str, Any]) -> RoomFrame:
    """Validate a ``join``/``leave`` frame."""
    return RoomFrame(action=str(frame["action"]), room_id=_room_id(frame))


def send_frame(frame: dict[str, Any], *, require_client_id: bool = True) -> SendFrame:
    """Validate a ``send`` frame, whose ``client_id`` (its idempotency key) is required, or a
    queued ``publish`` frame (``require_client_id=False``: the SQS message id stands in)."""
    room_id = _room_id(frame)
    body = frame.get("body")
    if body is None:
        raise FrameError("missing_field", "'body' is required", field="body")
    if not isinstance(body, str):
        raise FrameError("invalid_field", "'body' must be a string", field="body")
    if not _NOT_BLANK.search(body):
        raise FrameError("invalid_field", "'body' must not be blank", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise FrameError(
            "invalid_field",
            f"'body' has {len(body)} characters; the limit is {MAX_BODY_CHARS}",
            field="body",
        )
    if _has_lone_surrogate(body):
        raise FrameError("invalid_field", "'body' is not valid Unicode text", field="body")
    client_id = frame.get("client_id")
    if client_id is None and require_client_id:
        raise FrameError(
            "missing_field",
            "'client_id' is required: a unique id per message, repeated on a retry",
            field="client_id",
        )
    if client_id is not None and (
        not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id)
    ):
        raise FrameError(
            "invalid_field",
            f"'client_id' must be 1 to {limits.IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII "
            "characters (no spaces)",
            field="client_id",
        )
    return SendFrame(room_id=room_id, body=body, client_id=client_id)


def encode(frame: dict[str, Any]) -> bytes:
    """Serialize a server frame for the management API (compact UTF-8 JSON)."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _room_id(frame: dict[str, Any]) -> str:
    room_id = frame.get("room_id")
    if room_id is None:
        raise FrameError("missing_field", "'room_id' is required", field="room_id")
    # The REST API's identifier rule, so every room one API accepts the other accepts too.
    try:
        return check_id(room_id, "room_id")
    except ValidationFailed as error:
        problem = error.fields[0].message if error.fields else "is not a valid identifier"
        raise FrameError("invalid_field", f"'room_id' {problem}", field="room_id") from None


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _show(value: object) -> str:
    """A short, safe rendering of the offending action for the error message."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return json.dumps(value[:40])
    return f"of type {type(value).__name__}"
