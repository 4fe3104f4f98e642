"""Routes whose integration needs no Lambda: mock, HTTP proxy and SQS ``SendMessage``.

The CDK's WebSocket L2 integrations cover Lambda, mock and AWS, but not HTTP, and none of them
configure integration responses; these constructs build the route, its integration, the
integration response(s) and the route response from the L1 resources so that every route
answers the client. Each exposes ``.route`` (``CfnRoute``, the default child) and
``.integration``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import defaults

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_sqs as sqs


class _TwoWayRoute(Construct):
    """A route, its integration (``.integration``) and a ``$default`` route response."""

    def _build(
        self, api: apigwv2.IWebSocketApi, route_key: str, integration_props: Mapping[str, Any]
    ) -> None:
        # Read once for the four resources of the route (each read is a kernel round trip).
        self._api_id = api_id = api.api_id
        self.integration = apigwv2.CfnIntegration(
            self, "Integration", api_id=api_id, **integration_props
        )
        self._integration_ref = self.integration.ref
        self.route = apigwv2.CfnRoute(
            self,
            "Resource",
            api_id=api_id,
            route_key=route_key,
            authorization_type="NONE",
            target=f"integrations/{self._integration_ref}",
            route_response_selection_expression=defaults.ROUTE_RESPONSE_SELECTION_EXPRESSION,
        )
        self.route_response = apigwv2.CfnRouteResponse(
            self,
            "Response",
            api_id=api_id,
            route_id=self.route.ref,
            route_response_key=defaults.DEFAULT_KEY,
        )

    def _integration_response(
        self, construct_id: str, api: apigwv2.IWebSocketApi, key: str, template: str
    ) -> apigwv2.CfnIntegrationResponse:
        return apigwv2.CfnIntegrationResponse(
            self,
            construct_id,
            api_id=self._api_id,
            integration_id=self._integration_ref,
            integration_response_key=key,
            template_selection_expression=defaults.TEMPLATE_SELECTION_EXPRESSION,
            response_templates={defaults.DEFAULT_KEY: template},
        )


class MockRoute(_TwoWayRoute):
    """A route answered by API Gateway itself with ``response_template`` (VTL; ``$context``
    variables allowed): no Lambda, no cold start, no cost beyond the message."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigwv2.IWebSocketApi,
        route_key: str,
        response_template: str,
    ) -> None:
        integration = {
            "integration_type": "MOCK",
            "template_selection_expression": defaults.TEMPLATE_SELECTION_EXPRESSION,
            "request_templates": {defaults.DEFAULT_KEY: defaults.MOCK_REQUEST_TEMPLATE},
        }
        super().__init__(scope, construct_id)
        self._build(api, route_key, integration)
        self.integration_response = self._integration_response(
            "IntegrationResponse", api, defaults.DEFAULT_KEY, response_template
        )


class HttpProxyRoute(_TwoWayRoute):
    """A route whose frames are forwarded to ``url`` (``HTTP_PROXY``, ``method``, default
    ``POST``) and whose HTTP response body is sent back to the client.
    ``timeout_ms`` defaults to 10 000."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigwv2.IWebSocketApi,
        route_key: str,
        url: str,
        method: str = "POST",
        timeout_ms: int = defaults.INTEGRATION_TIMEOUT_MS,
    ) -> None:
        if not url.startswith("https://"):
            raise ValueError(f"HttpProxyRoute: url {url!r} must be https://")
        integration = {
            "integration_type": "HTTP_PROXY",
            "integration_method": method,
            "integration_uri": url,
            "timeout_in_millis": timeout_ms,
        }
        super().__init__(scope, construct_id)
        self._build(api, route_key, integration)


class SqsSendMessageRoute(_TwoWayRoute):
    """A route that puts each frame on ``queue`` through a direct AWS integration
    (``SendMessage``; no Lambda on the request path).

    ``request_template`` is the form-encoded SendMessage request (VTL); ``ack_template`` is
    the frame returned on a 2xx from SQS, ``error_template`` the one returned otherwise. The
    integration's role (``.role``) may only send to this queue.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigwv2.IWebSocketApi,
        route_key: str,
        queue: sqs.IQueue,
        request_template: str,
        ack_template: str,
        error_template: str,
        timeout_ms: int = defaults.INTEGRATION_TIMEOUT_MS,
        extra_request_parameters: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description=f"API Gateway sends frames of route {route_key} to its queue",
        )
        queue.grant_send_messages(role)
        integration = {
            "integration_type": "AWS",
            "integration_method": "POST",
            "integration_uri": (
                f"arn:{stack.partition}:apigateway:{stack.region}:sqs:path/"
                f"{stack.account}/{queue.queue_name}"
            ),
            "credentials_arn": role.role_arn,
            "passthrough_behavior": "NEVER",
            "template_selection_expression": defaults.TEMPLATE_SELECTION_EXPRESSION,
            "request_templates": {defaults.DEFAULT_KEY: request_template},
            "request_parameters": {
                "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
                **(extra_request_parameters or {}),
            },
            "timeout_in_millis": timeout_ms,
        }
        self._build(api, route_key, integration)
        self.role = role
        self.ack_response = self._integration_response(
            "AckResponse", api, "/2\\d\\d/", ack_template
        )
        self.error_response = self._integration_response(
            "ErrorResponse", api, defaults.DEFAULT_KEY, error_template
        )
