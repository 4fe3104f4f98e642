"""SecureRestApi's CORS request and response headers: the documented defaults, the caller's
own (``cors_allow_headers`` / ``cors_expose_headers``) and the names refused eagerly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from construct_testkit import RETENTION, new_stack, refused, template_of

from serverless_api_constructs.rest import SecureRestApi

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

ORIGIN = "https://app.example.com"


def _api(stack: cdk.Stack, **kwargs: Any) -> SecureRestApi:
    api = SecureRestApi(
        stack,
        "Api",
        description="test API",
        log_retention=RETENTION,
        throttle_rate_limit=50,
        throttle_burst_limit=100,
        waf=False,
        **kwargs,
    )
    api.api.root.add_resource("items").add_method("GET", apigateway.MockIntegration())
    return api


def _preflight_headers(template: Template) -> list[dict[str, str]]:
    """The response parameters of every OPTIONS method's MOCK integration response."""
    methods = template.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "OPTIONS"}}
    )
    return [
        response["ResponseParameters"]
        for method in methods.values()
        for response in method["Properties"]["Integration"]["IntegrationResponses"]
    ]


def _gateway_response_headers(template: Template) -> list[dict[str, str]]:
    return [
        r["Properties"]["ResponseParameters"]
        for r in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    ]


def test_by_default_every_preflight_allows_the_documented_headers_and_exposes_etag() -> None:
    # Given an API allowing one origin, without header settings
    api = _api(new_stack(), cors_allow_origins=[ORIGIN])
    template = template_of(cdk.Stack.of(api))
    # Then the preflight of each resource (root and /items) allows the documented headers
    preflights = _preflight_headers(template)
    assert len(preflights) == 2
    for headers in preflights:
        assert headers["method.response.header.Access-Control-Allow-Headers"] == (
            "'Authorization,Content-Type,Idempotency-Key,If-Match,X-Amz-Date,"
            "X-Amz-Security-Token,X-Api-Key'"
        )
        # And exposes the optimistic-locking and created-resource headers
        assert headers["method.response.header.Access-Control-Expose-Headers"] == (
            "'ETag,Location'"
        )
    assert api.cors_allow_headers == (
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "If-Match",
        "X-Amz-Date",
        "X-Amz-Security-Token",
        "X-Api-Key",
    )
    assert api.cors_expose_headers == ("ETag", "Location")


def test_the_callers_headers_replace_the_defaults_in_the_order_given() -> None:
    # Given an API with its own allowed and exposed headers
    api = _api(
        new_stack(),
        cors_allow_origins=[ORIGIN],
        cors_allow_headers=["X-Trace-Id", "Content-Type"],
        cors_expose_headers=["X-Request-Id"],
    )
    template = template_of(cdk.Stack.of(api))
    # Then every preflight names exactly those, in that order
    for headers in _preflight_headers(template):
        assert headers["method.response.header.Access-Control-Allow-Headers"] == (
            "'X-Trace-Id,Content-Type'"
        )
        assert headers["method.response.header.Access-Control-Expose-Headers"] == ("'X-Request-Id'")
    # And gateway responses still carry only the origin and the content type
    for headers in _gateway_response_headers(template):
        assert headers == {
            "gatewayresponse.header.Access-Control-Allow-Origin": f"'{ORIGIN}'",
            "gatewayresponse.header.Content-Type": "'application/json'",
        }


def test_an_empty_expose_list_sends_no_expose_header_at_all() -> None:
    # Given an API exposing no response header
    api = _api(new_stack(), cors_allow_origins=[ORIGIN], cors_expose_headers=[])
    template = template_of(cdk.Stack.of(api))
    # Then the preflight has no Access-Control-Expose-Headers (not an empty one)
    for headers in _preflight_headers(template):
        assert "method.response.header.Access-Control-Expose-Headers" not in headers
        assert "method.response.header.Access-Control-Allow-Headers" in headers
    assert api.cors_expose_headers == ()


def test_without_origins_the_headers_are_accepted_but_no_preflight_exists() -> None:
    # Given a same-origin API whose caller passes its headers for every stage
    api = _api(new_stack(), cors_allow_headers=["Authorization"], cors_expose_headers=["ETag"])
    template = template_of(cdk.Stack.of(api))
    # Then there is no preflight and no CORS header on gateway responses
    assert _preflight_headers(template) == []
    for headers in _gateway_response_headers(template):
        assert headers == {"gatewayresponse.header.Content-Type": "'application/json'"}


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        (
            "cors_allow_headers",
            [],
            "SecureRestApi: cors_allow_headers=[] names no header; pass None for the defaults "
            "or the headers",
        ),
        (
            "cors_allow_headers",
            "Authorization",
            "SecureRestApi: cors_allow_headers='Authorization' must be a list of header names, "
            "not a str",
        ),
        (
            "cors_expose_headers",
            "ETag",
            "SecureRestApi: cors_expose_headers='ETag' must be a list of header names, not a str",
        ),
    ],
)
def test_an_empty_allow_list_or_a_bare_string_is_refused(
    prop: str, value: Any, message: str
) -> None:
    # When an API is given no allowed header, or one string instead of a list
    # Then it is refused, naming the prop and the value
    with refused(message):
        _api(new_stack(), cors_allow_origins=[ORIGIN], **{prop: value})


_NOT_A_NAME = (
    "which is not an HTTP header name (RFC 7230 token: letters, digits and "
    "!#$%&*+-.^_`|~, no spaces, quotes or ':')"
)


@pytest.mark.parametrize("prop", ["cors_allow_headers", "cors_expose_headers"])
@pytest.mark.parametrize(
    "name", ["", "X Trace", "X-Trace:", "X-Trace'", 'X-"Trace"', "X-Tr\u00e4ce", "X-Trace\n"]
)
def test_a_name_that_is_not_an_rfc_7230_token_is_refused(prop: str, name: str) -> None:
    # When a header list holds an empty name, a space, a colon, a quote, non-ASCII or a newline
    # Then the API is refused, naming the prop and the name
    with refused(f"SecureRestApi: {prop} has {name!r}, {_NOT_A_NAME}"):
        _api(new_stack(), cors_allow_origins=[ORIGIN], **{prop: ["Content-Type", name]})


@pytest.mark.parametrize("prop", ["cors_allow_headers", "cors_expose_headers"])
def test_a_name_given_twice_in_any_case_is_refused(prop: str) -> None:
    # When a header list names the same header twice, differently cased
    # Then the API is refused, naming the prop and the repeated name
    with refused(f"SecureRestApi: {prop} has 'etag' twice (header names ignore case)"):
        _api(new_stack(), cors_allow_origins=[ORIGIN], **{prop: ["ETag", "etag"]})


def test_every_token_character_is_accepted() -> None:
    # Given header names using every character RFC 7230 allows in a token but the quote
    name = "A-z_0.9!#$%&*+^`|~"
    api = _api(new_stack(), cors_allow_origins=[ORIGIN], cors_allow_headers=[name, "*"])
    # Then the API is created with them
    assert api.cors_allow_headers == (name, "*")
