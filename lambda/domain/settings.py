"""Typed runtime settings, read from the environment once per container.

Each function needs only the variables of what it uses: the authorizer ``TOKEN_SECRET_ARN``
(and the token policy variables, which have defaults), a REST function that pages with
cursors ``CURSOR_SECRET_ARN``. A missing variable fails the first use that needs it, naming
the variable, not the container start.

| variable                      | default           | used by                          |
|-------------------------------|-------------------|----------------------------------|
| ``TOKEN_SECRET_ARN``          | (required)        | authorizer: ``{"signing_key"}``  |
| ``CURSOR_SECRET_ARN``         | (required)        | REST: ``{"cursor_key"}``         |
| ``TOKEN_ISSUER``              | ``rooms-service`` | authorizer: the only ``iss``     |
| ``TOKEN_AUDIENCE``            | ``rooms-api``     | authorizer: required in ``aud``  |
| ``TOKEN_MAX_LIFETIME_SECONDS``| ``3600``          | authorizer: ``exp - iat`` bound  |
| ``TOKEN_CLOCK_SKEW_SECONDS``  | ``60``            | authorizer: ``iat``/``exp`` skew |
| ``FUNCTION_TIMEOUT_SECONDS``  | ``10``            | every client's time budget       |
| ``TABLE_REGIONS``             | ``AWS_REGION``    | regions, primary first; budget   |
| ``AWS_REGION``                | (Lambda)          | where connection items live      |
| ``SECRETS_ENDPOINT_URL``      | (AWS)             | tests: a local Secrets Manager   |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

# Re-exported: the request body limit the REST handlers enforce (413 above it).
from contract.limits import MAX_BODY_BYTES as MAX_BODY_BYTES
from domain.auth.policy import TokenPolicy

DEFAULT_TOKEN_ISSUER = "rooms-service"
DEFAULT_TOKEN_AUDIENCE = "rooms-api"
DEFAULT_TOKEN_MAX_LIFETIME = 3600
DEFAULT_TOKEN_CLOCK_SKEW = 60
DEFAULT_FUNCTION_TIMEOUT = 10.0
"""The Lambda timeout of a function that sets no ``FUNCTION_TIMEOUT_SECONDS``: the default of
``serverless_api_constructs.ServiceFunction`` (a test keeps the two equal)."""


@dataclass(frozen=True)
class Settings:
    """What the keys, the token policy and the client time budgets need from the environment
    (the table reads its own variables through ``Table.from_env``, the REST resolver
    ``CORS_ALLOW_ORIGINS``)."""

    token_secret_arn: str | None
    cursor_secret_arn: str | None
    token_policy: TokenPolicy
    function_timeout: float = DEFAULT_FUNCTION_TIMEOUT
    table_regions: tuple[str, ...] = ()
    secrets_endpoint_url: str | None = None


def env_list(name: str) -> tuple[str, ...]:
    """A comma-separated environment variable as its non-empty, stripped parts."""
    return tuple(p.strip() for p in os.environ.get(name, "").split(",") if p.strip())


def require(value: str | None, variable: str) -> str:
    """``value``, or ``RuntimeError`` naming the unset ``variable``."""
    if not value:
        raise RuntimeError(f"missing environment variable: {variable}")
    return value


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) <= 0:
        raise RuntimeError(f"{name} must be a positive integer, got {raw!r}")
    return int(raw)


@cache
def get_settings() -> Settings:
    """The container's settings; raises ``RuntimeError`` naming a malformed variable."""
    regions = env_list("TABLE_REGIONS") or tuple(r for r in (os.environ.get("AWS_REGION"),) if r)
    return Settings(
        token_secret_arn=os.environ.get("TOKEN_SECRET_ARN") or None,
        cursor_secret_arn=os.environ.get("CURSOR_SECRET_ARN") or None,
        token_policy=TokenPolicy(
            issuer=os.environ.get("TOKEN_ISSUER") or DEFAULT_TOKEN_ISSUER,
            audience=os.environ.get("TOKEN_AUDIENCE") or DEFAULT_TOKEN_AUDIENCE,
            max_lifetime=_positive_int("TOKEN_MAX_LIFETIME_SECONDS", DEFAULT_TOKEN_MAX_LIFETIME),
            clock_skew=_positive_int("TOKEN_CLOCK_SKEW_SECONDS", DEFAULT_TOKEN_CLOCK_SKEW),
        ),
        function_timeout=float(
            _positive_int("FUNCTION_TIMEOUT_SECONDS", int(DEFAULT_FUNCTION_TIMEOUT))
        ),
        table_regions=regions,
        secrets_endpoint_url=os.environ.get("SECRETS_ENDPOINT_URL") or None,
    )
