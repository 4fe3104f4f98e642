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


def evaluate(document: Any, path: str) -> Any:
    """The Jayway-shaped result of ``path`` on ``document``, or :data:`MISSING`."""
    path = path.strip() or "$"
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
