"""Gateway responses: defaults per response type, their fallback, and plain substitution.

Statuses follow the "Gateway response types for API Gateway" table of the developer guide;
every type's default body template is ``{"message":$context.error.messageString}``. A type the
API does not customise falls back to DEFAULT_4XX or DEFAULT_5XX (by its status) and keeps its
own status code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.apigw.jsonpath import MISSING, evaluate, parse_body

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'

DEFAULT_RESPONSES: Mapping[str, tuple[int, str]] = {
    name: (status, DEFAULT_TEMPLATE)
    for name, status in {
        "DEFAULT_4XX": 400,
        "DEFAULT_5XX": 500,
        "ACCESS_DENIED": 403,
        "API_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_CONFIGURATION_ERROR": 500,
        "AUTHORIZER_FAILURE": 500,
        "BAD_REQUEST_PARAMETERS": 400,
        "BAD_REQUEST_BODY": 400,
        "EXPIRED_TOKEN": 403,
        "INTEGRATION_FAILURE": 504,
        "INTEGRATION_TIMEOUT": 504,
        "INVALID_API_KEY": 403,
        "INVALID_SIGNATURE": 403,
        "MISSING_AUTHENTICATION_TOKEN": 403,
        "QUOTA_EXCEEDED": 429,
        "REQUEST_TOO_LARGE": 413,
        "RESOURCE_NOT_FOUND": 404,
        "THROTTLED": 429,
        "UNAUTHORIZED": 401,
        "UNSUPPORTED_MEDIA_TYPE": 415,
        "WAF_FILTERED": 403,
    }.items()
}

# $context.error.message API Gateway puts in the default body, where it is fixed text.
DEFAULT_MESSAGES: Mapping[str, str | None] = {
    "ACCESS_DENIED": "User is not authorized to access this resource",
    "API_CONFIGURATION_ERROR": "Internal server error",
    "AUTHORIZER_CONFIGURATION_ERROR": None,
    "AUTHORIZER_FAILURE": None,
    "BAD_REQUEST_BODY": "Invalid request body",
    "EXPIRED_TOKEN": "The security token included in the request is expired",
    "INTEGRATION_FAILURE": "Internal server error",
    "INTEGRATION_TIMEOUT": "Endpoint request timed out",
    "INVALID_API_KEY": "Forbidden",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "QUOTA_EXCEEDED": "Limit Exceeded",
    "REQUEST_TOO_LARGE": "Request Too Long",
    "RESOURCE_NOT_FOUND": "Not Found",
    "THROTTLED": "Too Many Requests",
    "UNAUTHORIZED": "Unauthorized",
    "UNSUPPORTED_MEDIA_TYPE": "Unsupported Media Type",
    "WAF_FILTERED": "Forbidden",
}


def fallback_type(response_type: str) -> str:
    """DEFAULT_4XX or DEFAULT_5XX: what a not customised ``response_type`` inherits from."""
    status = DEFAULT_RESPONSES.get(response_type, (500, ""))[0]
    return "DEFAULT_4XX" if 400 <= status < 500 else "DEFAULT_5XX"


_HEADER_PREFIX = "gatewayresponse.header."


@dataclass(frozen=True)
class GatewayResponse:
    """What API Gateway answers for one response type of one API."""

    status: int
    templates: Mapping[str, str] = field(default_factory=dict)
    # header name -> mapping expression ("'*'", "method.request.header.Origin", ...)
    headers: Mapping[str, str] = field(default_factory=dict)


def resolve_gateway_response(
    response_type: str, configured: Mapping[str, Mapping[str, Any]]
) -> GatewayResponse:
    """The response for ``response_type`` given the API's ``AWS::ApiGateway::GatewayResponse``
    properties by type (``StatusCode``, ``ResponseTemplates``, ``ResponseParameters``).

    A type the API customises answers with its own settings; otherwise DEFAULT_4XX/5XX's
    customisation applies, whose status code (when set) replaces the type's own ("changing the
    status code of this fallback gateway response changes the status codes of all other 4XX
    responses", gateway response types guide). Unset parts keep the built-in defaults.
    """
    status, template = DEFAULT_RESPONSES.get(response_type, DEFAULT_RESPONSES["DEFAULT_5XX"])
    own = configured.get(response_type)
    chosen = own if own is not None else configured.get(fallback_type(response_type))
    if chosen is None:
        return GatewayResponse(status, {"application/json": template})
    code = chosen.get("StatusCode")
    parameters = chosen.get("ResponseParameters") or {}
    return GatewayResponse(
        status=int(code) if code not in (None, "") else status,
        templates=dict(chosen.get("ResponseTemplates") or {"application/json": template}),
        headers={
            key.removeprefix(_HEADER_PREFIX): str(value)
            for key, value in parameters.items()
            if key.startswith(_HEADER_PREFIX)
        },
    )


def message_string(message: str | None) -> str:
    """``$context.error.messageString``: the message as a quoted JSON string (or ``null``)."""
    return "null" if message is None else json.dumps(message, ensure_ascii=False)


_REFERENCE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z][\w.-]*)\}|(?P<plain>(?:context|stageVariables)(?:\.[A-Za-z_][\w-]*)+))"
    r"|(?P<param>method\.request\.(?:path|querystring|header|multivalueheader|multivaluequerystring)\.[\w.-]+)"
)


def _lookup(root: Any, dotted: list[str]) -> Any:
    value = root
    for key in dotted:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _param(params: Mapping[str, Mapping[str, str]], where: str, name: str) -> str | None:
    source = params.get(where.removeprefix("multivalue"), {})
    if where.endswith("header"):
        return next((v for k, v in source.items() if k.lower() == name.lower()), None)
    return source.get(name)


# A reference of a substitution template: ("param", where, name) or ("ref", root, path...).
_Reference = tuple[str, ...]


@lru_cache(maxsize=256)
def _parsed(template: str) -> tuple[tuple[str, ...], tuple[_Reference, ...]]:
    """The literal text around each reference, and the references, found once per template
    (an access log format is substituted on every request)."""
    literals: list[str] = []
    references: list[_Reference] = []
    position = 0
    for match in _REFERENCE.finditer(template):
        literals.append(template[position : match.start()])
        if match.group("param"):
            _, _, where, name = match.group("param").split(".", 3)
            references.append(("param", where, name))
        else:
            references.append(("ref", *(match.group("braced") or match.group("plain")).split(".")))
        position = match.end()
    literals.append(template[position:])
    return tuple(literals), tuple(references)


def references_parameters(template: str) -> bool:
    """Whether ``template`` substitutes ``method.request.*`` parameters."""
    return any(reference[0] == "param" for reference in _parsed(template)[1])


def render_gateway_response(
    template: str,
    *,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
    params: Mapping[str, Mapping[str, str]],
) -> str:
    """Substitute ``$context.x``, ``$stageVariables.x`` and ``method.request.*`` (not VTL).

    ``context["error"]["messageString"]`` is filled from ``context["error"]["message"]`` when
    absent. Names that resolve to nothing become empty text.
    """
    ctx = dict(context)
    error = dict(ctx.get("error") or {})
    error.setdefault("messageString", message_string(error.get("message")))
    ctx["error"] = error
    roots: dict[str, Any] = {"context": ctx, "stageVariables": dict(stage_variables)}
    literals, references = _parsed(template)
    out = [literals[0]]
    for reference, literal in zip(references, literals[1:], strict=True):
        if reference[0] == "param":
            out.append(_param(params, reference[1], reference[2]) or "")
        else:
            value = _lookup(roots.get(reference[1]), list(reference[2:]))
            if value is None:
                out.append("")
            elif isinstance(value, bool):
                out.append("true" if value else "false")
            elif isinstance(value, str):
                out.append(value)
            else:
                out.append(json.dumps(value))
        out.append(literal)
    return "".join(out)


def response_parameter_value(
    expression: str,
    *,
    context: Mapping[str, Any] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    params: Mapping[str, Mapping[str, str]] | None = None,
    integration_headers: Mapping[str, str] | None = None,
    integration_body: str | None = None,
) -> str | None:
    """The value of a response parameter mapping expression (``'*'``, ``method.request.header.X``,
    ``context.authorizer.x``, ``stageVariables.x``, ``integration.response.header.X``,
    ``integration.response.body`` or ``integration.response.body.a.b``); ``None`` when it
    names nothing."""
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    if expression.startswith("method.request."):
        _, _, where, name = expression.split(".", 3)
        return _param(params or {}, where, name)
    if expression.startswith(("context.", "stageVariables.")):
        root, *path = expression.split(".")
        source = dict(context or {}) if root == "context" else dict(stage_variables or {})
        value = _lookup(source, path)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)
    if expression.startswith("integration.response.header."):
        name = expression.removeprefix("integration.response.header.")
        headers = integration_headers or {}
        return next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    if expression == "integration.response.body":
        return integration_body
    if expression.startswith("integration.response.body."):
        json_path = "$" + expression.removeprefix("integration.response.body")
        value = evaluate(parse_body(integration_body or ""), json_path)
        if value is MISSING or value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)
    return None
