"""Translations every use case module shares: the library's validation errors into the
contract's field list, datetimes into the contract's JSON.

Apart from :mod:`domain.rooms` so that :mod:`domain.messages` (and through it the WebSocket
send and publish handlers) does not load the room use cases on its cold start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors import FieldProblem, ValidationFailed

if TYPE_CHECKING:
    from datetime import datetime

    import pydynamodel


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def as_validation_failed(
    exc: pydynamodel.ValidationError, prefix: str = "body"
) -> ValidationFailed:
    """Translate the library's field errors into the contract's field list."""
    fields = [
        FieldProblem(f"{prefix}.{e.path}" if e.path else prefix, e.message) for e in exc.errors
    ]
    return ValidationFailed("request is invalid", fields)
