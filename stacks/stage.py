"""One deployable stage (``Dev``, ``Prod`` ...) built from a validated :class:`StageConfig`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from .config import region_id
from .data_stack import DataStack
from .keys_stack import ReplicaKeyStack
from .rest_api_stack import RestApiStack
from .websocket_api_stack import WebSocketApiStack

if TYPE_CHECKING:
    from .config import StageConfig


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
            # A replica's key lives in another region: CDK reads its ARN with Fn::GetStackOutput.
            cross_region_references=bool(config.replica_regions),
            termination_protection=config.name == "prod",
            description=f"{config.name}: single-table DynamoDB global table",
        )

        self.rest_apis: dict[str, RestApiStack] = {}
        self.websocket_apis: dict[str, WebSocketApiStack] = {}
        for region in config.regions:
            self._add_region(region)

    def _add_region(self, region: str) -> None:
        """The API stacks of one region, reading and writing that region's table replica."""
        config = self.config
        primary = region == config.primary_region
        table = self.data.single_table.for_region(region)
        key = self.data.single_table.encryption_key if primary else self.replica_keys[region].key
        if key is None:  # SingleTable always creates or receives a key unless it wraps a table
            raise ValueError(f"stage {config.name!r}: no KMS key for the table in {region}")
        scope = self.region_scopes[region]
        env = self.env_for(region)
        # The table's name in a replica region comes from the primary region's stack.
        cross_region = not primary
        rest = RestApiStack(
            scope,
            "RestApi",
            env=env,
            config=config,
            table=table,
            table_key=key,
            cross_region_references=cross_region,
            description=f"{config.name}: REST API in {region}",
        )
        self.rest_apis[region] = rest
        self.websocket_apis[region] = WebSocketApiStack(
            scope,
            "WebSocketApi",
            env=env,
            config=config,
            table=table,
            table_key=key,
            rest_api=rest,
            # The stage's regions created before this one: this stack grants fan-out both ways.
            peers=tuple(self.websocket_apis.values()),
            cross_region_references=cross_region,
            description=f"{config.name}: WebSocket API in {region}",
        )

    def env_for(self, region: str) -> cdk.Environment:
        return cdk.Environment(account=self.config.account, region=region)
