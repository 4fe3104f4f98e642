"""``handlers.authorizer.handler``: the Lambda REQUEST authorizer of the REST API (identity
source: header ``Authorization: Bearer <jwt>``) and of the WebSocket API (identity source:
query string ``token`` on ``$connect``). Each API's event is read for exactly its own
identity source, nothing else.

- A valid token yields an Allow policy on the whole stage (``<api>/<stage>/*``), so REST
  authorizer caching works across routes, with the caller in the context.
- A routine rejection (missing, malformed, oversized, badly signed, expired or foreign token)
  returns an explicit Deny policy: API Gateway answers 403 and the invocation is not a Lambda
  error, so rejections never trip the authorizer-errors alarm. The reason is logged, never
  the token. (A request without the identity source at all is answered 401 by API Gateway
  without calling this function.)
- Only a fault raises: the signing secret cannot be read, the environment is incomplete.

Kept lean: no resolver, no DynamoDB.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from contract.websocket import CONNECT_TOKEN_QUERY
from domain.auth.keys import signing_key
from domain.auth.tokens import Claims, InvalidToken, verify
from domain.settings import get_settings

logger = Logger()

DENIED_PRINCIPAL = "anonymous"


def _is_websocket_connect(event: dict[str, Any]) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and context.get("eventType") == "CONNECT"


def _token(event: dict[str, Any]) -> str:
    """The token from the API's configured identity source; ``InvalidToken`` otherwise."""
    if _is_websocket_connect(event):
        query = event.get("queryStringParameters")
        value = query.get(CONNECT_TOKEN_QUERY) if isinstance(query, dict) else None
        if not isinstance(value, str) or not value:
            raise InvalidToken("missing token query parameter")
        return value
    headers = event.get("headers")
    values = [
        v
        for k, v in (headers.items() if isinstance(headers, dict) else ())
        if isinstance(k, str) and k.lower() == "authorization"
    ]
    if len(values) != 1 or not isinstance(values[0], str):
        raise InvalidToken("missing or repeated Authorization header")
    scheme, _, token = values[0].strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization header is not a bearer token")
    return token.strip()


def stage_resource(method_arn: str) -> str:
    """``arn:aws:execute-api:<region>:<acct>:<api>/<stage>/...`` -> ``.../<api>/<stage>/*``."""
    prefix, _, path = method_arn.partition("/")
    stage = path.split("/", 1)[0]
    if not prefix.startswith("arn:") or not stage:
        raise ValueError("unexpected methodArn")
    return f"{prefix}/{stage}/*"


def _statement(effect: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }


def policy(claims: Claims, method_arn: str) -> dict[str, Any]:
    """Allow the whole stage for ``claims.sub``, with the caller in the context."""
    return {
        "principalId": claims.sub,
        "policyDocument": _statement("Allow", stage_resource(method_arn)),
        # Context values must be strings, numbers or booleans.
        "context": {
            "user_id": claims.sub,
            "name": claims.name or "",
            "groups": ",".join(claims.groups),
        },
    }


def deny(method_arn: Any) -> dict[str, Any]:
    """Deny the whole stage (or everything when the ARN is not one API Gateway sends)."""
    try:
        resource = stage_resource(method_arn) if isinstance(method_arn, str) else "*"
    except ValueError:
        resource = "*"
    return {"principalId": DENIED_PRINCIPAL, "policyDocument": _statement("Deny", resource)}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    method_arn = event.get("methodArn")
    try:
        token = _token(event)
        claims = verify(token, signing_key(), get_settings().token_policy)
        return policy(claims, str(method_arn))
    except (InvalidToken, ValueError) as exc:
        # The reasons are fixed texts (tokens.py never quotes the token), safe to log.
        logger.info("token rejected", extra={"reason": str(exc)})
        return deny(method_arn)
