"""The one existing_x / x_props rule, on every construct that wraps a resource: an existing
resource is used and nothing is created; x_props are merged over the defaults; both together,
or x_props restating a named setting, are refused with a message naming them."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match
from construct_testkit import (
    RETENTION,
    new_stack,
    plain_function,
    refused,
    template_of,
)

from serverless_api_constructs import SecureQueue
from serverless_api_constructs.rest import ApiMonitoring, ApiUserPool, PrivateHttpBackend

# --- ApiUserPool ---------------------------------------------------------------------------


def test_user_pool_and_client_props_are_merged_over_the_defaults() -> None:
    stack = new_stack()
    ApiUserPool(
        stack,
        "Users",
        user_pool_props={"user_pool_name": "team-users"},
        client_props={"access_token_validity": cdk.Duration.minutes(30)},
    )
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"UserPoolName": "team-users", "DeletionProtection": "ACTIVE"},
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {"AccessTokenValidity": 30, "PreventUserExistenceErrors": "ENABLED"},
    )


def test_user_pool_props_refuse_what_has_a_keyword_and_client_props_an_existing_client() -> None:
    with refused(
        "ApiUserPool: user_pool_props cannot set ['mfa']; use the construct's own keyword "
        "arguments (or, for what wires the resource to the construct, nothing)"
    ):
        ApiUserPool(new_stack(), "Users", user_pool_props={"mfa": cognito.Mfa.OFF})
    stack = new_stack()
    client = cognito.UserPoolClient.from_user_pool_client_id(stack, "Client", "c")
    with refused("ApiUserPool: pass either existing_client or client_props, not both"):
        ApiUserPool(stack, "Users", existing_client=client, client_props={})


# --- SecureQueue ---------------------------------------------------------------------------


def test_a_queue_can_send_failures_to_an_existing_dead_letter_queue() -> None:
    stack = new_stack()
    shared = sqs.Queue(stack, "SharedDlq")
    queue = SecureQueue(
        stack,
        "Queue",
        visibility_timeout=cdk.Duration.seconds(60),
        existing_dead_letter_queue=shared,
        queue_props={"delivery_delay": cdk.Duration.seconds(5)},
    )
    assert queue.dead_letter_queue is shared
    template = template_of(stack)
    template.resource_count_is("AWS::SQS::Queue", 2)  # the shared DLQ and the queue
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "DelaySeconds": 5,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": stack.resolve(shared.queue_arn),
                "maxReceiveCount": 3,
            },
        },
    )


def test_a_queue_refuses_dead_letter_queue_props_with_an_existing_one_and_wired_props() -> None:
    stack = new_stack()
    shared = sqs.Queue(stack, "SharedDlq")
    with refused(
        "SecureQueue: pass either existing_dead_letter_queue or dead_letter_queue_props, not both"
    ):
        SecureQueue(
            stack,
            "A",
            visibility_timeout=cdk.Duration.seconds(60),
            existing_dead_letter_queue=shared,
            dead_letter_queue_props={},
        )
    with refused(
        "SecureQueue: queue_props cannot set ['visibility_timeout']; use the construct's own "
        "keyword arguments (or, for what wires the resource to the construct, nothing)"
    ):
        SecureQueue(
            stack,
            "B",
            visibility_timeout=cdk.Duration.seconds(60),
            queue_props={"visibility_timeout": cdk.Duration.seconds(1)},
        )
    with refused("SecureQueue: max_receive_count=0 must be 1..1,000"):
        SecureQueue(stack, "C", visibility_timeout=cdk.Duration.seconds(60), max_receive_count=0)


# --- PrivateHttpBackend --------------------------------------------------------------------


def test_a_private_backend_uses_an_existing_vpc_and_creates_none() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "SharedVpc",
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    backend = PrivateHttpBackend(
        stack,
        "Backend",
        function=plain_function(stack),
        log_retention=RETENTION,
        target_group_name="tg",
        existing_vpc=vpc,
    )
    assert backend.vpc is vpc
    template = template_of(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::FlowLog", 0)
    template.resource_count_is("AWS::ApiGateway::VpcLink", 1)


def test_a_private_backend_merges_vpc_props_and_refuses_them_with_an_existing_vpc() -> None:
    stack = new_stack()
    PrivateHttpBackend(
        stack,
        "Backend",
        function=plain_function(stack),
        log_retention=RETENTION,
        target_group_name="tg",
        vpc_props={"ip_addresses": ec2.IpAddresses.cidr("10.42.0.0/16")},
    )
    template_of(stack).has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.42.0.0/16"})
    other = new_stack()
    vpc = ec2.Vpc(other, "V")
    with refused("PrivateHttpBackend: pass either existing_vpc or vpc_props, not both"):
        PrivateHttpBackend(
            other,
            "Backend",
            function=plain_function(other),
            log_retention=RETENTION,
            target_group_name="tg",
            existing_vpc=vpc,
            vpc_props={},
        )


# --- ApiMonitoring -------------------------------------------------------------------------


def test_monitoring_sends_alarms_to_an_existing_topic_and_creates_no_topic_or_key() -> None:
    stack = new_stack()
    topic = sns.Topic.from_topic_arn(stack, "OpsTopic", "arn:aws:sns:eu-west-1:123456789012:ops")
    monitoring = ApiMonitoring(stack, "Monitoring", dashboard_title="t", existing_topic=topic)
    monitoring.monitor_functions([("Fn", plain_function(stack))])
    template = template_of(stack)
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"AlarmActions": ["arn:aws:sns:eu-west-1:123456789012:ops"]},
    )


def test_monitoring_merges_topic_props_and_needs_someone_to_receive_its_alarms() -> None:
    stack = new_stack()
    ApiMonitoring(
        stack,
        "Monitoring",
        dashboard_title="t",
        alarm_email="ops@example.com",
        topic_props={"topic_name": "api-alarms"},
    )
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::SNS::Topic", {"TopicName": "api-alarms", "KmsMasterKeyId": Match.any_value()}
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )
    with refused(
        "ApiMonitoring: alarm_email is required for the topic this construct creates (someone "
        "must receive the alarms); or pass existing_topic"
    ):
        ApiMonitoring(new_stack(), "Monitoring", dashboard_title="t")
