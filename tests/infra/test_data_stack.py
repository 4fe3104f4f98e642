"""The single-table DynamoDB global table: keys, indexes, stream, TTL, PITR, KMS, retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aws_cdk.assertions import Match

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from tests.infra.templates import StackTemplates

TABLE = "AWS::DynamoDB::GlobalTable"
STAGES = ["Dev/Data", "Prod/Data"]


@pytest.mark.parametrize("stack", STAGES)
def test_table_has_string_pk_sk_and_on_demand_billing(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource_properties(
        TABLE,
        {
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ]
            ),
            "BillingMode": "PAY_PER_REQUEST",
        },
    )


@pytest.mark.parametrize("stack", STAGES)
def test_table_has_two_overloaded_string_gsis(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource_properties(
        TABLE,
        {
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": f"GSI{n}",
                    "KeySchema": [
                        {"AttributeName": f"GSI{n}PK", "KeyType": "HASH"},
                        {"AttributeName": f"GSI{n}SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for n in (1, 2)
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": f"GSI{n}{k}", "AttributeType": "S"}
                    for n in (1, 2)
                    for k in ("PK", "SK")
                ]
            ),
        },
    )


@pytest.mark.parametrize("stack", STAGES)
def test_table_streams_new_and_old_images_and_expires_items(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource_properties(
        TABLE,
        {
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        },
    )


@pytest.mark.parametrize("stack", STAGES)
def test_every_replica_has_pitr_deletion_protection_and_a_customer_managed_key(
    stacks: StackTemplates, stack: str
) -> None:
    (table,) = stacks.resources(stack, TABLE).values()
    props = table["Properties"]
    assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    for replica in props["Replicas"]:
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert replica["DeletionProtectionEnabled"] is True
        assert "KMSMasterKeyId" in replica["SSESpecification"]


@pytest.mark.parametrize("stack", STAGES)
def test_table_and_key_are_retained_and_the_table_has_no_physical_name(
    stacks: StackTemplates, stack: str
) -> None:
    (table,) = stacks.resources(stack, TABLE).values()
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert "TableName" not in table["Properties"]
    for key in stacks.resources(stack, "AWS::KMS::Key").values():
        assert key["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("stack", [*STAGES, "Prod/UsEast1/ReplicaKey"])
def test_kms_keys_rotate(template: Callable[[str], Template], stack: str) -> None:
    template(stack).has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_dev_table_lives_in_one_region(stacks: StackTemplates) -> None:
    (table,) = stacks.resources("Dev/Data", TABLE).values()
    assert [r["Region"] for r in table["Properties"]["Replicas"]] == ["eu-west-1"]


def test_prod_table_is_replicated_to_us_east_1_with_that_region_s_key(
    stacks: StackTemplates,
) -> None:
    (table,) = stacks.resources("Prod/Data", TABLE).values()
    replicas = {r["Region"]: r for r in table["Properties"]["Replicas"]}
    assert sorted(replicas) == ["eu-west-1", "us-east-1"]
    # The replica's key is the ReplicaKey stack's key in us-east-1, read across regions.
    key_ref = replicas["us-east-1"]["SSESpecification"]["KMSMasterKeyId"]["Fn::GetStackOutput"]
    assert key_ref["Region"] == "us-east-1"
    assert key_ref["StackName"].startswith("Prod-UsEast1ReplicaKey")
