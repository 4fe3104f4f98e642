"""API Gateway-generated errors in the service's error JSON, so clients parse one shape.

Gateway response templates support only variable substitution (no VTL, no ``$util``), so
only values API Gateway itself renders as JSON may be inserted: ``$context.error.messageString``
(a quoted JSON string). ``$context.error.validationErrorString`` is inserted raw and holds
double quotes (``[object has missing required properties (["name"])]``), so no template uses
it; a validation error names the failing part of the request with a fixed message instead.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigateway


@dataclass(frozen=True)
class GatewayError:
    """One gateway response type, the HTTP status it answers and the error ``code`` it names;
    a request validator's error also lists ``field`` (``{"path", "message"}``)."""

    response_type: apigateway.ResponseType
    status: str
    code: str
    field: tuple[str, str] | None = None


_BODY = ("body", "does not match the operation's request model (see the OpenAPI document)")
_PARAMETERS = ("parameters", "a required path, query string or header parameter is missing")

#: Every customised gateway response (the DEFAULT_* ones cover all other types).
GATEWAY_ERRORS: tuple[GatewayError, ...] = (
    GatewayError(apigateway.ResponseType.DEFAULT_4_XX, "400", "BadRequest"),
    GatewayError(apigateway.ResponseType.DEFAULT_5_XX, "500", "InternalError"),
    GatewayError(apigateway.ResponseType.BAD_REQUEST_BODY, "400", "ValidationFailed", _BODY),
    GatewayError(
        apigateway.ResponseType.BAD_REQUEST_PARAMETERS, "400", "ValidationFailed", _PARAMETERS
    ),
    GatewayError(apigateway.ResponseType.UNAUTHORIZED, "401", "Unauthorized"),
    GatewayError(apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, "403", "Forbidden"),
    GatewayError(apigateway.ResponseType.ACCESS_DENIED, "403", "Forbidden"),
    GatewayError(apigateway.ResponseType.INVALID_API_KEY, "403", "Forbidden"),
    GatewayError(apigateway.ResponseType.EXPIRED_TOKEN, "403", "Forbidden"),
    GatewayError(apigateway.ResponseType.INVALID_SIGNATURE, "403", "Forbidden"),
    GatewayError(apigateway.ResponseType.WAF_FILTERED, "403", "Forbidden"),
    GatewayError(apigateway.ResponseType.RESOURCE_NOT_FOUND, "404", "NotFound"),
    GatewayError(apigateway.ResponseType.REQUEST_TOO_LARGE, "413", "PayloadTooLarge"),
    GatewayError(apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE, "415", "BadRequest"),
    GatewayError(apigateway.ResponseType.THROTTLED, "429", "Throttled"),
    GatewayError(apigateway.ResponseType.QUOTA_EXCEEDED, "429", "Throttled"),
    GatewayError(apigateway.ResponseType.AUTHORIZER_FAILURE, "500", "InternalError"),
    GatewayError(apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, "500", "InternalError"),
    GatewayError(apigateway.ResponseType.INTEGRATION_FAILURE, "502", "InternalError"),
    GatewayError(apigateway.ResponseType.INTEGRATION_TIMEOUT, "504", "InternalError"),
)


def error_template(error: GatewayError) -> str:
    """The response body template of ``error`` (the service's error JSON)."""
    fields = ""
    if error.field is not None:
        path, message = error.field
        fields = f'"fields": [{json.dumps({"path": path, "message": message})}], '
    return (
        f'{{"error": {{"code": "{error.code}", "message": $context.error.messageString, '
        f'{fields}"request_id": "$context.requestId"}}}}'
    )


def add_gateway_responses(api: apigateway.RestApi, *, allow_origin: str | None) -> None:
    """Add every :data:`GATEWAY_ERRORS` response to ``api`` with a JSON content type and, when
    ``allow_origin`` is given (the API allows cross-origin calls), that CORS header."""
    headers = {"Content-Type": "'application/json'"}
    if allow_origin is not None:
        headers = {"Access-Control-Allow-Origin": f"'{allow_origin}'", **headers}
    for error in GATEWAY_ERRORS:
        api.add_gateway_response(
            _response_id(error.response_type),
            type=error.response_type,
            status_code=error.status,
            response_headers=headers,
            templates={"application/json": error_template(error)},
        )


@functools.cache  # one jsii read per response type per process, not per API
def _response_id(response_type: apigateway.ResponseType) -> str:
    """``DEFAULT_4XX`` -> ``Default4xx``: a PascalCase construct id per response type."""
    return "".join(part.capitalize() for part in response_type.response_type.split("_"))
