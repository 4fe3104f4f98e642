"""``$disconnect``: remove the connection and its room memberships (best effort: API
Gateway does not wait for this route, and TTL removes whatever a failure leaves behind)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from domain.realtime import connections
from handlers.ws import runtime
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = runtime.request_context(event)["connectionId"]
    removed = connections.close_connection(runtime.table(), connection_id)
    logger.info("disconnected", extra={"connection_id": connection_id, "memberships": removed})
    return {"statusCode": 200}
