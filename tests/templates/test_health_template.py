"""GET /health: the mock integration's response template."""

from __future__ import annotations

import json
from typing import Any

from tests.templates.vtl import render


def test_health_reports_ok_with_stage_request_id_and_time(context: dict[str, Any]) -> None:
    # When the mock integration's response is rendered
    body = json.loads(render("health_response", context=context))

    # Then it is the documented health JSON, taken from the request context
    assert body == {
        "status": "ok",
        "stage": "v1",
        "request_id": context["requestId"],
        "time": context["requestTime"],
    }


def test_health_mock_request_selects_status_200() -> None:
    assert json.loads(render("health_request")) == {"statusCode": 200}
