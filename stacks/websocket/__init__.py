"""Mapping templates (VTL) of the WebSocket API's routes without Lambda.

Each template is one line: API Gateway sends a request template's output verbatim (a newline
would end up inside the form-encoded SQS request). Tests render them with airspeed.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent


def template(name: str) -> str:
    """The text of ``<name>.vtl`` in this directory."""
    return (TEMPLATE_DIR / f"{name}.vtl").read_text(encoding="utf-8").strip()
