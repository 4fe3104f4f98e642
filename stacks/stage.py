"""One deployable stage (``Dev``, ``Prod`` ...) built from a validated :class:`StageConfig`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from .config import region_id
from .data_stack import DataStack
from .identity_stack import IdentityStack
from .keys_stack import ReplicaKeyStack
from .rest_api_stack import RestApiStack
from .table_access import StageTable
from .websocket_api_stack import WebSocketApiStack

if TYPE_CHECKING:
    from .config import StageConfig


class ServiceStage(cdk.Stage):
    """The whole service in one stage: ``Identity`` (user pool, token and cursor secrets) and
    ``Data`` (the global table) in the primary region, and per region a scope (``EuWest1``,
    ``UsEast1`` ...) holding that region's stacks.

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
        # Values cross regions as weak Fn::GetStackOutput references (cdk.json's
        # defaultCrossStackReferences); a stack reading another region's output must allow it.
        multi_region = bool(config.replica_regions)
        self.identity = IdentityStack(
            self,
            "Identity",
            env=self.env_for(config.primary_region),
            config=config,
            termination_protection=config.name == "prod",
            description=f"{config.name}: user pool, token and cursor secrets (one per stage)",
        )
        self.data = DataStack(
            self,
            "Data",
            env=self.env_for(config.primary_region),
            replica_key_arns={r: s.key.key_arn for r, s in self.replica_keys.items()},
            # A replica's key lives in another region: CDK reads its ARN with Fn::GetStackOutput.
            cross_region_references=multi_region,
            termination_protection=config.name == "prod",
            description=f"{config.name}: single-table DynamoDB global table",
        )

        table = self.data.single_table
        primary_key = table.encryption_key
        if primary_key is None:  # SingleTable always creates or receives a key
            raise ValueError(f"stage {config.name!r}: the table has no KMS key")
        self.table = StageTable(
            primary_region=config.primary_region,
            regions=config.regions,
            replicas={region: table.for_region(region) for region in config.regions},
            keys={
                config.primary_region: primary_key,
                **{region: stack.key for region, stack in self.replica_keys.items()},
            },
        )
        self.rest_apis: dict[str, RestApiStack] = {}
        self.websocket_apis: dict[str, WebSocketApiStack] = {}
        for region in config.regions:
            self._add_region(region)

    def _add_region(self, region: str) -> None:
        """The API stacks of one region: shared data written to the primary region's replica,
        read from every region's; identity from the primary region."""
        config = self.config
        scope = self.region_scopes[region]
        env = self.env_for(region)
        # Every region's stacks name the other regions' table replicas and keys, and a replica
        # region's stacks the primary's pool and secrets: cross-region outputs.
        cross_region = bool(config.replica_regions)
        rest = RestApiStack(
            scope,
            "RestApi",
            env=env,
            config=config,
            table=self.table,
            identity=self.identity,
            cross_region_references=cross_region,
            description=f"{config.name}: REST API in {region}",
        )
        self.rest_apis[region] = rest
        self.websocket_apis[region] = WebSocketApiStack(
            scope,
            "WebSocketApi",
            env=env,
            config=config,
            table=self.table,
            authorizer_function=rest.authorizer_function,
            # The stage's regions created before this one: this stack grants fan-out both ways.
            peers=tuple(ws.fan_out_peer() for ws in self.websocket_apis.values()),
            cross_region_references=cross_region,
            description=f"{config.name}: WebSocket API in {region}",
        )

    def env_for(self, region: str) -> cdk.Environment:
        return cdk.Environment(account=self.config.account, region=region)
