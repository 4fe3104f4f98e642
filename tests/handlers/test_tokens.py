"""HS256 token verification (domain.auth.tokens), the authorizer's core: only this app's
issuer and audience, a bounded lifetime, strict JSON and integer time claims."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.auth.tokens import (
    MAX_TIMESTAMP,
    InvalidToken,
    TokenPolicy,
    encode,
    sign_segments,
    verify,
)
from tests.fuzz import fuzz_examples

KEY = "k" * 64
NOW = 1_800_000_000
POLICY = TokenPolicy(issuer="rooms-service", audience="rooms-api", max_lifetime=3600, clock_skew=60)


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims at NOW, with ``overrides`` applied (a value of ``...`` removes a claim)."""
    base = {"iss": "rooms-service", "aud": "rooms-api", "sub": "u1", "iat": NOW, "exp": NOW + 600}
    merged = {**base, **overrides}
    return {k: v for k, v in merged.items() if v is not ...}


def token(**overrides: Any) -> str:
    return encode(claims(**overrides), KEY)


def signed(payload: str, header: str = '{"alg":"HS256","typ":"JWT"}') -> str:
    """A correctly signed token around raw JSON text (to reach the parser with anything)."""
    return sign_segments(header.encode(), payload.encode(), KEY)


def payload_with(tail: str) -> str:
    """Valid claims but ``exp`` written as raw JSON ``tail`` (``"exp":...`` and more)."""
    return (
        '{"iss":"rooms-service","aud":"rooms-api","sub":"u1","iat":' + str(NOW) + "," + tail + "}"
    )


VALID = f'"exp":{NOW + 60}'


def test_valid_token_yields_claims() -> None:
    # Given a token of this app with name and groups
    # When it is verified
    result = verify(token(name="Ann", groups=["a", "b", 3]), KEY, POLICY, now=NOW)

    # Then the claims come back (non-string groups dropped)
    assert (result.sub, result.exp, result.name, result.groups) == (
        "u1",
        NOW + 600,
        "Ann",
        ("a", "b"),
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(token(aud=["other-api", "rooms-api"]), id="audience in a list"),
        pytest.param(token(iat=NOW + 30, exp=NOW + 630), id="iat within the clock skew"),
        pytest.param(token(exp=NOW - 30), id="expired within the clock skew"),
        pytest.param(token(exp=NOW + 3600), id="exactly the maximum lifetime"),
    ],
)
def test_tokens_at_the_edges_of_the_policy_pass(raw: str) -> None:
    # Given a token that bends but does not break the policy
    # When it is verified
    # Then it passes
    assert verify(raw, KEY, POLICY, now=NOW).sub == "u1"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(token(exp=NOW - 60), "token expired", id="expired beyond the skew"),
        pytest.param(token(nbf=NOW + 61), "token not valid yet", id="nbf in future"),
        pytest.param(token(sub=...), "token has no valid sub claim", id="no sub"),
        pytest.param(token(exp=...), "token has no valid exp claim", id="no exp"),
        pytest.param(token(iat=...), "token has no valid iat claim", id="no iat"),
        pytest.param(token(exp=True), "token has no valid exp claim", id="boolean exp"),
        pytest.param(token(exp=NOW + 0.5), "token has no valid exp claim", id="float exp"),
        pytest.param(token(exp="2030"), "token has no valid exp claim", id="string exp"),
        pytest.param(token(iat=-1), "token has no valid iat claim", id="negative iat"),
        pytest.param(
            token(exp=MAX_TIMESTAMP + 1), "token has no valid exp claim", id="exp after 9999"
        ),
        pytest.param(token(nbf=1.5), "token has no valid nbf claim", id="float nbf"),
        pytest.param(
            signed(payload_with('"exp":1e400')),
            "token has no valid exp claim",
            id="exp 1e400 (once OverflowError)",
        ),
        pytest.param(
            signed(payload_with('"exp":' + "9" * 5000)),
            "malformed token payload",
            id="exp of 5000 digits",
        ),
        pytest.param(signed(payload_with('"exp":NaN')), "malformed token payload", id="NaN exp"),
        pytest.param(token(iss="evil-issuer"), "token issuer is not accepted", id="foreign iss"),
        pytest.param(token(iss=...), "token issuer is not accepted", id="no iss"),
        pytest.param(token(aud="other-api"), "token audience is not accepted", id="foreign aud"),
        pytest.param(token(aud=["a", "b"]), "token audience is not accepted", id="aud list"),
        pytest.param(token(aud=...), "token audience is not accepted", id="no aud"),
        pytest.param(token(aud=["rooms-api", 1]), "token audience is not accepted", id="aud mix"),
        pytest.param(
            token(exp=NOW + 3601), "token lifetime exceeds the maximum", id="lifetime too long"
        ),
        pytest.param(
            token(iat=NOW + 61, exp=NOW + 600), "token issued in the future", id="iat in future"
        ),
        pytest.param(
            signed(payload_with(VALID + ',"sub":"admin"')),
            "malformed token payload",
            id="duplicate sub in payload",
        ),
        pytest.param(
            signed(payload_with(VALID), '{"alg":"none","alg":"HS256"}'),
            "malformed token header",
            id="duplicate alg in header",
        ),
        pytest.param(
            signed(payload_with(VALID), "[" * 3000),
            "token header nests too deeply",
            id="header of 3000 [",
        ),
        pytest.param(signed("[" * 3000), "token payload nests too deeply", id="payload nested"),
        pytest.param(signed('"just a string"'), "token payload is not an object", id="string"),
        pytest.param(encode(claims(), "other"), "bad token signature", id="other key"),
        pytest.param("a.b", "token must have three base64url parts", id="two parts"),
        pytest.param("a.b.c=", "token must have three base64url parts", id="padding"),
        pytest.param("", "missing or oversized token", id="empty"),
        pytest.param("a" * 8193, "missing or oversized token", id="oversized"),
    ],
)
def test_invalid_tokens_are_rejected_with_a_reason(raw: str, reason: str) -> None:
    # Given a token that must not pass
    # When it is verified
    # Then InvalidToken says why (a fixed text: it never quotes the token)
    with pytest.raises(InvalidToken, match=f"^{reason}$"):
        verify(raw, KEY, POLICY, now=NOW)


