"""One deployable stage (``Dev``, ``Prod`` ...) built from a validated :class:`StageConfig`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from .data_stack import DataStack
from .keys_stack import ReplicaKeyStack

if TYPE_CHECKING:
    from .config import StageConfig


def region_id(region: str) -> str:
    """PascalCase construct id of a region: ``eu-west-1`` -> ``EuWest1``."""
    return "".join(part[:1].upper() + part[1:] for part in region.split("-"))


class ServiceStage(cdk.Stage):
    """The whole service in one stage: ``Data`` in the primary region, and per region a scope
    (``EuWest1``, ``UsEast1`` ...) holding that region's stacks.

    Deploy one stage with ``cdk deploy "Prod/**"``.
    """

    def __init__(self, scope: Construct, *, config: StageConfig) -> None:
        super().__init__(scope, config.construct_id)
        self.config = config
        for key, value in config.tags:
            cdk.Tags.of(self).add(key, value)

        self.region_scopes: dict[str, Construct] = {
            region: Construct(self, region_id(region)) for region in config.regions
        }
        self.replica_keys = {
            region: ReplicaKeyStack(
                self.region_scopes[region],
                "ReplicaKey",
                env=self.env_for(region),
                description=f"{config.name}: KMS key of the table replica in {region}",
            )
            for region in config.replica_regions
        }
        self.data = DataStack(
            self,
            "Data",
            env=self.env_for(config.primary_region),
            replica_key_arns={r: s.key.key_arn for r, s in self.replica_keys.items()},
            # A replica's key lives in another region; CDK carries its ARN across via SSM.
            cross_region_references=bool(config.replica_regions),
            termination_protection=config.name == "prod",
            description=f"{config.name}: single-table DynamoDB global table",
        )

    def env_for(self, region: str) -> cdk.Environment:
        return cdk.Environment(account=self.config.account, region=region)
