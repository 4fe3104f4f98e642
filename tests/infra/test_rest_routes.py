"""Every route of the contract, with the integration the contract names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from contract.rest import ROUTES
from tests.infra.rest_methods import DEV, PROD, REST_STACKS, method, methods

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates


def _invoked_function(properties: dict[str, Any]) -> str:
    parts = properties["Integration"]["Uri"]["Fn::Join"][1]
    (target,) = (p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict))
    return str(target)


@pytest.mark.parametrize("stack", REST_STACKS)
def test_the_api_has_exactly_the_contract_routes_plus_cors_preflight(
    stacks: StackTemplates, stack: str
) -> None:
    found = set(methods(stacks, stack))
    routes = {(r.method, r.path) for r in ROUTES}
    assert {m for m in found if m[0] != "OPTIONS"} == routes
    # Every resource answers the CORS preflight
    resources = {path for _, path in found} | {"/"}
    assert {path for verb, path in found if verb == "OPTIONS"} == resources


@pytest.mark.parametrize(
    ("http_method", "path", "handler"),
    [
        ("POST", "/rooms", "handlers.rest.rooms.handler"),
        ("GET", "/rooms", "handlers.rest.rooms.handler"),
        ("GET", "/rooms/{room_id}", "handlers.rest.rooms.handler"),
        ("PATCH", "/rooms/{room_id}", "handlers.rest.rooms.handler"),
        ("DELETE", "/rooms/{room_id}", "handlers.rest.rooms.handler"),
        ("POST", "/rooms/{room_id}/messages", "handlers.rest.rooms.handler"),
        ("GET", "/partner/rooms", "handlers.rest.rooms.handler"),
        ("GET", "/admin/stats", "handlers.rest.admin.handler"),
    ],
)
def test_lambda_proxy_routes_invoke_their_handler(
    stacks: StackTemplates, http_method: str, path: str, handler: str
) -> None:
    properties = method(stacks, DEV, http_method, path)
    assert properties["Integration"]["Type"] == "AWS_PROXY"
    assert _invoked_function(properties) == stacks.function(DEV, handler)[0]


def test_health_is_a_mock_answering_from_its_response_template(stacks: StackTemplates) -> None:
    integration = method(stacks, DEV, "GET", "/health")["Integration"]
    assert integration["Type"] == "MOCK"
    assert integration["RequestTemplates"] == {"application/json": '{"statusCode": 200}'}
    (response,) = integration["IntegrationResponses"]
    assert response["StatusCode"] == "200"
    assert '"request_id": "$context.requestId"' in response["ResponseTemplates"]["application/json"]


def test_report_is_a_custom_lambda_integration_mapping_tagged_errors(
    stacks: StackTemplates,
) -> None:
    properties = method(stacks, DEV, "GET", "/rooms/{room_id}/report")
    integration = properties["Integration"]
    assert integration["Type"] == "AWS"
    assert integration["PassthroughBehavior"] == "NEVER"
    assert '"user_id"' in integration["RequestTemplates"]["application/json"]
    assert _invoked_function(properties) == stacks.function(DEV, "handlers.rest.report.handler")[0]
    patterns = {
        r.get("SelectionPattern"): r["StatusCode"] for r in integration["IntegrationResponses"]
    }
    assert patterns == {
        None: "200",
        r"^\[BadRequest\].*": "400",
        r"^\[NotFound\].*": "404",
        r"(?s)^(?!\[(BadRequest|NotFound)\]).+": "500",
    }


def test_messages_are_a_dynamodb_query_without_lambda(stacks: StackTemplates) -> None:
    integration = method(stacks, DEV, "GET", "/rooms/{room_id}/messages")["Integration"]
    assert integration["Type"] == "AWS"
    assert "Credentials" in integration
    assert integration["Uri"] == "arn:aws:apigateway:eu-west-1:dynamodb:action/Query"
    request = integration["RequestTemplates"]["application/json"]
    assert "Fn::Join" in request  # the table name is filled in by CloudFormation
    statuses = {r["StatusCode"] for r in integration["IntegrationResponses"]}
    assert statuses == {"200", "400", "500"}


def test_ingest_sends_to_sqs_without_lambda(stacks: StackTemplates) -> None:
    integration = method(stacks, DEV, "POST", "/ingest")["Integration"]
    assert integration["Type"] == "AWS"
    assert integration["RequestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
    }
    uri = "".join(p for p in integration["Uri"]["Fn::Join"][1] if isinstance(p, str))
    assert ":sqs:path/" in uri
    assert "Action=SendMessage" in integration["RequestTemplates"]["application/json"]
    (accepted, *_) = integration["IntegrationResponses"]
    assert accepted["StatusCode"] == "202"


@pytest.mark.parametrize("stack", [DEV, PROD])
def test_proxy_forwards_to_the_stage_upstream_with_a_10_second_timeout(
    stacks: StackTemplates, stack: str
) -> None:
    integration = method(stacks, stack, "ANY", "/proxy/{proxy+}")["Integration"]
    assert integration["Type"] == "HTTP_PROXY"
    assert integration["Uri"] == "https://httpbin.org/{proxy}"
    assert integration["TimeoutInMillis"] == 10_000
    assert integration["RequestParameters"]["integration.request.path.proxy"] == (
        "method.request.path.proxy"
    )


def test_internal_goes_through_the_vpc_link_to_the_internal_nlb(stacks: StackTemplates) -> None:
    integration = method(stacks, DEV, "ANY", "/internal/{proxy+}")["Integration"]
    assert integration["Type"] == "HTTP_PROXY"
    assert integration["ConnectionType"] == "VPC_LINK"
    (link,) = stacks.resources(DEV, "AWS::ApiGateway::VpcLink")
    assert integration["ConnectionId"] == {"Ref": link}
    nlb = next(
        k
        for k, r in stacks.resources(DEV, "AWS::ElasticLoadBalancingV2::LoadBalancer").items()
        if r["Properties"]["Type"] == "network"
    )
    assert {"Fn::GetAtt": [nlb, "DNSName"]} in integration["Uri"]["Fn::Join"][1]


def test_private_backend_is_internal_nlb_to_internal_alb_to_lambda(stacks: StackTemplates) -> None:
    balancers = stacks.resources(DEV, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    assert sorted(b["Properties"]["Type"] for b in balancers) == ["application", "network"]
    assert {b["Properties"]["Scheme"] for b in balancers} == {"internal"}
    groups = stacks.resources(DEV, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
    assert sorted(g["Properties"]["TargetType"] for g in groups) == ["alb", "lambda"]
    # Isolated subnets only: no internet or NAT gateway in the backend's VPC
    assert not stacks.resources(DEV, "AWS::EC2::InternetGateway")
    assert not stacks.resources(DEV, "AWS::EC2::NatGateway")
    assert stacks.resources(DEV, "AWS::EC2::FlowLog")
