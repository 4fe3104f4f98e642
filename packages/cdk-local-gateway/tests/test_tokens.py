"""Cognito-shaped tokens: what the local user pool authorizer accepts and refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from cdk_local_gateway.tokens import (
    TokenRejected,
    cognito_id_token,
    issuer,
    new_signing_key,
    verify_cognito,
)

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

KEY = new_signing_key()


def token(
    key: RSAKey = KEY,
    *,
    pool_id: str = "eu-west-1_abc",
    client_id: str = "client-1",
    lifetime_s: int = 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    """Alice's ID token for the pool and client `verify` trusts, unless a change says otherwise."""
    return cognito_id_token(
        key,
        region="eu-west-1",
        pool_id=pool_id,
        client_id=client_id,
        username="alice",
        lifetime_s=lifetime_s,
        extra=extra,
    )


def verify(value: str) -> dict[str, object]:
    return verify_cognito(
        value, KEY, issuers=[issuer("eu-west-1", "eu-west-1_abc")], client_ids=["client-1"]
    )


def test_an_id_token_of_the_pool_and_client_is_accepted_with_its_claims() -> None:
    claims = verify(token())
    assert claims["cognito:username"] == "alice"
    assert claims["token_use"] == "id"
    assert claims["iss"] == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (token(pool_id="eu-west-1_other"), "issuer"),
        (token(client_id="client-2"), "audience"),
        (token(lifetime_s=-10), "expired"),
        (token(extra={"token_use": "refresh"}), "token_use"),
        (token(new_signing_key()), "signature"),
        ("not.a.jwt", "signature"),
    ],
)
def test_refused_tokens_say_why(value: str, reason: str) -> None:
    with pytest.raises(TokenRejected, match=reason):
        verify(value)
