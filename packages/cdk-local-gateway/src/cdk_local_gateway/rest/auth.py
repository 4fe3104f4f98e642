"""Authorizers: Cognito user pools, Lambda TOKEN and REQUEST (with result caching), AWS_IAM."""

from __future__ import annotations

import fnmatch
import re
import time
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.rest.errors import GatewayError, NotEmulated
from cdk_local_gateway.sigv4 import SignatureRejected, verify
from cdk_local_gateway.tokens import TokenRejected, issuer, verify_cognito

if TYPE_CHECKING:
    from cdk_local_gateway.rest.model import Authorizer, Method, RestApi
    from cdk_local_gateway.rest.request import Incoming
    from cdk_local_gateway.rest.services import Services, UserPool

_LAMBDA_URI = re.compile(r"functions/(arn:[^/]+)/invocations")


def identity_value(incoming: Incoming, source: str, stage_variables: dict[str, str]) -> str | None:
    source = source.strip()
    prefix, _, name = source.rpartition(".")
    if prefix == "method.request.header":
        return incoming.header(name)
    if prefix == "method.request.querystring":
        return incoming.single_query().get(name)
    if prefix == "method.request.path":
        return incoming.path_parameters.get(name)
    if prefix == "stageVariables":
        return stage_variables.get(name)
    if prefix == "context":
        return None
    return None


def method_arn(api: RestApi, services: Services, incoming: Incoming, method: Method) -> str:
    region = services.resolver.region_of(api.stack)
    path = "/" + incoming.raw_path.lstrip("/")
    account = services.resolver.account
    stage = api.stage_name
    return (
        f"arn:aws:execute-api:{region}:{account}:{api.api_id}/{stage}/{incoming.http_method}{path}"
    )


