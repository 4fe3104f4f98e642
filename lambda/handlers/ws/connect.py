"""``$connect``: the Lambda REQUEST authorizer has already verified the token; store the
connection with its user, region and management endpoint."""

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
    ctx = runtime.request_context(event)
    authorizer = ctx.get("authorizer") or {}
    user_id = authorizer.get("user_id") or authorizer.get("principalId")
    if not isinstance(user_id, str) or not user_id:
        # Only reachable if the route lost its authorizer: refuse rather than store anonymously.
        logger.warning("connect without an authorized user")
        return {"statusCode": 401}
    connection = connections.open_connection(
        runtime.table(),
        connection_id=ctx["connectionId"],
        user_id=user_id,
        region=runtime.region(),
        endpoint=runtime.management_endpoint(ctx),
    )
    logger.info("connected", extra={"connection_id": connection.connection_id, "user_id": user_id})
    return {"statusCode": 200}
