"""A REST API with the operational and security defaults every API of this package shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from . import defaults
from .access_log import access_log_format
from .errors import add_gateway_responses
from .web_acl import CountedRule, RegionalWebAcl

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: Kept for callers that build URLs (the OpenAPI document's server).
DEFAULT_STAGE_NAME = defaults.STAGE_NAME


@dataclass(frozen=True)
class MethodThrottle:
    """Throttle of one method (``/rooms/{room_id}/report``, ``GET``), below the stage's."""

    path: str
    method: str
    rate_limit: float
    burst_limit: int


class SecureRestApi(Construct):
    """A regional REST API (``.api``) with one stage (``stage_name``, default ``v1``):

    - ``rest_api_name``: the API's name (default: the construct id). Metrics are keyed by it,
      so give every API of an account and region its own (e.g. stage and region in it);

    - JSON access logs (:data:`ACCESS_LOG_FIELDS`) into ``.access_logs`` kept ``log_retention``
      and retained on deletion; execution logs at ``ERROR`` without request/response data
      (``cloud_watch_role=True`` sets the account-level role API Gateway logs through);
      X-Ray tracing and detailed per-method CloudWatch metrics;
    - stage throttling (``throttle_rate_limit``/``throttle_burst_limit``, required) and
      ``method_throttles`` below it;
    - CORS preflight on every resource for ``cors_allow_origins`` (default none: same origin);
      every API Gateway-generated error in the service's error JSON with the CORS header;
    - request validators ``.body_validator`` (body and parameters) and ``.params_validator``;
    - a WAFv2 web ACL (``.web_acl``) with AWS managed rules and ``waf_rate_limit`` per IP per
      5 minutes, associated to the stage; ``waf_counted_rules`` and ``max_body_bytes`` (the
      API's own body limit) reconcile the managed rules with the API's contract
      (:class:`~.web_acl.RegionalWebAcl`);
    - a resource policy only when ``ip_allow_list``/``ip_deny_list`` is non-empty: the deny
      list is refused explicitly, and a non-empty allow list refuses every other source IP.
      The policy's anonymous Allow names only ``anonymous_methods`` (``(method, path)`` pairs,
      plus every CORS preflight; default: every method), so IAM-authorized methods left out
      stay callable by this account's principals only, never by other accounts.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        log_retention: logs.RetentionDays,
        throttle_rate_limit: float,
        throttle_burst_limit: int,
        waf_rate_limit: int,
        rest_api_name: str | None = None,
        stage_name: str = DEFAULT_STAGE_NAME,
        method_throttles: Sequence[MethodThrottle] = (),
        cors_allow_origins: Sequence[str] = (),
        ip_allow_list: Sequence[str] = (),
        ip_deny_list: Sequence[str] = (),
        anonymous_methods: Sequence[tuple[str, str]] | None = None,
        waf_counted_rules: Sequence[CountedRule] = (),
        max_body_bytes: int | None = None,
        access_log_fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.RETAIN
        )
        self.cors_allow_origins = tuple(cors_allow_origins)
        self.api = apigateway.RestApi(
            self,
            "Resource",
            rest_api_name=rest_api_name,
            description=description,
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=True,
            # The role is account-wide (the last API deployed sets it): deleting one stack must
            # not take execution logging away from the other APIs of the account and region.
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            policy=_resource_policy(ip_allow_list, ip_deny_list, anonymous_methods),
            default_cors_preflight_options=(
                apigateway.CorsOptions(
                    allow_origins=list(cors_allow_origins),
                    allow_methods=apigateway.Cors.ALL_METHODS,
                    allow_headers=list(defaults.CORS_ALLOW_HEADERS),
                    expose_headers=list(defaults.CORS_EXPOSE_HEADERS),
                    max_age=defaults.CORS_MAX_AGE,
                )
                if cors_allow_origins
                else None
            ),
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_logs),
                access_log_format=access_log_format(
                    dict(access_log_fields) if access_log_fields else None
                ),
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttle_rate_limit,
                throttling_burst_limit=throttle_burst_limit,
                method_options={
                    f"{t.path}/{t.method}": apigateway.MethodDeploymentOptions(
                        throttling_rate_limit=t.rate_limit,
                        throttling_burst_limit=t.burst_limit,
                        logging_level=apigateway.MethodLoggingLevel.ERROR,
                        metrics_enabled=True,
                    )
                    for t in method_throttles
                },
            ),
        )
        role = self.api.node.try_find_child("CloudWatchRole")
        if role is not None:
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                    reason="The account-level role API Gateway writes execution logs with; the "
                    "AWS-managed policy is the documented, maintained permission set for it.",
                )
            )
        add_gateway_responses(self.api, allow_origin=self.allow_origin)
        self.body_validator = self.api.add_request_validator(
            "BodyValidator", validate_request_body=True, validate_request_parameters=True
        )
        self.params_validator = self.api.add_request_validator(
            "ParamsValidator", validate_request_body=False, validate_request_parameters=True
        )
        self.web_acl = RegionalWebAcl(
            self,
            "WebAcl",
            rate_limit=waf_rate_limit,
            metric_prefix=construct_id,
            counted_rules=waf_counted_rules,
            max_body_bytes=max_body_bytes,
        )
        self.web_acl.associate("WebAclAssociation", self.api.deployment_stage.stage_arn)

    @property
    def allow_origin(self) -> str:
        """The ``Access-Control-Allow-Origin`` of error responses: ``*`` or the first origin
        (gateway responses cannot echo a per-request origin)."""
        if not self.cors_allow_origins or "*" in self.cors_allow_origins:
            return "*"
        return self.cors_allow_origins[0]

    @property
    def stage(self) -> apigateway.Stage:
        return self.api.deployment_stage


def _resource_policy(
    allow_list: Sequence[str],
    deny_list: Sequence[str],
    anonymous_methods: Sequence[tuple[str, str]] | None,
) -> iam.PolicyDocument | None:
    if not allow_list and not deny_list:
        return None
    invoke = ["execute-api:Invoke"]
    everything = ["execute-api:/*"]
    anonymous = everything
    if anonymous_methods is not None:
        anonymous = sorted(
            {_policy_resource(method, path) for method, path in anonymous_methods}
            | {_policy_resource("OPTIONS", "/*")}
        )
    statements = [
        iam.PolicyStatement(
            sid="AllowThisAccount",
            principals=[iam.AccountRootPrincipal()],
            actions=invoke,
            resources=everything,
        ),
        iam.PolicyStatement(
            sid="AllowAnonymousMethods",
            principals=[iam.AnyPrincipal()],
            actions=invoke,
            resources=anonymous,
        ),
    ]
    if deny_list:
        statements.append(
            iam.PolicyStatement(
                sid="DenyListedSourceIps",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=invoke,
                resources=everything,
                conditions={"IpAddress": {"aws:SourceIp": list(deny_list)}},
            )
        )
    if allow_list:
        statements.append(
            iam.PolicyStatement(
                sid="DenyUnlistedSourceIps",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=invoke,
                resources=everything,
                conditions={"NotIpAddress": {"aws:SourceIp": list(allow_list)}},
            )
        )
    return iam.PolicyDocument(statements=statements)


def _policy_resource(method: str, path: str) -> str:
    """``("GET", "/rooms/{room_id}")`` -> ``execute-api:/*/GET/rooms/*`` (any stage; path
    parameters match any value; ``ANY`` matches every method)."""
    verb = "*" if method == "ANY" else method
    parts = ("*" if part.startswith("{") else part for part in path.strip("/").split("/"))
    return f"execute-api:/*/{verb}/{'/'.join(parts)}"
