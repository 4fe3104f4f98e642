"""API Gateway semantics with no I/O: mapping templates, validation, selection, gateway responses.

The runtime core calls these pure functions; nothing here opens a socket or reads a file.
"""

from __future__ import annotations

from cdk_local_gateway.apigw.gateway_responses import (
    DEFAULT_RESPONSES,
    GatewayResponse,
    render_gateway_response,
    resolve_gateway_response,
    response_parameter_value,
)
from cdk_local_gateway.apigw.selection import select_integration_response, select_template
from cdk_local_gateway.apigw.validation import validate_body, validate_parameters
from cdk_local_gateway.apigw.vtl import Rendered, TemplateError, TemplateInput, render

__all__ = [
    "DEFAULT_RESPONSES",
    "GatewayResponse",
    "Rendered",
    "TemplateError",
    "TemplateInput",
    "render",
    "render_gateway_response",
    "resolve_gateway_response",
    "response_parameter_value",
    "select_integration_response",
    "select_template",
    "validate_body",
    "validate_parameters",
]
