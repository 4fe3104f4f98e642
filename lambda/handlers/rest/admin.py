"""``handlers.rest.admin.handler``: GET /admin/stats for IAM-signed operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from domain.runtime import get_table
from domain.stats import count_rooms
from handlers.rest.api import build_resolver
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()
metrics = Metrics()
app = build_resolver()


@app.get("/admin/stats")
@tracer.capture_method
def stats() -> dict[str, Any]:
    caller = app.current_event.request_context.identity.user_arn
    logger.info("admin stats", extra={"caller": caller})
    return {"rooms": count_rooms(get_table()), "generated_at": datetime.now(UTC).isoformat()}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
