"""Mapping templates (VTL) of the REST API's non-proxy integrations, kept as .vtl files.

Placeholders ``@@NAME@@`` are filled at synth time (``TABLE_NAME`` is a CloudFormation token);
VTL's own ``$`` syntax stays untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")


def load_template(name: str, **values: str) -> str:
    """The text of ``templates/<name>.vtl`` with every ``@@KEY@@`` replaced by ``values[KEY]``."""
    text = (TEMPLATE_DIR / f"{name}.vtl").read_text()

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {name!r} needs a value for @@{key}@@")
        return values[key]

    # No trailing newline: it would end up inside the last value of a form-encoded body.
    return _PLACEHOLDER.sub(fill, text).rstrip("\n")
