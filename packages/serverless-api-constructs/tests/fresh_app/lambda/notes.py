"""GET /notes of the fresh app: an empty list (the construct tests never invoke it)."""

from __future__ import annotations

import json
from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps({"notes": []})}
