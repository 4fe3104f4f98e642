"""Run a route's integration: AWS_PROXY (Lambda), MOCK, AWS (SQS), HTTP and HTTP_PROXY.

Non-proxy integrations go through the request template chosen by the integration's
``TemplateSelectionExpression``, then the integration response chosen by its key
(``$default`` or ``/regex/`` on the status code) and that response's template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cdk_local_gateway.apigw import TemplateError, TemplateInput, render
from cdk_local_gateway.apigw.selection import mock_status_code
from cdk_local_gateway.rest.integrations import xml_to_json
from cdk_local_gateway.websocket.events import proxy_event, template_context
from cdk_local_gateway.websocket.expressions import evaluate, json_body, matches_response_key

if TYPE_CHECKING:
    from cdk_local_gateway.websocket.events import Call
    from cdk_local_gateway.websocket.model import WsIntegration, WsIntegrationResponse
    from cdk_local_gateway.websocket.services import WsServices

_SERVICE_URI = re.compile(
    r"^arn:[^:]+:apigateway:(?P<region>[^:]*):(?P<service>[^:/]+):(?P<kind>action|path)/(?P<rest>.*)$"
)


@dataclass
class Outcome:
    """What an integration answered: ``status`` decides a ``$connect``; ``body`` is what a
    two-way route sends back; ``failed`` means the client gets "Internal server error"."""

    status: int
    body: str | None = None
    failed: bool = False


class IntegrationFailed(Exception):
    """The integration could not run (not emulated, misconfigured): a 500 for the client."""


def _template_input(call: Call, body: str) -> TemplateInput:
    connection = call.connection
    params: dict[str, dict[str, str]] = {"path": {}, "querystring": {}, "header": {}}
    if call.event_type == "CONNECT":
        params["querystring"] = connection.single_query()
        params["header"] = connection.single_headers()
    return TemplateInput(
        body=body,
        params=params,
        context=template_context(call),
        stage_variables=dict(connection.stage.variables),
    )


def _parameter_value(call: Call, expression: str) -> str | None:
    text = expression.strip()
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    prefix, _, name = text.rpartition(".")
    connection = call.connection
    if text.startswith("route.request.body."):
        return evaluate("$request.body." + text.removeprefix("route.request.body."), body=call.body)
    if prefix == "route.request.header":
        return connection.header(name)
    if prefix == "route.request.querystring":
        return connection.single_query().get(name)
    if prefix == "stageVariables":
        return connection.stage.variables.get(name)
    if text.startswith("context."):
        value: Any = template_context(call)
        for key in text.removeprefix("context.").split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return None if value is None else str(value)
    return None


class Integrations:
    def __init__(self, services: WsServices) -> None:
        self.services = services

    async def run(self, integration: WsIntegration, call: Call) -> Outcome:
        try:
            if integration.type == "AWS_PROXY":
                return await self._lambda_proxy(integration, call)
            if integration.type == "MOCK":
                return self._mock(integration, call)
            if integration.type == "AWS":
                return await self._service(integration, call)
            if integration.type in ("HTTP", "HTTP_PROXY"):
                return await self._http(integration, call)
            raise IntegrationFailed(f"integration type {integration.type}")
        except (IntegrationFailed, TemplateError, aiohttp.ClientError, TimeoutError) as exc:
            self.services.log(f"{integration.logical_id}: {type(exc).__name__}: {exc}")
            return Outcome(status=500, failed=True)

    # -- request side -------------------------------------------------------------------------
    def _request_text(self, integration: WsIntegration, call: Call) -> str:
        templates = integration.request_templates
        key = evaluate(integration.template_selection, body=call.body) or "$default"
        template = templates.get(key, templates.get("$default"))
        if template is None:
            if templates and integration.passthrough == "NEVER":
                raise IntegrationFailed(f"{integration.logical_id}: no template for {key}")
            return call.body
        return render(template, _template_input(call, call.body)).text

    def _parameters(self, integration: WsIntegration, call: Call) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {"header": {}, "querystring": {}}
        for target, expression in integration.request_parameters.items():
            parts = target.split(".", 3)
            if len(parts) != 4 or parts[0] != "integration" or parts[2] not in found:
                continue
            value = _parameter_value(call, expression)
            if value is not None:
                found[parts[2]][parts[3]] = value
        return found

    # -- response side ------------------------------------------------------------------------
    def _response(self, integration: WsIntegration, call: Call, status: int, body: str) -> Outcome:
        chosen: WsIntegrationResponse | None = None
        for response in integration.responses:
            if response.key != "$default" and matches_response_key(response.key, str(status)):
                chosen = response
                break
        if chosen is None:
            chosen = next((r for r in integration.responses if r.key == "$default"), None)
        if chosen is None or not chosen.templates:
            return Outcome(status=status, body=body)
        key = evaluate(chosen.template_selection, body=body) or "$default"
        template = chosen.templates.get(key, chosen.templates.get("$default"))
        if template is None:
            return Outcome(status=status, body=body)
        return Outcome(status=status, body=render(template, _template_input(call, body)).text)

    # -- integration types --------------------------------------------------------------------
    async def _lambda_proxy(self, integration: WsIntegration, call: Call) -> Outcome:
        spec = self.services.function(integration.uri)
        if spec is None or spec.unavailable:
            reason = spec.unavailable if spec else "not in the cloud assembly"
            raise IntegrationFailed(f"function {integration.uri}: {reason}")
        limit = min(integration.timeout_ms / 1000, self.services.limits.integration_s)
        result = await self.services.lambdas.invoke(spec, proxy_event(call), caller_limit_s=limit)
        if result.caller_timed_out:
            raise IntegrationFailed(f"{spec.logical_id} did not answer within {limit} s")
        if result.error is not None:
            self.services.log(
                f"{spec.logical_id}: {result.error.get('errorType')}: "
                f"{result.error.get('errorMessage')}"
            )
            return Outcome(status=502, failed=True)
        answer = json_body(result.payload.decode("utf-8", errors="replace"))
        if isinstance(answer, dict) and "statusCode" in answer:
            body = answer.get("body")
            text = body if isinstance(body, str) or body is None else json.dumps(body)
            return Outcome(status=int(answer["statusCode"]), body=text)
        # A function answering no statusCode is a success; its payload is the answer.
        return Outcome(status=200, body=None if answer is None else json.dumps(answer))

    def _mock(self, integration: WsIntegration, call: Call) -> Outcome:
        status = int(mock_status_code(self._request_text(integration, call)))
        return self._response(integration, call, status, "")

    async def _service(self, integration: WsIntegration, call: Call) -> Outcome:
        found = _SERVICE_URI.match(integration.uri)
        if not found or found["service"] != "sqs" or found["kind"] != "path":
            raise IntegrationFailed(f"AWS service integration {integration.uri}")
        region = found["region"] or call.api.region
        text = self._request_text(integration, call)
        parameters = self._parameters(integration, call)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **parameters["header"]}
        url = f"{self.services.aws_endpoint}/{found['rest']}"
        if parameters["querystring"]:
            url += "?" + urlencode(parameters["querystring"])
        request = AWSRequest(
            method=integration.method, url=url, data=text.encode(), headers=headers
        )
        # The local AWS routes a request by its credential scope: it must be signed for sqs,
        # with the integration's role, whose policies decide (docs/iam.md).
        role = None
        if self.services.resolver is not None:
            role = await self.services.lambdas.iam.role_credentials(
                self.services.resolver,
                integration.credentials_arn,
                f"apigateway-{integration.logical_id}",
            )
        credentials = role or Credentials(*self.services.credentials)
        SigV4Auth(credentials, "sqs", region).add_auth(request)
        status, body = await self._send(
            integration, integration.method, url, text, dict(request.headers.items())
        )
        if body.lstrip().startswith("<"):
            body = json.dumps(xml_to_json(body))
        return self._response(integration, call, status, body)

    async def _http(self, integration: WsIntegration, call: Call) -> Outcome:
        proxy = integration.type == "HTTP_PROXY"
        text = call.body if proxy else self._request_text(integration, call)
        parameters = self._parameters(integration, call)
        url = self.services.http_url(integration.uri)
        if parameters["querystring"]:
            url += ("&" if "?" in url else "?") + urlencode(parameters["querystring"])
        headers = {"Content-Type": "application/json", **parameters["header"]}
        status, body = await self._send(integration, integration.method, url, text, headers)
        if proxy:
            return Outcome(status=status, body=body)
        return self._response(integration, call, status, body)

    async def _send(
        self,
        integration: WsIntegration,
        method: str,
        url: str,
        text: str,
        headers: dict[str, str],
    ) -> tuple[int, str]:
        timeout = aiohttp.ClientTimeout(
            total=min(integration.timeout_ms / 1000, self.services.limits.integration_s)
        )
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(method, url, data=text.encode(), headers=headers) as response,
        ):
            return response.status, (await response.read()).decode("utf-8", errors="replace")
