"""Recorded integration payloads and request context for the mapping-template tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parents[1] / "events" / "rest_templates"


def recorded(name: str) -> str:
    """The raw text of ``tests/events/rest_templates/<name>.json`` (an integration's body)."""
    return (EVENTS / f"{name}.json").read_text()


@pytest.fixture
def context() -> dict[str, Any]:
    """``$context`` of a request that passed the Lambda REQUEST authorizer as ``user-1``."""
    value: dict[str, Any] = json.loads(recorded("request_context"))
    return value
