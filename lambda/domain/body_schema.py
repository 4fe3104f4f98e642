"""The JSON Schema subset the contract's request schemas use (see ``contract.schemas``),
evaluated: :class:`Schema` evaluates exactly that subset and refuses a schema that uses
anything else, so a rule added to the contract cannot be silently skipped here.

The Lambda runtime has no JSON Schema library. Apart from :mod:`domain.validation`, which
builds a validator from this module on the first use of its request model: an invocation of a
route without a body (most of them) loads none of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from contract.schemas import PATTERN_RULES
from domain.errors import FieldProblem, ValidationFailed

_OBJECT_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "minProperties"}
)
_STRING_KEYWORDS = frozenset({"type", "minLength", "maxLength", "pattern"})


@dataclass(frozen=True)
class Text:
    """A string property: length range (in characters) and an optional pattern (searched, as
    JSON Schema does; the contract's patterns are anchored), with its rule in words."""

    min_len: int = 0
    max_len: int | None = None
    pattern: re.Pattern[str] | None = None
    rule: str | None = None

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> Text:
        _check_keywords(schema, "string", _STRING_KEYWORDS)
        pattern = schema.get("pattern")
        return cls(
            min_len=int(schema.get("minLength", 0)),
            max_len=schema.get("maxLength"),
            pattern=re.compile(pattern) if pattern is not None else None,
            rule=PATTERN_RULES.get(pattern) if pattern is not None else None,
        )

    def check(self, value: Any, path: str, out: list[FieldProblem]) -> None:
        if not isinstance(value, str):
            out.append(FieldProblem(path, f"must be a string, got {_json_type(value)}"))
        elif len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            bounds = f"{self.min_len}..{'' if self.max_len is None else self.max_len}"
            out.append(FieldProblem(path, f"length must be {bounds}, got {len(value)}"))
        elif self.pattern is not None and not self.pattern.search(value):
            out.append(FieldProblem(path, f"must be {self.rule or self.pattern.pattern}"))


@dataclass(frozen=True)
class Schema:
    """An object schema: known properties, the required ones, at least ``min_properties``;
    unknown properties are rejected (the contract's objects all say
    ``additionalProperties: false``)."""

    properties: dict[str, Text]
    required: frozenset[str] = field(default_factory=frozenset)
    min_properties: int = 0

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> Schema:
        """The validator of a contract request schema; ``ValueError`` if it uses a keyword
        this subset does not evaluate."""
        _check_keywords(schema, "object", _OBJECT_KEYWORDS)
        if schema.get("additionalProperties", True) is not False:
            raise ValueError("request schemas must refuse unknown properties")
        return cls(
            properties={name: Text.from_schema(s) for name, s in schema["properties"].items()},
            required=frozenset(schema.get("required", ())),
            min_properties=int(schema.get("minProperties", 0)),
        )

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
            elif name in self.required:
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


def _check_keywords(schema: dict[str, Any], kind: str, known: frozenset[str]) -> None:
    if schema.get("type") != kind:
        raise ValueError(f"expected a schema of type {kind}, got {schema.get('type')!r}")
    unknown = set(schema) - known
    if unknown:
        raise ValueError(f"schema keywords {sorted(unknown)} are not evaluated")


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
