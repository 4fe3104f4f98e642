"""One incoming request as the pipeline sees it, and the v1 Lambda proxy / ALB events."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from cdk_local_gateway.rest.model import Method


@dataclass
class Incoming:
    """The HTTP request, with API Gateway's per-request context being filled in."""

    http_method: str
    raw_path: str  # relative to the stage, encoding kept
    stage_path: str  # /<stage>/<raw path>, what $context.path is
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.time)
    path_parameters: dict[str, str] = field(default_factory=dict)
    authorizer: dict[str, Any] = field(default_factory=dict)
    identity_extra: dict[str, Any] = field(default_factory=dict)
    api_key: str | None = None
    api_key_id: str | None = None
    error: dict[str, Any] = field(default_factory=dict)
    method: Method | None = None
    # $context.integration.* of the access log (latency, status) once the integration answered.
    integration: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse_query(cls, raw_query: str) -> list[tuple[str, str]]:
        return parse_qsl(raw_query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        values = [v for k, v in self.headers if k.lower() == lowered]
        return values[-1] if values else None

    def single_headers(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for key, value in self.headers:
            result[key] = value  # the last value wins, as in API Gateway's `headers`
        return result

    def multi_headers(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self.headers:
            result.setdefault(key, []).append(value)
        return result

    def single_query(self) -> dict[str, str]:
        return {k: v for k, v in self.query}

    def multi_query(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self.query:
            result.setdefault(key, []).append(value)
        return result

    def params(self) -> dict[str, dict[str, str]]:
        """``$input.params()``: path, querystring, header."""
        return {
            "path": dict(self.path_parameters),
            "querystring": self.single_query(),
            "header": self.single_headers(),
        }

    def text_body(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def request_time(self) -> str:
        return datetime.fromtimestamp(self.started, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def is_binary(content_type: str | None, binary_media_types: list[str]) -> bool:
    if not content_type or not binary_media_types:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    for pattern in binary_media_types:
        pattern = pattern.lower().replace("~1", "/")
        if pattern == "*/*" or pattern == media:
            return True
        if pattern.endswith("/*") and media.startswith(pattern[:-1]):
            return True
    return False


def request_context(
    incoming: Incoming,
    *,
    api_id: str,
    account: str,
    stage: str,
    resource_path: str,
    resource_id: str,
) -> dict[str, Any]:
    """``requestContext`` of the proxy event, and the base of ``$context``."""
    identity: dict[str, Any] = {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": incoming.source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": incoming.header("User-Agent"),
        "user": None,
        "apiKey": incoming.api_key,
        "apiKeyId": incoming.api_key_id,
        "clientCert": None,
        **incoming.identity_extra,
    }
    context: dict[str, Any] = {
        "resourceId": resource_id,
        "resourcePath": resource_path,
        "httpMethod": incoming.http_method,
        "extendedRequestId": incoming.request_id[:8] + "=",
        "requestTime": incoming.request_time(),
        "path": incoming.stage_path,
        "accountId": account,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": incoming.host.split(".", 1)[0].split(":", 1)[0],
        "requestTimeEpoch": int(incoming.started * 1000),
        "requestId": incoming.request_id,
        "identity": identity,
        "domainName": incoming.host,
        "deploymentId": "local",
        "apiId": api_id,
    }
    if incoming.authorizer:
        context["authorizer"] = incoming.authorizer
    return context


def proxy_event(
    incoming: Incoming,
    *,
    resource_path: str,
    context: dict[str, Any],
    stage_variables: dict[str, str],
    binary: bool,
) -> dict[str, Any]:
    """The v1 (REST) Lambda proxy integration event."""
    query = incoming.single_query()
    if binary:
        body: str | None = base64.b64encode(incoming.body).decode()
    else:
        body = incoming.text_body() if incoming.body else None
    return {
        "resource": resource_path,
        "path": "/" + incoming.raw_path.lstrip("/") if incoming.raw_path else "/",
        "httpMethod": incoming.http_method,
        "headers": incoming.single_headers() or None,
        "multiValueHeaders": incoming.multi_headers() or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": incoming.multi_query() or None,
        "pathParameters": dict(incoming.path_parameters) or None,
        "stageVariables": dict(stage_variables) or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": binary,
    }


def alb_event(
    *,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    target_group_arn: str,
) -> dict[str, Any]:
    """The event an Application Load Balancer sends a Lambda target (multi-value off)."""
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "requestContext": {"elb": {"targetGroupArn": target_group_arn}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": {k: v for k, v in query},
        "headers": {k.lower(): v for k, v in headers.items()},
        "body": text,
        "isBase64Encoded": encoded,
    }
