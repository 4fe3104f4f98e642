"""One REST API served over HTTP: stage, routing, auth, validation, keys, integration, errors."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cdk_local_gateway.apigw import (
    DEFAULT_RESPONSES,
    TemplateError,
    render_gateway_response,
    response_parameter_value,
    validate_body,
    validate_parameters,
)
from cdk_local_gateway.apigw.gateway_responses import (
    DEFAULT_MESSAGES,
    fallback_type,
    references_parameters,
)
from cdk_local_gateway.apigw.validation import body_validation_errors
from cdk_local_gateway.rest.auth import Authorizers
from cdk_local_gateway.rest.errors import GatewayError, NotEmulated
from cdk_local_gateway.rest.integrations import Answer, Integrations
from cdk_local_gateway.rest.request import Incoming, request_context
from cdk_local_gateway.rest.router import route
from cdk_local_gateway.rest.usage import UsageTracker

if TYPE_CHECKING:
    from cdk_local_gateway.rest.model import Method, RestApi
    from cdk_local_gateway.rest.services import Services


class RestGateway:
    def __init__(self, api: RestApi, services: Services) -> None:
        self.api = api
        self.services = services
        self.authorizers = Authorizers(api, services)
        self.integrations = Integrations(api, services)
        self.usage = UsageTracker(api)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=10 * 1024 * 1024 + 1)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw_path, _, raw_query = request.raw_path.partition("?")
        prefix = f"/{self.api.stage_name}"
        incoming = Incoming(
            http_method=request.method,
            raw_path=raw_path[len(prefix) :] if raw_path.startswith(prefix) else raw_path,
            stage_path=raw_path,
            query=Incoming.parse_query(raw_query),
            headers=list(request.headers.items()),
            body=await request.read(),
            source_ip=request.remote or "127.0.0.1",
            host=request.host,
        )
        # The request as it arrived, for the context of a 501 or a template error (the
        # pipeline fills authorizer, key and error in as it goes).
        arrived = replace(
            incoming,
            authorizer=dict(incoming.authorizer),
            identity_extra=dict(incoming.identity_extra),
            error=dict(incoming.error),
        )
        started = time.monotonic()
        try:
            answer, context = await self._pipeline(incoming, raw_path, prefix)
            # The integration's context is the request's: only the error may have grown.
            context["error"] = dict(incoming.error)
        except GatewayError as error:
            context = self._context(incoming, incoming.method)
            answer = self._gateway_response(error, incoming, context)
            incoming.error.setdefault("message", error.message)
            incoming.error.setdefault("responseType", error.response_type)
        except NotEmulated as exc:
            context = self._context(arrived, None)
            self.services.log(f"501 not emulated: {exc}")
            answer = Answer(
                501,
                [("Content-Type", "application/json")],
                json.dumps({"message": f"Not emulated locally: {exc}"}).encode(),
            )
        except TemplateError as exc:
            context = self._context(arrived, None)
            self.services.log(f"mapping template error: {exc}")
            answer = self._gateway_response(
                GatewayError("DEFAULT_5XX", "Internal server error"), incoming, context
            )
        latency = int((time.monotonic() - started) * 1000)
        self._access_log(incoming, context, answer, latency)
        response = web.Response(status=answer.status, body=answer.body)
        for name, value in answer.headers:
            if name.lower() != "content-length":
                response.headers.add(name, value)
        response.headers["x-amzn-RequestId"] = incoming.request_id
        return response

    def _context(self, incoming: Incoming, method: Method | None) -> dict[str, Any]:
        context = request_context(
            incoming,
            api_id=self.api.api_id,
            account=self.services.resolver.account,
            stage=self.api.stage_name,
            resource_path=method.resource_path if method else "",
            resource_id=method.logical_id[:6].lower() if method else "",
        )
        context["error"] = dict(incoming.error)
        return context

    async def _pipeline(
        self, incoming: Incoming, raw_path: str, prefix: str
    ) -> tuple[Answer, dict[str, Any]]:
        """The integration's answer, and the request context it was given (``$context``)."""
        if raw_path != prefix and not raw_path.startswith(prefix + "/"):
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        match = route(self.api, incoming.raw_path, incoming.http_method)
        if match is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        method = match.method
        incoming.method = method
        incoming.path_parameters = match.path_parameters
        if method.problem:
            raise NotEmulated(method.problem)
        # API Gateway's execution log order: authorizer, usage plan check, then validation.
        await self.authorizers.authorize(incoming, method)
        if method.props.get("ApiKeyRequired"):
            key = incoming.api_key if self.api.api_key_source == "AUTHORIZER" else None
            incoming.api_key = key or incoming.header("x-api-key")
            incoming.api_key_id = self.usage.check(incoming.api_key)
        self._validate(incoming, method)
        context = self._context(incoming, method)
        started = time.monotonic()
        answer = await self.integrations.run(incoming, method, context)
        incoming.integration = {
            "latency": int((time.monotonic() - started) * 1000),
            "status": answer.status,
        }
        return answer, context

    def _validate(self, incoming: Incoming, method: Method) -> None:
        validator = self.api.validators.get(str(method.props.get("RequestValidatorLogicalId")))
        if not validator:
            return
        if validator.get("ValidateRequestParameters"):
            required = {
                k: bool(v) for k, v in (method.props.get("RequestParameters") or {}).items()
            }
            message = validate_parameters(required, incoming.params())
            if message:
                raise GatewayError("BAD_REQUEST_PARAMETERS", message)
        if validator.get("ValidateRequestBody"):
            models: dict[str, Any] = method.props.get("RequestModelNames") or {}
            content_type = (incoming.header("Content-Type") or "application/json").split(";")[0]
            model_id = models.get(content_type.strip().lower()) or models.get("$default")
            if model_id is None:
                return
            name = self.api.model_names.get(model_id, model_id)
            schema = self.api.models.get(name)
            if schema is None:
                return
            message = validate_body(schema, incoming.text_body(), models=self.api.models)
            if message:
                details = body_validation_errors(
                    schema, incoming.text_body(), models=self.api.models
                )
                incoming.error["validationErrorString"] = str(details or "")
                raise GatewayError("BAD_REQUEST_BODY", message)

    def _gateway_response(
        self, error: GatewayError, incoming: Incoming, context: dict[str, Any]
    ) -> Answer:
        kind = error.response_type
        exact = self.api.gateway_responses.get(kind)
        fallback = self.api.gateway_responses.get(fallback_type(kind))
        default_status, default_template = DEFAULT_RESPONSES.get(
            kind, DEFAULT_RESPONSES["DEFAULT_5XX"]
        )
        status = int(error.error.get("status") or (exact or {}).get("StatusCode") or default_status)
        message = error.message if error.message is not None else DEFAULT_MESSAGES.get(kind)
        ctx = dict(context)
        ctx["error"] = {
            **dict(context.get("error") or {}),
            **incoming.error,
            "message": message,
            "responseType": kind,
        }
        ctx["error"].pop("messageString", None)
        templates: dict[str, Any] = {}
        parameters: dict[str, Any] = {}
        for custom in (fallback, exact):
            if custom:
                templates.update(custom.get("ResponseTemplates") or {})
                parameters.update(custom.get("ResponseParameters") or {})
        template = templates.get("application/json") or next(
            iter(templates.values()), default_template
        )
        body = render_gateway_response(
            str(template),
            context=ctx,
            stage_variables=self.api.stage_variables,
            params=incoming.params(),
        )
        headers: list[tuple[str, str]] = []
        for target, expression in parameters.items():
            value = response_parameter_value(
                str(expression),
                context=ctx,
                stage_variables=self.api.stage_variables,
                params=incoming.params(),
            )
            if value is not None:
                headers.append((str(target).removeprefix("gatewayresponse.header."), value))
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
        headers.append(("x-amzn-ErrorType", _error_type(kind)))
        return Answer(status, headers, body.encode())

    def _access_log(
        self, incoming: Incoming, context: dict[str, Any], answer: Answer, latency: int
    ) -> None:
        if not self.api.access_log_format:
            return
        ctx = dict(context)
        ctx.update(
            status=answer.status,
            responseLength=len(answer.body),
            responseLatency=latency,
            integrationLatency=incoming.integration.get("latency"),
            integration=incoming.integration,
            error={**dict(context.get("error") or {}), **incoming.error},
        )
        log_format = self.api.access_log_format
        line = render_gateway_response(
            log_format,
            context=ctx,
            stage_variables=self.api.stage_variables,
            params=incoming.params() if references_parameters(log_format) else {},
        )
        self.services.log(line)


def _error_type(kind: str) -> str:
    return {
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
        "UNAUTHORIZED": "UnauthorizedException",
        "ACCESS_DENIED": "AccessDeniedException",
        "INVALID_API_KEY": "ForbiddenException",
        "INVALID_SIGNATURE": "InvalidSignatureException",
        "THROTTLED": "TooManyRequestsException",
        "QUOTA_EXCEEDED": "LimitExceededException",
        "BAD_REQUEST_BODY": "BadRequestException",
        "BAD_REQUEST_PARAMETERS": "BadRequestException",
    }.get(kind, "InternalServerErrorException")
