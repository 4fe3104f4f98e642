"""The reusable WebSocket constructs on their own, each in a small throwaway stack (these
tests are about the constructs' defaults and guards, not about the app).

The stacks' app has CloudFormation's built-in validator off, as the app's own has
(stacks/cdk_app.py): it checks templates against CloudFormation's schemas, not these tests'
questions, and its first use in a process costs seconds (loading the schemas). The same
constructs are synthesized with the validator on by the construct package's own suite
(packages/serverless-api-constructs/tests), and the app's templates are checked by cfn-lint.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from serverless_api_constructs import (
    HttpProxyRoute,
    SecureQueue,
    ServiceWebSocketApi,
    WebSocketApiMonitoring,
)
from serverless_api_constructs.rest import ApiMonitoring


def new_stack() -> cdk.Stack:
    return cdk.Stack(
        cdk.App(builtin_cloud_formation_validation=False),
        "Test",
        env=cdk.Environment(account="123456789012", region="eu-west-1"),
    )


def new_api(stack: cdk.Stack) -> ServiceWebSocketApi:
    return ServiceWebSocketApi(
        stack,
        "Api",
        stage_name="test",
        throttle_rate_limit=5,
        throttle_burst_limit=10,
        log_retention=logs.RetentionDays.ONE_WEEK,
    )


def new_function(stack: cdk.Stack, construct_id: str = "Fn") -> lambda_.Function:
    return lambda_.Function(
        stack,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): return {}"),
    )


def test_the_api_has_secure_defaults() -> None:
    # Given a ServiceWebSocketApi with only its required props
    stack = new_stack()
    new_api(stack)
    template = Template.from_stack(stack)
    # Then it routes on the frame's action, and its stage is throttled, measured and logged
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Api", {"RouteSelectionExpression": "$request.body.action"}
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "test",
            "AutoDeploy": True,
            "DefaultRouteSettings": {
                "DetailedMetricsEnabled": True,
                "ThrottlingRateLimit": 5,
                "ThrottlingBurstLimit": 10,
            },
            "AccessLogSettings": {"Format": Match.string_like_regexp('"connectionId"')},
        },
    )
    template.has_resource(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Retain"}
    )


def test_connect_and_disconnect_routes_send_no_route_response_but_message_routes_do() -> None:
    stack = new_stack()
    api = new_api(stack)
    api.add_lambda_route("$connect", new_function(stack, "Connect"))
    api.add_lambda_route("send", new_function(stack, "Send"))
    routes = Template.from_stack(stack).find_resources("AWS::ApiGatewayV2::Route")
    selection = {
        r["Properties"]["RouteKey"]: r["Properties"].get("RouteResponseSelectionExpression")
        for r in routes.values()
    }
    assert selection == {"$connect": None, "send": "$default"}


def test_manage_connections_is_granted_on_the_stage_and_method_only() -> None:
    # Given a function granted POST on the API's connections
    stack = new_stack()
    api = new_api(stack)
    fn = new_function(stack)
    api.grant_manage_connections(fn, method="POST")
    # Then its policy names this API's stage and POST, nothing wider
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    statements: list[dict[str, Any]] = [
        s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    [statement] = [s for s in statements if s["Action"] == "execute-api:ManageConnections"]
    assert json.dumps(statement["Resource"]).endswith('"/test/POST/@connections/*"]]}')


def test_an_http_proxy_route_needs_an_https_url() -> None:
    stack = new_stack()
    api = new_api(stack)
    with pytest.raises(ValueError, match="must be https://"):
        HttpProxyRoute(stack, "Lookup", api=api.api, route_key="lookup", url="http://x.test")


def test_websocket_alarms_notify_the_shared_monitoring_topic() -> None:
    # Given the shared ApiMonitoring of a stack
    stack = new_stack()
    monitoring = ApiMonitoring(
        stack, "Monitoring", alarm_email="ops@example.com", dashboard_title="test"
    )
    # When the WebSocket monitoring and one application alarm are added to it
    ws = WebSocketApiMonitoring(
        stack, "WsMonitoring", monitoring=monitoring, api_id="abc", stage_name="test"
    )
    ws.add_alarm("Custom", cloudwatch.Metric(namespace="App", metric_name="Failed"), 1, "custom")
    # Then every alarm (the 3 API Gateway ones and the custom one) notifies that topic
    template = Template.from_stack(stack)
    topic_id = stack.get_logical_id(monitoring.topic.node.default_child)  # type: ignore[arg-type]
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    assert len(ws.alarms) == 4
    assert len(list(alarms)) == 4
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for a in alarms)
    assert all(a["Properties"]["OKActions"] == [{"Ref": topic_id}] for a in alarms)
    assert len(template.find_resources("AWS::SNS::Topic")) == 1


def test_a_secure_queue_is_encrypted_tls_only_and_dead_letters_after_three_receives() -> None:
    stack = new_stack()
    SecureQueue(stack, "Queue", visibility_timeout=cdk.Duration.seconds(60))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "VisibilityTimeout": 60,
            "RedrivePolicy": {"maxReceiveCount": 3, "deadLetterTargetArn": Match.any_value()},
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600}
    )


def test_extra_stage_settings_pass_through_but_cannot_override_the_secure_ones() -> None:
    # Given stage props the construct does not name, Then they reach the stage
    stack = new_stack()
    ServiceWebSocketApi(
        stack,
        "Api",
        stage_name="test",
        throttle_rate_limit=5,
        throttle_burst_limit=10,
        log_retention=logs.RetentionDays.ONE_WEEK,
        stage_props={"stage_variables": {"flavour": "blue"}},
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGatewayV2::Stage", {"StageVariables": {"flavour": "blue"}}
    )
    # And a prop that would undo a default is refused
    with pytest.raises(ValueError, match="stage_props cannot set \\['throttle'\\]"):
        ServiceWebSocketApi(
            new_stack(),
            "Api",
            stage_name="test",
            throttle_rate_limit=5,
            throttle_burst_limit=10,
            log_retention=logs.RetentionDays.ONE_WEEK,
            stage_props={"throttle": None},
        )
