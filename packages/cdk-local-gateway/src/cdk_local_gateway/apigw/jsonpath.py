"""``$input.path`` / ``$input.json``: JSONPath through jsonpath-ng, shaped like Jayway's results.

API Gateway evaluates JSONPath with Jayway: a *definite* path (no wildcard, deep scan, filter,
slice or union) yields the one value it names, an indefinite path yields a list of matches.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext.parser import parse

# Outside quoted names: "..", "*", a filter "?(", or a bracket holding a slice or a union.
_INDEFINITE = re.compile(r"\.\.|\*|\?\(|\[[^\]'\"]*[:,][^\]'\"]*\]")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


class JsonPathError(ValueError):
    """A JSONPath expression that does not parse."""


def is_definite(path: str) -> bool:
    """Whether Jayway answers ``path`` with one value rather than a list."""
    return _INDEFINITE.search(_QUOTED.sub("''", path)) is None


@lru_cache(maxsize=256)
def _compiled(path: str) -> Any:
    try:
        return parse(path)
    except Exception as error:  # jsonpath-ng raises several unrelated types
        raise JsonPathError(f"invalid JSONPath {path!r}: {error}") from error


class Missing:
    """Sentinel: a definite path that names nothing (Jayway's PathNotFoundException)."""


MISSING = Missing()


def _numbers(value: Any) -> list[float]:
    items = value if isinstance(value, list) else []
    return [v for v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]


# Jayway's trailing functions ($.items.length()); jsonpath-ng has no syntax for them.
_FUNCTIONS: dict[str, Any] = {
    "length": lambda v: len(v) if isinstance(v, (list, dict, str)) else MISSING,
    "size": lambda v: len(v) if isinstance(v, (list, dict, str)) else MISSING,
    "min": lambda v: min(_numbers(v)) if _numbers(v) else MISSING,
    "max": lambda v: max(_numbers(v)) if _numbers(v) else MISSING,
    "sum": lambda v: sum(_numbers(v)) if _numbers(v) else MISSING,
    "avg": lambda v: sum(_numbers(v)) / len(_numbers(v)) if _numbers(v) else MISSING,
    "keys": lambda v: list(v) if isinstance(v, dict) else MISSING,
}
_FUNCTION_CALL = re.compile(r"^(?P<base>.+)\.(?P<name>[a-z]+)\(\)$")


def evaluate(document: Any, path: str) -> Any:
    """The Jayway-shaped result of ``path`` on ``document``, or :data:`MISSING`."""
    path = path.strip() or "$"
    call = _FUNCTION_CALL.match(path)
    if call and call.group("name") in _FUNCTIONS:
        base = evaluate(document, call.group("base"))
        return MISSING if base is MISSING else _FUNCTIONS[call.group("name")](base)
    matches = [match.value for match in _compiled(path).find(document)]
    if is_definite(path):
        return matches[0] if matches else MISSING
    return matches


def parse_body(body: str) -> Any:
    """The JSON document of a body. An empty body reads as ``{}``; text that is not JSON reads
    as that text, as json-smart's permissive mode (Jayway's parser) takes it."""
    if body.strip() == "":
        return {}
    try:
        return json.loads(body)
    except ValueError:
        return body
