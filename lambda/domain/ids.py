"""Identifier checks for paths and frames, apart from :mod:`domain.validation` (the REST
request validators): the WebSocket frame parser and the report handler need only these, and
each module a handler loads costs its cold start."""

from __future__ import annotations

import re
from typing import Any

from contract.limits import ID_PATTERN as _ID_PATTERN
from contract.limits import ID_RULE
from domain.errors import FieldProblem, ValidationFailed

ID_PATTERN = re.compile(_ID_PATTERN)
"""Room ids (``contract.limits.ID_PATTERN``), matched whole."""


def check_id(value: Any, path: str) -> str:
    """Validate an identifier from a path or body; raise ``ValidationFailed`` otherwise."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ValidationFailed("invalid identifier", [FieldProblem(path, f"must be {ID_RULE}")])
    return value
