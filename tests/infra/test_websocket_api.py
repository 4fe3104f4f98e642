"""The WebSocket API stacks: routes, integrations, route responses, authorizer, stage,
IAM scope, queue and alarms, asserted on the session's synthesized templates."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk.assertions import Match

from contract.websocket import CONNECT_TOKEN_QUERY, FUNCTIONS, ROUTES, Kind
from stacks.websocket import template as vtl
from tests.infra.fixed_stages import STAGES

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from contract.table import TableAccess
    from tests.infra.templates import StackTemplates

DEV = "Dev/EuWest1/WebSocketApi"
PROD_EU = "Prod/EuWest1/WebSocketApi"
PROD_US = "Prod/UsEast1/WebSocketApi"
ALL = [DEV, PROD_EU, PROD_US]
CONFIG = {c.name: c for c in STAGES.values()}
#: Route key -> handler of the contract's Lambda routes (the stack must build exactly these).
LAMBDA_ROUTES = {
    r.key: FUNCTIONS[r.function].handler
    for r in ROUTES
    if r.kind is Kind.LAMBDA and r.function is not None
}
TWO_WAY_ROUTES = [r.key for r in ROUTES if r.key not in ("$connect", "$disconnect")]


def route(stacks: StackTemplates, path: str, key: str) -> tuple[str, dict[str, Any]]:
    routes = stacks.resources(path, "AWS::ApiGatewayV2::Route")
    [(logical_id, resource)] = [
        (lid, r) for lid, r in routes.items() if r["Properties"]["RouteKey"] == key
    ]
    return logical_id, resource


def integration_of(stacks: StackTemplates, path: str, key: str) -> dict[str, Any]:
    _, resource = route(stacks, path, key)
    target = resource["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
    integration: dict[str, Any] = stacks[path]["Resources"][target]["Properties"]
    return integration


@pytest.mark.parametrize("path", ALL)
def test_the_api_selects_routes_on_the_action_of_each_frame(
    template: Callable[[str], Template], path: str
) -> None:
    template(path).has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"},
    )


@pytest.mark.parametrize("path", ALL)
@pytest.mark.parametrize(("key", "handler"), LAMBDA_ROUTES.items())
def test_lambda_routes_proxy_to_their_handler(
    stacks: StackTemplates, path: str, key: str, handler: str
) -> None:
    integration = integration_of(stacks, path, key)
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert stacks.function(path, handler)[0] in json.dumps(integration["IntegrationUri"])


@pytest.mark.parametrize("path", ALL)
def test_connect_is_the_only_route_with_the_shared_request_authorizer(
    stacks: StackTemplates, template: Callable[[str], Template], path: str
) -> None:
    # The REST stack's authorizer function, with the token from the query string
    template(path).has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": [f"route.request.querystring.{CONNECT_TOKEN_QUERY}"],
            "AuthorizerUri": Match.any_value(),
        },
    )
    [authorizer] = stacks.resources(path, "AWS::ApiGatewayV2::Authorizer").values()
    assert "TokenAuthorizerFunction" in json.dumps(authorizer["Properties"]["AuthorizerUri"])
    for key in ["$connect", *TWO_WAY_ROUTES, "$disconnect"]:
        props = route(stacks, path, key)[1]["Properties"]
        expected = "CUSTOM" if key == "$connect" else "NONE"
        assert props["AuthorizationType"] == expected, key


@pytest.mark.parametrize("path", ALL)
@pytest.mark.parametrize("key", TWO_WAY_ROUTES)
def test_message_routes_answer_through_a_route_response(
    stacks: StackTemplates, path: str, key: str
) -> None:
    logical_id, resource = route(stacks, path, key)
    assert resource["Properties"]["RouteResponseSelectionExpression"] == "$default"
    responses = [
        r["Properties"]
        for r in stacks.resources(path, "AWS::ApiGatewayV2::RouteResponse").values()
        if r["Properties"]["RouteId"] == {"Ref": logical_id}
    ]
    assert [r["RouteResponseKey"] for r in responses] == ["$default"]


def integration_responses(stacks: StackTemplates, path: str, key: str) -> dict[str, str]:
    """Integration response key -> response template of the route's integration."""
    _, resource = route(stacks, path, key)
    target = resource["Properties"]["Target"]["Fn::Join"][1][1]
    return {
        r["Properties"]["IntegrationResponseKey"]: r["Properties"]["ResponseTemplates"]["$default"]
        for r in stacks.resources(path, "AWS::ApiGatewayV2::IntegrationResponse").values()
        if r["Properties"]["IntegrationId"] == target
    }


