"""The token signing key: one Secrets Manager secret (JSON ``{"signing_key": ...}``) read
through Powertools parameters, cached in the container for five minutes so rotation is
picked up without a fetch per request."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from typing import TYPE_CHECKING, Any

from domain.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

SECRET_MAX_AGE = 300


@cache
def secrets_provider() -> SecretsProvider:
    """One provider per container (its cache is what makes the fetch once per container)."""
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    settings = get_settings()
    client = boto3.session.Session().client(
        "secretsmanager",
        region_name=settings.home_region,
        endpoint_url=settings.secrets_endpoint_url,
    )
    return SecretsProvider(boto3_client=client)


def signing_key() -> bytes:
    """The HS256 signing key (raises ``RuntimeError`` when the secret is malformed)."""
    value: Any = secrets_provider().get(
        get_settings().token_secret_arn, max_age=SECRET_MAX_AGE, transform="json"
    )
    key = value.get("signing_key") if isinstance(value, dict) else None
    if not isinstance(key, str) or not key:
        raise RuntimeError("token secret has no signing_key")
    return key.encode()


def cursor_key() -> bytes:
    """The pagination-cursor HMAC key, derived from the signing key so one secret serves both
    but a cursor MAC can never be replayed as a token signature."""
    return hmac.new(signing_key(), b"dynamodel-cursor-v1", hashlib.sha256).digest()
