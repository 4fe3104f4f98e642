"""A WebSocket API with its stage, access logs, throttling and route helpers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from .. import validation
from ..log_groups import log_group
from ..props import merge_props
from . import defaults

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_lambda as lambda_


class ServiceWebSocketApi(Construct):
    """An API Gateway WebSocket API (``.api``) and one stage (``.stage``), secure by default:

    - route selection on ``route_selection_expression`` (default ``$request.body.action``);
      ``existing_api`` (e.g. ``WebSocketApi.from_web_socket_api_attributes``) adds the stage and
      routes to an API made elsewhere instead, creating none (then ``description``,
      ``route_selection_expression`` and ``api_props`` are refused: they configure a new API);
    - ``stage_name`` (required), auto-deployed;
    - default route throttling ``throttle_rate_limit`` / ``throttle_burst_limit`` (required:
      an unthrottled stage lets one client spend the account's limits);
    - detailed (per-route) CloudWatch metrics on (``detailed_metrics=True``);
    - JSON access logs (:data:`defaults.ACCESS_LOG_FIELDS`) into ``.access_logs``: a log group
      of their own with ``log_retention`` (required for it), retained on stack deletion, with
      ``access_logs_props`` merged over that; or ``existing_access_logs`` (then neither);
    - routes added through :meth:`add_lambda_route` answer the client through a route response
      (``return_response=True``); mock, HTTP and SQS routes come from :mod:`.routes`.

    ``api_props`` and ``stage_props`` are extra ``WebSocketApi`` / ``WebSocketStage`` keyword
    arguments for settings this construct does not name (``api_key_selection_expression``,
    ``domain_mapping``, ``stage_variables`` ...), merged over its defaults; the ones it names
    or wires are refused there (:mod:`serverless_api_constructs.props`).

    ``grant_manage_connections(grantee)`` allows ``execute-api:ManageConnections`` on this
    stage only; ``management_endpoint`` is the ``https://{domain}/{stage}`` URL for it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage_name: str,
        throttle_rate_limit: float,
        throttle_burst_limit: int,
        log_retention: logs.RetentionDays | None = None,
        existing_access_logs: logs.ILogGroup | None = None,
        access_logs_props: Mapping[str, Any] | None = None,
        existing_api: apigwv2.IWebSocketApi | None = None,
        description: str | None = None,
        detailed_metrics: bool = True,
        route_selection_expression: str | None = None,
        api_props: Mapping[str, Any] | None = None,
        stage_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._api_id: str | None = None
        self._stack: Stack | None = None
        validation.stage_name(_OWNER, "stage_name", stage_name)
        validation.number_in(_OWNER, "throttle_rate_limit", throttle_rate_limit, 0)
        validation.number_in(_OWNER, "throttle_burst_limit", throttle_burst_limit, 0)
        self.api: apigwv2.IWebSocketApi = existing_api or self._new_api(
            description, route_selection_expression, api_props
        )
        if existing_api is not None:
            settings = {
                "description": description,
                "route_selection_expression": route_selection_expression,
                "api_props": api_props,
            }
            named = sorted(name for name, value in settings.items() if value is not None)
            if named:
                raise ValueError(
                    f"{_OWNER}: {named} configure the API this construct creates; with "
                    "existing_api there is none"
                )
        self.access_logs = log_group(
            self,
            "AccessLogs",
            owner=_OWNER,
            name="access_logs",
            retention=log_retention,
            existing=existing_access_logs,
            props=access_logs_props,
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            **merge_props(
                _OWNER,
                "stage_props",
                {
                    "web_socket_api": self.api,
                    "stage_name": stage_name,
                    "auto_deploy": True,
                    "detailed_metrics_enabled": detailed_metrics,
                    "throttle": apigwv2.ThrottleSettings(
                        rate_limit=throttle_rate_limit, burst_limit=throttle_burst_limit
                    ),
                    "access_log_settings": _AccessLogSettings(self.access_logs),
                },
                stage_props,
                reserved=_RESERVED_STAGE_PROPS,
            ),
        )
        self.stage_name = stage_name

    def _new_api(
        self,
        description: str | None,
        route_selection_expression: str | None,
        api_props: Mapping[str, Any] | None,
    ) -> apigwv2.WebSocketApi:
        return apigwv2.WebSocketApi(
            self,
            "Resource",
            **merge_props(
                _OWNER,
                "api_props",
                {
                    "description": description,
                    "route_selection_expression": (
                        route_selection_expression or defaults.ROUTE_SELECTION_EXPRESSION
                    ),
                },
                api_props,
                reserved=_RESERVED_API_PROPS,
            ),
        )

    @property
    def api_id(self) -> str:
        # Read once: every route, grant and ARN asks for it, each time a kernel round trip.
        if self._api_id is None:
            self._api_id = self.api.api_id
        return self._api_id

    @property
    def management_endpoint(self) -> str:
        """``https://{api}.execute-api.{region}.amazonaws.com/{stage}`` (the callback URL)."""
        return self.stage.callback_url

    @property
    def url(self) -> str:
        """``wss://`` URL clients connect to."""
        return self.stage.url

    def stage_arn(self, path: str = "*") -> str:
        """``execute-api`` ARN of ``path`` under this API's stage."""
        if self._stack is None:
            self._stack = Stack.of(self)
        return self._stack.format_arn(
            service="execute-api", resource=self.api_id, resource_name=f"{self.stage_name}/{path}"
        )

    def add_lambda_route(
        self,
        route_key: str,
        function: lambda_.IFunction,
        *,
        authorizer: apigwv2.IWebSocketRouteAuthorizer | None = None,
        return_response: bool | None = None,
    ) -> apigwv2.WebSocketRoute:
        """Route ``route_key`` to ``function`` (Lambda proxy). Message routes return the
        function's ``body`` to the client (``return_response`` defaults to True except on
        ``$connect``/``$disconnect``, where API Gateway sends nothing back)."""
        if return_response is None:
            return_response = route_key not in ("$connect", "$disconnect")
        integration_id = "".join(c for c in route_key.title() if c.isalnum()) + "Integration"
        integration = integrations.WebSocketLambdaIntegration(integration_id, function)
        if isinstance(self.api, apigwv2.WebSocketApi):
            return self.api.add_route(
                route_key,
                integration=integration,
                authorizer=authorizer,
                return_response=return_response,
            )
        # An existing API is only an interface (no add_route): the route is made here, under
        # the id WebSocketApi.add_route would give it in the API.
        return apigwv2.WebSocketRoute(
            self,
            f"{route_key}-Route",
            web_socket_api=self.api,
            route_key=route_key,
            integration=integration,
            authorizer=authorizer,
            return_response=return_response,
        )

    def grant_manage_connections(self, grantee: iam.IGrantable, *, method: str = "*") -> iam.Grant:
        """``execute-api:ManageConnections`` on this API's stage only, for ``method``
        (``POST`` to send, ``GET`` to describe, ``DELETE`` to disconnect; default all)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:ManageConnections"],
            resource_arns=[self.stage_arn(f"{method}/@connections/*")],
        )


_OWNER = "ServiceWebSocketApi"
_RESERVED_API_PROPS = frozenset({"description", "route_selection_expression"})
#: ``auto_deploy`` is wired: routes added later reach the stage only through it.
_RESERVED_STAGE_PROPS = frozenset(
    {
        "web_socket_api",
        "stage_name",
        "auto_deploy",
        "detailed_metrics_enabled",
        "throttle",
        "access_log_settings",
    }
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """JSON access logs into ``log_group`` (jsii interface implemented in Python)."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(
            json.dumps(defaults.ACCESS_LOG_FIELDS, separators=(",", ":"))
        )
