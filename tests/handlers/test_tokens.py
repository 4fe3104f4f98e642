"""HS256 token verification (domain.auth.tokens), the authorizer's core."""

from __future__ import annotations

import base64
import json

import pytest

from domain.auth.tokens import InvalidToken, encode, verify

KEY = "k" * 64
NOW = 1_800_000_000


def token(**claims: object) -> str:
    return encode({"sub": "u1", "exp": NOW + 60, **claims}, KEY)


def test_valid_token_yields_claims() -> None:
    # Given a token with name and groups
    # When it is verified
    claims = verify(token(name="Ann", groups=["a", "b", 3]), KEY, now=NOW)

    # Then the claims come back (non-string groups dropped)
    assert (claims.sub, claims.exp, claims.name, claims.groups) == (
        "u1",
        NOW + 60,
        "Ann",
        ("a", "b"),
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(token(exp=NOW), "token expired", id="expired at exp"),
        pytest.param(token(nbf=NOW + 10), "token not valid yet", id="nbf in future"),
        pytest.param(encode({"exp": NOW + 60}, KEY), "token has no valid sub claim", id="no sub"),
        pytest.param(encode({"sub": "u1"}, KEY), "token has no valid exp claim", id="no exp"),
        pytest.param(token(exp=True), "token has no valid exp claim", id="boolean exp"),
        pytest.param(
            encode({"sub": "u1", "exp": NOW + 60}, "other"), "bad token signature", id="key"
        ),
        pytest.param("a.b", "token must have three base64url parts", id="two parts"),
        pytest.param("", "missing or oversized token", id="empty"),
    ],
)
def test_invalid_tokens_are_rejected_with_a_reason(raw: str, reason: str) -> None:
    # Given a token that must not pass
    # When it is verified
    # Then InvalidToken says why
    with pytest.raises(InvalidToken, match=f"^{reason}$"):
        verify(raw, KEY, now=NOW)


def test_algorithm_switch_is_rejected() -> None:
    # Given a token whose header claims another algorithm but is signed with the key
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS512"}).encode()).rstrip(b"=")
    _, payload, signature = token().split(".")

    # When it is verified
    # Then the algorithm is refused before the signature is even checked
    with pytest.raises(InvalidToken, match="unsupported token algorithm"):
        verify(f"{header.decode()}.{payload}.{signature}", KEY, now=NOW)


def test_leeway_accepts_a_just_expired_token() -> None:
    # Given a token expired 5 s ago and a 30 s leeway
    # When it is verified
    # Then it still passes
    assert verify(token(exp=NOW - 5), KEY, now=NOW, leeway=30).sub == "u1"


def test_non_canonical_signature_encoding_is_rejected() -> None:
    # Given a valid token whose last signature character differs only in unused bits
    head, payload, signature = token().split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = alphabet[last ^ 1]  # 32-byte MAC: the last of 43 characters has 2 spare bits

    # When the twin is verified
    # Then it is refused although it decodes to the same bytes
    with pytest.raises(InvalidToken, match="bad token signature"):
        verify(f"{head}.{payload}.{signature[:-1]}{twin}", KEY, now=NOW)
