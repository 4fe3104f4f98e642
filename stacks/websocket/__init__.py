"""Mapping templates (VTL) of the WebSocket API's routes without Lambda.

Each template is one line: API Gateway sends a request template's output verbatim (a newline
would end up inside the form-encoded SQS request). Placeholders ``@@NAME@@`` are filled from
the contract (``@@VALID_ACTIONS@@``: the actions of ``contract.websocket``); VTL's own ``$``
syntax stays untouched. Tests render them with airspeed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# lambda/ on sys.path: the contract fills the templates' placeholders.
from .. import contract_path as _contract_path  # noqa: F401

TEMPLATE_DIR = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")


def _values() -> dict[str, str]:
    # Imported here, not above: importing lambda_code is what makes `contract` importable.
    from contract.websocket import ACTIONS

    return {"VALID_ACTIONS": json.dumps(list(ACTIONS), separators=(",", ":"))}


def template(name: str) -> str:
    """The text of ``<name>.vtl`` in this directory, its placeholders filled."""
    text = (TEMPLATE_DIR / f"{name}.vtl").read_text(encoding="utf-8").strip()
    values = _values()

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {name!r} has an unknown placeholder @@{key}@@")
        return values[key]

    return _PLACEHOLDER.sub(fill, text)
