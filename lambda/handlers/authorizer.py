"""``handlers.authorizer.handler``: the Lambda REQUEST authorizer of the REST API (header
``Authorization: Bearer <jwt>``) and of the WebSocket API (query string ``token`` on
``$connect``).

A valid token yields an Allow policy on the whole stage (``<api>/<stage>/*``) so REST
authorizer caching works across routes; anything else raises ``Exception("Unauthorized")``,
which API Gateway answers with 401. Kept lean: no resolver, no DynamoDB.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from domain.auth.keys import signing_key
from domain.auth.tokens import Claims, InvalidToken, verify

logger = Logger()


def _token(event: dict[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    if isinstance(headers, dict):
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == "authorization" and isinstance(value, str):
                scheme, _, token = value.strip().partition(" ")
                return token.strip() if scheme.lower() == "bearer" else None
    query = event.get("queryStringParameters") or {}
    value = query.get("token") if isinstance(query, dict) else None
    return value if isinstance(value, str) else None


def stage_resource(method_arn: str) -> str:
    """``arn:aws:execute-api:<region>:<acct>:<api>/<stage>/...`` -> ``.../<api>/<stage>/*``."""
    prefix, _, path = method_arn.partition("/")
    stage = path.split("/", 1)[0]
    if not prefix.startswith("arn:") or not stage:
        raise ValueError("unexpected methodArn")
    return f"{prefix}/{stage}/*"


def policy(claims: Claims, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": claims.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": stage_resource(method_arn),
                }
            ],
        },
        # Context values must be strings, numbers or booleans.
        "context": {
            "user_id": claims.sub,
            "name": claims.name or "",
            "groups": ",".join(claims.groups),
        },
    }


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        token = _token(event)
        if not token:
            raise InvalidToken("missing bearer token")
        claims = verify(token, signing_key())
        return policy(claims, str(event.get("methodArn", "")))
    except (InvalidToken, ValueError) as exc:
        logger.info("token rejected", extra={"reason": str(exc)})
        raise Exception("Unauthorized") from None
