"""Direct AWS integrations in the CDK's bind() style: the role is made when a method binds
the integration, and may run exactly one action on one resource."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from construct_testkit import new_stack, template_of

from serverless_api_constructs.rest import (
    DynamoDbQuery,
    DynamoDbQueryIntegration,
    SqsSendMessage,
    SqsSendMessageIntegration,
)

OK = [apigateway.IntegrationResponse(status_code="200")]


def _table(stack: cdk.Stack) -> dynamodb.TableV2:
    return dynamodb.TableV2(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    )


def _statements(template: Template) -> list[dict[str, Any]]:
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_a_query_integration_makes_its_role_when_bound_and_allows_only_query() -> None:
    # Given a DynamoDB Query integration on an index, bound to GET /messages
    stack = new_stack()
    table = _table(stack)
    key = kms.Key(stack, "Key")
    api = apigateway.RestApi(stack, "Api")
    query = DynamoDbQuery(
        table=table,
        index_name="GSI1",
        table_key=key,
        request_template='{"TableName": "t"}',
        integration_responses=OK,
    )
    unbound_role = query.role
    method = api.root.add_resource("messages").add_method("GET", query)
    template = template_of(stack)
    # Then the role was made in the method's scope (none before), for API Gateway
    assert unbound_role is None
    assert query.role is not None
    assert query.role.node.path == f"{method.node.path}/IntegrationRole"
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like({"Principal": {"Service": "apigateway.amazonaws.com"}})
                    ]
                }
            ),
            "Description": "API Gateway: DynamoDB Query on one table",
        },
    )
    # And it may Query that index and decrypt with the table's key, nothing else
    statements = _statements(template)
    assert {
        "Action": "dynamodb:Query",
        "Effect": "Allow",
        "Resource": {"Fn::Join": ["", [stack.resolve(table.table_arn), "/index/GSI1"]]},
    } in statements
    assert [s["Action"] for s in statements] == ["dynamodb:Query", "kms:Decrypt"]
    # And the method calls DynamoDB with that role, refusing requests without a template
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "Integration": Match.object_like(
                {
                    "Type": "AWS",
                    "IntegrationHttpMethod": "POST",
                    "PassthroughBehavior": "NEVER",
                    "Credentials": stack.resolve(query.role.role_arn),
                    "RequestTemplates": {"application/json": '{"TableName": "t"}'},
                }
            )
        },
    )


def test_methods_binding_one_integration_share_its_role() -> None:
    stack = new_stack()
    api = apigateway.RestApi(stack, "Api")
    query = DynamoDbQuery(table=_table(stack), request_template="{}", integration_responses=OK)
    api.root.add_method("GET", query)
    api.root.add_resource("again").add_method("GET", query)
    template_of(stack).resource_count_is("AWS::IAM::Role", 2)  # the integration's + logging


def test_a_role_of_your_own_is_used_and_granted_and_none_is_made() -> None:
    stack = new_stack()
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"))
    api = apigateway.RestApi(stack, "Api", cloud_watch_role=False)
    query = DynamoDbQuery(
        table=_table(stack), request_template="{}", integration_responses=OK, role=role
    )
    api.root.add_method("GET", query)
    template = template_of(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    assert [s["Action"] for s in _statements(template)] == ["dynamodb:Query"]


def test_a_send_message_integration_posts_the_form_to_its_queue_and_may_only_send() -> None:
    # Given an SQS SendMessage integration to a KMS-encrypted queue, bound to POST /ingest
    stack = new_stack()
    key = kms.Key(stack, "Key")
    queue = sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key)
    api = apigateway.RestApi(stack, "Api")
    send = SqsSendMessage(
        queue=queue, request_template="Action=SendMessage", integration_responses=OK
    )
    api.root.add_resource("ingest").add_method("POST", send)
    template = template_of(stack)
    # Then API Gateway posts a form to <account>/<queue name>
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "Integration": Match.object_like(
                {
                    "PassthroughBehavior": "NEVER",
                    "RequestParameters": {
                        "integration.request.header.Content-Type": (
                            "'application/x-www-form-urlencoded'"
                        )
                    },
                    "Uri": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":apigateway:eu-west-1:sqs:path/123456789012/",
                                stack.resolve(queue.queue_name),
                            ],
                        ]
                    },
                }
            )
        },
    )
    # And its role may send to that queue and use the queue's key, nothing else
    actions = [s["Action"] for s in _statements(template)]
    assert actions == ["sqs:SendMessage", ["kms:GenerateDataKey", "kms:Decrypt"]]


def test_the_version_0_1_constructs_still_hold_integration_and_role() -> None:
    # Given the construct forms existing stacks use
    stack = new_stack()
    api = apigateway.RestApi(stack, "Api")
    query = DynamoDbQueryIntegration(
        stack, "Query", table=_table(stack), request_template="{}", integration_responses=OK
    )
    send = SqsSendMessageIntegration(
        stack,
        "Send",
        queue=sqs.Queue(stack, "Queue"),
        request_template="Action=SendMessage",
        integration_responses=OK,
    )
    api.root.add_method("GET", query.integration)
    api.root.add_method("POST", send.integration)
    # Then their roles stay where they were (logical ids unchanged) and the methods use them
    assert query.role.node.path == "Test/Query/Role"
    assert send.role.node.path == "Test/Send/Role"
    assert isinstance(query.integration, DynamoDbQuery)
    assert query.integration.role is query.role
    template_of(stack).has_resource_properties(
        "AWS::ApiGateway::Method",
        {"Integration": Match.object_like({"Credentials": stack.resolve(send.role.role_arn)})},
    )
