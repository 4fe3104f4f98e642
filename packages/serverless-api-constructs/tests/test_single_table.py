"""SingleTable: a secure global table by default, its region rules and the existing_table path."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match
from construct_testkit import OTHER_REGION, inline_code, new_stack, template_of

from serverless_api_constructs import SingleTable

REPLICA_KEY = f"arn:aws:kms:{OTHER_REGION}:123456789012:key/replica"


def test_the_defaults_are_a_retained_protected_encrypted_table_with_two_overloaded_indexes() -> (
    None
):
    # Given a table with one replica region
    stack = new_stack()
    table = SingleTable(
        stack, "Table", replica_regions=[OTHER_REGION], replica_key_arns={OTHER_REGION: REPLICA_KEY}
    )
    template = template_of(stack)
    # Then it is one on-demand global table keyed pk/sk with GSI1/GSI2, TTL and a stream
    template.has_resource(
        "AWS::DynamoDB::GlobalTable",
        {
            "Properties": Match.object_like(
                {
                    "BillingMode": "PAY_PER_REQUEST",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "GlobalSecondaryIndexes": [
                        Match.object_like({"IndexName": "GSI1"}),
                        Match.object_like({"IndexName": "GSI2"}),
                    ],
                    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                    "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
                    # And a replica in the other region, encrypted with that region's key
                    "Replicas": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Region": OTHER_REGION,
                                    "DeletionProtectionEnabled": True,
                                    "SSESpecification": {"KMSMasterKeyId": REPLICA_KEY},
                                }
                            )
                        ]
                    ),
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )
    # And its own key rotates and is retained
    template.has_resource(
        "AWS::KMS::Key",
        {"Properties": Match.object_like({"EnableKeyRotation": True}), "DeletionPolicy": "Retain"},
    )
    assert table.index_names == ("GSI1", "GSI2")
    assert table.for_region("eu-west-1") is table.table


def test_with_the_aws_managed_key_it_synthesizes_in_a_region_agnostic_stack() -> None:
    # Given a region-agnostic stack and the AWS managed key
    stack = new_stack(region=None)
    table = SingleTable(stack, "Table", aws_managed_key=True)
    function = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=inline_code(),
    )
    table.table.grant_read_data(function)
    template = template_of(stack)
    # Then the table is encrypted by DynamoDB's managed key, and no key of ours exists
    template.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {"SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"}},
    )
    template.resource_count_is("AWS::KMS::Key", 0)
    assert table.encryption_key is None


def test_an_existing_table_is_wrapped_and_nothing_is_created() -> None:
    stack = new_stack()
    existing = dynamodb.TableV2.from_table_name(stack, "Existing", "shared-table")
    table = SingleTable(stack, "Table", existing_table=existing)
    assert table.table is existing
    template_of(stack).resource_count_is("AWS::DynamoDB::GlobalTable", 0)


def test_table_props_set_what_the_construct_does_not_name() -> None:
    stack = new_stack()
    SingleTable(
        stack, "Table", table_props={"table_class": dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS}
    )
    template_of(stack).has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {"Replicas": [Match.object_like({"TableClass": "STANDARD_INFREQUENT_ACCESS"})]},
    )


def test_an_existing_encryption_key_encrypts_the_table_and_no_key_is_created() -> None:
    # Given a key made elsewhere, passed by the one existing_x name
    stack = new_stack()
    key = kms.Key(stack, "Shared")
    table = SingleTable(stack, "Table", existing_encryption_key=key)
    template = template_of(stack)
    # Then the table is encrypted with it, it is the construct's key, and no other key exists
    assert table.encryption_key is key
    template.resource_count_is("AWS::KMS::Key", 1)
    template.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "Replicas": [
                Match.object_like(
                    {
                        "SSESpecification": {
                            "KMSMasterKeyId": {
                                "Fn::GetAtt": [Match.string_like_regexp("^Shared"), "Arn"]
                            }
                        }
                    }
                )
            ]
        },
    )


def test_the_pre_0_4_encryption_key_keyword_is_gone() -> None:
    # Given the keyword 0.3 took the existing key by
    stack = new_stack()
    old_props: dict[str, Any] = {"encryption_key": kms.Key(stack, "Shared")}
    # Then Python refuses it as an unknown keyword argument
    with pytest.raises(TypeError, match="unexpected keyword argument 'encryption_key'"):
        SingleTable(stack, "Table", **old_props)
