"""What the WebSocket gateway needs from the rest of the runtime, and its tunable limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from cdk_local_gateway.intrinsics import Resolver
    from cdk_local_gateway.lambdas.workers import FunctionSpec, LambdaService

_LAMBDA_URI = re.compile(r"functions/(arn:[^/]+)/invocations")

KB = 1024


@dataclass(frozen=True)
class Limits:
    """API Gateway's WebSocket quotas ("Quotas for configuring and running a WebSocket API in
    API Gateway"); durations are settable so tests need not wait 10 minutes."""

    frame_bytes: int = 32 * KB
    message_bytes: int = 128 * KB
    idle_s: float = 10 * 60
    max_connection_s: float = 2 * 60 * 60
    integration_s: float = 29.0


@dataclass
class WsServices:
    lambdas: LambdaService
    functions: dict[str, FunctionSpec]  # function ARN -> spec
    aws_endpoint: str
    credentials: tuple[str, str]  # the runtime's: SQS calls, and accepted on @connections
    account: str
    limits: Limits = field(default_factory=Limits)
    log: Callable[[str], None] = print
    # Other access keys (id -> secret) @connections accepts, e.g. per-function credentials.
    extra_credentials: dict[str, str] = field(default_factory=dict)
    # URL prefix rewrites for HTTP integrations (a public upstream -> a local stub).
    http_overrides: dict[str, str] = field(default_factory=dict)
    # Finds an AWS integration's CredentialsArn role in the assembly (IAM, docs/iam.md).
    resolver: Resolver | None = None

    def http_url(self, url: str) -> str:
        for prefix, replacement in self.http_overrides.items():
            if url.startswith(prefix):
                return replacement + url[len(prefix) :]
        return url

    def secrets(self) -> dict[str, str]:
        key_id, secret = self.credentials
        return {**self.extra_credentials, key_id: secret}

    def function(self, uri: str) -> FunctionSpec | None:
        """The function an integration or authorizer URI invokes (a version suffix ignored)."""
        found = _LAMBDA_URI.search(uri)
        if not found:
            return None
        arn = found.group(1)
        return self.functions.get(arn) or self.functions.get(arn.rsplit(":", 1)[0])
