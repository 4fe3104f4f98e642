"""The contract's error JSON and safe request-body parsing for API Gateway proxy events."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from domain.errors import AppError, BadRequest, FieldProblem, PayloadTooLarge
from domain.settings import MAX_BODY_BYTES

MAX_JSON_DEPTH = 32
"""Bodies nest far less in practice; deeper input is rejected before it can recurse."""


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


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_json(data: bytes) -> Any:
    """Decode a JSON body; every failure is a 400 BadRequest naming the problem."""
    if not data:
        raise BadRequest("request body is required", [FieldProblem("body", "is required")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("request body is not UTF-8", [FieldProblem("body", str(exc))]) from exc
    if _depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(
            "request body nests too deeply", [FieldProblem("body", f"depth > {MAX_JSON_DEPTH}")]
        )
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(
            "request body is not valid JSON", [FieldProblem("body", str(exc)[:200])]
        ) from exc
