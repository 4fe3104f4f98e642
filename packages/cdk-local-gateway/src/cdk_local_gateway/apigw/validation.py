"""Request validation (JSON Schema draft 4 bodies, required parameters) in API Gateway's words.

API Gateway validates models with draft 4 and reports through ``$context.error.message``
(``Invalid request body``) and ``$context.error.validationErrorString`` (the details, worded by
the Java json-schema-validator library it runs: ``[object has missing required properties
(["name"])]``). The detail wording below follows that library's messages; see docs/vtl.md for
which wordings were checked against recorded API Gateway answers.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from jsonschema.exceptions import ValidationError

INVALID_BODY = "Invalid request body"
_NO_MODELS: Mapping[str, Mapping[str, Any]] = {}
_MODEL_URI = "https://apigateway.amazonaws.com/restapis/local/models/"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", dict: "object", list: "array", type(None): "null"}.get(
        type(value), "unknown"
    )


def _number(value: Any) -> str:
    return json.dumps(value)


def describe(error: ValidationError) -> str:
    """One validation error in json-schema-validator's words."""
    instance, value, keyword = error.instance, error.validator_value, str(error.validator)
    if keyword == "required":
        missing = sorted(name for name in value if name not in instance)
        return f"object has missing required properties ({_json(missing)})"
    if keyword == "type":
        allowed = sorted([value] if isinstance(value, str) else value)
        return (
            f"instance type ({_type_name(instance)}) does not match any allowed primitive type"
            f" (allowed: {_json(allowed)})"
        )
    if keyword == "minimum":
        if error.schema.get("exclusiveMinimum"):
            return (
                "numeric instance is not strictly greater than the required minimum"
                f" {_number(value)}"
            )
        return (
            "numeric instance is lower than the required minimum"
            f" (minimum: {_number(value)}, found: {_number(instance)})"
        )
    if keyword == "maximum":
        if error.schema.get("exclusiveMaximum"):
            return (
                f"numeric instance is not strictly lower than the required maximum {_number(value)}"
            )
        return (
            "numeric instance is greater than the required maximum"
            f" (maximum: {_number(value)}, found: {_number(instance)})"
        )
    if keyword == "minLength":
        return (
            f"string {_json(instance)} is too short"
            f" (length: {len(instance)}, required minimum: {value})"
        )
    if keyword == "maxLength":
        return (
            f"string {_json(instance)} is too long"
            f" (length: {len(instance)}, maximum allowed: {value})"
        )
    if keyword == "pattern":
        return f"ECMA 262 regex {_json(value)} does not match input string {_json(instance)}"
    if keyword == "enum":
        return (
            f"instance value ({_json(instance)}) not found in enum"
            f" (possible values: {_json(value)})"
        )
    if keyword == "additionalProperties":
        extra = sorted(
            name
            for name in instance
            if name not in error.schema.get("properties", {})
            and not any(re.search(p, name) for p in error.schema.get("patternProperties", {}))
        )
        return f"object instance has properties which are not allowed by the schema: {_json(extra)}"
    if keyword == "minItems":
        return (
            f"array is too short: must have at least {value} elements"
            f" but instance has {len(instance)} elements"
        )
    if keyword == "maxItems":
        return (
            f"array is too long: must have at most {value} elements"
            f" but instance has {len(instance)} elements"
        )
    if keyword == "uniqueItems":
        return "array must not contain duplicate elements"
    if keyword == "minProperties":
        return f"object has too few properties (found {len(instance)}, required minimum {value})"
    if keyword == "maxProperties":
        return f"object has too many properties (found {len(instance)}, maximum allowed {value})"
    if keyword == "multipleOf":
        return f"numeric instance is not a multiple of {_number(value)}"
    return str(error.message)


_MODEL_REF = re.compile(
    r"^https?://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#]+)(#.*)?$"
)


def _local_refs(value: Any) -> Any:
    """Point ``$ref``s to another model of the API (any API id) at the local registry."""
    if isinstance(value, dict):
        out = {key: _local_refs(item) for key, item in value.items()}
        ref = value.get("$ref")
        if isinstance(ref, str) and (match := _MODEL_REF.match(ref)):
            out["$ref"] = _MODEL_URI + match.group(1) + (match.group(2) or "")
        return out
    if isinstance(value, list):
        return [_local_refs(item) for item in value]
    return value


def _registry(models: Mapping[str, Mapping[str, Any]]) -> Registry[Any]:
    return Registry().with_resources(
        (_MODEL_URI + name, Resource.from_contents(_local_refs(dict(schema)), DRAFT4))
        for name, schema in models.items()
    )


def body_validation_errors(
    schema: Mapping[str, Any], body: str, *, models: Mapping[str, Mapping[str, Any]] = _NO_MODELS
) -> str | None:
    """``$context.error.validationErrorString`` for ``body``, or ``None`` when it is valid."""
    try:
        # An empty body validates as an empty object (recorded on AWS: localstack/localstack#7916).
        document = json.loads(body) if body.strip() else {}
    except ValueError as error:
        return f"[Invalid JSON: {error}]"
    try:
        validator = Draft4Validator(_local_refs(dict(schema)), registry=_registry(models))
        errors: Iterable[ValidationError] = sorted(
            validator.iter_errors(document), key=lambda e: list(e.absolute_path)
        )
        messages = [describe(error) for error in errors]
    except SchemaError as error:
        return f"[Invalid model schema: {error.message}]"
    return "[" + ", ".join(messages) + "]" if messages else None


def validate_body(
    schema: Mapping[str, Any], body: str, *, models: Mapping[str, Mapping[str, Any]] = _NO_MODELS
) -> str | None:
    """``None`` when ``body`` satisfies ``schema``; else ``$context.error.message``
    (``Invalid request body``). :func:`body_validation_errors` gives the details.

    ``models`` maps model names to schemas so ``$ref`` to another model of the API resolves.
    """
    return None if body_validation_errors(schema, body, models=models) is None else INVALID_BODY


def validate_parameters(
    required: Mapping[str, bool], params: Mapping[str, Mapping[str, str]]
) -> str | None:
    """``None`` when every required ``method.request.<where>.<name>`` is present.

    Otherwise API Gateway's message, e.g. ``Missing required request parameters: [limit]``.
    Header names compare case-insensitively; ``multivalue*`` sources read as their single form.
    """
    missing: list[str] = []
    for key, is_required in required.items():
        if not is_required:
            continue
        parts = key.split(".", 3)
        if len(parts) != 4 or parts[:2] != ["method", "request"]:
            continue
        where, name = parts[2].removeprefix("multivalue"), parts[3]
        source = params.get(where, {})
        present = (
            any(header.lower() == name.lower() for header in source)
            if where == "header"
            else name in source
        )
        if not present:
            missing.append(name)
    return f"Missing required request parameters: [{', '.join(missing)}]" if missing else None
