"""The stage's data: one single-table DynamoDB global table and its primary-region KMS key."""

from __future__ import annotations

# First: importing lambda_code puts lambda/ on sys.path, where `contract` lives.
from . import lambda_code as _lambda_code  # noqa: F401

# isort: split

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from contract.table import TTL_ATTRIBUTE
from serverless_api_constructs import SingleTable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from constructs import Construct


class DataStack(cdk.Stack):
    """Single-table design (see the README's access patterns) replicated to every stage region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        replica_key_arns: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.single_table = SingleTable(
            self,
            "Table",
            replica_regions=tuple(replica_key_arns),
            replica_key_arns=replica_key_arns,
            ttl_attribute=TTL_ATTRIBUTE,
        )
        cdk.CfnOutput(self, "TableName", value=self.single_table.table.table_name)
