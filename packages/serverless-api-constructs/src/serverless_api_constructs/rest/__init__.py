"""Reusable constructs for API Gateway REST APIs (authorizers, integrations, monitoring)."""

from __future__ import annotations

from .retention import retention_days
from .token_authorizer import TokenRequestAuthorizer

__all__ = ["TokenRequestAuthorizer", "retention_days"]
