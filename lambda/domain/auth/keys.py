"""The two HMAC keys, each in its own Secrets Manager secret, read through Powertools
parameters and cached in the container for five minutes (rotation is picked up without a
fetch per request):

- the token signing key, ``{"signing_key": ...}`` at ``TOKEN_SECRET_ARN``: only the
  authorizer has the variable and the grant, since with a symmetric key whoever reads it can
  mint tokens for anyone;
- the pagination cursor key, ``{"cursor_key": ...}`` at ``CURSOR_SECRET_ARN``: the REST
  functions that page. It is independent of the token key, so a cursor MAC can never be
  replayed as a token signature and the REST functions need no access to the token secret.

The Secrets Manager client has the time budget of ``shared.budget``: a hanging endpoint fails
the fetch with ``SecretUnavailable`` before the function times out.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from domain.settings import get_settings, require
from shared.budget import client_budget

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

SECRET_MAX_AGE = 300


class SecretUnavailable(RuntimeError):
    """The secret could not be read (unreachable, timed out, denied, missing or malformed):
    a fault of the deployment, never of the caller."""


def secret_region(arn: str) -> str | None:
    """``arn:aws:secretsmanager:<region>:<account>:secret:<name>`` -> ``<region>``."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[2] == "secretsmanager" and parts[3] else None


@cache
def secrets_provider(region: str | None = None) -> SecretsProvider:
    """One provider per region and container (its cache is what makes the fetch once per
    container); ``None`` is the function's own region."""
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    settings = get_settings()
    client = boto3.session.Session().client(
        "secretsmanager",
        region_name=region,
        endpoint_url=settings.secrets_endpoint_url,
        config=client_budget(settings.function_timeout).config(),
    )
    return SecretsProvider(boto3_client=client)


def _secret_value(arn: str, field: str) -> bytes:
    from aws_lambda_powertools.utilities.parameters.exceptions import (
        GetParameterError,
        TransformParameterError,
    )

    try:
        value: Any = secrets_provider(secret_region(arn)).get(
            arn, max_age=SECRET_MAX_AGE, transform="json"
        )
    except (GetParameterError, TransformParameterError) as exc:
        # The cause (timeout, AccessDenied, ...) stays chained for the log; callers see why.
        raise SecretUnavailable(f"cannot read the {field} secret") from exc
    key = value.get(field) if isinstance(value, dict) else None
    if not isinstance(key, str) or not key:
        raise SecretUnavailable(f"the secret has no {field}")
    return key.encode()


def signing_key() -> bytes:
    """The HS256 token signing key (``SecretUnavailable`` when it cannot be read)."""
    return _secret_value(
        require(get_settings().token_secret_arn, "TOKEN_SECRET_ARN"), "signing_key"
    )


def cursor_key() -> bytes:
    """The pagination-cursor HMAC key (``SecretUnavailable`` when it cannot be read)."""
    return _secret_value(
        require(get_settings().cursor_secret_arn, "CURSOR_SECRET_ARN"), "cursor_key"
    )
