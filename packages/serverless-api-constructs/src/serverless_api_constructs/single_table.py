"""A DynamoDB global table for single-table design, secure and durable by default."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from . import defaults

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
    - encryption: a new customer-managed KMS key with yearly rotation (RETAIN), unless
      ``encryption_key`` is passed; each replica region then needs its own key ARN in
      ``replica_key_arns`` because a KMS key never leaves its region.

    Pass ``existing_table`` to wrap a table created elsewhere instead (then none of the table
    settings apply and passing ``table_props`` as well is an error). ``table_props`` are extra
    ``TableV2`` keyword arguments merged over the defaults, for settings this construct does not
    name (``table_class``, ``contributor_insights``, ``tags`` ...).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_table: dynamodb.ITableV2 | None = None,
        table_props: Mapping[str, Any] | None = None,
        encryption_key: kms.IKey | None = None,
        replica_regions: Sequence[str] = (),
        replica_key_arns: Mapping[str, str] | None = None,
        global_index_count: int = defaults.GLOBAL_INDEX_COUNT,
        ttl_attribute: str = defaults.TTL_ATTRIBUTE,
        removal_policy: RemovalPolicy = defaults.STATEFUL_REMOVAL_POLICY,
        deletion_protection: bool = defaults.TABLE_DELETION_PROTECTION,
        point_in_time_recovery: bool = defaults.TABLE_POINT_IN_TIME_RECOVERY,
    ) -> None:
        super().__init__(scope, construct_id)
        if existing_table is not None and table_props is not None:
            raise ValueError("SingleTable: pass either existing_table or table_props, not both")
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

        missing = [r for r in self.replica_regions if r not in (replica_key_arns or {})]
        if missing:
            raise ValueError(
                f"SingleTable: replica_key_arns has no KMS key ARN for replica region(s) {missing}"
            )

        self.encryption_key = encryption_key or kms.Key(
            self,
            "Key",
            description="Encrypts the single-table DynamoDB data (table, indexes, stream, backups)",
            enable_key_rotation=defaults.KEY_ROTATION,
            pending_window=defaults.KEY_PENDING_WINDOW,
            removal_policy=removal_policy,
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
            "encryption": dynamodb.TableEncryptionV2.customer_managed_key(
                self.encryption_key, replica_key_arns=dict(replica_key_arns or {}) or None
            ),
            "replicas": [
                dynamodb.ReplicaTableProps(region=region, deletion_protection=deletion_protection)
                for region in self.replica_regions
            ]
            or None,
        }
        props.update(table_props or {})
        self.table = dynamodb.TableV2(self, "Resource", **props)

    def for_region(self, region: str) -> dynamodb.ITableV2:
        """The table as seen from a stack in ``region``: the table itself in its own region, or
        the replica there (grants then name that replica's ARN)."""
        if region not in self.replica_regions:
            return self.table
        if not isinstance(self.table, dynamodb.TableV2):
            raise ValueError("SingleTable.for_region: replicas of an existing_table are unknown")
        return self.table.replica(region)
