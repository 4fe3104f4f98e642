"""Tokens: Cognito-shaped ID tokens signed by a local RSA key (with its JWKS), generic HS256.

The runtime generates one RSA key per run and writes it (private JWK) next to
``endpoints.json``, so ``cdk-local-gateway token`` in another process issues tokens the running
runtime accepts. Verification follows what a Cognito user pool authorizer checks: signature by
a key of the pool's JWKS, ``iss`` = the pool's issuer URL, ``token_use``, ``aud`` (ID tokens)
or ``client_id`` (access tokens) among the pool's clients, and ``exp``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey, RSAKey

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


class TokenRejected(Exception):
    """The token does not pass the checks of a Cognito authorizer; the message says which."""


def new_signing_key() -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": uuid.uuid4().hex, "use": "sig", "alg": "RS256"}
    )


def save_key(key: RSAKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key.as_dict(private=True)))
    path.chmod(0o600)


def load_key(path: Path) -> RSAKey:
    return RSAKey.import_key(json.loads(path.read_text()))


def jwks(key: RSAKey) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False)]}


def issuer(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def cognito_id_token(
    key: RSAKey,
    *,
    region: str,
    pool_id: str,
    client_id: str,
    username: str,
    lifetime_s: int = 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    now = int(time.time())
    sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pool_id}/{username}"))
    claims = {
        "sub": sub,
        "iss": issuer(region, pool_id),
        "aud": client_id,
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + lifetime_s,
        "cognito:username": username,
        "email": f"{username}@example.com",
        "email_verified": True,
        "event_id": str(uuid.uuid4()),
        "jti": str(uuid.uuid4()),
        **(extra or {}),
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def verify_cognito(
    token: str, key: RSAKey, *, issuers: Iterable[str], client_ids: Iterable[str]
) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, key, algorithms=["RS256"])
    except (JoseError, ValueError) as exc:
        raise TokenRejected(f"bad signature or format: {exc}") from exc
    claims = dict(decoded.claims)
    if claims.get("iss") not in set(issuers):
        raise TokenRejected("issuer is not one of the authorizer's user pools")
    use = claims.get("token_use")
    audience = claims.get("aud") if use == "id" else claims.get("client_id")
    if use not in ("id", "access") or audience not in set(client_ids):
        raise TokenRejected("token_use or audience is not accepted")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= time.time():
        raise TokenRejected("token expired")
    return claims


def hs256_token(secret: str, claims: dict[str, Any]) -> str:
    return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(secret.encode()))
