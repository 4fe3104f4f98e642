"""API Gateway v2 selection expressions (route, template, integration response selection)."""

from __future__ import annotations

import json
import re
from typing import Any

_BODY = re.compile(r"^\$\{?request\.body((?:\.[^.}]+)+)\}?$")
_STATUS = re.compile(r"^\$\{?integration\.response\.statuscode\}?$", re.IGNORECASE)


def json_body(text: str) -> Any:
    """The frame as JSON, or ``None`` when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def _body_value(path: str, document: Any) -> str | None:
    value = document
    for key in path.strip(".").split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate(expression: str | None, *, body: str = "", status: str | None = None) -> str | None:
    """The key an expression selects; ``None`` when what it names is absent.

    ``$request.body.a.b`` (also ``${...}``) reads the JSON frame (a non-JSON frame or a
    missing key gives ``None``, which the caller maps to ``$default``);
    ``${integration.response.statuscode}`` the integration's status; ``\\$default`` is the
    literal ``$default``; anything else is a literal key.
    """
    if expression is None:
        return None
    text = expression.strip()
    if text.startswith("\\$"):
        return text[1:]
    found = _BODY.match(text)
    if found:
        return _body_value(found.group(1), json_body(body))
    if _STATUS.match(text):
        return status
    return text


def matches_response_key(key: str, status: str) -> bool:
    """An integration response key: ``/regex/`` on the status code (whole string)."""
    if len(key) >= 2 and key.startswith("/") and key.endswith("/"):
        return re.fullmatch(key[1:-1], status) is not None
    return key == status
