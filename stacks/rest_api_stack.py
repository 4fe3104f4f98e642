"""REST API of one region of a stage: routes, access control, protection and monitoring.

Routes, functions and their table access come from the contract (:mod:`contract.rest`, the
table the OpenAPI document is generated from and the handlers are tested against); this
module only decides how each kind of integration and auth is built.
"""

from __future__ import annotations

# First: importing lambda_code puts lambda/ on sys.path, where `contract` lives.
from . import lambda_code as _lambda_code  # noqa: F401

# isort: split

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from contract.limits import MAX_BODY_BYTES
from contract.rest import (
    AUTHORIZER_HANDLER,
    CORS_ALLOW_HEADERS,
    CORS_EXPOSE_HEADERS,
    FUNCTIONS,
    ROUTES,
    Auth,
    Integration,
    IntegrationResponse,
    LambdaFunction,
    Route,
    Where,
    anonymous_methods,
)
from contract.schemas import REQUEST_SCHEMAS
from serverless_api_constructs import SecureQueue, TokenRequestAuthorizer
from serverless_api_constructs.grants import grant_secret_value
from serverless_api_constructs.rest import (
    DynamoDbQueryIntegration,
    MethodThrottle,
    PrivateHttpBackend,
    SecureRestApi,
    SqsSendMessageIntegration,
)

from .api_parts import (
    CONSUMER_TIMEOUT,
    FunctionFactory,
    consume_queue,
    monitor_service,
    new_monitoring,
    queue_visibility_timeout,
)
from .guardrails import acknowledge
from .lambda_code import RUNTIME_ACKNOWLEDGEMENTS
from .rest import waf
from .rest.templates import load_template

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import Construct, IConstruct

    from .config import StageConfig
    from .identity_stack import StageIdentity
    from .table_access import StageTable

SERVICE = "rooms"
UPSTREAM_TIMEOUT = cdk.Duration.seconds(10)
DLQ_MAX_RECEIVE_COUNT = 3
_JSON = "application/json"
#: Each function's table access, as the contract declares it (granted once all exist).
TABLE_GRANTS = {name: f.table for name, f in FUNCTIONS.items() if f.table is not None}


#: Logical ids the ingest queues were deployed with before they moved into a SecureQueue:
#: kept, so the refactor updates the queues in place instead of replacing them (a replaced
#: queue would drop the partner messages it holds).
_DEPLOYED_IDS = {
    ("Resource", "Resource"): "IngestQueue2280FF4E",
    ("Resource", "Policy", "Resource"): "IngestQueuePolicy853373B8",
    ("DeadLetters", "Resource"): "IngestDeadLetters30EF41F6",
    ("DeadLetters", "Policy", "Resource"): "IngestDeadLettersPolicy26F7E0CA",
}


def _keep_deployed_ids(ingest: SecureQueue) -> None:
    # Shared path prefixes are walked once: every node/find_child is a jsii round trip.
    found: dict[tuple[str, ...], IConstruct] = {(): ingest}
    for path, logical_id in _DEPLOYED_IDS.items():
        for depth in range(1, len(path) + 1):
            if path[:depth] not in found:
                found[path[:depth]] = found[path[: depth - 1]].node.find_child(path[depth - 1])
        construct = found[path]
        if not isinstance(construct, cdk.CfnResource):
            raise RuntimeError(f"IngestQueue/{'/'.join(path)}: not a CloudFormation resource")
        construct.override_logical_id(logical_id)