def _policy_allows(policy: dict[str, Any], arn: str) -> bool | None:
    """True (allowed), False (explicitly denied) or None (nothing matches: denied)."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = None
    for statement in statements:
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(arn, r.replace("?", "[?]")) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def pool_for_arn(pools: dict[str, UserPool], arn: str) -> UserPool | None:
    """The provisioned pool a ``ProviderARNs`` entry names: by its exact ARN, else by the
    region and pool id in it, so a pool of another region is found and an ARN built with
    another account id (a pinned stage account; the local AWS has its own) still names it."""
    if arn in pools:
        return pools[arn]
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        return None
    region, pool_id = parts[3], parts[5].removeprefix("userpool/")
    return next((p for p in pools.values() if p.region == region and p.pool_id == pool_id), None)


class Authorizers:
    """Runs the method's authorizer; fills ``incoming.authorizer`` and identity."""

    def __init__(self, api: RestApi, services: Services) -> None:
        self.api = api
        self.services = services
        # (authorizer, identity values) -> (expires at, policy result)
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}

    async def authorize(self, incoming: Incoming, method: Method) -> None:
        kind = method.authorization_type
        if kind == "NONE":
            return
        if kind == "AWS_IAM":
            self._iam(incoming)
            return
        authorizer = self.api.authorizers.get(str(method.props.get("AuthorizerLogicalId")))
        if authorizer is None:
            raise NotEmulated(f"{method.logical_id}: authorizer not found in the template")
        if kind == "COGNITO_USER_POOLS":
            self._cognito(incoming, authorizer)
        elif kind == "CUSTOM":
            await self._lambda(incoming, method, authorizer)
        else:
            raise NotEmulated(f"{method.logical_id}: authorization type {kind}")

    def _cognito(self, incoming: Incoming, authorizer: Authorizer) -> None:
        source = str(authorizer.props.get("IdentitySource", "method.request.header.Authorization"))
        token = identity_value(incoming, source, self.api.stage_variables)
        if not token:
            raise GatewayError("UNAUTHORIZED", "Unauthorized")
        pools = [
            pool_for_arn(self.services.user_pools, str(arn))
            for arn in authorizer.props.get("ProviderARNs", [])
        ]
        known = [p for p in pools if p is not None]
        if not known:
            raise NotEmulated(
                f"{authorizer.logical_id}: its user pools are not provisioned locally"
            )
        try:
            claims = verify_cognito(
                token.removeprefix("Bearer ").strip() if token.startswith("Bearer ") else token,
                self.services.signing_key,
                issuers=[issuer(p.region, p.pool_id) for p in known],
                client_ids=[c for p in known for c in p.client_ids],
            )
        except TokenRejected:
            raise GatewayError("UNAUTHORIZED", "Unauthorized") from None
        # API Gateway hands the claims on as strings.
        incoming.authorizer = {
            "claims": {k: v if isinstance(v, str) else _claim_text(v) for k, v in claims.items()}
        }

    async def _lambda(self, incoming: Incoming, method: Method, authorizer: Authorizer) -> None:
        props = authorizer.props
        kind = str(props.get("Type", "TOKEN"))
        default_source = "method.request.header.Authorization"
        sources = [
            s for s in str(props.get("IdentitySource", default_source)).split(",") if s.strip()
        ]
        values = [identity_value(incoming, s, self.api.stage_variables) for s in sources]
        if kind == "TOKEN":
            token = values[0] if values else None
            if not token:
                raise GatewayError("UNAUTHORIZED", "Unauthorized")
            pattern = props.get("IdentityValidationExpression")
            if pattern and not re.fullmatch(str(pattern), token):
                raise GatewayError("UNAUTHORIZED", "Unauthorized")
        elif sources and any(not v for v in values):
            # Missing identity source: 401 without calling the function.
            raise GatewayError("UNAUTHORIZED", "Unauthorized")
        arn = method_arn(self.api, self.services, incoming, method)
        ttl = int(props.get("AuthorizerResultTtlInSeconds", 300))
        key = (authorizer.logical_id, tuple(v or "" for v in values))
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic() and sources:
            result = cached[1]
        else:
            result = await self._invoke(incoming, method, authorizer, kind, arn, values)
            if ttl > 0 and sources:
                self._cache[key] = (time.monotonic() + ttl, result)
        allowed = _policy_allows(result.get("policyDocument", {}), arn)
        if allowed is not True:
            raise GatewayError("ACCESS_DENIED", "User is not authorized to access this resource")
        context = {k: v for k, v in (result.get("context") or {}).items()}
        incoming.authorizer = {
            **context,
            "principalId": result.get("principalId"),
            "integrationLatency": 0,
        }
        if result.get("usageIdentifierKey"):
            incoming.api_key = str(result["usageIdentifierKey"])

    async def _invoke(
        self,
        incoming: Incoming,
        method: Method,
        authorizer: Authorizer,
        kind: str,
        arn: str,
        values: list[str | None],
    ) -> dict[str, Any]:
        uri = str(authorizer.props.get("AuthorizerUri", ""))
        found = _LAMBDA_URI.search(uri)
        spec = self.services.functions.get(found.group(1)) if found else None
        if spec is None:
            raise NotEmulated(
                f"{authorizer.logical_id}: authorizer function {uri} is not in the assembly"
            )
        if kind == "TOKEN":
            event: dict[str, Any] = {
                "type": "TOKEN",
                "authorizationToken": values[0],
                "methodArn": arn,
            }
        else:
            from cdk_local_gateway.rest.request import request_context

            event = {
                "type": "REQUEST",
                "methodArn": arn,
                "resource": method.resource_path,
                "path": incoming.stage_path.split("/", 2)[-1]
                and "/" + incoming.raw_path.lstrip("/"),
                "httpMethod": incoming.http_method,
                "headers": incoming.single_headers(),
                "multiValueHeaders": incoming.multi_headers(),
                "queryStringParameters": incoming.single_query(),
                "multiValueQueryStringParameters": incoming.multi_query(),
                "pathParameters": incoming.path_parameters,
                "stageVariables": self.api.stage_variables,
                "requestContext": request_context(
                    incoming,
                    api_id=self.api.api_id,
                    account=self.services.resolver.account,
                    stage=self.api.stage_name,
                    resource_path=method.resource_path,
                    resource_id=method.logical_id[:6],
                ),
            }
        result = await self.services.lambdas.invoke(spec, event, caller_limit_s=29.0)
        if result.caller_timed_out:
            raise GatewayError("AUTHORIZER_FAILURE", None)
        if result.error is not None:
            if result.error.get("errorMessage") == "Unauthorized":
                raise GatewayError("UNAUTHORIZED", "Unauthorized")
            raise GatewayError("AUTHORIZER_FAILURE", None)
        import json

        try:
            answer = json.loads(result.payload)
        except ValueError:
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None) from None
        if not isinstance(answer, dict) or "policyDocument" not in answer:
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None)
        return answer

    def _iam(self, incoming: Incoming) -> None:
        key_id, secret = self.services.credentials
        query = "&".join(f"{k}={v}" for k, v in incoming.query) if incoming.query else ""
        url = f"http://{incoming.host}{incoming.stage_path}" + (f"?{query}" if query else "")
        try:
            verify(
                method=incoming.http_method,
                url=url,
                headers=dict(incoming.headers),
                body=incoming.body,
                secrets={key_id: secret},
            )
        except SignatureRejected as exc:
            missing = exc.error_type == "ForbiddenException"
            raise GatewayError(
                "MISSING_AUTHENTICATION_TOKEN" if missing else "INVALID_SIGNATURE", exc.message
            ) from None
        account = self.services.resolver.account
        incoming.identity_extra = {
            "accessKey": key_id,
            "accountId": account,
            "caller": key_id,
            "user": key_id,
            "userArn": f"arn:aws:iam::{account}:user/local-gateway",
        }


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)
