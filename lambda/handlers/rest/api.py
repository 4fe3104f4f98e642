"""Shared plumbing of the REST proxy handlers: the resolver with CORS, the error JSON for
every failure, body parsing, the caller's identity and If-Match parsing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from contract.cors import CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS
from domain.errors import (
    AppError,
    BadRequest,
    FieldProblem,
    NotFound,
    PreconditionRequired,
    ServiceUnavailable,
    Throttled,
    Unauthorized,
)
from domain.settings import env_list
from shared.http import error_json, parse_json, raw_body

if TYPE_CHECKING:
    from domain.validation import RequestValidator

logger = Logger()

# ASCII digits only ([0-9], not \d: int() would read Arabic-Indic or fullwidth digits too).
_ETAG = re.compile(r'[ \t]*(?:"([0-9]{1,12})"|([0-9]{1,12}))[ \t]*')
MAX_QUERY_INT_DIGITS = 9
"""Longer ``limit``-style values are refused before ``int()`` (which fails past 4300 digits)."""


def _cors() -> CORSConfig:
    origins = env_list("CORS_ALLOW_ORIGINS")
    if not origins:
        return CORSConfig(allow_origin="*", max_age=300)
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=list(origins[1:]),
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=list(CORS_EXPOSE_HEADERS),
        max_age=300,
    )


def build_resolver() -> APIGatewayRestResolver:
    """A REST proxy resolver whose every error (ours, the library's, unknown) is error JSON."""
    app = APIGatewayRestResolver(cors=_cors())

    def respond(error: AppError) -> Response[Any]:
        request_id = app.current_event.request_context.request_id
        return Response(
            status_code=error.status,
            content_type="application/json",
            body=error_json(error, request_id),
        )

    def app_error(exc: AppError) -> Response[Any]:
        return respond(exc)

    def not_found(exc: Exception) -> Response[Any]:
        return respond(NotFound("no such route"))

    def unexpected(exc: Exception) -> Response[Any]:
        import pydynamodel
        from domain.auth.keys import SecretUnavailable

        if isinstance(exc, pydynamodel.Throttled):
            return respond(Throttled("the table is busy, retry later"))
        if isinstance(exc, pydynamodel.ServiceUnavailable | SecretUnavailable):
            # Unreachable, failing or timed-out dependency (within the client time budget).
            logger.warning("dependency unavailable", extra={"error": repr(exc)[:500]})
            return respond(ServiceUnavailable("a dependency is unavailable, retry later"))
        logger.exception("unhandled error")
        return respond(AppError("internal error"))

    # Registered by call, not decorator syntax: the decorators are untyped for mypy.
    app.exception_handler(AppError)(app_error)
    app.exception_handler(NotFoundError)(not_found)
    app.not_found(not_found)
    app.exception_handler(Exception)(unexpected)

    return app


def json_body(app: APIGatewayRestResolver, schema: RequestValidator) -> dict[str, Any]:
    """Size-check, decode and validate the request body against ``schema``'s model."""
    event = app.current_event
    data = raw_body(event.get("body"), bool(event.get("isBase64Encoded")))
    return schema.validate(parse_json(data))


def user_id(app: APIGatewayRestResolver) -> str:
    """The caller: Cognito ``sub`` claim, or the Lambda authorizer's principal."""
    authorizer = app.current_event.request_context.get("authorizer") or {}
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    if not sub and isinstance(authorizer, dict):
        sub = authorizer.get("principalId")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("no authenticated caller")
    return sub


def if_match(app: APIGatewayRestResolver, *, required: bool) -> int | None:
    """The version in ``If-Match: "<version>"``; ``*`` or an absent optional header -> None."""
    value = app.current_event.headers.get("If-Match")
    if value is None:
        if required:
            raise PreconditionRequired(
                "If-Match header is required",
                [FieldProblem("headers.If-Match", 'is required: send the ETag, like "3"')],
            )
        return None
    if value.strip() == "*":
        return None
    match = _ETAG.fullmatch(value)
    if match is None:
        raise BadRequest(
            "If-Match header is invalid",
            [FieldProblem("headers.If-Match", 'must be a quoted version, like "3"')],
        )
    return int(match.group(1) or match.group(2))


def query_int(app: APIGatewayRestResolver, name: str, default: int, low: int, high: int) -> int:
    raw = app.current_event.get_query_string_value(name)
    if raw is None:
        return default
    if not _ascii_digits(raw, MAX_QUERY_INT_DIGITS) or not low <= int(raw) <= high:
        raise BadRequest(
            f"query parameter {name} is invalid",
            [FieldProblem(f"query.{name}", f"must be an integer {low}..{high}")],
        )
    return int(raw)


def _ascii_digits(text: str, max_len: int) -> bool:
    return 1 <= len(text) <= max_len and all("0" <= ch <= "9" for ch in text)


def etag(version: int | None) -> str:
    return f'"{version or 0}"'
