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

from cdk_local_gateway.apigw.schema_messages import describe

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from jsonschema.exceptions import ValidationError

INVALID_BODY = "Invalid request body"
_NO_MODELS: Mapping[str, Mapping[str, Any]] = {}
_MODEL_URI = "https://apigateway.amazonaws.com/restapis/local/models/"


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


def _matcher(validator: Any) -> Any:
    def is_valid(schema: Any, instance: Any) -> bool:
        return bool(validator.evolve(schema=schema).is_valid(instance))

    return is_valid


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
        # jsonschema reports "required" once per missing name; the library once per keyword.
        messages = list(dict.fromkeys(describe(error, _matcher(validator)) for error in errors))
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


def select_model(request_models: Mapping[str, str], content_type: str | None) -> str | None:
    """The model name validating a body of ``content_type`` (``RequestModels`` of the method).

    "If no matching content type is found, request validation is not performed. To use the
    same model regardless of the content type, set the content type of your data model to
    $default" (AWS request validation guide). An absent Content-Type reads as application/json.
    """
    wanted = (content_type or "application/json").split(";", 1)[0].strip().lower()
    by_type = {name.lower(): model for name, model in request_models.items()}
    return by_type.get(wanted, by_type.get("$default"))


def validate_parameters(
    required: Mapping[str, bool], params: Mapping[str, Mapping[str, str]]
) -> str | None:
    """``None`` when every required ``method.request.<where>.<name>`` is present.

    Otherwise API Gateway's message, e.g. ``Missing required request parameters: [limit]``.
    A parameter must be "included and not blank" (AWS request validation guide): an empty
    value counts as missing. Header names compare case-insensitively; ``multivalue*`` sources
    read as their single form.
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
        if where == "header":
            value = next((v for k, v in source.items() if k.lower() == name.lower()), "")
        else:
            value = source.get(name, "")
        if value.strip() == "":
            missing.append(name)
    return f"Missing required request parameters: [{', '.join(missing)}]" if missing else None
