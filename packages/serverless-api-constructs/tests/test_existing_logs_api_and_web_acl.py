"""The existing_x / x_props rule on the resources added in 0.3.0: the access logs of both APIs,
a function's log group, the WebSocket API itself, and the web ACL's own settings; and every
construct importable from the package's top level."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match
from construct_testkit import (
    RETENTION,
    inline_code,
    new_stack,
    plain_function,
    refused,
    template_of,
)

import serverless_api_constructs as package
from serverless_api_constructs import (
    RegionalWebAcl,
    SecureRestApi,
    ServiceFunction,
    ServiceWebSocketApi,
    TokenRequestAuthorizer,
    rest,
    websocket,
)

_RULE_ERROR = (
    "use the construct's own keyword arguments (or, for what wires the resource to the "
    "construct, nothing)"
)


def _rest_api(stack: cdk.Stack, **settings: Any) -> SecureRestApi:
    api = SecureRestApi(
        stack,
        "Api",
        description="d",
        throttle_rate_limit=5,
        throttle_burst_limit=10,
        waf=False,
        **settings,
    )
    api.api.root.add_method("GET")  # a REST API needs a method to synthesize
    return api


def _ws_api(stack: cdk.Stack, **settings: Any) -> ServiceWebSocketApi:
    return ServiceWebSocketApi(
        stack,
        "Ws",
        stage_name="live",
        throttle_rate_limit=5,
        throttle_burst_limit=10,
        **settings,
    )


MakeApi = Callable[..., SecureRestApi | ServiceWebSocketApi]


# --- the access logs of both APIs ------------------------------------------------------------


@pytest.mark.parametrize("make_api", [_rest_api, _ws_api], ids=["rest", "websocket"])
def test_an_api_writes_access_logs_to_an_existing_group_and_creates_none(make_api: MakeApi) -> None:
    # Given a log group made elsewhere in the stack
    stack = new_stack()
    shared = logs.LogGroup(stack, "Shared", retention=RETENTION)
    # When an API is given it as its access logs
    api = make_api(stack, existing_access_logs=shared)
    # Then the API uses it, and it is the stack's only log group
    assert api.access_logs is shared
    template = template_of(stack)
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    destination = {
        "DestinationArn": stack.resolve(shared.log_group_arn),
        "Format": Match.any_value(),
    }
    if make_api is _rest_api:
        template.has_resource_properties(
            "AWS::ApiGateway::Stage", {"AccessLogSetting": destination}
        )
    else:
        template.has_resource_properties(
            "AWS::ApiGatewayV2::Stage", {"AccessLogSettings": destination}
        )


@pytest.mark.parametrize("make_api", [_rest_api, _ws_api], ids=["rest", "websocket"])
def test_an_api_merges_access_logs_props_over_its_retained_group(make_api: MakeApi) -> None:
    stack = new_stack()
    make_api(
        stack,
        log_retention=RETENTION,
        access_logs_props={"log_group_name": "/team/api-access"},
    )
    template = template_of(stack)
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"LogGroupName": "/team/api-access", "RetentionInDays": 7},
            "DeletionPolicy": "Retain",
        },
    )


@pytest.mark.parametrize(
    ("owner", "make_api"),
    [("SecureRestApi", _rest_api), ("ServiceWebSocketApi", _ws_api)],
    ids=["rest", "websocket"],
)
def test_an_api_refuses_a_second_say_on_its_access_logs(owner: str, make_api: MakeApi) -> None:
    stack = new_stack()
    shared = logs.LogGroup(stack, "Shared")
    make = make_api
    with refused(f"{owner}: pass either existing_access_logs or access_logs_props, not both"):
        make(stack, existing_access_logs=shared, access_logs_props={})
    with refused(f"{owner}: pass either existing_access_logs or log_retention, not both"):
        make(new_stack(), existing_access_logs=shared, log_retention=RETENTION)
    with refused(
        f"{owner}: log_retention is required for the log group this construct creates; or "
        "pass existing_access_logs"
    ):
        make(new_stack())
    with refused(f"{owner}: access_logs_props cannot set ['retention']; {_RULE_ERROR}"):
        make(
            new_stack(),
            log_retention=RETENTION,
            access_logs_props={"retention": logs.RetentionDays.ONE_DAY},
        )


# --- a function's log group ------------------------------------------------------------------


def _function(stack: cdk.Stack, **settings: Any) -> ServiceFunction:
    return ServiceFunction(
        stack,
        "Fn",
        code=inline_code(),
        handler="index.handler",
        description="d",
        service="s",
        metrics_namespace="N",
        powertools_layer=False,
        **settings,
    )


def test_a_function_logs_to_an_existing_group_and_may_write_only_that_group() -> None:
    stack = new_stack()
    shared = logs.LogGroup(stack, "Shared", retention=RETENTION)
    fn = _function(stack, existing_log_group=shared)
    assert fn.log_group is shared
    template = template_of(stack)
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"LoggingConfig": Match.object_like({"LogGroup": stack.resolve(shared.log_group_name)})},
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Effect": "Allow",
                            "Resource": stack.resolve(shared.log_group_arn),
                        }
                    ]
                )
            }
        },
    )


def test_a_function_merges_log_group_props_and_refuses_them_with_an_existing_group() -> None:
    stack = new_stack()
    _function(stack, log_retention=RETENTION, log_group_props={"log_group_name": "/team/fn"})
    template_of(stack).has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/team/fn", "RetentionInDays": 7}
    )
    other = new_stack()
    shared = logs.LogGroup(other, "Shared")
    with refused("ServiceFunction: pass either existing_log_group or log_group_props, not both"):
        _function(other, existing_log_group=shared, log_group_props={})
    with refused(
        "ServiceFunction: log_retention is required for the log group this construct creates; "
        "or pass existing_log_group"
    ):
        _function(new_stack())


def test_an_authorizer_function_can_log_to_an_existing_group() -> None:
    stack = new_stack()
    shared = logs.LogGroup(stack, "Shared")
    auth = TokenRequestAuthorizer(
        stack,
        "Auth",
        code=inline_code(),
        handler="index.handler",
        service="s",
        metrics_namespace="N",
        function_props={"existing_log_group": shared},
    )
    assert auth.service_function.log_group is shared
    template_of(stack).resource_count_is("AWS::Logs::LogGroup", 1)


# --- the WebSocket API itself ----------------------------------------------------------------


def test_a_websocket_stage_and_routes_go_on_an_existing_api_and_no_api_is_created() -> None:
    # Given a WebSocket API made elsewhere, known by its id
    stack = new_stack()
    existing = apigwv2.WebSocketApi.from_web_socket_api_attributes(
        stack, "Imported", web_socket_id="abc123", api_endpoint="wss://abc123.example.com"
    )
    # When the construct gets it, and a Lambda route is added
    ws = _ws_api(stack, existing_api=existing, log_retention=RETENTION)
    route = ws.add_lambda_route("echo", plain_function(stack))
    # Then no API is created; the stage and the route (with its route response) are on it
    assert ws.api is existing
    assert route.node.id == "echo-Route"
    template = template_of(stack)
    template.resource_count_is("AWS::ApiGatewayV2::Api", 0)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage", {"ApiId": "abc123", "StageName": "live"}
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Route", {"ApiId": "abc123", "RouteKey": "echo"}
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::RouteResponse", {"ApiId": "abc123", "RouteResponseKey": "$default"}
    )


def test_a_websocket_construct_refuses_settings_of_a_new_api_with_an_existing_one() -> None:
    stack = new_stack()
    existing = apigwv2.WebSocketApi.from_web_socket_api_attributes(
        stack, "Imported", web_socket_id="abc123"
    )
    with refused(
        "ServiceWebSocketApi: ['api_props', 'route_selection_expression'] configure the API this "
        "construct creates; with existing_api there is none"
    ):
        _ws_api(
            stack,
            existing_api=existing,
            log_retention=RETENTION,
            route_selection_expression="$request.body.type",
            api_props={},
        )


def test_a_new_websocket_api_takes_its_route_selection_expression() -> None:
    stack = new_stack()
    _ws_api(stack, log_retention=RETENTION, route_selection_expression="$request.body.type")
    template_of(stack).has_resource_properties(
        "AWS::ApiGatewayV2::Api", {"RouteSelectionExpression": "$request.body.type"}
    )


# --- the web ACL's own settings --------------------------------------------------------------


def test_web_acl_props_are_merged_over_the_acl_and_passed_through_by_the_rest_api() -> None:
    stack = new_stack()
    RegionalWebAcl(
        stack,
        "Acl",
        rate_limit=100,
        metric_prefix="Team",
        web_acl_props={"name": "team-acl", "description": "Team API"},
    )
    api = SecureRestApi(
        stack,
        "Api",
        description="d",
        log_retention=RETENTION,
        throttle_rate_limit=5,
        throttle_burst_limit=10,
        web_acl_props={"name": "api-acl"},
    )
    api.api.root.add_method("GET")
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {"Name": "team-acl", "Description": "Team API", "Scope": "REGIONAL"},
    )
    template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Name": "api-acl",
            "Rules": Match.array_with([Match.object_like({"Name": "RateLimitPerIp"})]),
        },
    )


def test_web_acl_props_cannot_set_the_rules_and_need_an_acl_to_configure() -> None:
    with refused(
        f"RegionalWebAcl: web_acl_props cannot set ['default_action', 'rules']; {_RULE_ERROR}"
    ):
        RegionalWebAcl(
            new_stack(),
            "Acl",
            rate_limit=100,
            metric_prefix="Team",
            web_acl_props={"rules": [], "default_action": {"block": {}}},
        )
    with refused(
        "SecureRestApi: ['web_acl_props'] configure the web ACL this construct creates; with "
        "waf=False there is none"
    ):
        _rest_api(new_stack(), log_retention=RETENTION, web_acl_props={"name": "x"})


# --- one import for everything ---------------------------------------------------------------


def test_every_construct_and_integration_is_importable_from_the_package_itself() -> None:
    # Given every public class of the rest and websocket modules
    public = {
        name
        for module in (rest, websocket)
        for name in module.__all__
        if isinstance(getattr(module, name), type)
    }
    # Then the package exports each one, as the same class
    assert public <= set(package.__all__)
    for name in public:
        assert getattr(package, name) is getattr(rest, name, None) or getattr(
            package, name
        ) is getattr(websocket, name)
