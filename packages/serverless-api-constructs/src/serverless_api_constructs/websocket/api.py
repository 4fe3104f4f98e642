"""A WebSocket API with its stage, access logs, throttling and route helpers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from .. import validation
from ..props import merge_props
from . import defaults

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_lambda as lambda_


class ServiceWebSocketApi(Construct):
    """An API Gateway WebSocket API (``.api``) and one stage (``.stage``), secure by default:

    - route selection on ``$request.body.action``;
    - ``stage_name`` (required), auto-deployed;
    - default route throttling ``throttle_rate_limit`` / ``throttle_burst_limit`` (required:
      an unthrottled stage lets one client spend the account's limits);
    - detailed (per-route) CloudWatch metrics on (``detailed_metrics=True``);
    - JSON access logs (:data:`defaults.ACCESS_LOG_FIELDS`) into a log group of their own with
      ``log_retention`` (required), retained on stack deletion;
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
        log_retention: logs.RetentionDays,
        description: str | None = None,
        detailed_metrics: bool = True,
        route_selection_expression: str = defaults.ROUTE_SELECTION_EXPRESSION,
        api_props: Mapping[str, Any] | None = None,
        stage_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        owner = "ServiceWebSocketApi"
        validation.stage_name(owner, "stage_name", stage_name)
        validation.number_in(owner, "throttle_rate_limit", throttle_rate_limit, 0)
        validation.number_in(owner, "throttle_burst_limit", throttle_burst_limit, 0)
        validation.retention(owner, "log_retention", log_retention)
        self.api = apigwv2.WebSocketApi(
            self,
            "Resource",
            **merge_props(
                owner,
                "api_props",
                {
                    "description": description,
                    "route_selection_expression": route_selection_expression,
                },
                api_props,
                reserved=_RESERVED_API_PROPS,
            ),
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.RETAIN
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            **merge_props(
                owner,
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

    @property
    def api_id(self) -> str:
        return self.api.api_id

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
        return Stack.of(self).format_arn(
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
        return self.api.add_route(
            route_key,
            integration=integrations.WebSocketLambdaIntegration(integration_id, function),
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
