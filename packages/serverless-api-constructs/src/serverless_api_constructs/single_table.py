"""A DynamoDB global table for single-table design, secure and durable by default."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from . import defaults
from .props import merge_props, refuse_both
from .validation import unresolved

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import RemovalPolicy


class SingleTable(Construct):
    """One DynamoDB table (``TableV2``, a global table when replicas are given) for several
    entity types sharing string ``pk``/``sk`` keys and overloaded GSIs.

    Defaults (each overridable by a keyword argument):

    - billing: on demand;
    - keys: string ``pk`` (partition) and ``sk`` (sort);
    - ``global_index_count=2``: ``GSI1`` on ``GSI1PK``/``GSI1SK``, ``GSI2`` on
      ``GSI2PK``/``GSI2SK``, projecting all attributes;
    - stream: ``NEW_AND_OLD_IMAGES`` (fan-out and replication read it);
    - ``ttl_attribute="expires_at"`` (epoch seconds);
    - point-in-time recovery on, deletion protection on, ``removal_policy=RETAIN``;
    - encryption: a new customer-managed KMS key (``.encryption_key``) with yearly rotation
      (RETAIN), unless ``existing_encryption_key`` is passed (a key made elsewhere, then also
      ``.encryption_key``); each replica region needs its own key ARN in
      ``replica_key_arns`` because a KMS key never leaves its region.
      ``aws_managed_key=True`` encrypts with the AWS managed key (``aws/dynamodb``) instead:
      no key to pay for or grant, and the only encryption a region-agnostic stack can render.

    Region-agnostic stacks (no ``env`` region): replicas and a customer-managed key need the
    stack's region (the CDK renders them per region), so they are refused with a message naming
    the prop; ``aws_managed_key=True`` without replicas synthesizes anywhere.

    Pass ``existing_table`` to wrap a table created elsewhere instead (then none of the table
    settings apply, and passing ``table_props`` or ``existing_encryption_key`` as well is an
    error). ``table_props`` are extra ``TableV2`` keyword arguments merged over the defaults, for
    settings this construct does not name (``table_class``, ``contributor_insights``,
    ``tags`` ...); the ones it names are refused there (:mod:`serverless_api_constructs.props`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_table: dynamodb.ITableV2 | None = None,
        table_props: Mapping[str, Any] | None = None,
        existing_encryption_key: kms.IKey | None = None,
        replica_regions: Sequence[str] = (),
        replica_key_arns: Mapping[str, str] | None = None,
        global_index_count: int = defaults.GLOBAL_INDEX_COUNT,
        ttl_attribute: str = defaults.TTL_ATTRIBUTE,
        removal_policy: RemovalPolicy = defaults.STATEFUL_REMOVAL_POLICY,
        deletion_protection: bool = defaults.TABLE_DELETION_PROTECTION,
        point_in_time_recovery: bool = defaults.TABLE_POINT_IN_TIME_RECOVERY,
        aws_managed_key: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        refuse_both(_OWNER, "existing_table", existing_table, "table_props", table_props)
        refuse_both(
            _OWNER,
            "existing_table",
            existing_table,
            "existing_encryption_key",
            existing_encryption_key,
        )
        if aws_managed_key and (existing_encryption_key is not None or replica_key_arns):
            raise ValueError(
                "SingleTable: aws_managed_key=True encrypts with the AWS managed key; "
                "existing_encryption_key and replica_key_arns name customer-managed keys"
            )
        if global_index_count < 0 or global_index_count > 20:
            raise ValueError(f"SingleTable: global_index_count={global_index_count} must be 0..20")

        self.ttl_attribute = ttl_attribute
        self.partition_key = defaults.PARTITION_KEY
        self.sort_key = defaults.SORT_KEY
        self.index_names: tuple[str, ...] = tuple(
            defaults.index_name(n) for n in range(1, global_index_count + 1)
        )
        self.replica_regions: tuple[str, ...] = tuple(replica_regions)

        if existing_table is not None:
            self.table: dynamodb.ITableV2 = existing_table
            self.encryption_key: kms.IKey | None = existing_table.encryption_key
            return

        region = Stack.of(self).region
        if unresolved(region):
            if self.replica_regions:
                raise ValueError(
                    f"SingleTable: replica_regions={list(self.replica_regions)} need the "
                    "stack's region, and the stack is region-agnostic; give the stack "
                    "env=cdk.Environment(region=...)"
                )
            if not aws_managed_key:
                raise ValueError(
                    "SingleTable: a customer-managed key (aws_managed_key=False, the default) "
                    "needs the stack's region, and the stack is region-agnostic; give the "
                    "stack env=cdk.Environment(region=...) or pass aws_managed_key=True"
                )
        elif region in self.replica_regions:
            raise ValueError(
                f"SingleTable: replica_regions={list(self.replica_regions)} includes the "
                f"stack's own region {region}, where the table itself is"
            )
        missing = [r for r in self.replica_regions if r not in (replica_key_arns or {})]
        if missing and not aws_managed_key:
            raise ValueError(
                f"SingleTable: replica_key_arns has no KMS key ARN for replica region(s) {missing}"
            )

        self.encryption_key = None
        if aws_managed_key:
            encryption = dynamodb.TableEncryptionV2.aws_managed_key()
        else:
            self.encryption_key = existing_encryption_key or kms.Key(
                self,
                "Key",
                description=(
                    "Encrypts the single-table DynamoDB data (table, indexes, stream, backups)"
                ),
                enable_key_rotation=defaults.KEY_ROTATION,
                pending_window=defaults.KEY_PENDING_WINDOW,
                removal_policy=removal_policy,
            )
            encryption = dynamodb.TableEncryptionV2.customer_managed_key(
                self.encryption_key, replica_key_arns=dict(replica_key_arns or {}) or None
            )

        props: dict[str, Any] = {
            "partition_key": dynamodb.Attribute(
                name=self.partition_key, type=dynamodb.AttributeType.STRING
            ),
            "sort_key": dynamodb.Attribute(name=self.sort_key, type=dynamodb.AttributeType.STRING),
            "billing": dynamodb.Billing.on_demand(),
            "global_secondary_indexes": [
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=defaults.index_name(n),
                    partition_key=dynamodb.Attribute(
                        name=defaults.index_keys(n)[0], type=dynamodb.AttributeType.STRING
                    ),
                    sort_key=dynamodb.Attribute(
                        name=defaults.index_keys(n)[1], type=dynamodb.AttributeType.STRING
                    ),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
                for n in range(1, global_index_count + 1)
            ],
            "dynamo_stream": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            "time_to_live_attribute": ttl_attribute,
            "point_in_time_recovery_specification": dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=point_in_time_recovery
            ),
            "deletion_protection": deletion_protection,
            "removal_policy": removal_policy,
            "encryption": encryption,
            "replicas": [
                dynamodb.ReplicaTableProps(region=region, deletion_protection=deletion_protection)
                for region in self.replica_regions
            ]
            or None,
        }
        self.table = dynamodb.TableV2(
            self,
            "Resource",
            **merge_props(_OWNER, "table_props", props, table_props, reserved=_RESERVED),
        )

    def for_region(self, region: str) -> dynamodb.ITableV2:
        """The table as seen from a stack in ``region``: the table itself in its own region, or
        the replica there (grants then name that replica's ARN)."""
        if region not in self.replica_regions:
            return self.table
        if not isinstance(self.table, dynamodb.TableV2):
            raise ValueError("SingleTable.for_region: replicas of an existing_table are unknown")
        return self.table.replica(region)


_OWNER = "SingleTable"
#: ``table_props`` keys refused: the settings this construct names or derives.
_RESERVED = frozenset(
    {
        "partition_key",
        "sort_key",
        "global_secondary_indexes",
        "time_to_live_attribute",
        "point_in_time_recovery_specification",
        "deletion_protection",
        "removal_policy",
        "encryption",
        "replicas",
    }
)
