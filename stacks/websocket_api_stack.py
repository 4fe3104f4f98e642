"""WebSocket API of one region of a stage: connect with a token, join/leave rooms, send to a
room (delivered in every region of the stage), ping, publish to a queue, look up upstream.

| route         | integration                                  | answers                       |
|---------------|----------------------------------------------|-------------------------------|
| ``$connect``  | Lambda (``handlers.ws.connect``), authorizer | accept / 401                  |
| ``$disconnect``| Lambda (``handlers.ws.disconnect``)         | -                             |
| ``$default``  | MOCK                                         | error frame + valid actions   |
| ``join``      | Lambda (``handlers.ws.join``)                | ``joined`` / error frame      |
| ``leave``     | Lambda (``handlers.ws.leave``)               | ``left`` / error frame        |
| ``send``      | Lambda (``handlers.ws.send``) + @connections | ``sent`` / error frame        |
| ``ping``      | MOCK                                         | ``{"action": "pong"}``        |
| ``publish``   | AWS (SQS SendMessage) -> consumer Lambda     | ``published`` / error frame   |
| ``lookup``    | HTTP_PROXY to ``config.upstream_url``        | the upstream's response       |
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam

from serverless_api_constructs import (
    HttpProxyRoute,
    MockRoute,
    SecureQueue,
    ServiceFunction,
    ServiceWebSocketApi,
    SqsSendMessageRoute,
    WebSocketApiMonitoring,
)
from serverless_api_constructs.rest import ApiMonitoring, retention_days

from .api_parts import metrics_namespace
from .config import region_id
from .guardrails import acknowledge
from .lambda_code import lambda_code
from .table_access import TableAccess
from .websocket import template

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import Construct

    from .config import StageConfig
    from .rest_api_stack import RestApiStack
    from .table_access import StageTable

SERVICE = "rooms-websocket"
#: Concurrent @connections posts per send (see docs/websocket-api.md, "Broadcast").
BROADCAST_CONCURRENCY = 12
#: Failed deliveries (5xx, timeouts; not 410) per 5 minutes that page the on-call.
DELIVERY_FAILURE_THRESHOLD = 10
#: Memory (hence CPU) of the functions that broadcast.
BROADCAST_MEMORY_MB = 1024
#: Path appended to ``config.upstream_url`` for the ``lookup`` route (httpbin echoes it).
LOOKUP_PATH = "/anything"
#: The table access of each function's code path (checked against the handler tests' recorded
#: calls by tests/iam): reads in every region, shared writes (messages, counters, receipts) on
#: the primary replica, and ``connection_writes``, a connection's own Connection and
#: Membership items, on the replica of this region, which holds the connection. Send and the
#: publish consumer delete gone (410) connections with their memberships in batches, found
#: on GSI1.
TABLE_GRANTS: dict[str, TableAccess] = {
    "Connect": TableAccess(connection_writes=("dynamodb:PutItem",)),
    "Disconnect": TableAccess(indexes=("GSI1",), connection_writes=("dynamodb:BatchWriteItem",)),
    "Join": TableAccess(actions=("dynamodb:GetItem",), connection_writes=("dynamodb:PutItem",)),
    "Leave": TableAccess(connection_writes=("dynamodb:DeleteItem",)),
    **{
        sender: TableAccess(
            actions=(
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            ),
            indexes=("GSI1",),
            connection_writes=("dynamodb:BatchWriteItem",),
        )
        for sender in ("Send", "PublishConsumer")
    },
}
#: Functions that post to connections (in every region of the stage).
SENDERS = ("Send", "PublishConsumer")
#: Output of each WebSocket stack that its peer regions' stacks read the API id from.
API_ID_OUTPUT = "ApiId"


class WebSocketApiStack(cdk.Stack):
    """The WebSocket API of one region of a stage.

    Messages reach the room's members in every region by direct fan-out: each Connection and
    Membership item stores the management endpoint of the regional API it is connected to
    (replicated by the global table), and ``send`` posts to each member's endpoint. The send
    functions may POST to connections of this API's stage and of each peer region's API, named
    by id: ``peers`` are the WebSocket stacks of the stage's regions created before this one,
    and this stack grants in both directions (see :meth:`_grant_fan_out_with`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        table: StageTable,
        rest_api: RestApiStack,
        peers: Sequence[WebSocketApiStack] = (),
        broadcast_concurrency: int = BROADCAST_CONCURRENCY,
        lookup_path: str = LOOKUP_PATH,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        region = self.region
        retention = retention_days(config.log_retention_days)
        code = lambda_code()
        namespace = metrics_namespace(config)

        self.api = ServiceWebSocketApi(
            self,
            "Api",
            stage_name=config.name,
            throttle_rate_limit=config.websocket_throttle.rate_limit,
            throttle_burst_limit=config.websocket_throttle.burst_limit,
            log_retention=retention,
            description=f"{config.name}: rooms and messages in real time ({region})",
        )
        environment = {
            # The primary first: shared data is written there; a connection's own items are
            # written in this region (AWS_REGION), where the connection lives.
            **table.environment(),
            "BROADCAST_CONCURRENCY": str(broadcast_concurrency),
        }

        def function(
            construct_id: str, handler: str, description: str, **extra: Any
        ) -> ServiceFunction:
            return ServiceFunction(
                self,
                construct_id,
                code=code,
                handler=f"handlers.ws.{handler}.handler",
                log_retention=retention,
                description=description,
                service=SERVICE,
                metrics_namespace=namespace,
                environment=environment,
                **extra,
            )

        connect = function("Connect", "connect", "WebSocket $connect: stores the connection")
        disconnect = function(
            "Disconnect", "disconnect", "WebSocket $disconnect: removes connection, memberships"
        )
        join = function("Join", "join", "WebSocket join: adds the connection to a room")
        leave = function("Leave", "leave", "WebSocket leave: removes a room membership")
        # A large room is posted to at `broadcast_concurrency` posts at a time; 28 s stays
        # under API Gateway's 29 s integration timeout. 1 GB buys ~0.6 vCPU: botocore's CPU
        # per post, serialized by the GIL, is what bounds a broadcast (docs/websocket-api.md).
        send = function(
            "Send",
            "send",
            "WebSocket send: stores a message and delivers it to the room in every region",
            timeout=cdk.Duration.seconds(28),
            memory_size=BROADCAST_MEMORY_MB,
        )
        self.publish_queue = SecureQueue(
            self, "PublishQueue", visibility_timeout=cdk.Duration.seconds(180)
        )
        consumer = function(
            "PublishConsumer",
            "publish_consumer",
            "WebSocket publish queue consumer: stores and delivers queued messages",
            timeout=cdk.Duration.seconds(30),
            memory_size=BROADCAST_MEMORY_MB,
        )
        mapping = consumer.function.add_event_source_mapping(
            "PublishQueue",
            event_source_arn=self.publish_queue.queue.queue_arn,
            batch_size=10,
            report_batch_item_failures=True,
        )
        self.publish_queue.queue.grant_consume_messages(consumer.function)
        acknowledge(
            mapping.node.default_child,  # type: ignore[arg-type]
            "Serverless-LambdaEventSourceMappingDestination",
            "SQS event source mappings take no on-failure destination; a record that keeps "
            "failing moves to the queue's own dead-letter queue after 3 receives.",
        )
        self.functions = {
            "Connect": connect,
            "Disconnect": disconnect,
            "Join": join,
            "Leave": leave,
            "Send": send,
            "PublishConsumer": consumer,
        }

        for name, access in TABLE_GRANTS.items():
            table.grant(self.functions[name].function, access, region=region)
        for fn in (send, consumer):
            self.api.grant_manage_connections(fn.function, method="POST")
            _acknowledge_wildcard(
                fn,
                self.api.stage_arn("POST/@connections/*"),
                "Posting to connections: the connection id is only known at run time; the "
                "grant names this API, this stage and POST.",
            )
        self._grant_fan_out_with(peers)

        api = self.api.api
        authorizer = authorizers.WebSocketLambdaAuthorizer(
            "TokenAuthorizer",
            rest_api.authorizer_function,
            identity_source=["route.request.querystring.token"],
        )
        self.routes = {
            "$connect": self.api.add_lambda_route(
                "$connect", connect.function, authorizer=authorizer
            ),
            "$disconnect": self.api.add_lambda_route("$disconnect", disconnect.function),
            "join": self.api.add_lambda_route("join", join.function),
            "leave": self.api.add_lambda_route("leave", leave.function),
            "send": self.api.add_lambda_route("send", send.function),
        }
        # $default answers unknown actions and non-JSON frames without a Lambda: no cold
        # start and no cost for garbage, with the same error-frame shape as the handlers.
        self.default_route = MockRoute(
            self,
            "DefaultRoute",
            api=api,
            route_key="$default",
            response_template=template("default_response"),
        )
        self.ping_route = MockRoute(
            self,
            "PingRoute",
            api=api,
            route_key="ping",
            response_template=template("ping_response"),
        )
        self.publish_route = SqsSendMessageRoute(
            self,
            "PublishRoute",
            api=api,
            route_key="publish",
            queue=self.publish_queue.queue,
            request_template=template("publish_request"),
            ack_template=template("publish_ack"),
            error_template=template("publish_error"),
        )
        self.lookup_route = HttpProxyRoute(
            self,
            "LookupRoute",
            api=api,
            route_key="lookup",
            url=config.upstream_url.rstrip("/") + lookup_path,
        )

        # The REST API's monitoring construct owns the topic, dashboard and the function,
        # table and queue alarms; the WebSocket construct adds the API Gateway ones.
        self.monitoring = ApiMonitoring(
            self,
            "Monitoring",
            alarm_email=config.alarm_email,
            dashboard_title=f"{config.name} WebSocket API ({region})",
        )
        self.monitoring.monitor_functions(
            [(name, fn.function) for name, fn in self.functions.items()]
        )
        # The REST stack of this region alarms on the same table already.
        self.monitoring.monitor_table(table.replicas[region], alarm=False)
        self.monitoring.monitor_queue(
            self.publish_queue.queue, dead_letter_queue=self.publish_queue.dead_letter_queue
        )
        self.api_monitoring = WebSocketApiMonitoring(
            self,
            "ApiMonitoring",
            monitoring=self.monitoring,
            api_id=self.api.api_id,
            stage_name=config.name,
        )
        # What API Gateway cannot see: members a broadcast could not reach.
        self.api_monitoring.add_alarm(
            "DeliveryFailures",
            cloudwatch.Metric(
                namespace=namespace,
                metric_name="DeliveryFailed",
                dimensions_map={"service": SERVICE},
                statistic="Sum",
                period=cdk.Duration.minutes(5),
            ),
            DELIVERY_FAILURE_THRESHOLD,
            "Broadcasts failed to reach connected members (not counting gone connections)",
        )
        self._acknowledge_unauthenticated_routes()

        cdk.CfnOutput(self, "WebSocketUrl", value=self.api.url)
        cdk.CfnOutput(self, "ManagementEndpoint", value=self.api.management_endpoint)
        cdk.CfnOutput(self, API_ID_OUTPUT, value=self.api.api_id)

    def _grant_fan_out_with(self, peers: Sequence[WebSocketApiStack]) -> None:
        """Let the senders of this region and of each peer post to each other's connections.

        Each region's stack needs the other's API id: granting in both stacks would be a
        dependency cycle. The later stack grants both directions instead: its own senders'
        roles get the peer's stage (the peer's API id read from the peer's ``ApiId`` output),
        and the peer's senders' roles get a policy, defined here, on this stage. This stack
        deploys after its peers (explicit dependency); until it is deployed, the earlier
        region cannot post to this one, which has no connections yet anyway."""
        own_senders = [self.functions[name].role for name in SENDERS]
        for peer in peers:
            self.add_stack_dependency(peer)
            peer_api_id = cdk.Token.as_string(
                {
                    "Fn::GetStackOutput": {
                        "StackName": peer.stack_name,
                        "OutputName": API_ID_OUTPUT,
                        "Region": peer.region,
                    }
                }
            )
            scope_id = region_id(peer.region)
            outgoing = self._fan_out_policy(
                f"FanOutTo{scope_id}", own_senders, peer.region, peer_api_id, peer.api.stage_name
            )
            incoming = self._fan_out_policy(
                f"FanOutFrom{scope_id}",
                [peer.functions[name].role for name in SENDERS],
                self.region,
                self.api.api_id,
                self.api.stage_name,
            )
            for policy, direction in ((outgoing, "to"), (incoming, "from")):
                _acknowledge_policy_wildcard(
                    policy,
                    f"Direct fan-out {direction} the {peer.region} WebSocket API: POST to "
                    "connections of one named API and stage; connection ids exist only at "
                    "run time.",
                )

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
        routes += [
            r.route
            for r in (self.default_route, self.ping_route, self.publish_route, self.lookup_route)
        ]
        for route in routes:
            if route is not None:
                acknowledge(route, "AwsSolutions-APIG4", reason)


def _acknowledge_policy_wildcard(policy: iam.Policy, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for the one wildcard resource of a fan-out policy."""
    cfn = policy.node.default_child
    if not isinstance(cfn, iam.CfnPolicy):  # pragma: no cover - iam.Policy always has one
        raise RuntimeError(f"{policy.node.path}: no CfnPolicy to acknowledge")
    (statement,) = cdk.Stack.of(policy).resolve(cfn.policy_document)["Statement"]
    acknowledge(cfn, f"AwsSolutions-IAM5[Resource::{_nag_text(statement['Resource'])}]", reason)


def _acknowledge_wildcard(fn: ServiceFunction, arn: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for exactly one wildcard resource of ``fn``'s policy."""
    policy = fn.role.node.find_child("DefaultPolicy").node.default_child
    if policy is None:  # ServiceFunction always adds statements to its role
        raise RuntimeError(f"{fn.node.path}: no default policy to acknowledge {arn} on")
    finding = _nag_text(cdk.Stack.of(fn).resolve(arn))
    acknowledge(policy, f"AwsSolutions-IAM5[Resource::{finding}]", reason)


def _nag_text(value: Any) -> str:
    """A resolved string as cdk-nag prints it in a finding (``<LogicalId>``, pseudo
    parameters as ``<AWS::AccountId>``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    if isinstance(value, dict) and "Fn::GetStackOutput" in value:
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_nag_text(p) for p in parts)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding")
