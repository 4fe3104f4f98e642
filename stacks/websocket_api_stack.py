"""WebSocket API of one region of a stage: connect with a token, join/leave rooms, send to a
room (delivered in every region of the stage), ping, publish to a queue, look up upstream.

Routes, functions and their table access come from the contract (:mod:`contract.websocket`,
rendered in docs/websocket-reference.md); this module decides how each kind of route is
built: Lambda routes (``$connect`` behind the token authorizer), mocks answered from their
response templates, ``publish`` to the queue its consumer function drains, ``lookup`` proxied
to ``config.upstream_url``.
"""

from __future__ import annotations

# First: importing lambda_code puts lambda/ on sys.path, where `contract` lives.
from . import lambda_code as _lambda_code  # noqa: F401

# isort: split

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam

from contract.websocket import (
    CONNECT_TOKEN_QUERY,
    DELIVERY_FAILED_METRIC,
    FUNCTIONS,
    ROUTES,
    Kind,
    WebSocketRoute,
)
from serverless_api_constructs import (
    HttpProxyRoute,
    MockRoute,
    SecureQueue,
    ServiceFunction,
    ServiceWebSocketApi,
    SqsSendMessageRoute,
    WebSocketApiMonitoring,
)

from .api_parts import (
    CONSUMER_TIMEOUT,
    FunctionFactory,
    consume_queue,
    monitor_service,
    new_monitoring,
    queue_visibility_timeout,
)
from .config import region_id
from .guardrails import (
    acknowledge,
    acknowledge_policy_wildcard,
    acknowledge_wildcard_resource,
)
from .websocket import template

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aws_cdk import aws_lambda as lambda_
    from constructs import Construct

    from .config import StageConfig
    from .table_access import StageTable

SERVICE = "rooms-websocket"
#: Concurrent @connections posts per send (see docs/websocket-api.md, "Broadcast").
BROADCAST_CONCURRENCY = 12
#: Failed deliveries (5xx, timeouts; not 410) per 5 minutes that page the on-call.
DELIVERY_FAILURE_THRESHOLD = 10
#: Path appended to ``config.upstream_url`` for the ``lookup`` route (httpbin echoes it).
LOOKUP_PATH = "/anything"
#: Each function's table access, as the contract declares it (granted once all exist).
TABLE_GRANTS = {name: spec.table for name, spec in FUNCTIONS.items()}
#: Functions that post to connections (in every region of the stage).
SENDERS = tuple(name for name, spec in FUNCTIONS.items() if spec.sender)
#: Output of each WebSocket stack that its peer regions' stacks read the API id from.
API_ID_OUTPUT = "ApiId"


@dataclass(frozen=True)
class FanOutPeer:
    """What a WebSocket stack needs of the WebSocket API of another region of its stage to
    fan messages out both ways (:meth:`WebSocketApiStack.fan_out_peer` makes one)."""

    #: The peer's stack: deployed first, since its API id is read from its output by name.
    stack: cdk.Stack
    region: str
    stack_name: str
    #: Name of the peer stack's output holding its API id.
    api_id_output: str
    stage_name: str
    #: Roles of the peer's functions that post to connections.
    sender_roles: tuple[iam.IRole, ...]

    @property
    def api_id(self) -> str:
        """The peer's API id, read from its output in its region (a weak cross-region
        reference: no export, so neither stack blocks the other's updates)."""
        return cdk.Token.as_string(
            {
                "Fn::GetStackOutput": {
                    "StackName": self.stack_name,
                    "OutputName": self.api_id_output,
                    "Region": self.region,
                }
            }
        )


