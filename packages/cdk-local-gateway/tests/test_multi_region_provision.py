"""A stage spread over two regions: replicas of global tables and secrets, cross-region pools."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.process import client
from cdk_local_gateway.aws.provision import Provisioner
from cdk_local_gateway.aws.replication import ReplicatedTable
from cdk_local_gateway.doctor import notes
from cdk_local_gateway.intrinsics import Resolver
from cdk_local_gateway.rest.auth import pool_for_arn
from cdk_local_gateway.rest.services import UserPool
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from pathlib import Path

PRIMARY: dict[str, Any] = {
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::GlobalTable",
            "Properties": {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                # No StreamSpecification: DynamoDB needs a stream to replicate anyway.
                "Replicas": [{"Region": "us-east-1"}, {"Region": "eu-west-1"}],
            },
        },
        "Signing": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "GenerateSecretString": {
                    "SecretStringTemplate": "{}",
                    "GenerateStringKey": "key",
                    "ExcludePunctuation": True,
                },
                "ReplicaRegions": [{"Region": "us-east-1"}],
            },
        },
    },
    "Outputs": {"SecretArn": {"Value": {"Ref": "Signing"}}},
}


def _assembly(assembly_dir: Path, primary: dict[str, Any]) -> tuple[Resolver, Provisioner, Any]:
    write_assembly(
        assembly_dir,
        {"Multi-Primary": primary, "Multi-Replica": {"Resources": {}}},
        regions={"Multi-Primary": "eu-west-1", "Multi-Replica": "us-east-1"},
    )
    assembly = read_assembly(assembly_dir)
    resolver = Resolver(assembly, default_region="eu-west-1")
    return resolver, Provisioner(resolver, ""), assembly


def test_a_secret_with_replica_regions_has_the_same_value_at_the_replica_arn(
    assembly_dir: Path, local_aws: str
) -> None:
    # Given a secret in eu-west-1 with a replica in us-east-1
    resolver, _, assembly = _assembly(assembly_dir, PRIMARY)
    provisioner = Provisioner(resolver, local_aws)
    # When the stage is provisioned
    provisioner.provision(assembly.stacks)
    # Then the replica ARN (the primary's with the region replaced) reads the same value
    (stack,) = [s for s in assembly.stacks if s.stack_name == "Multi-Primary"]
    arn = resolver.ref(stack, "Signing")
    replica_arn = arn.replace(":eu-west-1:", ":us-east-1:")
    primary: Any = client("secretsmanager", local_aws, "eu-west-1")
    replica: Any = client("secretsmanager", local_aws, "us-east-1")
    value = primary.get_secret_value(SecretId=arn)["SecretString"]
    assert json.loads(value)["key"]
    assert replica.get_secret_value(SecretId=replica_arn)["SecretString"] == value
    # And the provisioner knows both ARNs hold that value
    assert provisioner.secret_values[replica_arn] == value


def test_a_global_table_gets_a_stream_in_every_replica_and_is_listed_for_replication(
    assembly_dir: Path, local_aws: str
) -> None:
    # Given a global table with replicas in two regions and no stream in its template
    resolver, _, assembly = _assembly(assembly_dir, PRIMARY)
    provisioner = Provisioner(resolver, local_aws)
    # When the stage is provisioned
    provisioner.provision(assembly.stacks)
    (stack,) = [s for s in assembly.stacks if s.stack_name == "Multi-Primary"]
    name = resolver.ref(stack, "Table")
    # Then each replica has a stream of new and old images (what replication reads)
    for region in ("eu-west-1", "us-east-1"):
        dynamodb: Any = client("dynamodb", local_aws, region)
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    # And the table is listed for the replicator with its regions, the stack's own first
    assert provisioner.replicated == [ReplicatedTable(name, ("eu-west-1", "us-east-1"))]


def test_doctor_notes_that_replication_is_emulated(assembly_dir: Path) -> None:
    # Given a stage with a global table replicated to two regions
    _assembly(assembly_dir, PRIMARY)
    # When doctor lists what is stood in for
    found = [n for n in notes(assembly_dir, "Dev", "us-east-1") if "Table" in n]
    # Then it names the replication emulation and its limits
    assert len(found) == 1
    assert "replication emulation" in found[0]
    assert "last writer wins" in found[0]


def test_an_authorizers_pool_arn_is_matched_by_region_and_pool_id() -> None:
    # Given the pools the runtime provisioned (moto's account id in their ARNs)
    primary = UserPool(
        "eu-west-1",
        "eu-west-1_abc",
        "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc",
        [],
    )
    pools = {primary.arn: primary}
    # Then a ProviderARNs entry finds its pool by exact ARN, or by region and id whatever the
    # account (a stage pinned to a real account builds ARNs with it)
    assert pool_for_arn(pools, primary.arn) is primary
    assert (
        pool_for_arn(pools, "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc")
        is primary
    )
    # And another region's pool of the same id, or not a pool ARN at all, is not it
    assert pool_for_arn(pools, "arn:aws:cognito-idp:us-east-1:1:userpool/eu-west-1_abc") is None
    assert pool_for_arn(pools, "arn:aws:sqs:eu-west-1:1:userpool/eu-west-1_abc") is None
    assert pool_for_arn(pools, "not an arn") is None
