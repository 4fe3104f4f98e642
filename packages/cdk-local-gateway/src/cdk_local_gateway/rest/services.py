"""What the REST pipeline needs from the rest of the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

    from cdk_local_gateway.assembly import Assembly
    from cdk_local_gateway.intrinsics import Resolver
    from cdk_local_gateway.lambdas.workers import FunctionSpec, LambdaService


@dataclass
class UserPool:
    region: str
    pool_id: str
    arn: str
    client_ids: list[str]


@dataclass
class Services:
    assembly: Assembly
    resolver: Resolver
    lambdas: LambdaService
    functions: dict[str, FunctionSpec]  # function ARN -> spec
    aws_endpoint: str
    credentials: tuple[str, str]
    signing_key: RSAKey
    user_pools: dict[str, UserPool]  # pool ARN -> pool
    # URL prefix rewrites for HTTP integrations (e.g. a public upstream -> a local stub).
    http_overrides: dict[str, str] = field(default_factory=dict)
    log: Any = print