class WebSocketApiStack(cdk.Stack):
    """The WebSocket API of one region of a stage.

    Messages reach the room's members in every region by direct fan-out: each Connection and
    Membership item stores the management endpoint of the regional API it is connected to
    (replicated by the global table), and ``send`` posts to each member's endpoint. The send
    functions may POST to connections of this API's stage and of each peer region's API, named
    by id: ``peers`` are the WebSocket APIs of the stage's regions created before this one,
    and this stack grants in both directions (see :meth:`_grant_fan_out`).

    What it takes from other stacks is in its signature: the stage's ``table``, the region's
    token ``authorizer_function`` (the REST stack's, shared) and the ``peers``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        table: StageTable,
        authorizer_function: lambda_.IFunction,
        peers: Sequence[FanOutPeer] = (),
        broadcast_concurrency: int = BROADCAST_CONCURRENCY,
        lookup_path: str = LOOKUP_PATH,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.stage_table = table
        self.make_function = FunctionFactory.for_stack(self, config, service=SERVICE)
        self.function_environment = {
            # The primary first: shared data is written there; a connection's own items are
            # written in this region (AWS_REGION), where the connection lives.
            **table.environment(),
            "BROADCAST_CONCURRENCY": str(broadcast_concurrency),
        }
        self.api = ServiceWebSocketApi(
            self,
            "Api",
            stage_name=config.name,
            throttle_rate_limit=config.websocket_throttle.rate_limit,
            throttle_burst_limit=config.websocket_throttle.burst_limit,
            log_retention=self.make_function.log_retention,
            description=f"{config.name}: rooms and messages in real time ({self.region})",
        )
        self.functions = self._route_functions()
        self._publish_queue()
        table.grant_declared(
            {name: fn.function for name, fn in self.functions.items()},
            TABLE_GRANTS,
            region=self.region,
        )
        self._grant_posting()
        self._grant_fan_out(peers)
        self._lambda_routes(authorizer_function)
        self._direct_routes(lookup_path)
        self._monitoring()
        self._acknowledge_unauthenticated_routes()
        self._outputs()

    # --- functions and queue ---------------------------------------------------------------

    def _function(self, name: str) -> ServiceFunction:
        """One WebSocket function of the contract: all share the environment; table access
        is granted from TABLE_GRANTS once all exist."""
        spec = FUNCTIONS[name]
        settings: dict[str, Any] = {}
        if spec.timeout_seconds is not None:
            settings["timeout"] = cdk.Duration.seconds(spec.timeout_seconds)
        if spec.memory_mb is not None:
            settings["memory_size"] = spec.memory_mb
        return self.make_function(
            name,
            handler=spec.handler,
            description=spec.description,
            environment=self.function_environment,
            **settings,
        )

    def _route_functions(self) -> dict[str, ServiceFunction]:
        """The functions behind the Lambda routes, by construct id."""
        return {
            route.function: self._function(route.function)
            for route in ROUTES
            if route.kind is Kind.LAMBDA and route.function is not None
        }

    def _publish_queue(self) -> None:
        """The queue the ``publish`` route sends to (with its dead-letter queue) and the
        consumer that stores and delivers what it holds."""
        self.publish_queue = SecureQueue(
            self, "PublishQueue", visibility_timeout=queue_visibility_timeout(CONSUMER_TIMEOUT)
        )
        name = _sqs_route().function
        if name is None:
            raise ValueError("the contract's SQS route names no consumer function")
        consumer = self._function(name)
        consume_queue(consumer.function, self.publish_queue.queue, mapping_id="PublishQueue")
        self.functions[name] = consumer

    # --- grants ------------------------------------------------------------------------------

    def _grant_posting(self) -> None:
        """Let the senders post to connections of this API's stage."""
        for name in SENDERS:
            fn = self.functions[name]
            self.api.grant_manage_connections(fn.function, method="POST")
            acknowledge_wildcard_resource(
                fn,
                self.api.stage_arn("POST/@connections/*"),
                "Posting to connections: the connection id is only known at run time; the "
                "grant names this API, this stage and POST.",
            )

    def fan_out_peer(self) -> FanOutPeer:
        """This API as a peer of the WebSocket stacks of the stage's later regions."""
        return FanOutPeer(
            stack=self,
            region=self.region,
            stack_name=self.stack_name,
            api_id_output=API_ID_OUTPUT,
            stage_name=self.api.stage_name,
            sender_roles=tuple(self.functions[name].role for name in SENDERS),
        )

    def _grant_fan_out(self, peers: Sequence[FanOutPeer]) -> None:
        """Let the senders of this region and of each peer post to each other's connections.

        Each region's stack needs the other's API id: granting in both stacks would be a
        dependency cycle. The later stack grants both directions instead: its own senders'
        roles get the peer's stage (the peer's API id read from the peer's output), and the
        peer's senders' roles get a policy, defined here, on this stage. This stack deploys
        after its peers (explicit dependency); until it is deployed, the earlier region
        cannot post to this one, which has no connections yet anyway."""
        own_senders = [self.functions[name].role for name in SENDERS]
        for peer in peers:
            self.add_stack_dependency(peer.stack)
            scope_id = region_id(peer.region)
            outgoing = self._fan_out_policy(
                f"FanOutTo{scope_id}", own_senders, peer.region, peer.api_id, peer.stage_name
            )
            incoming = self._fan_out_policy(
                f"FanOutFrom{scope_id}",
                peer.sender_roles,
                self.region,
                self.api.api_id,
                self.api.stage_name,
            )
            for policy, direction in ((outgoing, "to"), (incoming, "from")):
                acknowledge_policy_wildcard(
                    policy,
                    f"Direct fan-out {direction} the {peer.region} WebSocket API: POST to "
                    "connections of one named API and stage; connection ids exist only at "
                    "run time.",
                )

    # --- routes ------------------------------------------------------------------------------

    def _lambda_routes(self, authorizer_function: lambda_.IFunction) -> None:
        """The routes served by functions; ``$connect`` checks the token first."""
        authorizer = authorizers.WebSocketLambdaAuthorizer(
            "TokenAuthorizer",
            authorizer_function,
            identity_source=[f"route.request.querystring.{CONNECT_TOKEN_QUERY}"],
        )
        self.routes = {
            route.key: self.api.add_lambda_route(
                route.key,
                self.functions[route.function].function,
                # API Gateway takes an authorizer on $connect only.
                authorizer=authorizer if route.key == "$connect" else None,
            )
            for route in ROUTES
            if route.kind is Kind.LAMBDA and route.function is not None
        }

    def _direct_routes(self, lookup_path: str) -> None:
        """The routes answered without a function: mocks (``$default`` answers unknown
        actions and non-JSON frames without a Lambda: no cold start and no cost for garbage,
        with the same error-frame shape as the handlers), the queue and the upstream."""
        self.direct_routes: dict[str, MockRoute | SqsSendMessageRoute | HttpProxyRoute] = {}
        for route in ROUTES:
            if route.kind is not Kind.LAMBDA:
                self.direct_routes[route.key] = self._direct_route(route, lookup_path)

    def _direct_route(
        self, route: WebSocketRoute, lookup_path: str
    ) -> MockRoute | SqsSendMessageRoute | HttpProxyRoute:
        api = self.api.api
        construct_id = f"{route.key.strip('$').capitalize()}Route"
        if route.kind is Kind.MOCK:
            if route.template is None:
                raise ValueError(f"mock route {route.key} has no response template")
            return MockRoute(
                self,
                construct_id,
                api=api,
                route_key=route.key,
                response_template=template(route.template),
            )
        if route.kind is Kind.SQS:
            return SqsSendMessageRoute(
                self,
                construct_id,
                api=api,
                route_key=route.key,
                queue=self.publish_queue.queue,
                request_template=template(f"{route.key}_request"),
                ack_template=template(f"{route.key}_ack"),
                error_template=template(f"{route.key}_error"),
            )
        return HttpProxyRoute(
            self,
            construct_id,
            api=api,
            route_key=route.key,
            url=self.config.upstream_url.rstrip("/") + lookup_path,
        )

    # --- monitoring and outputs --------------------------------------------------------------

    def _monitoring(self) -> None:
        """Alarms and dashboard: the functions, table and queue as every API stack watches
        them, then API Gateway's WebSocket metrics and the failed deliveries."""
        self.monitoring = new_monitoring(self, self.config, title="WebSocket API")
        monitor_service(
            self.monitoring,
            functions=[(name, fn.function) for name, fn in self.functions.items()],
            table=self.stage_table.replicas[self.region],
            # The REST stack of this region alarms on the same table already.
            table_alarm=False,
            queue=self.publish_queue.queue,
            dead_letter_queue=self.publish_queue.dead_letter_queue,
        )
        self.api_monitoring = WebSocketApiMonitoring(
            self,
            "ApiMonitoring",
            monitoring=self.monitoring,
            api_id=self.api.api_id,
            stage_name=self.config.name,
        )
        # What API Gateway cannot see: members a broadcast could not reach.
        self.api_monitoring.add_alarm(
            "DeliveryFailures",
            cloudwatch.Metric(
                namespace=self.make_function.metrics_namespace,
                metric_name=DELIVERY_FAILED_METRIC,
                dimensions_map={"service": SERVICE},
                statistic="Sum",
                period=cdk.Duration.minutes(5),
            ),
            DELIVERY_FAILURE_THRESHOLD,
            "Broadcasts failed to reach connected members (not counting gone connections)",
        )

    def _outputs(self) -> None:
        """The client URL, the management endpoint and the API id the peers read."""
        cdk.CfnOutput(self, "WebSocketUrl", value=self.api.url)
        cdk.CfnOutput(self, "ManagementEndpoint", value=self.api.management_endpoint)
        cdk.CfnOutput(self, API_ID_OUTPUT, value=self.api.api_id)

    def _fan_out_policy(
        self,
        construct_id: str,
        roles: Sequence[iam.IRole],
        region: str,
        api_id: str,
        stage_name: str,
    ) -> iam.Policy:
        arn = self.format_arn(
            service="execute-api",
            region=region,
            resource=api_id,
            resource_name=f"{stage_name}/POST/@connections/*",
        )
        return iam.Policy(
            self,
            construct_id,
            roles=list(roles),
            statements=[
                iam.PolicyStatement(actions=["execute-api:ManageConnections"], resources=[arn])
            ],
        )

    def _acknowledge_unauthenticated_routes(self) -> None:
        """API Gateway allows an authorizer on $connect only; every other route runs on a
        connection that $connect already authorized."""
        reason = (
            "WebSocket APIs authorize once, on $connect (Lambda REQUEST authorizer); API "
            "Gateway accepts no authorizer on other routes, which only run on an authorized "
            "connection."
        )
        routes = [r.node.default_child for k, r in self.routes.items() if k != "$connect"]
        routes += [r.route for r in self.direct_routes.values()]
        for route in routes:
            if route is not None:
                acknowledge(route, "AwsSolutions-APIG4", reason)


def _sqs_route() -> WebSocketRoute:
    """The contract's one route that queues frames (``publish``)."""
    (route,) = (r for r in ROUTES if r.kind is Kind.SQS)
    return route
