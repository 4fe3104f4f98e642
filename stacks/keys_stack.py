"""The KMS key that encrypts a replica of the global table in one replica region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms

if TYPE_CHECKING:
    from constructs import Construct


class ReplicaKeyStack(cdk.Stack):
    """A customer-managed KMS key in a replica region (a KMS key never leaves its region).

    The data stack in the primary region reads ``key.key_arn`` through a cross-region reference.
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key = kms.Key(
            self,
            "TableKey",
            description="Encrypts this region's replica of the single-table DynamoDB data",
            enable_key_rotation=True,
            pending_window=cdk.Duration.days(30),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
