"""Every error code a client can see, with its HTTP status (REST) or as the ``error`` of an
error frame (WebSocket). Handlers raise only these; a test walks ``lambda/`` to prove it."""

from __future__ import annotations

#: REST error codes (the ``code`` of the error JSON) and their HTTP status.
ERROR_STATUSES: dict[str, int] = {
    "BadRequest": 400,
    "ValidationFailed": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "PreconditionFailed": 412,
    "PayloadTooLarge": 413,
    "PreconditionRequired": 428,
    "Throttled": 429,
    "InternalError": 500,
    "ServiceUnavailable": 503,
}

#: What each REST error code means, for the route responses that document it.
ERROR_DESCRIPTIONS: dict[str, str] = {
    "BadRequest": "Invalid request",
    "ValidationFailed": "Invalid request",
    "Unauthorized": "Missing or invalid credentials",
    "Forbidden": "Not allowed",
    "NotFound": "No such room",
    "Conflict": "Idempotency-Key reused for another request",
    "PreconditionFailed": "Stale If-Match",
    "PreconditionRequired": "If-Match missing",
    "PayloadTooLarge": "Body too large",
    "Throttled": "Throttled",
    "InternalError": "Internal error",
    "ServiceUnavailable": "A dependency is unavailable, retry later",
}

#: The ``error`` of WebSocket error frames (``{"action": "error", "error": ...}``).
FRAME_ERROR_CODES: tuple[str, ...] = (
    "empty_frame",
    "invalid_encoding",
    "message_too_large",
    "invalid_json",
    "unknown_action",
    "missing_field",
    "invalid_field",
    "not_found",
    "forbidden",
    "not_a_member",
    "conflict",
    "not_connected",
    "unavailable",
    "publish_failed",
)

#: Frame errors that list the valid actions (``valid_actions``) for the client.
FRAME_ERRORS_LISTING_ACTIONS: frozenset[str] = frozenset({"invalid_json", "unknown_action"})


def status_of(code: str) -> int:
    """The HTTP status of REST error ``code``; ``KeyError`` for an undeclared code."""
    return ERROR_STATUSES[code]
