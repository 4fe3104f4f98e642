"""The other REST constructs in bare stacks: the web ACL's rules, the private backend, the
monitoring of an API, and the table's regional views."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match
from construct_testkit import (
    OTHER_REGION,
    RETENTION,
    new_stack,
    plain_function,
    refused,
    template_of,
)

from serverless_api_constructs import SingleTable
from serverless_api_constructs.rest import (
    ApiMonitoring,
    CountedRule,
    PrivateHttpBackend,
    RegionalWebAcl,
)

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
    assert all(alarm.alarm_arn for alarm in monitoring.alarms)


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
