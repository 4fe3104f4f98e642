"""JSON Schema errors worded as API Gateway reports them in ``validationErrorString``.

API Gateway validates models with the Java json-schema-validator library (java-json-tools,
formerly fge); these are its message templates for draft 4. Wordings confirmed on deployed API
Gateway (a public AWS Synthetics canary asserting ``$context.error.validationErrorString``):
missing required properties, type (``number`` also allows ``integer``), minimum, enum,
oneOf. The others follow the library's message bundle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

Matcher = Callable[[Any, Any], bool]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def type_name(value: Any) -> str:
    """The library's primitive type of a JSON value (integral numbers are ``integer``)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    names = {str: "string", dict: "object", list: "array", type(None): "null"}
    return names.get(type(value), "unknown")


def _required(error: ValidationError, _: Matcher) -> str:
    missing = sorted(name for name in error.validator_value if name not in error.instance)
    return f"object has missing required properties ({_json(missing)})"


def _type(error: ValidationError, _: Matcher) -> str:
    value = error.validator_value
    allowed = {value} if isinstance(value, str) else set(value)
    if "number" in allowed:
        allowed.add("integer")  # the library spells out that number admits integer
    return (
        f"instance type ({type_name(error.instance)}) does not match any allowed primitive type"
        f" (allowed: {_json(sorted(allowed))})"
    )


def _minimum(error: ValidationError, _: Matcher) -> str:
    bound = _json(error.validator_value)
    if error.schema.get("exclusiveMinimum"):
        return f"numeric instance is not strictly greater than the required minimum {bound}"
    return (
        "numeric instance is lower than the required minimum"
        f" (minimum: {bound}, found: {_json(error.instance)})"
    )


def _maximum(error: ValidationError, _: Matcher) -> str:
    bound = _json(error.validator_value)
    if error.schema.get("exclusiveMaximum"):
        return f"numeric instance is not strictly lower than the required maximum {bound}"
    return (
        "numeric instance is greater than the required maximum"
        f" (maximum: {bound}, found: {_json(error.instance)})"
    )


def _additional_properties(error: ValidationError, _: Matcher) -> str:
    declared = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    extra = sorted(
        name
        for name in error.instance
        if name not in declared and not any(re.search(p, name) for p in patterns)
    )
    return f"object instance has properties which are not allowed by the schema: {_json(extra)}"


def _dependencies(error: ValidationError, _: Matcher) -> str:
    for name, needs in error.validator_value.items():
        if name in error.instance and isinstance(needs, list):
            missing = [n for n in needs if n not in error.instance]
            if missing:
                return (
                    f'property "{name}" of object has missing property dependencies'
                    f" (schema requires {_json(needs)}; missing: {_json(missing)})"
                )
    return str(error.message)


def _matched(error: ValidationError, is_valid: Matcher) -> int:
    return sum(1 for schema in error.validator_value if is_valid(schema, error.instance))


_MESSAGES: dict[str, Callable[[ValidationError, Matcher], str]] = {
    "required": _required,
    "type": _type,
    "minimum": _minimum,
    "maximum": _maximum,
    "additionalProperties": _additional_properties,
    "dependencies": _dependencies,
    "minLength": lambda e, _: (
        f"string {_json(e.instance)} is too short"
        f" (length: {len(e.instance)}, required minimum: {e.validator_value})"
    ),
    "maxLength": lambda e, _: (
        f"string {_json(e.instance)} is too long"
        f" (length: {len(e.instance)}, maximum allowed: {e.validator_value})"
    ),
    "pattern": lambda e, _: (
        f"ECMA 262 regex {_json(e.validator_value)} does not match input string {_json(e.instance)}"
    ),
    "enum": lambda e, _: (
        f"instance value ({_json(e.instance)}) not found in enum"
        f" (possible values: {_json(e.validator_value)})"
    ),
    "minItems": lambda e, _: (
        f"array is too short: must have at least {e.validator_value} elements"
        f" but instance has {len(e.instance)} elements"
    ),
    "maxItems": lambda e, _: (
        f"array is too long: must have at most {e.validator_value} elements"
        f" but instance has {len(e.instance)} elements"
    ),
    "uniqueItems": lambda e, _: "array must not contain duplicate elements",
    "minProperties": lambda e, _: (
        f"object has too few properties (found {len(e.instance)}"
        f" but schema requires at least {e.validator_value})"
    ),
    "maxProperties": lambda e, _: (
        f"object has too many properties (found {len(e.instance)}"
        f" but schema requires at most {e.validator_value})"
    ),
    "multipleOf": lambda e, _: (
        f"remainder of division is not zero ({_json(e.instance)} / {_json(e.validator_value)})"
    ),
    "anyOf": lambda e, _: (
        f"instance failed to match at least one required schema among {len(e.validator_value)}"
    ),
    "allOf": lambda e, ok: (
        f"instance failed to match all required schemas"
        f" (matched only {_matched(e, ok)} out of {len(e.validator_value)})"
    ),
    "oneOf": lambda e, ok: (
        f"instance failed to match exactly one schema"
        f" (matched {_matched(e, ok)} out of {len(e.validator_value)})"
    ),
    "not": lambda e, _: "instance matched a schema which it should not have",
}


def describe(error: ValidationError, is_valid: Matcher) -> str:
    """One error in the library's words; ``is_valid(schema, instance)`` counts sub-matches."""
    message = _MESSAGES.get(str(error.validator))
    return message(error, is_valid) if message else str(error.message)
