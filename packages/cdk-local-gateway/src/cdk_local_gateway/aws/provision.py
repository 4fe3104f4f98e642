"""Create the template's stateful resources on the local AWS, before anything else resolves.

Their physical ids, ARNs and URLs come back from the local AWS and are recorded in the
resolver, so ``Ref``/``Fn::GetAtt`` of them (in function environments, integration URIs,
mapping templates) give what the local services know.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.aws.process import client
from cdk_local_gateway.aws.replication import ReplicatedTable
from cdk_local_gateway.aws.secrets_gen import generate_secret_string
from cdk_local_gateway.intrinsics import Physical

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver

TABLES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
PROVISIONED = (
    *TABLES,
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
)


@dataclass(frozen=True)
class Created:
    stack: str
    logical_id: str
    kind: str
    physical_id: str


def physical_name(stack: Stack, logical_id: str, limit: int = 255) -> str:
    """CloudFormation's generated-name shape: ``<stack>-<logical id>-<suffix>``."""
    suffix = hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    head = f"{stack.stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


_INDEX_KEYS = ("IndexName", "KeySchema", "Projection")


def _create_table_args(name: str, props: dict[str, Any], *, replicated: bool) -> dict[str, Any]:
    """CreateTable arguments from a table's template properties (billed per request)."""
    args: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    indexes = [
        {k: v for k, v in gsi.items() if k in _INDEX_KEYS}
        for gsi in props.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        args["GlobalSecondaryIndexes"] = indexes
    local = [
        {k: v for k, v in lsi.items() if k in _INDEX_KEYS}
        for lsi in props.get("LocalSecondaryIndexes", [])
    ]
    if local:
        args["LocalSecondaryIndexes"] = local
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        args["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    elif replicated:
        # Replication reads the replicas' streams (DynamoDB requires one for more than one
        # replica; CloudFormation refuses such a template without it).
        args["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
    return args


class Provisioner:
    def __init__(self, resolver: Resolver, endpoint: str) -> None:
        self.resolver = resolver
        self.endpoint = endpoint
        self.created: list[Created] = []
        # Secret ARN (replica ARNs included) -> its SecretString, for the token command and
        # for tests.
        self.secret_values: dict[str, str] = {}
        # Global tables with replicas in more than one region: what the replicator copies.
        self.replicated: list[ReplicatedTable] = []
        self._clients: dict[tuple[str, str], Any] = {}

    def _client(self, service: str, region: str) -> Any:
        # One client per service and region: creating one costs more than the call it makes.
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = client(service, self.endpoint, region)
        return self._clients[key]

    def provision(self, stacks: Iterable[Stack]) -> list[Created]:
        ordered = list(stacks)
        # Dead-letter queues and user pools first: the resources that point at them resolve
        # their ARNs / ids through the resolver.
        for kinds in (TABLES, ("AWS::SecretsManager::Secret",), ("AWS::Cognito::UserPool",)):
            for stack in ordered:
                for logical_id in stack.of_type(*kinds):
                    self._create(stack, logical_id)
        for redrive in (False, True):
            for stack in ordered:
                for logical_id, resource in stack.of_type("AWS::SQS::Queue").items():
                    has_redrive = "RedrivePolicy" in resource.get("Properties", {})
                    if has_redrive == redrive:
                        self._create(stack, logical_id)
        for stack in ordered:
            for logical_id in stack.of_type("AWS::Cognito::UserPoolClient"):
                self._create(stack, logical_id)
        return self.created

    def _create(self, stack: Stack, logical_id: str) -> None:
        kind = stack.resources[logical_id]["Type"]
        props = self.resolver.resolve(
            stack, stack.resources[logical_id].get("Properties", {}), logical_id
        )
        region = self.resolver.region_of(stack)
        method = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::DynamoDB::GlobalTable": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
        }[kind]
        physical = method(stack, logical_id, props, region)
        self.resolver.record(stack, logical_id, physical)
        self.created.append(Created(stack.stack_name, logical_id, kind, physical.ref))

    def _table(self, stack: Stack, logical_id: str, props: dict[str, Any], region: str) -> Physical:
        name = props.get("TableName") or physical_name(stack, logical_id)
        # A global table is created in its own region and in each replica region: moto keeps
        # regions apart, and the replicator (aws/replication.py) copies writes between them.
        regions = [region] + [
            r["Region"] for r in props.get("Replicas", []) if r.get("Region") not in (None, region)
        ]
        args = _create_table_args(name, props, replicated=len(regions) > 1)
        described: dict[str, Any] = {}
        for target in regions:
            table = self._create_table(target, args, props.get("TimeToLiveSpecification"))
            if target == region:
                described = table
        if len(regions) > 1:
            self.replicated.append(ReplicatedTable(name, tuple(regions)))
        attributes = {"Arn": described["TableArn"]}
        if described.get("LatestStreamArn"):
            attributes["StreamArn"] = described["LatestStreamArn"]
        return Physical(name, attributes)

    def _create_table(
        self, region: str, args: dict[str, Any], ttl: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Create the table in ``region`` (with its time to live), or describe the one an
        earlier run left there."""
        name = args["TableName"]
        dynamodb = self._client("dynamodb", region)
        try:
            table: dict[str, Any] = dynamodb.create_table(**args)["TableDescription"]
        except dynamodb.exceptions.ResourceInUseException:
            # A local AWS given by --aws-endpoint keeps the tables of an earlier run.
            described: dict[str, Any] = dynamodb.describe_table(TableName=name)["Table"]
            return described
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": ttl["AttributeName"],
                },
            )
        return table

    def _queue(self, stack: Stack, logical_id: str, props: dict[str, Any], region: str) -> Physical:
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or physical_name(stack, logical_id, 80 - (5 if fifo else 0))
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes: dict[str, str] = {}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "FifoQueue",
            "ContentBasedDeduplication",
        ):
            if key in props:
                attributes[key] = (
                    str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
                )
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        sqs = self._client("sqs", region)
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return Physical(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _secret(
        self, stack: Stack, logical_id: str, props: dict[str, Any], region: str
    ) -> Physical:
        name = props.get("Name") or physical_name(stack, logical_id, 200)
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            value = generate_secret_string(props.get("GenerateSecretString", {}))
        # Replicas (Secrets Manager's own replication, which moto implements): the same value
        # in each region at the primary's ARN with the region replaced, kept in sync.
        replicas = [
            r["Region"] for r in props.get("ReplicaRegions", []) if r.get("Region") != region
        ]
        secrets = self._client("secretsmanager", region)
        args: dict[str, Any] = {"Name": name, "SecretString": value}
        if replicas:
            args["AddReplicaRegions"] = [{"Region": r} for r in replicas]
        try:
            arn = secrets.create_secret(**args)["ARN"]
        except secrets.exceptions.ResourceExistsException:
            # An earlier run on the same local AWS: keep its value, so its tokens stay valid.
            arn = secrets.describe_secret(SecretId=name)["ARN"]
            value = secrets.get_secret_value(SecretId=name)["SecretString"]
        self.secret_values[arn] = value
        for replica in replicas:
            self.secret_values[arn.replace(f":{region}:", f":{replica}:", 1)] = value
        return Physical(arn, {"Id": arn})

    def _user_pool(
        self, stack: Stack, logical_id: str, props: dict[str, Any], region: str
    ) -> Physical:
        name = props.get("UserPoolName") or physical_name(stack, logical_id, 128)
        args: dict[str, Any] = {"PoolName": name}
        if props.get("UsernameAttributes"):
            args["UsernameAttributes"] = props["UsernameAttributes"]
        pool = self._client("cognito-idp", region).create_user_pool(**args)["UserPool"]
        pool_id = pool["Id"]
        return Physical(
            pool_id,
            {
                "Arn": pool["Arn"],
                "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
                "ProviderURL": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
                "UserPoolId": pool_id,
            },
        )

    def _user_pool_client(
        self, stack: Stack, logical_id: str, props: dict[str, Any], region: str
    ) -> Physical:
        created = self._client("cognito-idp", region).create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=props.get("ClientName") or logical_id,
            GenerateSecret=bool(props.get("GenerateSecret")),
        )["UserPoolClient"]
        attributes = {"ClientId": created["ClientId"], "Name": created["ClientName"]}
        if created.get("ClientSecret"):
            attributes["ClientSecret"] = created["ClientSecret"]
        return Physical(created["ClientId"], attributes)
