"""Stateful resources created on the local AWS from the template, feeding Ref and GetAtt."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.process import client
from cdk_local_gateway.aws.provision import Provisioner
from cdk_local_gateway.aws.secrets_gen import generate_secret_string
from cdk_local_gateway.intrinsics import Resolver
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from pathlib import Path

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::GlobalTable",
            "Properties": {
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "g", "AttributeType": "S"},
                ],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "ByG",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
                "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                "Replicas": [{"Region": "eu-west-1"}],
            },
        },
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": 30,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]},
                    "maxReceiveCount": 3,
                },
            },
        },
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "GenerateSecretString": {
                    "SecretStringTemplate": '{"user": "x"}',
                    "GenerateStringKey": "key",
                    "ExcludePunctuation": True,
                    "PasswordLength": 40,
                }
            },
        },
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
        "PoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {"UserPoolId": {"Ref": "Pool"}},
        },
    }
}


def test_resources_are_created_and_their_ids_feed_ref_and_get_att(
    assembly_dir: Path, local_aws: str
) -> None:
    # Given a stack with a table, a queue and its DLQ, a generated secret and a user pool
    write_assembly(assembly_dir, {"Prov-Stack": TEMPLATE})
    assembly = read_assembly(assembly_dir)
    stack = assembly.stacks[0]
    resolver = Resolver(assembly, default_region="eu-west-1")
    provisioner = Provisioner(resolver, local_aws)
    # When they are provisioned on the local AWS
    provisioner.provision([stack])
    # Then the table exists with its index, TTL and stream
    dynamodb: Any = client("dynamodb", local_aws, "eu-west-1")
    table = dynamodb.describe_table(TableName=resolver.ref(stack, "Table"))["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["ByG"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    ttl = dynamodb.describe_time_to_live(TableName=table["TableName"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires"
    assert resolver.get_att(stack, "Table", "Arn") == table["TableArn"]
    # And the queue redrives to the DLQ's ARN as moto knows it
    sqs: Any = client("sqs", local_aws, "eu-west-1")
    url = resolver.ref(stack, "Queue")
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )
    assert redrive["deadLetterTargetArn"] == resolver.get_att(stack, "Dlq", "Arn")
    # And the secret holds the template with a generated key
    secrets: Any = client("secretsmanager", local_aws, "eu-west-1")
    value = json.loads(
        secrets.get_secret_value(SecretId=resolver.ref(stack, "Secret"))["SecretString"]
    )
    assert value["user"] == "x"
    assert len(value["key"]) == 40
    assert value["key"].isalnum()
    # And the client belongs to the pool moto created
    cognito: Any = client("cognito-idp", local_aws, "eu-west-1")
    pool_id = resolver.ref(stack, "Pool")
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [resolver.ref(stack, "PoolClient")]


def test_generated_secret_without_template_is_the_password_alone() -> None:
    value = generate_secret_string({"PasswordLength": 12, "ExcludeCharacters": "abc"})
    assert len(value) == 12
    assert not set(value) & set("abc")


def test_provisioning_again_on_the_same_local_aws_keeps_tables_and_secret_values(
    assembly_dir: Path, local_aws: str
) -> None:
    # Given a stack provisioned once on a local AWS (as with --aws-endpoint)
    template = {
        "Resources": {k: TEMPLATE["Resources"][k] for k in ("Table", "Secret", "Queue", "Dlq")}
    }
    write_assembly(assembly_dir, {"Again-Stack": template})
    assembly = read_assembly(assembly_dir)
    first = Provisioner(Resolver(assembly, default_region="eu-west-1"), local_aws)
    first.provision(assembly.stacks)
    # When a second run provisions the same stack on it
    second = Provisioner(Resolver(assembly, default_region="eu-west-1"), local_aws)
    second.provision(assembly.stacks)
    # Then nothing fails and the secret keeps its first value (tokens stay valid)
    assert list(second.secret_values.values()) == list(first.secret_values.values())