@pytest.mark.parametrize("path", ALL)
def test_ping_is_a_mock_answering_pong(stacks: StackTemplates, path: str) -> None:
    integration = integration_of(stacks, path, "ping")
    assert integration["IntegrationType"] == "MOCK"
    assert integration["RequestTemplates"] == {"$default": '{"statusCode": 200}'}
    assert integration_responses(stacks, path, "ping") == {"$default": '{"action":"pong"}'}


@pytest.mark.parametrize("path", ALL)
def test_the_default_route_is_a_mock_answering_the_error_frame(
    stacks: StackTemplates, path: str
) -> None:
    assert integration_of(stacks, path, "$default")["IntegrationType"] == "MOCK"
    assert integration_responses(stacks, path, "$default") == {"$default": vtl("default_response")}


@pytest.mark.parametrize("path", ALL)
def test_publish_sends_to_the_queue_directly(stacks: StackTemplates, path: str) -> None:
    integration = integration_of(stacks, path, "publish")
    assert (integration["IntegrationType"], integration["IntegrationMethod"]) == ("AWS", "POST")
    assert ":sqs:path/" in json.dumps(integration["IntegrationUri"])
    assert integration["RequestTemplates"] == {"$default": vtl("publish_request")}
    assert integration["RequestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
    }
    assert integration["PassthroughBehavior"] == "NEVER"
    assert integration_responses(stacks, path, "publish") == {
        "/2\\d\\d/": vtl("publish_ack"),
        "$default": vtl("publish_error"),
    }


@pytest.mark.parametrize(("path", "stage"), [(DEV, "dev"), (PROD_EU, "prod")])
def test_lookup_proxies_to_the_configured_upstream(
    stacks: StackTemplates, path: str, stage: str
) -> None:
    integration = integration_of(stacks, path, "lookup")
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["IntegrationUri"] == CONFIG[stage].upstream_url + "/anything"


@pytest.mark.parametrize(("path", "stage"), [(DEV, "dev"), (PROD_EU, "prod"), (PROD_US, "prod")])
def test_the_stage_is_throttled_logged_in_json_and_measured_per_route(
    stacks: StackTemplates, path: str, stage: str
) -> None:
    [props] = [r["Properties"] for r in stacks.resources(path, "AWS::ApiGatewayV2::Stage").values()]
    throttle = CONFIG[stage].websocket_throttle
    assert props["StageName"] == stage
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "DetailedMetricsEnabled": True,
        "ThrottlingBurstLimit": throttle.burst_limit,
        "ThrottlingRateLimit": throttle.rate_limit,
    }
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "connectionId", "routeKey", "status", "eventType"} <= set(log_format)


def arn_text(value: Any) -> str:
    """An ARN with its intrinsics written as ``<Ref>``: ``arn:aws:...:<Api9AF3637B>/...``."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::Join" in value:
        return "".join(arn_text(v) for v in value["Fn::Join"][1])
    return json.dumps(value)


def connection_grants(stacks: StackTemplates, path: str, handler: str) -> set[str]:
    """Resources of the function's ``execute-api:ManageConnections`` statements."""
    out: set[str] = set()
    for statement in stacks.function_statements(path, handler):
        if statement["Action"] == "execute-api:ManageConnections":
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                out.add(arn_text(resource))
    return out


def api_ref(stacks: StackTemplates, path: str) -> str:
    [logical_id] = stacks.resources(path, "AWS::ApiGatewayV2::Api")
    return f"<{logical_id}>"


SENDERS = ("handlers.ws.send.handler", "handlers.ws.publish_consumer.handler")
NON_SENDERS = (
    "handlers.ws.connect.handler",
    "handlers.ws.disconnect.handler",
    "handlers.ws.join.handler",
    "handlers.ws.leave.handler",
)


