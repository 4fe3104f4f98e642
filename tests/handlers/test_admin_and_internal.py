"""GET /admin/stats (handlers.rest.admin) and the VPC Link backend
(handlers.rest.internal_service)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from handlers.rest import admin, internal_service, rooms
from tests.handlers.conftest import load_event, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import FakeLambdaContext, HttpResult


def test_admin_stats_counts_rooms(invoke: Callable[..., HttpResult]) -> None:
    # Given the current count, then one more room
    before = invoke(admin.handler, load_event("admin_stats.json")).body["rooms"]
    invoke(rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None}))

    # When an operator asks for stats
    result = invoke(admin.handler, load_event("admin_stats.json"))

    # Then the room count went up by one
    assert result.status == 200
    assert result.body["rooms"] == before + 1
    assert result.body["generated_at"]


def test_internal_service_answers_alb_target_events(lambda_context: FakeLambdaContext) -> None:
    # Given a request that came through the VPC Link, NLB and ALB
    event = load_event("alb_internal.json")

    # When the private backend handles it
    response = internal_service.handler(event, lambda_context)  # type: ignore[arg-type]

    # Then it answers in the ALB format with its identity, the path and the method
    assert response["statusCode"] == 200
    assert response["statusDescription"] == "200 OK"
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {
        "service": "internal",
        "path": "/internal/status",
        "method": "GET",
    }