class RestApiStack(cdk.Stack):
    """The REST API of one region.

    The user pool and both secrets belong to the stage's :class:`IdentityStack` (primary
    region); this stack names the pool by ARN and reads each secret's replica in its own
    region. Shared with the WebSocket API of the same region: ``authorizer_function`` (the
    Lambda REQUEST authorizer).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        table: StageTable,
        identity: StageIdentity,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.stage_table = table
        # This region's replica and key: the direct messages query and the table alarms.
        self.table = table.replicas[self.region]
        self.table_key = table.keys[self.region]
        self.make_function = FunctionFactory.for_stack(self, config, service=SERVICE)
        self.log_retention = self.make_function.log_retention

        self._token_authorizer(identity)
        self.functions = {name: self._function(name, spec) for name, spec in FUNCTIONS.items()}
        table.grant_declared(self.functions, TABLE_GRANTS, region=self.region)
        self._ingest_queue()
        self._api()
        self._route_authorizers(identity)
        self._models()
        self.methods = {(r.method, r.path): self._add_route(r) for r in ROUTES}
        self._partner_usage_plan()
        self._acknowledge_unauthenticated_methods()
        self._monitoring()
        self._outputs()

    # --- identity ----------------------------------------------------------------------------

    def _token_authorizer(self, identity: StageIdentity) -> None:
        """This region's replicas of the stage's secrets and the token authorizer, which the
        WebSocket API of this region shares (``authorizer_function``)."""
        # Imported: the Identity stack owns them; same value in every region.
        self.token_secret = secretsmanager.Secret.from_secret_complete_arn(
            self, "TokenSecret", identity.token_secret_arn(self)
        )
        self.cursor_secret = secretsmanager.Secret.from_secret_complete_arn(
            self, "CursorSecret", identity.cursor_secret_arn(self)
        )
        self.token_authorizer = TokenRequestAuthorizer(
            self,
            "TokenAuthorizer",
            code=self.make_function.code,
            handler=AUTHORIZER_HANDLER,
            log_retention=self.log_retention,
            service=SERVICE,
            metrics_namespace=self.make_function.metrics_namespace,
            existing_secret=self.token_secret,
            function_props={
                "runtime": self.make_function.runtime,
                "resource_acknowledgements": RUNTIME_ACKNOWLEDGEMENTS,
            },
        )
        self.authorizer_function: lambda_.IFunction = self.token_authorizer.function

    def _route_authorizers(self, identity: StageIdentity) -> None:
        """The API's authorizers: Cognito on the stage's one user pool (in the primary region,
        named by its ARN in every region) and the token authorizer."""
        self.user_pool = cognito.UserPool.from_user_pool_arn(self, "Users", identity.user_pool_arn)
        self.cognito_authorizer = apigateway.CognitoUserPoolsAuthorizer(
            self, "CognitoAuthorizer", cognito_user_pools=[self.user_pool]
        )
        self.request_authorizer = self.token_authorizer.for_rest_api()

    # --- functions and queue ---------------------------------------------------------------

    def _function(self, name: str, spec: LambdaFunction) -> lambda_.IFunction:
        """One function behind the routes (or the ingest consumer); only the paginating ones
        get the cursor secret (no function but the authorizer reads the token secret: with an
        HS256 key, whoever can read it can mint a token for anyone), and the table access
        comes from TABLE_GRANTS afterwards."""
        environment = {}
        if spec.table is not None:
            environment = {
                **self.stage_table.environment(),
                "CORS_ALLOW_ORIGINS": ",".join(self.config.cors_allow_origins),
            }
        if spec.cursor_secret:
            environment["CURSOR_SECRET_ARN"] = self.cursor_secret.secret_arn
        function = self.make_function(
            name,
            handler=spec.handler,
            description=f"{self.config.name} REST: {spec.handler}",
            environment=environment,
            timeout=CONSUMER_TIMEOUT if name == "IngestConsumer" else None,
        ).function
        if spec.cursor_secret:
            grant_secret_value(self.cursor_secret, function)
        return function

    def _ingest_queue(self) -> None:
        """The partner ingest queue (KMS-encrypted, with its dead-letter queue) and its
        consumer's event source."""
        self.queue_key = kms.Key(
            self,
            "QueueKey",
            description="Encrypts the partner ingest queue and its dead-letter queue",
            enable_key_rotation=True,
        )
        encrypted = {"encryption": sqs.QueueEncryption.KMS, "encryption_master_key": self.queue_key}
        # The same construct as the WebSocket API's publish queue; the partner's API Gateway
        # role is granted the key, so the queues use it rather than SQS-managed keys.
        ingest = SecureQueue(
            self,
            "IngestQueue",
            visibility_timeout=queue_visibility_timeout(CONSUMER_TIMEOUT),
            max_receive_count=DLQ_MAX_RECEIVE_COUNT,
            queue_props=encrypted,
            dead_letter_queue_props=encrypted,
        )
        self.queue = ingest.queue
        self.dead_letter_queue = ingest.dead_letter_queue
        _keep_deployed_ids(ingest)
        consume_queue(
            self.functions["IngestConsumer"],
            self.queue,
            # The id CDK's SqsEventSource gave the mapping, which built it before: a new id
            # would replace the deployed mapping.
            mapping_id=f"SqsEventSource:{cdk.Names.node_unique_id(ingest.node)}",
            max_batching_window=cdk.Duration.seconds(1),
        )

    # --- routes ----------------------------------------------------------------------------

    def _api(self) -> None:
        """The private backend of the VPC Link route and the protected REST API itself."""
        config = self.config
        self.backend = PrivateHttpBackend(
            self,
            "PrivateBackend",
            function=self.functions["InternalService"],
            log_retention=self.log_retention,
            # Names are unique per account and region (32 characters at most).
            target_group_name=f"{config.construct_id}-{SERVICE}-internal"[:32],
        )
        self.rest = SecureRestApi(
            self,
            "Api",
            # Unique per stage and region: API Gateway metrics (and so alarms) key on it.
            rest_api_name=f"{config.construct_id}-{self.region}-{SERVICE}",
            description=f"{config.name}: rooms and messages REST API",
            log_retention=self.log_retention,
            throttle_rate_limit=config.api_throttle.rate_limit,
            throttle_burst_limit=config.api_throttle.burst_limit,
            method_throttles=self._method_throttles(),
            waf_rate_limit=config.waf_rate_limit,
            cors_allow_origins=config.cors_allow_origins,
            cors_allow_headers=CORS_ALLOW_HEADERS,
            cors_expose_headers=CORS_EXPOSE_HEADERS,
            ip_allow_list=config.ip_allow_list,
            ip_deny_list=config.ip_deny_list,
            anonymous_methods=anonymous_methods(),
            waf_counted_rules=waf.counted_rules(),
            max_body_bytes=MAX_BODY_BYTES,
        )
        self.api = self.rest.api
        # Resources by path, the root read once: each kernel lookup is a round trip.
        self._resources: dict[str, apigateway.IResource] = {"": self.api.root}

    def _models(self) -> None:
        """The request body models the routes validate against (the contract's
        :data:`~contract.schemas.REQUEST_SCHEMAS`)."""
        self.models = {
            name: self.api.add_model(
                f"{name}Model",
                content_type=_JSON,
                schema=apigateway.JsonSchema(
                    schema=apigateway.JsonSchemaVersion.DRAFT4,
                    title=name,
                    **_schema_props(REQUEST_SCHEMAS[name]),
                ),
            )
            for name in REQUEST_SCHEMAS
        }

    def _method_throttles(self) -> list[MethodThrottle]:
        """Per-method throttles: a route's ``throttle_share`` of the stage's rate and burst."""
        stage = self.config.api_throttle
        return [
            MethodThrottle(
                path=route.path,
                method=route.method,
                rate_limit=stage.rate_limit * route.throttle_share,
                burst_limit=max(1, int(stage.burst_limit * route.throttle_share)),
            )
            for route in ROUTES
            if route.throttle_share is not None
        ]

    def _add_route(self, route: Route) -> apigateway.Method:
        """One method of :data:`ROUTES`: its integration, authorization and validation."""
        resource = self._resource(route.path)
        integration, method_responses = self._integration(route)
        authorization: dict[str, Any] = {}
        if route.auth is Auth.COGNITO:
            authorization = {
                "authorization_type": apigateway.AuthorizationType.COGNITO,
                "authorizer": self.cognito_authorizer,
            }
        elif route.auth is Auth.TOKEN:
            authorization = {
                "authorization_type": apigateway.AuthorizationType.CUSTOM,
                "authorizer": self.request_authorizer,
            }
        elif route.auth is Auth.IAM:
            authorization = {"authorization_type": apigateway.AuthorizationType.IAM}
        else:
            authorization = {"authorization_type": apigateway.AuthorizationType.NONE}
        parameters = {_method_parameter(p.where, p.name): p.validated for p in route.params}
        validator: apigateway.IRequestValidator | None = None
        if route.body_model is not None:
            validator = self.rest.body_validator
        elif any(p.validated for p in route.params):
            validator = self.rest.params_validator
        return resource.add_method(
            route.method,
            integration,
            operation_name=route.operation_id,
            api_key_required=route.auth is Auth.API_KEY,
            request_parameters=parameters or None,
            request_models=(
                {_JSON: self.models[route.body_model]} if route.body_model is not None else None
            ),
            request_validator=validator,
            method_responses=method_responses or None,
            **authorization,
        )

    def _resource(self, path: str) -> apigateway.IResource:
        # Looked up on first use, in route order, so the construct tree is built as before.
        if path not in self._resources:
            self._resources[path] = self._resources[""].resource_for_path(path)
        return self._resources[path]

    def _function_of(self, route: Route) -> lambda_.IFunction:
        # Checked explicitly, not asserted: the app runs under `python -O`.
        if route.function is None:
            raise ValueError(
                f"route {route.method} {route.path}: a Lambda integration needs a function"
            )
        return self.functions[route.function]

    def _integration(
        self, route: Route
    ) -> tuple[apigateway.Integration, list[apigateway.MethodResponse]]:
        kind = route.integration
        if kind is Integration.LAMBDA_PROXY:
            return apigateway.LambdaIntegration(self._function_of(route)), []
        if kind is Integration.HTTP_PROXY:
            return self._http_proxy(), []
        if kind is Integration.VPC_LINK:
            return self.backend.integration(), []
        if kind is Integration.MOCK_HEALTH:
            return self._mock_health(route)
        if kind is Integration.LAMBDA_REPORT:
            return self._report(route)
        if kind is Integration.DYNAMODB_MESSAGES:
            return self._messages_query(route)
        if kind is Integration.SQS_INGEST:
            return self._ingest(route)
        raise ValueError(f"no integration builder for {kind}")  # pragma: no cover

    def _responses(
        self, route: Route, templates: dict[str, str]
    ) -> tuple[list[apigateway.IntegrationResponse], list[apigateway.MethodResponse]]:
        """A direct integration's responses as the contract declares them: the success
        answered from ``templates[status]``, each error from the error template with its code,
        all with the CORS headers, and the method responses declaring those headers."""
        cors = self.rest.cors_response_parameters()
        integration_responses = [
            self._integration_response(response, cors, templates)
            for response in route.integration_responses
        ]
        declared = {name: True for name in cors}
        method_responses = [
            apigateway.MethodResponse(status_code=response.status, response_parameters=declared)
            for response in route.integration_responses
        ]
        return integration_responses, method_responses

    @staticmethod
    def _integration_response(
        response: IntegrationResponse, cors: dict[str, str], templates: dict[str, str]
    ) -> apigateway.IntegrationResponse:
        if response.code is None:
            template = templates[response.status]
        elif response.message is None:
            template = load_template("report_error", CODE=response.code)
        else:
            template = load_template("internal_error", CODE=response.code, MESSAGE=response.message)
        return apigateway.IntegrationResponse(
            status_code=response.status,
            selection_pattern=response.pattern,
            response_parameters=cors,
            response_templates={_JSON: template},
        )

    def _mock_health(
        self, route: Route
    ) -> tuple[apigateway.Integration, list[apigateway.MethodResponse]]:
        responses, method_responses = self._responses(
            route, {"200": load_template("health_response")}
        )
        return apigateway.MockIntegration(
            passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
            request_templates={_JSON: load_template("health_request")},
            integration_responses=responses,
        ), method_responses

    def _report(
        self, route: Route
    ) -> tuple[apigateway.Integration, list[apigateway.MethodResponse]]:
        responses, method_responses = self._responses(
            route, {"200": load_template("report_response")}
        )
        return apigateway.LambdaIntegration(
            self._function_of(route),
            proxy=False,
            passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
            request_templates={_JSON: load_template("report_request")},
            integration_responses=responses,
        ), method_responses

    def _messages_query(
        self, route: Route
    ) -> tuple[apigateway.Integration, list[apigateway.MethodResponse]]:
        responses, method_responses = self._responses(
            route, {"200": load_template("messages_response")}
        )
        query = DynamoDbQueryIntegration(
            self,
            "MessagesQuery",
            table=self.table,
            table_key=self.table_key,
            request_template=load_template("messages_request", TABLE_NAME=self.table.table_name),
            integration_responses=responses,
        )
        return query.integration, method_responses

    def _ingest(
        self, route: Route
    ) -> tuple[apigateway.Integration, list[apigateway.MethodResponse]]:
        responses, method_responses = self._responses(
            route, {"202": load_template("ingest_response")}
        )
        send = SqsSendMessageIntegration(
            self,
            "IngestSend",
            queue=self.queue,
            request_template=load_template("ingest_request"),
            integration_responses=responses,
        )
        return send.integration, method_responses

    def _http_proxy(self) -> apigateway.Integration:
        upstream = self.config.upstream_url.rstrip("/")
        return apigateway.HttpIntegration(
            f"{upstream}/{{proxy}}",
            http_method="ANY",
            proxy=True,
            options=apigateway.IntegrationOptions(
                timeout=UPSTREAM_TIMEOUT,
                request_parameters={
                    "integration.request.path.proxy": "method.request.path.proxy",
                    # The caller's Cognito token is for this API only, never for the upstream.
                    "integration.request.header.Authorization": "'none'",
                },
            ),
        )

    # --- access, protection, monitoring ----------------------------------------------------

    def _partner_usage_plan(self) -> None:
        """The partners' usage plan (throttle and quota) and the first partner's API key."""
        plan_config = self.config.partner_usage_plan
        self.usage_plan = self.api.add_usage_plan(
            "PartnerUsagePlan",
            description="Partners (API key): /ingest and /partner/*",
            throttle=apigateway.ThrottleSettings(
                rate_limit=plan_config.rate_limit, burst_limit=plan_config.burst_limit
            ),
            quota=apigateway.QuotaSettings(
                limit=plan_config.quota_limit, period=apigateway.Period[plan_config.quota_period]
            ),
            api_stages=[apigateway.UsagePlanPerApiStage(api=self.api, stage=self.rest.stage)],
        )
        self.partner_key = self.api.add_api_key(
            "PartnerKey", description="First partner's API key (value generated at deploy)"
        )
        self.usage_plan.add_api_key(self.partner_key)

    def _acknowledge_unauthenticated_methods(self) -> None:
        """Say, per method without Cognito, why cdk-nag's authorization rules do not apply."""
        reasons = {
            Auth.NONE: "Public liveness probe answered by a mock integration; it reads nothing.",
            Auth.API_KEY: "Partner route authenticated by API key and metered by a usage plan.",
            Auth.IAM: "Admin route authorized with SigV4 by IAM policies of this account.",
            Auth.TOKEN: "Authorized by the shared Lambda REQUEST authorizer (HS256 bearer JWT).",
        }
        by_method = {id(self.methods[(route.method, route.path)]): route for route in ROUTES}
        for method in self.api.methods:
            route = by_method.get(id(method))
            if route is None:  # CORS preflight, added to every resource by the API
                reason = "CORS preflight (OPTIONS) is unauthenticated by the CORS protocol."
                rules = ["AwsSolutions-APIG4", "AwsSolutions-COG4"]
            elif route.auth is Auth.COGNITO:
                continue
            else:
                reason = reasons[route.auth]
                rules = ["AwsSolutions-COG4"]
                if route.auth in (Auth.NONE, Auth.API_KEY):
                    rules.append("AwsSolutions-APIG4")
            acknowledge(method, rules, reason)

    def _outputs(self) -> None:
        """The API's URL and the ingest queue's, for clients and operators."""
        cdk.CfnOutput(self, "ApiUrl", value=self.api.url)
        cdk.CfnOutput(self, "IngestQueueUrl", value=self.queue.queue_url)

    def _monitoring(self) -> None:
        """Alarms and dashboard: the API, the functions (authorizer included), the table
        replica of this region (this stack alarms on it for the region) and the ingest queue."""
        self.monitoring = new_monitoring(self, self.config, title="REST API")
        self.monitoring.monitor_rest_api(self.api)
        monitor_service(
            self.monitoring,
            functions=[("Authorizer", self.authorizer_function), *self.functions.items()],
            table=self.table,
            table_alarm=True,
            queue=self.queue,
            dead_letter_queue=self.dead_letter_queue,
        )


def _method_parameter(where: Where, name: str) -> str:
    location = {Where.PATH: "path", Where.QUERY: "querystring", Where.HEADER: "header"}[where]
    return f"method.request.{location}.{name}"


def _schema_props(schema: dict[str, Any]) -> dict[str, Any]:
    """A request model's draft-04 schema dict as ``JsonSchema`` keyword arguments (the
    schema version and title are passed separately)."""
    names = {"additionalProperties": "additional_properties", "minProperties": "min_properties"}
    props: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            props["type"] = apigateway.JsonSchemaType(value.upper())
        elif key == "properties":
            props["properties"] = {
                name: apigateway.JsonSchema(
                    type=apigateway.JsonSchemaType(sub["type"].upper()),
                    min_length=sub.get("minLength"),
                    max_length=sub.get("maxLength"),
                    pattern=sub.get("pattern"),
                )
                for name, sub in value.items()
            }
        elif key == "required":
            if value:
                props["required"] = list(value)
        else:
            props[names[key]] = value
    return props


__all__: Sequence[str] = ["RestApiStack"]
