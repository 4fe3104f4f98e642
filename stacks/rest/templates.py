"""Mapping templates (VTL) of the REST API's non-proxy integrations, kept as .vtl files.

Placeholders ``@@NAME@@`` are filled at synth time (``TABLE_NAME`` is a CloudFormation token;
the contract's limits, like ``DEFAULT_PAGE_SIZE`` and ``PAGE_SIZE_PATTERN``, are filled in by
default); VTL's own ``$`` syntax stays untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

from contract import limits
from contract.table import MESSAGE_SORT, ROOM_PARTITION, key_prefix

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
#: Values of the contract every template may name.
CONTRACT_VALUES = {
    "DEFAULT_PAGE_SIZE": str(limits.DEFAULT_PAGE_SIZE),
    "PAGE_SIZE_PATTERN": limits.PAGE_SIZE_PATTERN,
    "ROOM_PREFIX": key_prefix(ROOM_PARTITION),
    "MESSAGE_PREFIX": key_prefix(MESSAGE_SORT),
}


def load_template(name: str, **values: str) -> str:
    """The text of ``templates/<name>.vtl`` with every ``@@KEY@@`` replaced by ``values[KEY]``."""
    text = (TEMPLATE_DIR / f"{name}.vtl").read_text()
    values = {**CONTRACT_VALUES, **values}

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {name!r} needs a value for @@{key}@@")
        return values[key]

    # No trailing newline: it would end up inside the last value of a form-encoded body.
    return _PLACEHOLDER.sub(fill, text).rstrip("\n")
