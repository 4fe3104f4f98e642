"""WebSocket APIs of a stack (``AWS::ApiGatewayV2::*`` with ``ProtocolType: WEBSOCKET``).

Resources are linked by logical id when the template uses ``Ref`` (as CDK does), else by the
resolved physical id. Every property the runtime uses is resolved here, once, so a value that
cannot be resolved names its resource at startup, not in the middle of a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.intrinsics import Unresolvable

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver

_PREFIX = "AWS::ApiGatewayV2::"


@dataclass
class WsIntegrationResponse:
    key: str  # "$default" or "/regex/" on the status code
    templates: dict[str, str]
    template_selection: str | None


@dataclass
class WsIntegration:
    logical_id: str
    type: str  # AWS_PROXY, AWS, MOCK, HTTP, HTTP_PROXY
    uri: str
    method: str
    request_templates: dict[str, str]
    template_selection: str | None
    request_parameters: dict[str, str]
    passthrough: str
    timeout_ms: int
    responses: list[WsIntegrationResponse] = field(default_factory=list)
    credentials_arn: str | None = None  # the role an AWS integration calls the service with


@dataclass
class WsAuthorizer:
    logical_id: str
    type: str
    uri: str
    identity_sources: list[str]


@dataclass
class WsRoute:
    logical_id: str
    key: str
    authorization: str
    authorizer: WsAuthorizer | None
    integration: WsIntegration | None
    response_selection: str | None
    response_keys: list[str] = field(default_factory=list)

    @property
    def two_way(self) -> bool:
        """Whether the integration's answer is sent back to the client (a route response)."""
        return bool(self.response_selection) and "$default" in self.response_keys


@dataclass
class Throttle:
    rate: float | None
    burst: int | None


@dataclass
class WsStage:
    name: str
    variables: dict[str, str]
    throttle: Throttle
    route_throttles: dict[str, Throttle]


@dataclass
class WebSocketApi:
    stack: Stack
    logical_id: str
    api_id: str
    name: str
    region: str
    route_selection: str
    routes: dict[str, WsRoute]
    stages: list[WsStage]
    # Resource and reason for what this API uses that the runtime cannot emulate.
    problems: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        return f"{self.stack.display_name}/{self.logical_id}"


