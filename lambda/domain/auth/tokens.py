"""HS256 JSON Web Tokens with the standard library only (no PyJWT on the Lambda runtime).

Only ``alg: HS256`` is accepted, so neither ``none`` nor an algorithm switch can bypass the
signature check; ``exp`` and ``sub`` are required.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

MAX_TOKEN_CHARS = 8192


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed or expired (the message says which)."""


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


def encode(claims: dict[str, Any], key: str | bytes) -> str:
    """Sign ``claims`` as an HS256 JWT (used by tests and tooling)."""
    key_bytes = key.encode() if isinstance(key, str) else key
    header = _b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{_b64encode(_sign(signing_input, key_bytes))}"


def _json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken(f"malformed token {what}") from exc
    if not isinstance(value, dict):
        raise InvalidToken(f"token {what} is not an object")
    return value


def verify(token: str, key: str | bytes, *, now: float | None = None, leeway: int = 0) -> Claims:
    """Verify signature, algorithm and expiry; return the claims or raise ``InvalidToken``."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("missing or oversized token")
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isascii() for p in parts):
        raise InvalidToken("token must have three base64url parts")
    header = _json_segment(parts[0], "header")
    if header.get("alg") != "HS256":
        raise InvalidToken("unsupported token algorithm")
    key_bytes = key.encode() if isinstance(key, str) else key
    expected = _sign(f"{parts[0]}.{parts[1]}".encode("ascii"), key_bytes)
    # Compare the canonical encoding, not decoded bytes: base64 ignores the spare low bits of
    # the last character, so several strings decode to the same MAC (tokens must be unique).
    if not hmac.compare_digest(_b64encode(expected), parts[2]):
        raise InvalidToken("bad token signature")
    claims = _json_segment(parts[1], "payload")
    sub, exp = claims.get("sub"), claims.get("exp")
    if not isinstance(sub, str) or not 1 <= len(sub) <= 128:
        raise InvalidToken("token has no valid sub claim")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise InvalidToken("token has no valid exp claim")
    current = time.time() if now is None else now
    if current >= exp + leeway:
        raise InvalidToken("token expired")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and not isinstance(nbf, bool) and current + leeway < nbf:
        raise InvalidToken("token not valid yet")
    name = claims.get("name")
    groups = claims.get("groups")
    return Claims(
        sub=sub,
        exp=int(exp),
        name=name if isinstance(name, str) else None,
        groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
        raw=claims,
    )
