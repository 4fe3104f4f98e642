"""A REST API with the operational and security defaults every API of this package shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .. import validation
from ..log_groups import log_group
from ..props import merge_props
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
    """A regional REST API (``.api``) with one stage (``stage_name``, default ``v1``).

    Always on (the point of this construct):

    - ``rest_api_name``: the API's name (default: the construct id). Metrics are keyed by it,
      so give every API of an account and region its own (e.g. stage and region in it);
    - JSON access logs (:data:`ACCESS_LOG_FIELDS`) into ``.access_logs``: a new log group
      kept ``log_retention`` (required for it) and retained on deletion, with
      ``access_logs_props`` (other ``logs.LogGroup`` keyword arguments: ``encryption_key``,
      ``log_group_name`` ...) merged over that; or ``existing_access_logs``, a group made
      elsewhere (then neither ``log_retention`` nor ``access_logs_props``); execution logs at
      ``ERROR`` without request/response data (``cloud_watch_role=True`` sets the
      account-level role API Gateway logs through); X-Ray tracing and detailed per-method
      CloudWatch metrics;
    - stage throttling (``throttle_rate_limit``/``throttle_burst_limit``, required) and
      ``method_throttles`` below it;
    - request validators ``.body_validator`` (body and parameters) and ``.params_validator``;
    - a resource policy only when ``ip_allow_list``/``ip_deny_list`` is non-empty: the deny
      list is refused explicitly, and a non-empty allow list refuses every other source IP.
      The policy's anonymous Allow names only ``anonymous_methods`` (``(method, path)`` pairs,
      plus every CORS preflight; default: every method), so IAM-authorized methods left out
      stay callable by this account's principals only, never by other accounts.

    Configurable, each default stated:

    - ``cors_allow_origins`` (default ``()``: same origin only, no CORS at all): with origins,
      a CORS preflight on every resource and ``Access-Control-Allow-Origin`` on every gateway
      response (``*``, or the first origin: a gateway response cannot echo the caller's);
      without, no CORS header anywhere;
    - ``cors_allow_headers`` (default :data:`~.defaults.CORS_ALLOW_HEADERS`: ``Authorization``,
      ``Content-Type``, ``Idempotency-Key``, ``If-Match``, ``X-Amz-Date``,
      ``X-Amz-Security-Token``, ``X-Api-Key``) and ``cors_expose_headers`` (default
      :data:`~.defaults.CORS_EXPOSE_HEADERS`: ``ETag``, ``Location``; ``()`` exposes none):
      the preflight's ``Access-Control-Allow-Headers`` / ``Access-Control-Expose-Headers``,
      in the order given. Gateway responses carry neither (a browser reads an error's body
      and status without them). Without ``cors_allow_origins`` there is no preflight and both
      are unused, so a caller may pass its headers for every stage;
    - ``gateway_responses=True``: every API Gateway-generated error (401, 403, 404, 413, 429,
      5xx ...) answers in the JSON error shape of :data:`GATEWAY_ERRORS`
      (``{"error": {"code", "message", "request_id"}}``); ``False`` keeps API Gateway's own;
    - ``waf=True``: a WAFv2 web ACL (``.web_acl``, a :class:`RegionalWebAcl`) with AWS managed
      rules and ``waf_rate_limit`` (default 2000) requests per IP per 5 minutes, associated to
      the stage; ``waf_counted_rules`` and ``max_body_bytes`` reconcile the managed rules with
      the API's contract, and ``web_acl_props`` are passed to it (its ``web_acl_props``).
      ``existing_web_acl_arn`` associates an ACL made elsewhere instead (none is created);
      ``waf=False`` associates none (``.web_acl`` is ``None``). WAF settings with ``waf=False``
      or ``existing_web_acl_arn`` are refused;
    - ``api_props`` / ``stage_props``: other ``RestApi`` / ``StageOptions`` keyword arguments
      (``binary_media_types``, ``cache_cluster_enabled`` ...) merged over the defaults; the
      ones this construct names or wires are refused there.

    Every value is checked when the construct is created: stage name, throttles, WAF rate,
    CIDRs, origins and retention errors name the prop and the value.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        throttle_rate_limit: float,
        throttle_burst_limit: int,
        log_retention: logs.RetentionDays | None = None,
        existing_access_logs: logs.ILogGroup | None = None,
        access_logs_props: Mapping[str, Any] | None = None,
        waf_rate_limit: int | None = None,
        rest_api_name: str | None = None,
        stage_name: str = DEFAULT_STAGE_NAME,
        method_throttles: Sequence[MethodThrottle] = (),
        cors_allow_origins: Sequence[str] = (),
        cors_allow_headers: Sequence[str] | None = None,
        cors_expose_headers: Sequence[str] | None = None,
        ip_allow_list: Sequence[str] = (),
        ip_deny_list: Sequence[str] = (),
        anonymous_methods: Sequence[tuple[str, str]] | None = None,
        waf: bool = True,
        existing_web_acl_arn: str | None = None,
        waf_counted_rules: Sequence[CountedRule] = (),
        max_body_bytes: int | None = None,
        web_acl_props: Mapping[str, Any] | None = None,
        gateway_responses: bool = True,
        access_log_fields: Mapping[str, str] | None = None,
        api_props: Mapping[str, Any] | None = None,
        stage_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        _validate(
            stage_name=stage_name,
            throttle_rate_limit=throttle_rate_limit,
            throttle_burst_limit=throttle_burst_limit,
            method_throttles=method_throttles,
            cors_allow_origins=cors_allow_origins,
            cors_allow_headers=cors_allow_headers,
            cors_expose_headers=cors_expose_headers,
            ip_allow_list=ip_allow_list,
            ip_deny_list=ip_deny_list,
            waf=waf,
            existing_web_acl_arn=existing_web_acl_arn,
            waf_rate_limit=waf_rate_limit,
            waf_counted_rules=waf_counted_rules,
            max_body_bytes=max_body_bytes,
            web_acl_props=web_acl_props,
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
        self.cors_allow_origins = tuple(cors_allow_origins)
        self.cors_allow_headers = tuple(
            defaults.CORS_ALLOW_HEADERS if cors_allow_headers is None else cors_allow_headers
        )
        self.cors_expose_headers = tuple(
            defaults.CORS_EXPOSE_HEADERS if cors_expose_headers is None else cors_expose_headers
        )
        stage_options = merge_props(
            _OWNER,
            "stage_props",
            {
                "stage_name": stage_name,
                "access_log_destination": apigateway.LogGroupLogDestination(self.access_logs),
                "access_log_format": access_log_format(
                    dict(access_log_fields) if access_log_fields else None
                ),
                "logging_level": apigateway.MethodLoggingLevel.ERROR,
                "data_trace_enabled": False,
                "metrics_enabled": True,
                "tracing_enabled": True,
                "throttling_rate_limit": throttle_rate_limit,
                "throttling_burst_limit": throttle_burst_limit,
                "method_options": {
                    f"{t.path}/{t.method}": apigateway.MethodDeploymentOptions(
                        throttling_rate_limit=t.rate_limit,
                        throttling_burst_limit=t.burst_limit,
                        logging_level=apigateway.MethodLoggingLevel.ERROR,
                        metrics_enabled=True,
                    )
                    for t in method_throttles
                },
            },
            stage_props,
            reserved=_RESERVED_STAGE_PROPS,
        )
        api_settings = merge_props(
            _OWNER,
            "api_props",
            {
                "rest_api_name": rest_api_name,
                "description": description,
                "endpoint_types": [apigateway.EndpointType.REGIONAL],
                "cloud_watch_role": True,
                # The role is account-wide (the last API deployed sets it): deleting one stack
                # must not take execution logging away from the other APIs of the account and
                # region.
                "cloud_watch_role_removal_policy": RemovalPolicy.RETAIN,
                "policy": _resource_policy(ip_allow_list, ip_deny_list, anonymous_methods),
                "default_cors_preflight_options": (
                    apigateway.CorsOptions(
                        allow_origins=list(cors_allow_origins),
                        allow_methods=apigateway.Cors.ALL_METHODS,
                        allow_headers=list(self.cors_allow_headers),
                        # CDK would send an empty Access-Control-Expose-Headers for [].
                        expose_headers=list(self.cors_expose_headers) or None,
                        max_age=defaults.CORS_MAX_AGE,
                    )
                    if cors_allow_origins
                    else None
                ),
                "deploy_options": apigateway.StageOptions(**stage_options),
            },
            api_props,
            reserved=_RESERVED_API_PROPS,
        )
        self.api = apigateway.RestApi(self, "Resource", **api_settings)
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
        if gateway_responses:
            add_gateway_responses(self.api, allow_origin=self._error_allow_origin())
        self.body_validator = self.api.add_request_validator(
            "BodyValidator", validate_request_body=True, validate_request_parameters=True
        )
        self.params_validator = self.api.add_request_validator(
            "ParamsValidator", validate_request_body=False, validate_request_parameters=True
        )
        self.web_acl: RegionalWebAcl | None = None
        if existing_web_acl_arn is not None:
            wafv2.CfnWebACLAssociation(
                self,
                "WebAclAssociation",
                resource_arn=self.api.deployment_stage.stage_arn,
                web_acl_arn=existing_web_acl_arn,
            )
        elif waf:
            self.web_acl = RegionalWebAcl(
                self,
                "WebAcl",
                rate_limit=defaults.WAF_RATE_LIMIT if waf_rate_limit is None else waf_rate_limit,
                metric_prefix=construct_id,
                counted_rules=waf_counted_rules,
                max_body_bytes=max_body_bytes,
                web_acl_props=web_acl_props,
            )
            self.web_acl.associate("WebAclAssociation", self.api.deployment_stage.stage_arn)

    def _error_allow_origin(self) -> str | None:
        if not self.cors_allow_origins:
            return None
        return self.cors_allow_origins[0]

    def cors_response_parameters(self) -> dict[str, str]:
        """Integration response parameters setting ``Access-Control-Allow-Origin`` as gateway
        responses do (empty without CORS), for non-proxy integrations' responses."""
        origin = self._error_allow_origin()
        if origin is None:
            return {}
        return {"method.response.header.Access-Control-Allow-Origin": f"'{origin}'"}

    @property
    def allow_origin(self) -> str:
        """The ``Access-Control-Allow-Origin`` of error responses: ``*`` or the first origin
        (gateway responses cannot echo a per-request origin). Without CORS there is none, and
        asking is an error (:meth:`cors_response_parameters` is empty then)."""
        origin = self._error_allow_origin()
        if origin is None:
            raise ValueError(
                "SecureRestApi.allow_origin: cors_allow_origins=() (same origin only), so no "
                "response carries Access-Control-Allow-Origin"
            )
        return origin

    @property
    def stage(self) -> apigateway.Stage:
        return self.api.deployment_stage


_OWNER = "SecureRestApi"
_RESERVED_API_PROPS = frozenset(
    {"rest_api_name", "description", "policy", "default_cors_preflight_options", "deploy_options"}
)
_RESERVED_STAGE_PROPS = frozenset(
    {
        "stage_name",
        "access_log_destination",
        "access_log_format",
        "throttling_rate_limit",
        "throttling_burst_limit",
        "method_options",
    }
)
_METHODS = frozenset({"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})
#: An origin as browsers send it: scheme, host and an optional port, no path.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _validate(
    *,
    stage_name: str,
    throttle_rate_limit: float,
    throttle_burst_limit: int,
    method_throttles: Sequence[MethodThrottle],
    cors_allow_origins: Sequence[str],
    cors_allow_headers: Sequence[str] | None,
    cors_expose_headers: Sequence[str] | None,
    ip_allow_list: Sequence[str],
    ip_deny_list: Sequence[str],
    waf: bool,
    existing_web_acl_arn: str | None,
    waf_rate_limit: int | None,
    waf_counted_rules: Sequence[CountedRule],
    max_body_bytes: int | None,
    web_acl_props: Mapping[str, Any] | None,
) -> None:
    validation.stage_name(_OWNER, "stage_name", stage_name)
    validation.number_in(_OWNER, "throttle_rate_limit", throttle_rate_limit, 0)
    validation.number_in(_OWNER, "throttle_burst_limit", throttle_burst_limit, 0)
    for i, throttle in enumerate(method_throttles):
        where = f"method_throttles[{i}]"
        if throttle.method not in _METHODS or not throttle.path.startswith("/"):
            raise ValueError(
                f"{_OWNER}: {where} is {throttle.method} {throttle.path!r}; it needs one of "
                f"{sorted(_METHODS)} and a path starting with '/'"
            )
        validation.number_in(_OWNER, f"{where}.rate_limit", throttle.rate_limit, 0)
        validation.number_in(_OWNER, f"{where}.burst_limit", throttle.burst_limit, 0)
    _validate_cors(cors_allow_origins, cors_allow_headers, cors_expose_headers)
    validation.cidrs(_OWNER, "ip_allow_list", ip_allow_list)
    validation.cidrs(_OWNER, "ip_deny_list", ip_deny_list)
    waf_settings = {
        name: value
        for name, value in (
            ("waf_rate_limit", waf_rate_limit),
            ("waf_counted_rules", tuple(waf_counted_rules) or None),
            ("max_body_bytes", max_body_bytes),
            ("web_acl_props", web_acl_props),
        )
        if value is not None
    }
    if (existing_web_acl_arn is not None or not waf) and waf_settings:
        instead = "existing_web_acl_arn" if existing_web_acl_arn is not None else "waf=False"
        raise ValueError(
            f"{_OWNER}: {sorted(waf_settings)} configure the web ACL this construct creates; "
            f"with {instead} there is none"
        )
    if waf_rate_limit is not None:
        validation.waf_rate_limit(_OWNER, "waf_rate_limit", waf_rate_limit)
    if max_body_bytes is not None:
        validation.number_in(_OWNER, "max_body_bytes", max_body_bytes, 1, 64 * 1024, "bytes")


def _validate_cors(
    origins: Sequence[str],
    allow_headers: Sequence[str] | None,
    expose_headers: Sequence[str] | None,
) -> None:
    if "*" in origins and len(origins) > 1:
        raise ValueError(
            f"{_OWNER}: cors_allow_origins={list(origins)} mixes '*' with origins; "
            "pass ['*'] alone or the origins alone"
        )
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ValueError(
                f"{_OWNER}: cors_allow_origins has {origin!r}; an origin is '*' or "
                "scheme://host[:port] (https://app.example.com), without a path"
            )
    if allow_headers is not None:
        validation.header_names(_OWNER, "cors_allow_headers", allow_headers)
    if expose_headers is not None:
        validation.header_names(_OWNER, "cors_expose_headers", expose_headers, allow_empty=True)


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