def test_algorithm_switch_is_rejected_even_when_signed_with_the_key() -> None:
    # Given a token whose header claims another algorithm, MACed with the key as HS256
    raw = encode(claims(), KEY, header={"alg": "HS512", "typ": "JWT"})

    # When it is verified
    # Then the algorithm is refused
    with pytest.raises(InvalidToken, match="unsupported token algorithm"):
        verify(raw, KEY, POLICY, now=NOW)


def test_unsigned_token_is_refused_before_its_json_is_read() -> None:
    # Given an alg "none" token with an empty signature and a hostile header
    def part(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    raw = f"{part('[' * 5000)}.{part(json.dumps(claims()))}."

    # When it is verified
    # Then it fails on its shape/signature, never reaching the JSON parser
    with pytest.raises(InvalidToken, match=r"three base64url parts|bad token signature"):
        verify(raw, KEY, POLICY, now=NOW)


def test_non_canonical_signature_encoding_is_rejected() -> None:
    # Given a valid token whose last signature character differs only in unused bits
    head, payload, signature = token().split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = alphabet[last ^ 1]  # 32-byte MAC: the last of 43 characters has 2 spare bits

    # When the twin is verified
    # Then it is refused although it decodes to the same bytes
    with pytest.raises(InvalidToken, match="bad token signature"):
        verify(f"{head}.{payload}.{signature[:-1]}{twin}", KEY, POLICY, now=NOW)


# Anything JSON can say, and raw bytes that are not JSON at all.
json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
).map(json.dumps)
segments = (
    json_text.map(str.encode)
    | st.binary(max_size=200)
    | st.integers(1, 6000).map(lambda n: b"[" * n)
    | st.integers(1, 3000).map(lambda n: b'{"a":' * n)
    | st.builds(
        lambda pairs: ("{" + ",".join(f'"{k}":{v}' for k, v in pairs) + "}").encode(),
        st.lists(
            st.tuples(
                st.sampled_from(["iss", "aud", "sub", "iat", "exp", "nbf", "alg"]),
                st.sampled_from(
                    ["1e400", "-1e400", "1.5", "true", "null", "9" * 400, '"rooms-api"', str(NOW)]
                ),
            ),
            max_size=8,
        ),
    )
)


@settings(max_examples=fuzz_examples(200), deadline=None, database=None)
@given(header=segments, payload=segments)
def test_signed_garbage_only_ever_raises_invalid_token(header: bytes, payload: bytes) -> None:
    # Given a correctly signed token around arbitrary header and payload bytes
    raw = sign_segments(header, payload, KEY)

    # When it is verified
    # Then it passes or raises InvalidToken, never anything else (RecursionError, OverflowError)
    with contextlib.suppress(InvalidToken):
        verify(raw, KEY, POLICY, now=NOW)


@settings(max_examples=fuzz_examples(200), deadline=None, database=None)
@given(raw=st.text(max_size=300) | st.text("ABCxyz019-_.=", max_size=300))
def test_arbitrary_strings_only_ever_raise_invalid_token(raw: str) -> None:
    # Given any string at all
    # When it is verified
    # Then it is refused with InvalidToken
    with pytest.raises(InvalidToken):
        verify(raw, KEY, POLICY, now=NOW)
