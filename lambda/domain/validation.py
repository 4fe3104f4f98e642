"""A small schema validator for request bodies (the Lambda runtime has no pydantic).

Schemas mirror the API Gateway JSON-schema models of the contract, so a body that slips past
the gateway (or reaches the function another way) is rejected with the same field paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.errors import FieldProblem, ValidationFailed

ID_PATTERN = re.compile(r"[0-9A-Za-z_-]{1,64}")
"""Room ids: ULIDs or friendly slugs. ``#`` is excluded because it separates key parts."""


@dataclass(frozen=True)
class Text:
    """A string field with a length range (in characters)."""

    min_len: int = 0
    max_len: int = 1000
    required: bool = False

    def check(self, value: Any, path: str, out: list[FieldProblem]) -> None:
        if not isinstance(value, str):
            out.append(FieldProblem(path, f"must be a string, got {_json_type(value)}"))
        elif not self.min_len <= len(value) <= self.max_len:
            out.append(
                FieldProblem(
                    path, f"length must be {self.min_len}..{self.max_len}, got {len(value)}"
                )
            )


@dataclass(frozen=True)
class Schema:
    """An object with known properties; unknown properties are rejected."""

    properties: dict[str, Text]
    min_properties: int = 0

    def validate(self, data: Any, prefix: str = "body") -> dict[str, Any]:
        """Return ``data`` (a dict) or raise ``ValidationFailed`` listing every problem."""
        if not isinstance(data, dict):
            raise ValidationFailed(
                "request body must be a JSON object",
                [FieldProblem(prefix, f"must be an object, got {_json_type(data)}")],
            )
        problems: list[FieldProblem] = []
        for name, rule in self.properties.items():
            if name in data:
                rule.check(data[name], f"{prefix}.{name}", problems)
            elif rule.required:
                problems.append(FieldProblem(f"{prefix}.{name}", "is required"))
        for name in data:
            if name not in self.properties:
                problems.append(FieldProblem(f"{prefix}.{_clip(name)}", "unknown field"))
        if len(data) < self.min_properties:
            problems.append(
                FieldProblem(
                    prefix, f"needs at least {self.min_properties} of: {', '.join(self.properties)}"
                )
            )
        if problems:
            raise ValidationFailed("request body is invalid", problems)
        return data


def check_id(value: Any, path: str) -> str:
    """Validate an identifier from a path or body; raise ``ValidationFailed`` otherwise."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ValidationFailed(
            "invalid identifier",
            [FieldProblem(path, "must be 1..64 characters of A-Z, a-z, 0-9, '_' or '-'")],
        )
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _clip(name: str) -> str:
    # Unknown keys are echoed back; bound their length so errors stay small.
    return name if len(name) <= 64 else name[:61] + "..."


CREATE_ROOM = Schema({"name": Text(1, 100, required=True), "description": Text(0, 1000)})
UPDATE_ROOM = Schema({"name": Text(1, 100), "description": Text(0, 1000)}, min_properties=1)
CREATE_MESSAGE = Schema({"body": Text(1, 4000, required=True)})
#: A partner's message on POST /ingest, as the API's ``Ingest`` model admits it: the author is
#: never in the body (it is the partner's API key identity, see handlers.rest.ingest_consumer).
PARTNER_MESSAGE = Schema(
    {"room_id": Text(1, 64, required=True), "body": Text(1, 4000, required=True)}
)