def _reference(stack: Stack, resolver: Resolver, value: Any, where: str) -> str:
    """The logical id a ``Ref`` names, else the resolved value (a physical id)."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    return str(resolver.resolve(stack, value, where))


def _throttle(settings: dict[str, Any] | None) -> Throttle:
    settings = settings or {}
    rate = settings.get("ThrottlingRateLimit")
    burst = settings.get("ThrottlingBurstLimit")
    return Throttle(None if rate is None else float(rate), None if burst is None else int(burst))


class _Reader:
    def __init__(self, resolver: Resolver, stack: Stack, api_logical_id: str) -> None:
        self.resolver = resolver
        self.stack = stack
        self.api_logical_id = api_logical_id
        self.api_id = resolver.ref(stack, api_logical_id)
        self.problems: list[str] = []

    def props(self, logical_id: str) -> dict[str, Any]:
        raw = self.stack.resources[logical_id].get("Properties", {})
        resolved = self.resolver.resolve(self.stack, raw, f"{logical_id}.Properties")
        return resolved if isinstance(resolved, dict) else {}

    def of_api(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of ``kind`` that belong to this API."""
        found: dict[str, dict[str, Any]] = {}
        for logical_id, resource in self.stack.of_type(_PREFIX + kind).items():
            api = resource.get("Properties", {}).get("ApiId")
            owner = _reference(self.stack, self.resolver, api, f"{logical_id}.ApiId")
            if owner in (self.api_logical_id, self.api_id):
                found[logical_id] = resource
        return found

    def logical_of(self, candidates: dict[str, Any], value: Any, where: str) -> str | None:
        """The logical id among ``candidates`` a reference (``Ref`` or physical id) names."""
        name = _reference(self.stack, self.resolver, value, where)
        if name in candidates:
            return name
        for logical_id in candidates:
            if self.resolver.ref(self.stack, logical_id) == name:
                return logical_id
        return None

    def integrations(self) -> dict[str, WsIntegration]:
        integrations: dict[str, WsIntegration] = {}
        for logical_id in self.of_api("Integration"):
            p = self.safe_props(logical_id)
            if p is None:
                continue
            integrations[logical_id] = WsIntegration(
                logical_id=logical_id,
                type=str(p.get("IntegrationType", "")),
                uri=str(p.get("IntegrationUri", "")),
                method=str(p.get("IntegrationMethod", "POST")),
                request_templates={
                    str(k): str(v) for k, v in p.get("RequestTemplates", {}).items()
                },
                template_selection=p.get("TemplateSelectionExpression"),
                request_parameters={
                    str(k): str(v) for k, v in p.get("RequestParameters", {}).items()
                },
                passthrough=str(p.get("PassthroughBehavior", "WHEN_NO_MATCH")),
                timeout_ms=int(p.get("TimeoutInMillis", 29000)),
                credentials_arn=str(p["CredentialsArn"]) if p.get("CredentialsArn") else None,
            )
        for logical_id, resource in self.stack.of_type(_PREFIX + "IntegrationResponse").items():
            raw = resource.get("Properties", {})
            owner = self.logical_of(
                integrations, raw.get("IntegrationId"), f"{logical_id}.IntegrationId"
            )
            p = self.safe_props(logical_id)
            if owner is None or p is None:
                continue
            integrations[owner].responses.append(
                WsIntegrationResponse(
                    key=str(p.get("IntegrationResponseKey", "$default")),
                    templates={str(k): str(v) for k, v in p.get("ResponseTemplates", {}).items()},
                    template_selection=p.get("TemplateSelectionExpression"),
                )
            )
        return integrations

    def safe_props(self, logical_id: str) -> dict[str, Any] | None:
        """The resolved properties, or ``None`` (recorded as a problem) when they cannot be."""
        try:
            return self.props(logical_id)
        except Unresolvable as exc:
            self.problems.append(f"{logical_id}: {exc}")
            return None

    def authorizers(self) -> dict[str, WsAuthorizer]:
        authorizers: dict[str, WsAuthorizer] = {}
        for logical_id in self.of_api("Authorizer"):
            p = self.safe_props(logical_id)
            if p is None:
                continue
            sources = p.get("IdentitySource", [])
            if isinstance(sources, str):
                sources = sources.split(",")
            authorizers[logical_id] = WsAuthorizer(
                logical_id=logical_id,
                type=str(p.get("AuthorizerType", "REQUEST")),
                uri=str(p.get("AuthorizerUri", "")),
                identity_sources=[str(s).strip() for s in sources if str(s).strip()],
            )
        return authorizers

    def routes(self) -> dict[str, WsRoute]:
        integrations = self.integrations()
        authorizers = self.authorizers()
        routes: dict[str, WsRoute] = {}
        for logical_id, resource in self.of_api("Route").items():
            raw = resource.get("Properties", {})
            p = self.safe_props(logical_id)
            if p is None:
                continue
            integration: WsIntegration | None = None
            target = p.get("Target")
            if target:
                integration_id = str(target).removeprefix("integrations/")
                owner = self.logical_of(integrations, integration_id, f"{logical_id}.Target")
                integration = integrations.get(owner) if owner else None
                if integration is None:
                    self.problems.append(f"{logical_id}: target {target} is not an integration")
            authorizer: WsAuthorizer | None = None
            if raw.get("AuthorizerId") is not None:
                owner = self.logical_of(
                    authorizers, raw["AuthorizerId"], f"{logical_id}.AuthorizerId"
                )
                authorizer = authorizers.get(owner) if owner else None
            route = WsRoute(
                logical_id=logical_id,
                key=str(p.get("RouteKey", "")),
                authorization=str(p.get("AuthorizationType", "NONE")),
                authorizer=authorizer,
                integration=integration,
                response_selection=p.get("RouteResponseSelectionExpression"),
            )
            if route.authorization == "AWS_IAM":
                self.problems.append(f"{logical_id}: AWS_IAM authorization of $connect")
            routes[route.key] = route
        by_logical = {r.logical_id: r for r in routes.values()}
        for logical_id, resource in self.stack.of_type(_PREFIX + "RouteResponse").items():
            owner = self.logical_of(
                by_logical, resource.get("Properties", {}).get("RouteId"), f"{logical_id}.RouteId"
            )
            if owner is not None:
                key = self.props(logical_id).get("RouteResponseKey", "$default")
                by_logical[owner].response_keys.append(str(key))
        return routes

    def stages(self) -> list[WsStage]:
        stages: list[WsStage] = []
        for logical_id in self.of_api("Stage"):
            p = self.safe_props(logical_id)
            if p is None:
                continue
            stages.append(
                WsStage(
                    name=str(p.get("StageName", "$default")),
                    variables={str(k): str(v) for k, v in p.get("StageVariables", {}).items()},
                    throttle=_throttle(p.get("DefaultRouteSettings")),
                    route_throttles={
                        str(k): _throttle(v) for k, v in (p.get("RouteSettings") or {}).items()
                    },
                )
            )
        return stages


def read_websocket_apis(resolver: Resolver, stack: Stack) -> list[WebSocketApi]:
    """Every WebSocket API of ``stack`` with its routes, integrations and stages."""
    apis: list[WebSocketApi] = []
    for logical_id, resource in stack.of_type(_PREFIX + "Api").items():
        props = resource.get("Properties", {})
        if props.get("ProtocolType") != "WEBSOCKET":
            continue
        reader = _Reader(resolver, stack, logical_id)
        routes = reader.routes()
        stages = reader.stages()
        if not stages:
            reader.problems.append(f"{logical_id}: no AWS::ApiGatewayV2::Stage, nothing to serve")
        apis.append(
            WebSocketApi(
                stack=stack,
                logical_id=logical_id,
                api_id=reader.api_id,
                name=str(resolver.resolve(stack, props.get("Name", logical_id), "Name")),
                region=resolver.region_of(stack),
                route_selection=str(props.get("RouteSelectionExpression", "$request.body.action")),
                routes=routes,
                stages=stages,
                problems=reader.problems,
            )
        )
    return apis
