"""Typed runtime settings, read from the environment once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

MAX_BODY_BYTES = 16 * 1024
"""Request bodies above this size are answered with 413 PayloadTooLarge."""


@dataclass(frozen=True)
class Settings:
    """What the token and cursor keys need from the environment (the table reads its own
    variables through ``Table.from_env``, the REST resolver ``CORS_ALLOW_ORIGINS``)."""

    table_name: str
    table_regions: tuple[str, ...]
    token_secret_arn: str
    secrets_endpoint_url: str | None = None

    @property
    def home_region(self) -> str:
        return self.table_regions[0]


def env_list(name: str) -> tuple[str, ...]:
    """A comma-separated environment variable as its non-empty, stripped parts."""
    return tuple(p.strip() for p in os.environ.get(name, "").split(",") if p.strip())


@cache
def get_settings() -> Settings:
    """The container's settings; raises ``RuntimeError`` naming a missing variable."""
    regions = env_list("TABLE_REGIONS") or tuple(r for r in (os.environ.get("AWS_REGION"),) if r)
    values = {
        "TABLE_NAME": os.environ.get("TABLE_NAME", ""),
        "TABLE_REGIONS": ",".join(regions),
        "TOKEN_SECRET_ARN": os.environ.get("TOKEN_SECRET_ARN", ""),
    }
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise RuntimeError(f"missing environment variables: {', '.join(missing)}")
    return Settings(
        table_name=values["TABLE_NAME"],
        table_regions=regions,
        token_secret_arn=values["TOKEN_SECRET_ARN"],
        secrets_endpoint_url=os.environ.get("SECRETS_ENDPOINT_URL") or None,
    )
