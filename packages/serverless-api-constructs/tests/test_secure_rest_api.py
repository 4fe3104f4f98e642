"""SecureRestApi: what is always on, and WAF, gateway responses and CORS as configured."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk.assertions import Match, Template
from construct_testkit import RETENTION, new_stack, refused, template_of

from serverless_api_constructs.rest import GATEWAY_ERRORS, SecureRestApi

ACL_ARN = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/abc"


def _api(stack: cdk.Stack, **kwargs: Any) -> SecureRestApi:
    api = SecureRestApi(
        stack,
        "Api",
        description="test API",
        log_retention=RETENTION,
        throttle_rate_limit=50,
        throttle_burst_limit=100,
        **kwargs,
    )
    api.api.root.add_method("GET", apigateway.MockIntegration())
    return api


def _gateway_response_headers(template: Template) -> list[dict[str, str]]:
    return [
        r["Properties"].get("ResponseParameters", {})
        for r in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    ]


def test_by_default_the_stage_is_logged_traced_throttled_and_behind_a_web_acl() -> None:
    # Given an API with only its required settings
    stack = new_stack()
    _api(stack)
    template = template_of(stack)
    # Then its stage v1 is traced, measured, throttled and access-logged
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like(
                {"Format": Match.string_like_regexp("requestId")}
            ),
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "DataTraceEnabled": False,
                            "LoggingLevel": "ERROR",
                            "MetricsEnabled": True,
                            "ThrottlingRateLimit": 50,
                            "ThrottlingBurstLimit": 100,
                        }
                    )
                ]
            ),
        },
    )
    # And a web ACL blocks more than 2000 requests per IP per 5 minutes, associated to the stage
    template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "REGIONAL",
            "Rules": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "RateLimitPerIp",
                            "Statement": {
                                "RateBasedStatement": Match.object_like(
                                    {"Limit": 2000, "AggregateKeyType": "IP"}
                                )
                            },
                        }
                    )
                ]
            ),
        },
    )
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    # And every API Gateway error answers in the JSON error shape, with no CORS header (no CORS)
    template.resource_count_is("AWS::ApiGateway::GatewayResponse", len(GATEWAY_ERRORS))
    for headers in _gateway_response_headers(template):
        assert headers == {"gatewayresponse.header.Content-Type": "'application/json'"}
    # And no preflight is answered: same origin only
    template.resource_count_is("AWS::ApiGateway::Method", 1)
    # And there is no resource policy without IP lists
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"Policy": Match.absent()})


def test_without_cors_no_response_carries_an_allow_origin_and_asking_for_one_is_an_error() -> None:
    api = _api(new_stack())
    assert api.cors_response_parameters() == {}
    with refused(
        "SecureRestApi.allow_origin: cors_allow_origins=() (same origin only), so no response "
        "carries Access-Control-Allow-Origin"
    ):
        _ = api.allow_origin


def test_with_origins_errors_carry_the_first_origin_and_every_resource_answers_preflight() -> None:
    # Given an API allowing one browser origin
    stack = new_stack()
    api = _api(stack, cors_allow_origins=["https://app.example.com"])
    template = template_of(stack)
    # Then every gateway response allows that origin
    for headers in _gateway_response_headers(template):
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == (
            "'https://app.example.com'"
        )
    # And integration responses can set the same header
    assert api.cors_response_parameters() == {
        "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'"
    }
    # And the root answers preflight (OPTIONS) next to GET
    template.has_resource_properties("AWS::ApiGateway::Method", {"HttpMethod": "OPTIONS"})


def test_a_wildcard_origin_is_sent_as_a_wildcard() -> None:
    api = _api(new_stack(), cors_allow_origins=["*"])
    assert api.allow_origin == "*"


def test_gateway_responses_can_be_left_as_api_gateways_own() -> None:
    stack = new_stack()
    _api(stack, gateway_responses=False)
    template_of(stack).resource_count_is("AWS::ApiGateway::GatewayResponse", 0)


def test_waf_can_be_turned_off_or_replaced_by_an_existing_acl() -> None:
    # Given one API without WAF and one associated with a shared ACL
    without, shared = new_stack(), new_stack()
    api_without = _api(without, waf=False)
    api_shared = _api(shared, existing_web_acl_arn=ACL_ARN)
    # Then the first has no ACL at all
    assert api_without.web_acl is None
    template_of(without).resource_count_is("AWS::WAFv2::WebACLAssociation", 0)
    # And the second creates none but associates the shared one to its stage
    assert api_shared.web_acl is None
    shared_template = template_of(shared)
    shared_template.resource_count_is("AWS::WAFv2::WebACL", 0)
    shared_template.has_resource_properties("AWS::WAFv2::WebACLAssociation", {"WebACLArn": ACL_ARN})


def test_api_and_stage_props_pass_through() -> None:
    stack = new_stack()
    _api(
        stack,
        api_props={"binary_media_types": ["image/png"]},
        stage_props={"variables": {"flavour": "blue"}},
    )
    template = template_of(stack)
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"BinaryMediaTypes": ["image/png"]}
    )
    template.has_resource_properties("AWS::ApiGateway::Stage", {"Variables": {"flavour": "blue"}})


def test_ip_lists_become_a_resource_policy_that_denies_other_sources() -> None:
    stack = new_stack()
    _api(stack, ip_allow_list=["203.0.113.0/24"], ip_deny_list=["203.0.113.7"])
    statements = next(iter(template_of(stack).find_resources("AWS::ApiGateway::RestApi").values()))[
        "Properties"
    ]["Policy"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["DenyUnlistedSourceIps"]["Condition"] == {
        "NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}
    }
    assert by_sid["DenyListedSourceIps"]["Condition"] == {
        "IpAddress": {"aws:SourceIp": ["203.0.113.7"]}
    }
