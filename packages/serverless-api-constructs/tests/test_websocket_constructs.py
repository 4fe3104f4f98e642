"""The WebSocket constructs, each in a bare stack: the API and its stage, routes without
Lambda, the queue behind a route, and the WebSocket alarms."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Match
from construct_testkit import (
    RETENTION,
    new_stack,
    plain_function,
    refused,
    template_of,
)

from serverless_api_constructs import (
    HttpProxyRoute,
    MockRoute,
    SecureQueue,
    ServiceWebSocketApi,
    SqsSendMessageRoute,
    WebSocketApiMonitoring,
)
from serverless_api_constructs.rest import ApiMonitoring


def _api(stack: cdk.Stack, **props: Any) -> ServiceWebSocketApi:
    return ServiceWebSocketApi(
        stack,
        "Ws",
        stage_name="live",
        throttle_rate_limit=5,
        throttle_burst_limit=10,
        log_retention=RETENTION,
        **props,
    )


def test_the_api_routes_on_the_action_and_its_stage_is_throttled_measured_and_logged() -> None:
    stack = new_stack()
    _api(stack)
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"},
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "live",
            "AutoDeploy": True,
            "DefaultRouteSettings": {
                "DetailedMetricsEnabled": True,
                "ThrottlingRateLimit": 5,
                "ThrottlingBurstLimit": 10,
            },
            "AccessLogSettings": {
                "DestinationArn": Match.any_value(),
                "Format": Match.string_like_regexp('"connectionId":"\\$context.connectionId"'),
            },
        },
    )
    template.has_resource(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Retain"}
    )


def test_stage_props_the_construct_does_not_name_reach_a_stage_cloudformation_accepts() -> None:
    # Given stage variables passed through stage_props
    stack = new_stack()
    _api(stack, stage_props={"stage_variables": {"flavour": "blue"}})
    # When the stack is synthesized with CloudFormation's schema validation on (the default)
    template = template_of(stack)
    # Then the stage carries them
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage", {"StageVariables": {"flavour": "blue"}}
    )


def test_message_routes_answer_through_a_route_response_and_connect_does_not() -> None:
    stack = new_stack()
    ws = _api(stack)
    function = plain_function(stack)
    ws.add_lambda_route("$connect", function)
    ws.add_lambda_route("echo", function)
    template = template_of(stack)
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in template.find_resources("AWS::ApiGatewayV2::Route").values()
    }
    assert "RouteResponseSelectionExpression" not in routes["$connect"]
    assert routes["echo"]["RouteResponseSelectionExpression"] == "$default"
    template.resource_count_is("AWS::ApiGatewayV2::RouteResponse", 1)


def test_manage_connections_is_granted_on_this_stage_and_method_only() -> None:
    stack = new_stack()
    ws = _api(stack)
    function = plain_function(stack)
    ws.grant_manage_connections(function, method="POST")
    template_of(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": Match.object_like(
                {
                    "Statement": [
                        {
                            "Action": "execute-api:ManageConnections",
                            "Effect": "Allow",
                            "Resource": stack.resolve(ws.stage_arn("POST/@connections/*")),
                        }
                    ]
                }
            )
        },
    )
    assert ":execute-api:eu-west-1:123456789012:" in str(stack.resolve(ws.stage_arn()))


def test_a_mock_route_answers_with_its_template_without_lambda() -> None:
    stack = new_stack()
    ws = _api(stack)
    MockRoute(stack, "Ping", api=ws.api, route_key="ping", response_template='{"a": "pong"}')
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Integration",
        {"IntegrationType": "MOCK", "RequestTemplates": {"$default": '{"statusCode": 200}'}},
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::IntegrationResponse",
        {"IntegrationResponseKey": "$default", "ResponseTemplates": {"$default": '{"a": "pong"}'}},
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Route",
        {"RouteKey": "ping", "RouteResponseSelectionExpression": "$default"},
    )


def test_an_http_route_forwards_over_https_only() -> None:
    stack = new_stack()
    ws = _api(stack)
    HttpProxyRoute(stack, "Lookup", api=ws.api, route_key="lookup", url="https://example.com/x")
    template_of(stack).has_resource_properties(
        "AWS::ApiGatewayV2::Integration",
        {
            "IntegrationType": "HTTP_PROXY",
            "IntegrationMethod": "POST",
            "IntegrationUri": "https://example.com/x",
            "TimeoutInMillis": 10000,
        },
    )
    with refused("HttpProxyRoute: url 'http://example.com' must be https://"):
        HttpProxyRoute(stack, "Plain", api=ws.api, route_key="plain", url="http://example.com")


def test_an_sqs_route_sends_frames_to_its_queue_as_a_role_that_may_only_send_there() -> None:
    stack = new_stack()
    ws = _api(stack)
    queue = SecureQueue(stack, "Queue", visibility_timeout=cdk.Duration.seconds(180))
    route = SqsSendMessageRoute(
        stack,
        "Publish",
        api=ws.api,
        route_key="publish",
        queue=queue.queue,
        request_template="Action=SendMessage",
        ack_template='{"ok": true}',
        error_template='{"ok": false}',
    )
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Integration",
        {
            "IntegrationType": "AWS",
            "PassthroughBehavior": "NEVER",
            "CredentialsArn": stack.resolve(route.role.role_arn),
        },
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::IntegrationResponse",
        {"IntegrationResponseKey": "/2\\d\\d/", "ResponseTemplates": {"$default": '{"ok": true}'}},
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like(
                            {
                                "Action": Match.array_with(["sqs:SendMessage"]),
                                "Resource": stack.resolve(queue.queue.queue_arn),
                            }
                        )
                    ]
                }
            )
        },
    )


def test_the_queue_is_encrypted_tls_only_and_dead_letters_after_three_receives() -> None:
    stack = new_stack()
    queue = SecureQueue(stack, "Queue", visibility_timeout=cdk.Duration.seconds(180))
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "VisibilityTimeout": 180,
            "MessageRetentionPeriod": 4 * 86400,
            "RedrivePolicy": {
                "deadLetterTargetArn": stack.resolve(queue.dead_letter_queue.queue_arn),
                "maxReceiveCount": 3,
            },
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue", {"MessageRetentionPeriod": 14 * 86400, "SqsManagedSseEnabled": True}
    )
    template.resource_count_is("AWS::SQS::QueuePolicy", 2)  # enforce_ssl on both


def test_websocket_alarms_go_to_the_shared_topic_and_dashboard() -> None:
    stack = new_stack()
    ws = _api(stack)
    monitoring = ApiMonitoring(stack, "Monitoring", dashboard_title="t", alarm_email="o@x.io")
    alarms = WebSocketApiMonitoring(
        stack, "WsAlarms", monitoring=monitoring, api_id=ws.api_id, stage_name=ws.stage_name
    )
    assert len(alarms.alarms) == 3
    topic = stack.resolve(monitoring.topic.topic_arn)
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "IntegrationError",
            "Threshold": 5,
            "AlarmActions": [topic],
            "OKActions": [topic],
            "TreatMissingData": "notBreaching",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "ExecutionError", "Threshold": 1}
    )