def test_in_a_single_region_stage_senders_may_post_to_this_api_and_stage_only(
    stacks: StackTemplates,
) -> None:
    api = api_ref(stacks, DEV)
    for handler in SENDERS:
        assert connection_grants(stacks, DEV, handler) == {
            f"arn:aws:execute-api:eu-west-1:<AWS::AccountId>:{api}/dev/POST/@connections/*"
        }
    for handler in NON_SENDERS:
        assert connection_grants(stacks, DEV, handler) == set()


def _role_names(roles: list[Any], path: str, stacks: StackTemplates) -> set[str]:
    """Roles of a policy as ``stack:logical id`` (a cross-stack role through its output)."""
    names = set()
    for role in roles:
        if "Ref" in role:
            names.add(f"{path}:{role['Ref']}")
        else:
            output = role["Fn::GetStackOutput"]
            producer = next(
                p
                for p in stacks
                if output["StackName"].startswith(p.replace("/", "-", 1).replace("/", ""))
            )
            ref = stacks[producer]["Outputs"][output["OutputName"]]["Value"]["Ref"]
            names.add(f"{producer}:{ref}")
    return names


def fan_out_grants(stacks: StackTemplates, path: str, handler: str) -> set[str]:
    """ManageConnections resources granted to ``handler``'s role by a policy in any stack."""
    _, function = stacks.function(path, handler)
    role = f"{path}:{function['Properties']['Role']['Fn::GetAtt'][0]}"
    out: set[str] = set()
    for other in stacks:
        for policy in stacks.resources(other, "AWS::IAM::Policy").values():
            properties = policy["Properties"]
            if role not in _role_names(properties["Roles"], other, stacks):
                continue
            for statement in properties["PolicyDocument"]["Statement"]:
                if statement["Action"] == "execute-api:ManageConnections":
                    text = arn_text(statement["Resource"])
                    out.add(text if other == path else f"{other}:{text}")
    return out


@pytest.mark.parametrize(
    ("path", "here", "peer", "there"),
    [(PROD_EU, "eu-west-1", PROD_US, "us-east-1"), (PROD_US, "us-east-1", PROD_EU, "eu-west-1")],
)
def test_in_a_multi_region_stage_senders_may_also_post_to_the_peer_api_by_id(
    stacks: StackTemplates, path: str, here: str, peer: str, there: str
) -> None:
    # Given the WebSocket APIs of the two regions of Prod
    api, peer_api = api_ref(stacks, path), api_ref(stacks, peer)

    # Then each sender may post to its own API's stage and to the peer API's stage, both
    # named by API id (no wildcard API), wherever the granting policy lives
    for handler in SENDERS:
        grants = {
            g.split(":", 1)[1] if g.startswith("Prod/") else g
            for g in fan_out_grants(stacks, path, handler)
        }
        own = f"arn:aws:execute-api:{here}:<AWS::AccountId>:{api}/prod/POST/@connections/*"
        assert own in grants
        (other,) = grants - {own}
        assert other.startswith(f"arn:aws:execute-api:{there}:<AWS::AccountId>:")
        assert other.endswith("/prod/POST/@connections/*")
        assert ":*/" not in other
        assert peer_api in other or '"OutputName": "ApiId"' in other, other
    for handler in NON_SENDERS:
        assert fan_out_grants(stacks, path, handler) == set()


ON_TABLE, ON_GSI1 = "table", "index/GSI1"


def _single_region_grants(access: TableAccess) -> set[tuple[tuple[str, ...], str]]:
    """What a function declaring ``access`` is granted in a single-region stage, where every
    replica is the one table: one statement of all its table actions, Query alone on GSI1."""
    actions = {*access.actions, *access.connection_writes, *access.stale_connection_deletes}
    grants = {(tuple(sorted(actions)), ON_TABLE)} if actions else set()
    if access.indexes:
        grants.add((("dynamodb:Query",), ON_GSI1))
    return grants


#: (actions, on) per function in a single-region stage, from the contract's table access.
#: tests/iam checks the contract against the calls the handler tests record; this pins the
#: statement shape the stack makes of it (no action on a needless resource). Where each
#: action may be called in a multi-region stage: tests/infra/test_multi_region.py.
TABLE_GRANTS = {spec.handler: _single_region_grants(spec.table) for spec in FUNCTIONS.values()}


