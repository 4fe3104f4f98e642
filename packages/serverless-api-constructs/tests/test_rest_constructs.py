"""The other REST constructs in bare stacks: the web ACL's rules, the private backend, the
monitoring of an API, and the table's regional views."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match
from construct_testkit import (
    OTHER_REGION,
    RETENTION,
    new_stack,
    plain_function,
    refused,
    template_of,
)
from constructs import Construct

from serverless_api_constructs import SingleTable
from serverless_api_constructs.rest import (
    ApiMonitoring,
    CountedRule,
    PrivateHttpBackend,
    RegionalWebAcl,
)

#: construct id, metric, threshold, evaluation periods, datapoints to alarm
AlarmSource = tuple[str, cloudwatch.IMetric, float, int, int]

SQLI = CountedRule(
    group="AWSManagedRulesCommonRuleSet",
    rule="GenericRFI_BODY",
    label="awswaf:managed:aws:core-rule-set:GenericRFI_Body",
    reason="messages may contain URLs",
    block_outside="^/v1/messages$",
)


def test_the_web_acl_runs_managed_rules_counts_some_and_limits_bodies_and_rates() -> None:
    stack = new_stack()
    RegionalWebAcl(
        stack,
        "Acl",
        rate_limit=500,
        metric_prefix="api",
        counted_rules=[SQLI],
        max_body_bytes=20_000,
    )
    template = template_of(stack)
    acl = next(iter(template.find_resources("AWS::WAFv2::WebACL").values()))["Properties"]
    names = [rule["Name"] for rule in acl["Rules"]]
    assert names == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "GenericRFI_BODYOutsideAllowedPaths",
        "BodyAboveApiLimit",
        "RateLimitPerIp",
    ]
    assert [rule["Priority"] for rule in acl["Rules"]] == list(range(6))
    core = acl["Rules"][1]["Statement"]["ManagedRuleGroupStatement"]
    assert core["RuleActionOverrides"] == [
        {"ActionToUse": {"Count": {}}, "Name": "GenericRFI_BODY"}
    ]
    assert acl["AssociationConfig"] == {
        "RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_32"}}
    }
    assert acl["Rules"][4]["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 413
    assert acl["Rules"][5]["Statement"]["RateBasedStatement"]["Limit"] == 500


def test_the_private_backend_is_an_isolated_vpc_behind_a_vpc_link() -> None:
    stack = new_stack()
    backend = PrivateHttpBackend(
        stack,
        "Backend",
        function=plain_function(stack),
        log_retention=RETENTION,
        target_group_name="tg",
    )
    template = template_of(stack)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL"})
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal", "Type": "network"}
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Principal": "elasticloadbalancing.amazonaws.com",
            "SourceArn": Match.any_value(),
            "SourceAccount": "123456789012",
        },
    )
    integration = backend.integration()
    assert isinstance(integration, apigateway.Integration)
    with refused("PrivateHttpBackend: pass either existing_vpc or max_azs, not both"):
        PrivateHttpBackend(
            stack,
            "Other",
            function=plain_function(new_stack()),
            log_retention=RETENTION,
            target_group_name="tg2",
            existing_vpc=ec2.Vpc(stack, "V"),
            max_azs=3,
        )


def test_monitoring_alarms_on_5xx_rate_latency_functions_tables_and_queues() -> None:
    stack = new_stack()
    api = apigateway.RestApi(stack, "Api")
    api.root.add_method("GET", apigateway.MockIntegration())
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    monitoring = ApiMonitoring(stack, "Monitoring", dashboard_title="t", alarm_email="o@x.io")
    monitoring.monitor_rest_api(api)
    monitoring.monitor_functions([("Fn", plain_function(stack))])
    monitoring.monitor_table(table)
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "5XXError", "Statistic": "Average", "Threshold": 0.01},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "Latency", "ExtendedStatistic": "p99"}
    )
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    assert monitoring.topic_key is not None
    # Every alarm is listed: the one-metric ones as L1 alarms, the table's (metric math) as L2
    assert len(monitoring.alarms) == 5
    assert [type(a).__name__ for a in monitoring.alarms].count("CfnAlarm") == 4


def _l2_alarms(stack: cdk.Stack, topic: sns.ITopic, sources: list[AlarmSource]) -> None:
    """The alarms ApiMonitoring makes, as cloudwatch.Alarm on the CDK's own metrics, at the
    paths ApiMonitoring uses (the reference for the L1 alarms it renders itself)."""
    holder = Construct(stack, "Monitoring")
    action = cw_actions.SnsAction(topic)
    for construct_id, metric, threshold, periods, datapoints in sources:
        alarm = cloudwatch.Alarm(
            holder,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=datapoints,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=construct_id,
        )
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)


def _alarms_of(stack: cdk.Stack, ids: list[str]) -> dict[str, Any]:
    alarms: dict[str, Any] = dict(template_of(stack).find_resources("AWS::CloudWatch::Alarm"))
    found = {k: v for k, v in alarms.items() if any(k.startswith(f"Monitoring{i}") for i in ids)}
    for alarm in found.values():  # the descriptions are the constructs' own prose
        alarm["Properties"].pop("AlarmDescription")
    return found


def test_the_one_metric_alarms_render_as_cloudwatch_alarm_would_render_them() -> None:
    # Given the monitoring of an API, a function and a queue with its dead-letter queue
    def build(stack: cdk.Stack) -> tuple[apigateway.RestApi, lambda_.Function, sqs.Queue]:
        api = apigateway.RestApi(stack, "Api", rest_api_name="orders")
        api.root.add_method("GET", apigateway.MockIntegration())
        return api, plain_function(stack), sqs.Queue(stack, "Dlq")

    ours = new_stack()
    api, fn, dlq = build(ours)
    monitoring = ApiMonitoring(ours, "Monitoring", dashboard_title="t", alarm_email="o@x.io")
    monitoring.monitor_rest_api(api)
    monitoring.monitor_functions([("Fn", fn)])
    monitoring.monitor_queue(sqs.Queue(ours, "Q"), dead_letter_queue=dlq)
    # And the same alarms made with cloudwatch.Alarm and the CDK's metrics
    reference = new_stack(stack_id="Reference")
    api, fn, dlq = build(reference)
    period = cdk.Duration.minutes(5)
    stage = api.deployment_stage
    topic = sns.Topic(reference, "Topic")
    _l2_alarms(
        reference,
        topic,
        [
            (
                "ServerErrorRate",
                stage.metric_server_error(period=period, statistic="Average"),
                0.01,
                3,
                2,
            ),
            ("P99Latency", stage.metric_latency(period=period, statistic="p99"), 2500, 3, 2),
            ("FnErrors", fn.metric_errors(period=period, statistic="Sum"), 0, 3, 2),
            ("FnThrottles", fn.metric_throttles(period=period, statistic="Sum"), 0, 3, 2),
            (
                "DeadLetters",
                dlq.metric_approximate_number_of_messages_visible(
                    period=period, statistic="Maximum"
                ),
                10,
                1,
                1,
            ),
        ],
    )
    ids = ["ServerErrorRate", "P99Latency", "FnErrors", "FnThrottles", "DeadLetters"]
    ours_alarms, reference_alarms = _alarms_of(ours, ids), _alarms_of(reference, ids)
    # Then each is the same resource under the same logical id (the topic aside)
    assert sorted(ours_alarms) == sorted(reference_alarms)
    assert len(ours_alarms) == len(ids)
    rendered = json.dumps(ours_alarms, sort_keys=True).replace("MonitoringTopic", "Topic")
    expected = json.dumps(reference_alarms, sort_keys=True)
    assert re.sub(r"Topic[0-9A-F]{8}", "Topic", rendered) == re.sub(
        r"Topic[0-9A-F]{8}", "Topic", expected
    )


def test_the_table_is_seen_through_its_replica_from_another_region() -> None:
    stack = new_stack()
    table = SingleTable(
        stack,
        "Table",
        replica_regions=[OTHER_REGION],
        replica_key_arns={OTHER_REGION: "arn:aws:kms:us-east-1:123456789012:key/k"},
    )
    replica = table.for_region(OTHER_REGION)
    assert OTHER_REGION in str(stack.resolve(replica.table_arn))
    existing = SingleTable(
        stack,
        "Wrapped",
        existing_table=dynamodb.TableV2.from_table_name(stack, "Existing", "t"),
        replica_regions=[OTHER_REGION],
    )
    with refused("SingleTable.for_region: replicas of an existing_table are unknown"):
        existing.for_region(OTHER_REGION)
