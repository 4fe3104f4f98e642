"""The fresh app's token authorizer: allows nothing (the construct tests never invoke it)."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {
        "principalId": "anonymous",
        "policyDocument": {"Version": "2012-10-17", "Statement": []},
    }
