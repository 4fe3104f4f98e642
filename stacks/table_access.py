"""The stage's global table as the functions of one region see it, and the one place that turns
a function's declared table access (``contract.table.TableAccess``, declared per function in
the contract) into IAM statements (docs/decisions/multi-region.md):

- reads (``contract.table.READ_ACTIONS``) on the table and the queried indexes of every
  region of the stage, the primary first and the others for failover;
- every other declared action writes shared data, only to the primary region's replica;
- ``connection_writes`` are a WebSocket connection's own items (Connection, Membership),
  written to the replica of the region that holds the connection;
- ``stale_connection_deletes`` remove another connection's items after a 410 from
  ``@connections``, in the region that holds that connection: any region of the stage;
- the table keys: ``kms:Decrypt``/``kms:DescribeKey`` in every region the function touches,
  ``kms:Encrypt``/``kms:GenerateDataKey`` only where it writes.

A replica of a global table has the table's name and account; only the region of its ARN
differs, and each replica has its own key (a KMS key never leaves its region). In a
single-region stage all of this collapses to one table ARN and one key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from aws_cdk import aws_iam as iam

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms

    from contract.table import TableAccess

KEY_READ_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
KEY_WRITE_ACTIONS = ("kms:Encrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class StageTable:
    """The global table of a stage: ``replicas`` and ``keys`` by region, the primary first in
    ``regions``."""

    primary_region: str
    regions: tuple[str, ...]
    replicas: Mapping[str, dynamodb.ITableV2]
    keys: Mapping[str, kms.IKey]

    def __post_init__(self) -> None:
        if not self.regions or self.regions[0] != self.primary_region:
            raise ValueError(f"regions {self.regions} must start with {self.primary_region}")
        for region in self.regions:
            if region not in self.replicas or region not in self.keys:
                raise ValueError(f"no replica or key of the table in {region}")

    # Each read of a jsii attribute is a round trip to the CDK's kernel; the ARNs are read
    # once per stage table instead of once per grant (the same tokens either way).
    @cached_property
    def table_name(self) -> str:
        return self.replicas[self.primary_region].table_name

    @cached_property
    def _table_arns(self) -> dict[str, str]:
        return {r: self.replicas[r].table_arn for r in self.regions}

    @cached_property
    def _key_arns(self) -> dict[str, str]:
        return {r: self.keys[r].key_arn for r in self.regions}

    def environment(self) -> dict[str, str]:
        """``TABLE_NAME`` and ``TABLE_REGIONS``: the primary first (writes go there), then
        the other regions in the order reads fail over."""
        return {"TABLE_NAME": self.table_name, "TABLE_REGIONS": ",".join(self.regions)}

    def grant_declared(
        self,
        functions: Mapping[str, iam.IGrantable],
        declared: Mapping[str, TableAccess],
        *,
        region: str,
    ) -> None:
        """Grant each of ``functions`` (in ``region``) named in ``declared`` its access; a
        function without a declaration gets none."""
        unknown = sorted(set(declared) - set(functions))
        if unknown:
            raise ValueError(f"table access declared for unknown functions {unknown}")
        for name, access in declared.items():
            self.grant(functions[name], access, region=region)

    def grant(self, grantee: iam.IGrantable, access: TableAccess, *, region: str) -> None:
        """Grant ``grantee``, a function in ``region``, the table access it declares."""
        tables = self._table_arns
        touched: list[str] = []
        if access.reads:
            self._allow(grantee, access.reads, list(tables.values()))
        if access.indexes:
            self._allow(
                grantee,
                ("dynamodb:Query",),
                [f"{tables[r]}/index/{index}" for r in self.regions for index in access.indexes],
            )
        if access.reads or access.indexes:
            touched.extend(self.regions)
        writes: list[str] = []
        if access.shared_writes:
            self._allow(grantee, access.shared_writes, [tables[self.primary_region]])
            writes.append(self.primary_region)
        if access.connection_writes:
            self._allow(grantee, access.connection_writes, [tables[region]])
            writes.append(region)
        if access.stale_connection_deletes:
            self._allow(grantee, access.stale_connection_deletes, list(tables.values()))
            writes.extend(self.regions)
        regions_touched = list(dict.fromkeys([*touched, *writes]))
        if regions_touched:
            keys = [self._key_arns[r] for r in regions_touched]
            self._allow(grantee, KEY_READ_ACTIONS, keys)
        if writes:
            self._allow(
                grantee,
                KEY_WRITE_ACTIONS,
                [self._key_arns[r] for r in dict.fromkeys(writes)],
            )

    @staticmethod
    def _allow(grantee: iam.IGrantable, actions: tuple[str, ...], resources: list[str]) -> None:
        # Explicit statements instead of table.grant_*: they name the actions the code calls,
        # Query alone on the indexes, and the key actions without kms:*Data* wildcards.
        iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=resources)
