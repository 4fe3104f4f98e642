"""The token policy: what the verifier accepts (``domain.auth.tokens``) and what the settings
read from the environment (``domain.settings``).

Apart from the verifier so that importing the settings, which every REST function does at
cold start, does not compile the JWT code: only the authorizer verifies tokens.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenPolicy:
    """What this application accepts: its issuer and audience, a maximum lifetime and the
    clock skew tolerated between the issuer and the verifier."""

    issuer: str
    audience: str
    max_lifetime: int = 3600
    clock_skew: int = 60
