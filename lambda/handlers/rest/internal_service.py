"""``handlers.rest.internal_service.handler``: the private backend behind the VPC Link
(API Gateway -> VPC Link -> internal NLB -> internal ALB -> this Lambda target).

It answers ALB target events, so the response carries ``statusDescription``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = event.get("path") if isinstance(event, dict) else None
    method = event.get("httpMethod") if isinstance(event, dict) else None
    body = {"service": "internal", "path": path or "/", "method": method or "GET"}
    return {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
