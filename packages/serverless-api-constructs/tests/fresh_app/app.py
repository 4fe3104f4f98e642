#!/usr/bin/env python3
"""Another team's fresh CDK app (the shape ``cdk init app --language python`` gives) built with
serverless-api-constructs installed from a local path: a small REST service and a small
WebSocket service, in region-agnostic stacks (no ``env``).

Context ``replica_regions`` (``cdk synth -c replica_regions='["us-east-1"]'``) asks for a
global table, which needs a region: the synth then fails with SingleTable's message.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from serverless_api_constructs import (
    MockRoute,
    ServiceFunction,
    ServiceWebSocketApi,
    SingleTable,
    TokenRequestAuthorizer,
)
from serverless_api_constructs.rest import SecureRestApi

if TYPE_CHECKING:
    from constructs import Construct

LAMBDA_DIR = Path(__file__).parent / "lambda"
RETENTION = logs.RetentionDays.ONE_MONTH


class NotesService(cdk.Stack):
    """GET /notes behind a token authorizer, reading a single table."""

    def __init__(
        self, scope: Construct, construct_id: str, *, replica_regions: list[str], **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        code = lambda_.Code.from_asset(str(LAMBDA_DIR))  # an asset belongs to one stack
        table = SingleTable(self, "Notes", aws_managed_key=True, replica_regions=replica_regions)
        notes = ServiceFunction(
            self,
            "ListNotes",
            code=code,
            handler="notes.handler",
            log_retention=RETENTION,
            description="GET /notes",
            service="notes",
            metrics_namespace="Notes",
            environment={"TABLE_NAME": table.table.table_name},
        )
        table.table.grant_read_data(notes.function)
        auth = TokenRequestAuthorizer(
            self,
            "Auth",
            code=code,
            handler="auth.handler",
            log_retention=RETENTION,
            service="notes",
            metrics_namespace="Notes",
        )
        rest = SecureRestApi(
            self,
            "Api",
            description="Notes",
            log_retention=RETENTION,
            throttle_rate_limit=20,
            throttle_burst_limit=40,
            cors_allow_origins=["https://notes.example.com"],
        )
        rest.api.root.add_resource("notes").add_method(
            "GET",
            apigateway.LambdaIntegration(notes.function),
            authorizer=auth.for_rest_api(),
            authorization_type=apigateway.AuthorizationType.CUSTOM,
        )
        cdk.CfnOutput(self, "Url", value=rest.api.url)


class ChatService(cdk.Stack):
    """A WebSocket API: $connect with a token, echo through Lambda, ping answered by a mock."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        code = lambda_.Code.from_asset(str(LAMBDA_DIR))
        chat = ServiceFunction(
            self,
            "Chat",
            code=code,
            handler="chat.handler",
            log_retention=RETENTION,
            description="WebSocket routes",
            service="chat",
            metrics_namespace="Chat",
        )
        auth = TokenRequestAuthorizer(
            self,
            "Auth",
            code=code,
            handler="auth.handler",
            log_retention=RETENTION,
            service="chat",
            metrics_namespace="Chat",
        )
        ws = ServiceWebSocketApi(
            self,
            "Api",
            stage_name="live",
            throttle_rate_limit=10,
            throttle_burst_limit=20,
            log_retention=RETENTION,
        )
        ws.add_lambda_route(
            "$connect",
            chat.function,
            authorizer=authorizers.WebSocketLambdaAuthorizer(
                "TokenAuthorizer",
                auth.function,
                identity_source=["route.request.querystring.token"],
            ),
        )
        ws.add_lambda_route("echo", chat.function)
        ws.grant_manage_connections(chat.function, method="POST")
        MockRoute(
            self,
            "Ping",
            api=ws.api,
            route_key="ping",
            response_template='{"action": "pong"}',
        )
        cdk.CfnOutput(self, "Url", value=ws.url)


app = cdk.App()
replicas = app.node.try_get_context("replica_regions") or []
NotesService(app, "NotesService", replica_regions=list(replicas))
ChatService(app, "ChatService")
app.synth()
