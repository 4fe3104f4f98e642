"""Observability of the REST API: logs, tracing, metrics, dashboard, alarms and their topic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from aws_cdk.assertions import Match

from serverless_api_constructs.rest import ACCESS_LOG_FIELDS
from tests.infra.rest_methods import DEV, PROD, REST_STACKS

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from tests.infra.templates import StackTemplates


def _stage(stacks: StackTemplates, stack: str) -> dict[str, object]:
    (stage,) = stacks.resources(stack, "AWS::ApiGateway::Stage").values()
    properties: dict[str, object] = stage["Properties"]
    return properties


@pytest.mark.parametrize("stack", REST_STACKS)
def test_access_log_is_one_json_object_with_the_required_fields(
    stacks: StackTemplates, stack: str
) -> None:
    settings = _stage(stacks, stack)["AccessLogSetting"]
    assert isinstance(settings, dict)
    fields = json.loads(settings["Format"])
    assert fields == ACCESS_LOG_FIELDS
    for required in (
        "$context.requestId",
        "$context.identity.sourceIp",
        "$context.identity.caller",
        "$context.identity.user",
        "$context.resourcePath",
        "$context.httpMethod",
        "$context.status",
        "$context.responseLatency",
        "$context.integration.latency",
        "$context.integration.error",
        "$context.integrationErrorMessage",
    ):
        assert required in fields.values()


@pytest.mark.parametrize(("stack", "days"), [(DEV, 30), (PROD, 365)])
def test_access_logs_are_retained_for_the_configured_days(
    stacks: StackTemplates, stack: str, days: int
) -> None:
    settings = _stage(stacks, stack)["AccessLogSetting"]
    assert isinstance(settings, dict)
    (log_group,) = (
        part["Ref"]
        for part in settings["DestinationArn"]["Fn::Join"][1]
        if isinstance(part, dict) and not part.get("Ref", "AWS::").startswith("AWS::")
    )
    resource = stacks[stack]["Resources"][log_group]
    assert resource["Properties"]["RetentionInDays"] == days
    assert resource["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("stack", REST_STACKS)
def test_stage_traces_with_xray_and_logs_executions_at_error(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "TracingEnabled": True,
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "ResourcePath": "/*",
                            "HttpMethod": "*",
                            "LoggingLevel": "ERROR",
                            "DataTraceEnabled": False,
                            "MetricsEnabled": True,
                        }
                    )
                ]
            ),
        },
    )


def test_execution_logging_has_the_account_cloudwatch_role(stacks: StackTemplates) -> None:
    (account,) = stacks.resources(DEV, "AWS::ApiGateway::Account").values()
    role = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    policies = stacks[DEV]["Resources"][role]["Properties"]["ManagedPolicyArns"]
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(policies)
    # Shared by every API of the account and region: it outlives this stack
    assert stacks[DEV]["Resources"][role]["DeletionPolicy"] == "Retain"


def test_dashboard_shows_api_lambda_table_and_queue_metrics(stacks: StackTemplates) -> None:
    (dashboard,) = stacks.resources(DEV, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in (
        "Count",
        "4XXError",
        "5XXError",
        "Latency",
        "IntegrationLatency",
        "Errors",
        "Throttles",
        "Duration",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfMessagesVisible",
    ):
        assert f'\\"{metric}\\"' in body, metric
    for statistic in ("p50", "p90", "p99"):
        assert statistic in body


def _alarms(stacks: StackTemplates, stack: str) -> list[dict[str, object]]:
    return [a["Properties"] for a in stacks.resources(stack, "AWS::CloudWatch::Alarm").values()]


@pytest.mark.parametrize(
    ("metric", "threshold"),
    [
        ("5XXError", 0.01),
        ("Latency", 2500),
        ("ApproximateNumberOfMessagesVisible", 10),
    ],
)
def test_paging_alarms_watch_errors_latency_and_dead_letters(
    stacks: StackTemplates, metric: str, threshold: float
) -> None:
    (alarm,) = (a for a in _alarms(stacks, DEV) if a.get("MetricName") == metric)
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_every_function_has_error_and_throttle_alarms(stacks: StackTemplates) -> None:
    functions = sum(
        1
        for f in stacks.resources(DEV, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("handlers.")
    )
    alarms = _alarms(stacks, DEV)
    assert sum(1 for a in alarms if a.get("MetricName") == "Errors") == functions
    assert sum(1 for a in alarms if a.get("MetricName") == "Throttles") == functions


def test_table_throttles_alarm_on_reads_and_writes(stacks: StackTemplates) -> None:
    (alarm,) = (a for a in _alarms(stacks, DEV) if "Metrics" in a)
    metrics = json.dumps(alarm["Metrics"])
    assert "ReadThrottleEvents" in metrics
    assert "WriteThrottleEvents" in metrics


@pytest.mark.parametrize("stack", REST_STACKS)
def test_every_alarm_notifies_the_alarm_topic(stacks: StackTemplates, stack: str) -> None:
    (topic,) = stacks.resources(stack, "AWS::SNS::Topic")
    for alarm in _alarms(stacks, stack):
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["OKActions"] == [{"Ref": topic}]


@pytest.mark.parametrize(
    ("stack", "email"), [(DEV, "dev-alerts@example.com"), (PROD, "oncall@example.com")]
)
def test_alarm_topic_is_encrypted_ssl_only_and_mails_the_stage_address(
    stacks: StackTemplates, template: Callable[[str], Template], stack: str, email: str
) -> None:
    ((topic, resource),) = stacks.resources(stack, "AWS::SNS::Topic").items()
    assert "KmsMasterKeyId" in resource["Properties"]
    template(stack).has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": email, "TopicArn": {"Ref": topic}},
    )
    template(stack).has_resource_properties(
        "AWS::SNS::TopicPolicy",
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
