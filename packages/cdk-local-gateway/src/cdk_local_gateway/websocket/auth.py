"""The Lambda REQUEST authorizer of ``$connect``: identity sources, policy, context."""

from __future__ import annotations

import fnmatch
import json
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.websocket.events import authorizer_event

if TYPE_CHECKING:
    from cdk_local_gateway.websocket.events import Call
    from cdk_local_gateway.websocket.model import WsAuthorizer
    from cdk_local_gateway.websocket.services import WsServices


class Refused(Exception):
    """The handshake is refused with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


def identity_value(call: Call, source: str) -> str | None:
    connection = call.connection
    prefix, _, name = source.strip().rpartition(".")
    if prefix == "route.request.header":
        return connection.header(name)
    if prefix == "route.request.querystring":
        return connection.single_query().get(name)
    if prefix == "stageVariables":
        return connection.stage.variables.get(name)
    return None


def method_arn(call: Call, account: str) -> str:
    api = call.api
    stage = call.connection.stage.name
    return f"arn:aws:execute-api:{api.region}:{account}:{api.api_id}/{stage}/{call.route_key}"


def policy_allows(policy: dict[str, Any], arn: str) -> bool:
    """An explicit Deny on ``arn`` wins; otherwise an Allow on it is needed."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        resources = statement.get("Resource", [])
        if isinstance(resources, str):
            resources = [resources]
        if not any(fnmatch.fnmatchcase(arn, str(r)) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


async def authorize(call: Call, authorizer: WsAuthorizer, services: WsServices) -> dict[str, Any]:
    """The authorizer context for ``requestContext.authorizer``, or :class:`Refused`."""
    values = [identity_value(call, source) for source in authorizer.identity_sources]
    if any(not value for value in values):
        # API Gateway does not call the function when an identity source is missing.
        raise Refused(401, "Unauthorized")
    spec = services.function(authorizer.uri)
    if spec is None or spec.unavailable:
        services.log(f"not emulated: authorizer {authorizer.logical_id}: {authorizer.uri}")
        raise Refused(500, "Internal server error")
    arn = method_arn(call, services.account)
    result = await services.lambdas.invoke(
        spec, authorizer_event(call, arn), caller_limit_s=services.limits.integration_s
    )
    if result.error is not None or result.caller_timed_out:
        if result.error is not None and result.error.get("errorMessage") == "Unauthorized":
            raise Refused(401, "Unauthorized")
        raise Refused(500, "Internal server error")
    try:
        answer = json.loads(result.payload)
    except ValueError:
        raise Refused(500, "Internal server error") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict):
        raise Refused(500, "Internal server error")
    if not policy_allows(answer["policyDocument"], arn):
        raise Refused(403, "Forbidden")
    context = answer.get("context") or {}
    return {**context, "principalId": answer.get("principalId"), "integrationLatency": 0}
