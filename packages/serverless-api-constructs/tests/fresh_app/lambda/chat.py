"""The fresh app's WebSocket routes: accept and answer every frame."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": "{}"}
