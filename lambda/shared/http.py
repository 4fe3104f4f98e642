"""The contract's error JSON and safe request-body parsing for API Gateway proxy events."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from domain.errors import AppError, BadRequest, FieldProblem, PayloadTooLarge
from domain.settings import MAX_BODY_BYTES
from shared.json_nesting import nesting_depth

MAX_JSON_DEPTH = 32
"""Bodies nest far less in practice; deeper input is rejected before it can recurse."""
MAX_JSON_INT_DIGITS = 64


def error_json(error: AppError, request_id: str | None) -> dict[str, Any]:
    """``{"error": {"code", "message", "fields"?, "request_id"}}``."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = [f.to_json() for f in error.fields]
    body["request_id"] = request_id
    return {"error": body}


def raw_body(body: Any, is_base64: bool, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body as bytes, enforcing the size limit before anything is parsed."""
    if body is None or body == "":
        return b""
    if not isinstance(body, str):
        raise BadRequest("request body must be a string", [FieldProblem("body", "not text")])
    if len(body) > limit * 4:  # cheap pre-check: no encoding shrinks text more than 4x
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    if is_base64:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("request body is not valid base64") from exc
    else:
        data = body.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(data: bytes) -> Any:
    """Decode a JSON body; every failure is a 400 BadRequest naming the problem."""
    if not data:
        raise BadRequest("request body is required", [FieldProblem("body", "is required")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("request body is not UTF-8", [FieldProblem("body", str(exc))]) from exc
    if nesting_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(
            "request body nests too deeply", [FieldProblem("body", f"depth > {MAX_JSON_DEPTH}")]
        )
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(
            "request body is not valid JSON", [FieldProblem("body", str(exc)[:200])]
        ) from exc
    bad = _surrogate_path(value, "body")
    if bad is not None:
        # JSON may spell a lone surrogate as an escape ("\ud800"); it is no character, cannot
        # be stored or sent as UTF-8, and would fail the first write with a 500.
        raise BadRequest(
            "request body is not valid Unicode",
            [FieldProblem(bad, "contains an unpaired UTF-16 surrogate (\\ud800-\\udfff)")],
        )
    return value


def _bounded_int(text: str) -> int:
    # int() refuses more than 4300 digits with a ValueError (caught as invalid JSON anyway);
    # no field of the API takes a number anywhere near this long.
    if len(text) > MAX_JSON_INT_DIGITS:
        raise ValueError(f"number longer than {MAX_JSON_INT_DIGITS} digits")
    return int(text)


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone (unpaired) surrogate, which UTF-8 cannot encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _printable(name: str) -> str:
    name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name if len(name) <= 64 else name[:61] + "..."


def _surrogate_path(value: Any, path: str) -> str | None:
    """The path (``body.a[2].b``) of the first string or key with a lone surrogate."""
    if isinstance(value, str):
        return path if has_surrogate(value) else None
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _surrogate_path(item, f"{path}[{i}]")
            if found is not None:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{_printable(key)}"
            if has_surrogate(key):
                return child
            found = _surrogate_path(item, child)
            if found is not None:
                return found
    return None
