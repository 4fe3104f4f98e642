"""The REST API's CORS headers, in a module of their own: every REST handler imports them at
cold start, and the route table of ``contract.rest`` (which re-exports them for the stacks)
is not worth compiling for two tuples."""

from __future__ import annotations

#: Request headers a browser may send cross-origin: the API's CORS preflight allows them, and
#: the Lambda proxy handlers' answers repeat them. Bearer/Cognito tokens, JSON bodies,
#: idempotent POSTs and conditional writes, plus the SigV4 and API key headers of IAM and
#: partner routes (Powertools adds those last three to every CORSConfig anyway).
CORS_ALLOW_HEADERS: tuple[str, ...] = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Api-Key",
)
#: Response headers a browser's script may read: the version for If-Match and the URL of a
#: created resource.
CORS_EXPOSE_HEADERS: tuple[str, ...] = ("ETag", "Location")
