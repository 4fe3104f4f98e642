"""The one way handlers create their X-Ray tracer."""

from __future__ import annotations

from aws_lambda_powertools import Tracer

PATCHED_MODULES = ("botocore",)
"""The only library the handlers call out through. ``Tracer()``'s default patches every
library the X-Ray SDK supports, importing requests, PynamoDB and database-driver patchers
into every cold start for nothing."""


def service_tracer() -> Tracer:
    """A tracer that patches :data:`PATCHED_MODULES` only."""
    return Tracer(patch_modules=PATCHED_MODULES)