@pytest.mark.parametrize("path", [DEV])
@pytest.mark.parametrize(("handler", "grants"), TABLE_GRANTS.items())
def test_each_function_may_only_call_the_table_actions_its_code_path_needs(
    stacks: StackTemplates, path: str, handler: str, grants: set[tuple[tuple[str, ...], str]]
) -> None:
    statements = stacks.function_statements(path, handler)
    granted = set()
    for statement in statements:
        actions = statement["Action"]
        actions = tuple(sorted([actions] if isinstance(actions, str) else actions))
        if any(a.startswith("dynamodb:") for a in actions):
            on = ON_GSI1 if "/index/GSI1" in json.dumps(statement["Resource"]) else ON_TABLE
            granted.add((actions, on))
    assert granted == grants


@pytest.mark.parametrize("path", ALL)
def test_the_publish_queue_is_encrypted_tls_only_with_a_dead_letter_queue(
    template: Callable[[str], Template], path: str
) -> None:
    t = template(path)
    t.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {"deadLetterTargetArn": Match.any_value(), "maxReceiveCount": 3},
        },
    )
    t.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )
    t.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"FunctionResponseTypes": ["ReportBatchItemFailures"], "BatchSize": 10},
    )


@pytest.mark.parametrize("path", ALL)
@pytest.mark.parametrize("metric", ["IntegrationError", "ExecutionError"])
def test_gateway_errors_alarm_to_the_topic(
    template: Callable[[str], Template], path: str, metric: str
) -> None:
    template(path).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/ApiGateway",
            "MetricName": metric,
            "AlarmActions": [{"Ref": Match.string_like_regexp("MonitoringTopic")}],
        },
    )


@pytest.mark.parametrize("path", ALL)
def test_a_client_error_spike_alarms_as_a_share_of_messages(
    stacks: StackTemplates, path: str
) -> None:
    alarms = stacks.resources(path, "AWS::CloudWatch::Alarm").values()
    [spike] = [a["Properties"] for a in alarms if "ClientError" in json.dumps(a)]
    metrics = {m["Id"]: m for m in spike["Metrics"]}
    assert metrics["clientErrors"]["MetricStat"]["Metric"]["MetricName"] == "ClientError"
    assert metrics["messages"]["MetricStat"]["Metric"]["MetricName"] == "MessageCount"
    [expression] = [m for m in spike["Metrics"] if "Expression" in m]
    assert "100 * clientErrors / messages" in expression["Expression"]
    assert spike["Threshold"] == 10
    assert spike["AlarmActions"]


@pytest.mark.parametrize("path", ALL)
def test_failed_deliveries_and_dead_lettered_publishes_alarm_to_the_topic(
    template: Callable[[str], Template], path: str
) -> None:
    t = template(path)
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": Match.string_like_regexp(r"^RoomsService/(Dev|Prod)$"),
            "MetricName": "DeliveryFailed",
            "Dimensions": [{"Name": "service", "Value": "rooms-websocket"}],
            "AlarmActions": [{"Ref": Match.string_like_regexp("MonitoringTopic")}],
        },
    )
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Threshold": 10,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmActions": [{"Ref": Match.string_like_regexp("MonitoringTopic")}],
        },
    )


@pytest.mark.parametrize("path", [PROD_EU, PROD_US])
def test_functions_write_to_the_primary_first_and_use_the_broadcast_settings(
    stacks: StackTemplates, path: str
) -> None:
    functions = stacks.resources(path, "AWS::Lambda::Function")
    send = functions[stacks.function(path, "handlers.ws.send.handler")[0]]["Properties"]
    variables = send["Environment"]["Variables"]
    # Shared data goes to the primary; connection items go to AWS_REGION (set by Lambda)
    assert variables["TABLE_REGIONS"] == ",".join(CONFIG["prod"].regions)
    assert variables["BROADCAST_CONCURRENCY"] == "12"
    assert send["MemorySize"] == 1024
    assert send["Timeout"] == 28
