"""Integrations: AWS_PROXY, AWS (Lambda custom and DynamoDB/SQS service calls), MOCK, HTTP(_PROXY).

Each returns an :class:`Answer` for the method response, or raises ``GatewayError`` /
``NotEmulated``.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cdk_local_gateway.apigw import (
    TemplateInput,
    render,
    response_parameter_value,
    select_integration_response,
    select_template,
)
from cdk_local_gateway.rest.errors import GatewayError, NotEmulated
from cdk_local_gateway.rest.request import alb_event, is_binary, proxy_event

if TYPE_CHECKING:
    from cdk_local_gateway.lambdas.workers import InvokeResult
    from cdk_local_gateway.rest.model import Method, RestApi
    from cdk_local_gateway.rest.request import Incoming
    from cdk_local_gateway.rest.services import Services

_LAMBDA_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(arn:[^/]+)/invocations$"
)
_SERVICE_URI = re.compile(
    r"^arn:[^:]+:apigateway:(?P<region>[^:]*):(?P<service>[^:/]+):(?P<kind>action|path)/(?P<rest>.*)$"
)
_STATUS = re.compile(r"[\"']?statusCode[\"']?\s*:\s*(\d{3})")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
INTEGRATION_LIMIT_S = 29.0
# Hop-by-hop and encoding headers of an HTTP proxy answer: the gateway frames the body itself.
_HOP_HEADERS = frozenset({"transfer-encoding", "connection", "content-length", "content-encoding"})


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def _stage_vars(text: str, api: RestApi) -> str:
    return _STAGE_VARIABLE.sub(lambda m: api.stage_variables.get(m.group(1), ""), text)


def _with_path_parameters(uri: str, path: dict[str, str]) -> str:
    """``uri`` with its ``{name}`` and greedy ``{name+}`` placeholders filled from ``path``."""
    for name, value in path.items():
        uri = uri.replace("{" + name + "+}", value).replace("{" + name + "}", value)
    return uri


def _overridden(uri: str, services: Services) -> str:
    """``uri`` with each ``--http-override`` prefix it starts with replaced, in order."""
    for prefix, replacement in services.http_overrides.items():
        if uri.startswith(prefix):
            uri = replacement + uri[len(prefix) :]
    return uri


def _function(services: Services, uri: str, api: RestApi) -> Any:
    found = _LAMBDA_URI.match(_stage_vars(uri, api))
    if not found:
        raise NotEmulated(f"integration URI {uri} is not a Lambda function")
    arn = found.group(1)
    spec = services.functions.get(arn) or services.functions.get(arn.rsplit(":", 1)[0])
    if spec is None:
        raise NotEmulated(f"function {arn} is not in the cloud assembly")
    if spec.unavailable:
        raise NotEmulated(f"function {spec.logical_id}: {spec.unavailable}")
    return spec


class Integrations:
    def __init__(self, api: RestApi, services: Services) -> None:
        self.api = api
        self.services = services

    def template_input(
        self, incoming: Incoming, context: dict[str, Any], body: str
    ) -> TemplateInput:
        return TemplateInput(
            body=body,
            params=incoming.params(),
            context=context,
            stage_variables=self.api.stage_variables,
        )

    async def run(self, incoming: Incoming, method: Method, context: dict[str, Any]) -> Answer:
        integration = method.integration
        kind = str(integration.get("Type", "")).upper()
        if kind == "AWS_PROXY":
            return await self._lambda_proxy(incoming, method, context)
        if kind == "MOCK":
            return self._mock(incoming, method, context)
        if kind == "AWS":
            uri = str(integration.get("Uri", ""))
            if _LAMBDA_URI.match(_stage_vars(uri, self.api)):
                return await self._lambda_custom(incoming, method, context)
            return await self._service(incoming, method, context)
        if kind in ("HTTP", "HTTP_PROXY"):
            return await self._http(incoming, method, context, proxy=kind == "HTTP_PROXY")
        raise NotEmulated(f"{method.logical_id}: integration type {kind or '(none)'}")

    # -- request side -------------------------------------------------------------------------
    def _request_body(
        self, incoming: Incoming, method: Method, context: dict[str, Any]
    ) -> tuple[str, Any]:
        """The integration request body (template rendered or passed through) and the render."""
        integration = method.integration
        templates = integration.get("RequestTemplates", {}) or {}
        template, refusal = select_template(
            templates, incoming.header("Content-Type"), integration.get("PassthroughBehavior")
        )
        if refusal:
            raise GatewayError("UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type")
        if template is None:
            return incoming.text_body(), None
        rendered = render(template, self.template_input(incoming, context, incoming.text_body()))
        return rendered.text, rendered

    def _request_parameters(
        self, incoming: Incoming, method: Method, context: dict[str, Any]
    ) -> dict[str, dict[str, str]]:
        """integration.request.{header,querystring,path}.X from the method request."""
        mapped: dict[str, dict[str, str]] = {"header": {}, "querystring": {}, "path": {}}
        for target, expression in (method.integration.get("RequestParameters") or {}).items():
            parts = str(target).split(".", 3)
            if len(parts) != 4 or parts[:2] != ["integration", "request"]:
                continue
            where = parts[2].removeprefix("multivalue")
            value = response_parameter_value(
                str(expression),
                context=context,
                stage_variables=self.api.stage_variables,
                params=incoming.params(),
            )
            if value is not None and where in mapped:
                mapped[where][parts[3]] = value
        return mapped

    # -- response side ------------------------------------------------------------------------
    def _integration_response(
        self,
        incoming: Incoming,
        method: Method,
        context: dict[str, Any],
        *,
        body: str,
        status_code: str | None = None,
        error_message: str | None = None,
        integration_headers: dict[str, str] | None = None,
        request_override: Any = None,
    ) -> Answer:
        responses = method.integration.get("IntegrationResponses") or []
        chosen = select_integration_response(
            responses, status_code=status_code, error_message=error_message
        )
        if chosen is None:
            if error_message is not None or (status_code and not status_code.startswith("2")):
                raise GatewayError("DEFAULT_5XX", "Internal server error")
            # No integration response at all: API Gateway answers 200 with the body as-is? It
            # answers "Internal server error" when the method has none configured.
            raise GatewayError("API_CONFIGURATION_ERROR", "Internal server error")
        status = int(chosen.get("StatusCode", 200))
        headers: list[tuple[str, str]] = []
        for target, expression in (chosen.get("ResponseParameters") or {}).items():
            name = str(target).removeprefix("method.response.header.")
            value = response_parameter_value(
                str(expression),
                context=context,
                stage_variables=self.api.stage_variables,
                params=incoming.params(),
                integration_headers=integration_headers or {},
                integration_body=body,
            )
            if value is not None:
                headers.append((name, value))
        templates = chosen.get("ResponseTemplates") or {}
        template, _ = select_template(templates, incoming.header("Accept"), None, response=True)
        content_type = "application/json"
        if template is None:
            out = body
        else:
            tinput = TemplateInput(
                body=body,
                params=incoming.params(),
                context=dict(context, requestOverride=request_override or {}),
                stage_variables=self.api.stage_variables,
            )
            rendered = render(template, tinput)
            out = rendered.text
            override = rendered.response_override
            if override.get("status"):
                status = int(override["status"])
            for name, value in (override.get("header") or {}).items():
                headers.append((name, str(value)))
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", content_type))
        return Answer(status, headers, out.encode())

    # -- integration kinds --------------------------------------------------------------------
    def _mock(self, incoming: Incoming, method: Method, context: dict[str, Any]) -> Answer:
        text, rendered = self._request_body(incoming, method, context)
        found = _STATUS.search(text or "")
        status = found.group(1) if found else "200"
        return self._integration_response(
            incoming,
            method,
            context,
            body="",
            status_code=status,
            request_override=rendered.request_override if rendered else None,
        )

    async def _lambda_proxy(
        self, incoming: Incoming, method: Method, context: dict[str, Any]
    ) -> Answer:
        spec = _function(self.services, str(method.integration.get("Uri", "")), self.api)
        binary = is_binary(incoming.header("Content-Type"), self.api.binary_media_types)
        event = proxy_event(
            incoming,
            resource_path=method.resource_path,
            context=context,
            stage_variables=self.api.stage_variables,
            binary=binary,
        )
        result = await self.services.lambdas.invoke(spec, event, caller_limit_s=self._limit(method))
        if result.caller_timed_out:
            raise GatewayError("INTEGRATION_TIMEOUT", "Endpoint request timed out")
        self._refuse_throttled(spec, result)
        if result.error is not None:
            self.services.log(
                f"[{spec.logical_id}] {result.error.get('errorType')}: "
                f"{result.error.get('errorMessage')}"
            )
            raise GatewayError("DEFAULT_5XX", "Internal server error", status="502")
        try:
            answer = json.loads(result.payload)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("statusCode", 200), int):
            self.services.log(f"[{spec.logical_id}] malformed Lambda proxy response")
            raise GatewayError("DEFAULT_5XX", "Internal server error", status="502")
        headers: list[tuple[str, str]] = []
        for name, value in (answer.get("headers") or {}).items():
            headers.append((str(name), str(value)))
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(v)) for v in values)
        body = answer.get("body")
        if body is None:
            data = b""
        elif answer.get("isBase64Encoded"):
            data = base64.b64decode(str(body))
        else:
            data = str(body).encode() if isinstance(body, str) else json.dumps(body).encode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return Answer(int(answer.get("statusCode", 200)), headers, data)

    def _refuse_throttled(self, spec: Any, result: InvokeResult) -> None:
        """Lambda refused the invocation for concurrency: API Gateway answers 500 (no
        integration response applies: the function never ran)."""
        if result.throttled:
            self.services.log(
                f"[{spec.logical_id}] throttled: every execution environment stayed busy "
                f"for the function's timeout ({spec.timeout_s} s)"
            )
            raise GatewayError("DEFAULT_5XX", "Internal server error")

    def _limit(self, method: Method) -> float:
        millis = method.integration.get("TimeoutInMillis")
        return min(float(millis) / 1000, INTEGRATION_LIMIT_S) if millis else INTEGRATION_LIMIT_S

    async def _lambda_custom(
        self, incoming: Incoming, method: Method, context: dict[str, Any]
    ) -> Answer:
        spec = _function(self.services, str(method.integration.get("Uri", "")), self.api)
        text, rendered = self._request_body(incoming, method, context)
        try:
            event = json.loads(text) if text.strip() else {}
        except ValueError:
            # Lambda refuses a payload that is not JSON: API Gateway answers 500.
            raise GatewayError("DEFAULT_5XX", "Internal server error") from None
        result = await self.services.lambdas.invoke(spec, event, caller_limit_s=self._limit(method))
        if result.caller_timed_out:
            raise GatewayError("INTEGRATION_TIMEOUT", "Endpoint request timed out")
        self._refuse_throttled(spec, result)
        override = rendered.request_override if rendered else None
        if result.error is not None:
            message = str(result.error.get("errorMessage", ""))
            return self._integration_response(
                incoming,
                method,
                context,
                body=json.dumps(result.error),
                error_message=message,
                request_override=override,
            )
        return self._integration_response(
            incoming,
            method,
            context,
            body=result.payload.decode(),
            request_override=override,
        )

    async def _service(self, incoming: Incoming, method: Method, context: dict[str, Any]) -> Answer:
        uri = _stage_vars(str(method.integration.get("Uri", "")), self.api)
        found = _SERVICE_URI.match(uri)
        if not found:
            raise NotEmulated(f"{method.logical_id}: AWS integration URI {uri}")
        service, kind, rest = found["service"], found["kind"], found["rest"]
        region = found["region"] or self.services.resolver.region_of(self.api.stack)
        text, rendered = self._request_body(incoming, method, context)
        parameters = self._request_parameters(incoming, method, context)
        headers = dict(parameters["header"])
        if rendered is not None:
            headers.update(rendered.request_override.get("header", {}))
        if service == "dynamodb" and kind == "action":
            url = self.services.aws_endpoint + "/"
            headers["X-Amz-Target"] = f"DynamoDB_20120810.{rest}"
            headers["Content-Type"] = "application/x-amz-json-1.0"
        elif service == "sqs" and kind == "path":
            url = f"{self.services.aws_endpoint}/{rest}"
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            raise NotEmulated(
                f"{method.logical_id}: AWS service integration {service}:{kind}/{rest}"
            )
        http_method = str(method.integration.get("IntegrationHttpMethod", "POST"))
        request = AWSRequest(method=http_method, url=url, data=text.encode(), headers=headers)
        # The integration's Credentials role signs, so its policies decide (docs/iam.md).
        role = await self.services.lambdas.iam.role_credentials(
            self.services.resolver,
            method.integration.get("Credentials"),
            f"apigateway-{method.logical_id}",
        )
        credentials = role or Credentials(*self.services.credentials)
        SigV4Auth(credentials, service, region).add_auth(request)
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                http_method, url, data=text.encode(), headers=dict(request.headers.items())
            ) as response,
        ):
            status = response.status
            raw = await response.read()
            answer_headers = dict(response.headers)
        body = raw.decode("utf-8", errors="replace")
        if body.lstrip().startswith("<"):
            body = json.dumps(xml_to_json(body))
        return self._integration_response(
            incoming,
            method,
            context,
            body=body,
            status_code=str(status),
            integration_headers=answer_headers,
            request_override=rendered.request_override if rendered else None,
        )

    async def _http(
        self, incoming: Incoming, method: Method, context: dict[str, Any], *, proxy: bool
    ) -> Answer:
        integration = method.integration
        uri = _stage_vars(str(integration.get("Uri", "")), self.api)
        parameters = self._request_parameters(incoming, method, context)
        if proxy and not parameters["path"]:
            parameters["path"] = dict(incoming.path_parameters)
        uri = _overridden(_with_path_parameters(uri, parameters["path"]), self.services)
        http_method = (
            incoming.http_method if proxy else str(integration.get("IntegrationHttpMethod", "GET"))
        )
        if http_method == "ANY":
            http_method = incoming.http_method
        if proxy:
            headers = {
                k: v for k, v in incoming.headers if k.lower() not in ("host", "content-length")
            }
            query: list[tuple[str, str]] = list(incoming.query)
            data = incoming.body
            rendered = None
        else:
            text, rendered = self._request_body(incoming, method, context)
            headers, query, data = {}, [], text.encode()
        headers.update(parameters["header"])
        query.extend(parameters["querystring"].items())
        if integration.get("ConnectionType") == "VPC_LINK":
            answer = await self._vpc_link(uri, http_method, query, headers, data)
        else:
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.request(
                        http_method,
                        uri,
                        params=query,
                        headers=headers,
                        data=data,
                        timeout=aiohttp.ClientTimeout(total=self._limit(method)),
                        allow_redirects=False,
                    ) as response,
                ):
                    answer = Answer(
                        response.status, list(response.headers.items()), await response.read()
                    )
            except TimeoutError:
                raise GatewayError("INTEGRATION_TIMEOUT", "Endpoint request timed out") from None
            except aiohttp.ClientError as exc:
                self.services.log(f"[{method.logical_id}] HTTP integration to {uri} failed: {exc}")
                raise GatewayError("INTEGRATION_FAILURE", "Internal server error") from None
        if proxy:
            answer.headers = [(k, v) for k, v in answer.headers if k.lower() not in _HOP_HEADERS]
            return answer
        return self._integration_response(
            incoming,
            method,
            context,
            body=answer.body.decode("utf-8", errors="replace"),
            status_code=str(answer.status),
            integration_headers=dict(answer.headers),
            request_override=rendered.request_override if rendered else None,
        )

    async def _vpc_link(
        self,
        uri: str,
        http_method: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        data: bytes,
    ) -> Answer:
        from urllib.parse import urlsplit

        from cdk_local_gateway.rest.load_balancers import follow

        parts = urlsplit(uri)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = follow(self.services, parts.hostname or "", port)
        event = alb_event(
            method=http_method,
            path=parts.path or "/",
            query=query,
            headers=headers,
            body=data,
            target_group_arn=target.target_group_arn,
        )
        result = await self.services.lambdas.invoke(
            target.function, event, caller_limit_s=INTEGRATION_LIMIT_S
        )
        if result.caller_timed_out:
            raise GatewayError("INTEGRATION_TIMEOUT", "Endpoint request timed out")
        if result.error is not None:
            # The ALB answers 502 Bad Gateway for a Lambda target error.
            return Answer(
                502,
                [("Content-Type", "text/html")],
                b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
        reply = json.loads(result.payload)
        body = reply.get("body") or ""
        data_out = base64.b64decode(body) if reply.get("isBase64Encoded") else str(body).encode()
        return Answer(
            int(reply.get("statusCode", 200)),
            [(str(k), str(v)) for k, v in (reply.get("headers") or {}).items()],
            data_out,
        )


def xml_to_json(text: str) -> Any:
    """A query-protocol XML answer as the JSON shape AWS gives for ``Accept: application/json``
    (``{"SendMessageResponse": {"SendMessageResult": {...}, "ResponseMetadata": {...}}}``)."""
    root = ET.fromstring(text)

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def convert(element: ET.Element) -> Any:
        children = list(element)
        if not children:
            return element.text or ""
        result: dict[str, Any] = {}
        for child in children:
            name = local(child.tag)
            value = convert(child)
            if name in result:
                if not isinstance(result[name], list):
                    result[name] = [result[name]]
                result[name].append(value)
            else:
                result[name] = value
        return result

    return {local(root.tag): convert(root)}
