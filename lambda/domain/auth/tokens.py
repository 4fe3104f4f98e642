"""HS256 JSON Web Tokens with the standard library only (no PyJWT on the Lambda runtime).

What a token must be to pass (``verify``), in the order it is checked:

1. at most ``MAX_TOKEN_CHARS`` characters, three non-empty base64url parts;
2. an HS256 MAC over the first two parts that matches the canonical third part. This comes
   before any JSON is parsed, so nobody without the key can make the verifier parse anything;
3. a header that is a JSON object with ``alg: HS256`` (neither ``none`` nor an algorithm
   switch can bypass step 2 anyway);
4. a payload that is strict JSON: no duplicate keys, no NaN/Infinity, bounded nesting;
5. ``iss`` equal to the policy's issuer, ``aud`` (a string or a list of strings) containing
   the policy's audience, ``sub`` a string of 1..128 characters;
6. ``iat``, ``exp`` (and ``nbf`` when present) integers in ``0..MAX_TIMESTAMP`` (no booleans,
   floats or huge numbers), ``iat`` not later than now + skew, ``exp - iat`` at most the
   policy's maximum lifetime, now before ``exp`` + skew and not before ``nbf`` - skew.

Every failure raises ``InvalidToken`` whose message is a fixed reason (never token content),
so it may be logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

# Re-exported at run time (not only for annotations): callers build the policy they verify
# against from this module.
from domain.auth.policy import TokenPolicy as TokenPolicy  # noqa: TC001
from shared.json_nesting import nesting_depth

MAX_TOKEN_CHARS = 8192
MAX_TIMESTAMP = 253_402_300_799
"""9999-12-31T23:59:59Z: any larger ``exp``/``iat``/``nbf`` is not a real time."""
MAX_JSON_DEPTH = 8
"""Our tokens nest two levels (``groups``); deeper segments are refused before parsing."""
MAX_INT_DIGITS = 20

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed, foreign or expired (the message says
    which, without quoting the token)."""


@dataclass(frozen=True)
class Claims:
    """The verified claims the application uses."""

    sub: str
    exp: int
    name: str | None = None
    groups: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("malformed token encoding") from exc


def _sign(signing_input: bytes, key: bytes) -> bytes:
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def encode(
    claims: dict[str, Any], key: str | bytes, *, header: dict[str, Any] | None = None
) -> str:
    """Sign ``claims`` as an HS256 JWT (used by tests and tooling; ``header`` replaces the
    standard one, to build tokens the verifier must refuse)."""
    key_bytes = key.encode() if isinstance(key, str) else key
    head = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    return sign_segments(
        json.dumps(head, separators=(",", ":")).encode(),
        json.dumps(claims, separators=(",", ":")).encode(),
        key_bytes,
    )


def sign_segments(header: bytes, payload: bytes, key: str | bytes) -> str:
    """A token from raw header and payload bytes (any bytes: tests sign malformed JSON)."""
    key_bytes = key.encode() if isinstance(key, str) else key
    signing_input = f"{_b64encode(header)}.{_b64encode(payload)}"
    signature = _b64encode(_sign(signing_input.encode("ascii"), key_bytes))
    return f"{signing_input}.{signature}"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError("duplicate key")
        out[name] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _bounded_int(text: str) -> int:
    # Checked before int(): a 5000-digit number would otherwise cost time or raise.
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("number too long")
    return int(text)


def _json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        text = _b64decode(segment).decode("utf-8")
        if nesting_depth(text) > MAX_JSON_DEPTH:
            raise InvalidToken(f"token {what} nests too deeply")
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidToken(f"malformed token {what}") from exc
    if not isinstance(value, dict):
        raise InvalidToken(f"token {what} is not an object")
    return value


def _timestamp(value: Any, name: str) -> int:
    # bool is an int subclass; floats (including 1e400 == inf) are refused outright.
    if type(value) is not int or not 0 <= value <= MAX_TIMESTAMP:
        raise InvalidToken(f"token has no valid {name} claim")
    return value


def _audiences(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return []


def _signed_claims(token: str, key: str | bytes) -> dict[str, Any]:
    """The payload of an HS256 ``token`` whose MAC ``key`` verifies, parsed only after the MAC
    is checked; ``InvalidToken`` otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("missing or oversized token")
    parts = token.split(".")
    if len(parts) != 3 or not all(_SEGMENT.fullmatch(p) for p in parts):
        raise InvalidToken("token must have three base64url parts")
    key_bytes = key.encode() if isinstance(key, str) else key
    expected = _sign(f"{parts[0]}.{parts[1]}".encode("ascii"), key_bytes)
    # Compare the canonical encoding, not decoded bytes: base64 ignores the spare low bits of
    # the last character, so several strings decode to the same MAC (tokens must be unique).
    if not hmac.compare_digest(_b64encode(expected), parts[2]):
        raise InvalidToken("bad token signature")
    header = _json_segment(parts[0], "header")
    if header.get("alg") != "HS256":
        raise InvalidToken("unsupported token algorithm")
    return _json_segment(parts[1], "payload")


def _check_times(claims: dict[str, Any], policy: TokenPolicy, current: float) -> int:
    """Check ``iat``, ``exp`` and ``nbf`` at ``current`` (with the policy's clock skew and
    maximum lifetime); return ``exp``."""
    iat = _timestamp(claims.get("iat"), "iat")
    exp = _timestamp(claims.get("exp"), "exp")
    nbf = None if claims.get("nbf") is None else _timestamp(claims["nbf"], "nbf")
    skew = policy.clock_skew
    if iat > current + skew:
        raise InvalidToken("token issued in the future")
    if exp - iat > policy.max_lifetime:
        raise InvalidToken("token lifetime exceeds the maximum")
    if current >= exp + skew:
        raise InvalidToken("token expired")
    if nbf is not None and current + skew < nbf:
        raise InvalidToken("token not valid yet")
    return exp


def verify(
    token: str, key: str | bytes, policy: TokenPolicy, *, now: float | None = None
) -> Claims:
    """Check a token against ``policy`` (see the module docstring); return its claims or raise
    ``InvalidToken``."""
    claims = _signed_claims(token, key)
    if claims.get("iss") != policy.issuer:
        raise InvalidToken("token issuer is not accepted")
    if policy.audience not in _audiences(claims.get("aud")):
        raise InvalidToken("token audience is not accepted")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 1 <= len(sub) <= 128:
        raise InvalidToken("token has no valid sub claim")
    exp = _check_times(claims, policy, time.time() if now is None else now)
    name = claims.get("name")
    groups = claims.get("groups")
    return Claims(
        sub=sub,
        exp=exp,
        name=name if isinstance(name, str) else None,
        groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
        raw=claims,
    )
