"""The REST pipeline end to end on a small synthetic API (not the app's): routing, MOCK,
the v1 proxy event, a TOKEN authorizer with caching, API keys with a usage plan, request
validation, gateway responses and 501 for what is not emulated."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest
import requests
from aiohttp import web
from cdk_local_gateway.pytest_plugin import RunningGateway
from cdk_local_gateway.runtime import RuntimeConfig
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

HANDLERS = """
import json

CALLS = {"auth": 0}

def echo(event, context):
    return {
        "statusCode": 200,
        "headers": {"X-Fn": context.function_name},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(event),
    }

def slow(event, context):
    import time
    time.sleep(3)
    return {"statusCode": 200, "body": "late"}

def fault(event, context):
    raise RuntimeError("boom")

def authorize(event, context):
    CALLS["auth"] += 1
    token = event["authorizationToken"]
    if token == "boom":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "good" else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"calls": CALLS["auth"], "team": "blue"},
    }
"""

API = {"Ref": "Api"}
ROOT = {"Fn::GetAtt": ["Api", "RootResourceId"]}


def fn(handler: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"S3Bucket": "b", "S3Key": "a" * 64 + ".zip"},
            "Handler": handler,
            "Runtime": "python3.12",
            "Timeout": 5,
            "Environment": {"Variables": {"STAGE_NAME": {"Fn::Sub": "${AWS::Region}-x"}}},
        },
    }


def lambda_uri(logical_id: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/",
                {"Fn::GetAtt": [logical_id, "Arn"]},
                "/invocations",
            ],
        ]
    }


def resource(parent: Any, part: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {"RestApiId": API, "ParentId": parent, "PathPart": part},
    }


def method(
    resource_ref: Any, verb: str, integration: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": API,
            "ResourceId": resource_ref,
            "HttpMethod": verb,
            "AuthorizationType": "NONE",
            "Integration": integration,
            **extra,
        },
    }


MOCK = {
    "Type": "MOCK",
    "RequestTemplates": {"application/json": "{ statusCode: 200 }"},
    "IntegrationResponses": [
        {
            "StatusCode": "200",
            "ResponseTemplates": {
                "application/json": '{"stage": "$context.stage", "v": "$stageVariables.color"}'
            },
        }
    ],
}
PROXY = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": lambda_uri("Echo")}

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Echo": fn("app.echo"),
        "Slow": fn("app.slow"),
        "Fault": fn("app.fault"),
        "HttpRes": resource(ROOT, "http"),
        "HttpItem": resource({"Ref": "HttpRes"}, "{id}"),
        "HttpGet": method(
            {"Ref": "HttpItem"},
            "GET",
            {
                "Type": "HTTP",
                "IntegrationHttpMethod": "GET",
                "Uri": "https://upstream.example/things/{id}",
                "RequestParameters": {
                    "integration.request.path.id": "method.request.path.id",
                    "integration.request.header.X-Color": "stageVariables.color",
                },
                "IntegrationResponses": [
                    {
                        "StatusCode": "200",
                        "ResponseTemplates": {
                            "application/json": '{"path": "$input.path(\'$.path\')", '
                            '"color": "$input.path(\'$.color\')"}'
                        },
                    },
                    {"StatusCode": "404", "SelectionPattern": "4\\d{2}"},
                ],
            },
        ),
        "SlowRes": resource(ROOT, "slow"),
        "FaultRes": resource(ROOT, "fault"),
        "SlowGet": method(
            {"Ref": "SlowRes"},
            "GET",
            {**PROXY, "Uri": lambda_uri("Slow"), "TimeoutInMillis": 300},
        ),
        "FaultGet": method({"Ref": "FaultRes"}, "GET", {**PROXY, "Uri": lambda_uri("Fault")}),
        # A function that reserves no concurrency: Lambda refuses every invocation of it.
        "Reserved": {
            "Type": "AWS::Lambda::Function",
            "Properties": {**fn("app.echo")["Properties"], "ReservedConcurrentExecutions": 0},
        },
        "ReservedRes": resource(ROOT, "reserved"),
        "ReservedGet": method(
            {"Ref": "ReservedRes"}, "GET", {**PROXY, "Uri": lambda_uri("Reserved")}
        ),
        "Authorizer": fn("app.authorize"),
        "Api": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {"Name": "synthetic", "BinaryMediaTypes": ["application/octet-stream"]},
        },
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": API,
                "StageName": "test",
                "Variables": {"color": "green"},
                "AccessLogSetting": {
                    "DestinationArn": "arn:aws:logs:eu-west-1:1:log-group:x",
                    "Format": '{"rid": "$context.requestId", "status": "$context.status", '
                    '"resource": "$context.resourcePath", '
                    '"integration": "$context.integration.status", '
                    '"error": "$context.error.responseType"}',
                },
            },
        },
        "Items": resource(ROOT, "items"),
        "Item": resource({"Ref": "Items"}, "{id}"),
        "Special": resource({"Ref": "Items"}, "special"),
        "Files": resource(ROOT, "files"),
        "FilesProxy": resource({"Ref": "Files"}, "{proxy+}"),
        "Secure": resource(ROOT, "secure"),
        "Keyed": resource(ROOT, "keyed"),
        "Odd": resource(ROOT, "odd"),
        "ItemsGet": method({"Ref": "Items"}, "GET", MOCK),
        "ItemsPost": method(
            {"Ref": "Items"},
            "POST",
            MOCK,
            RequestValidatorId={"Ref": "Validator"},
            RequestModels={"application/json": {"Ref": "ItemModel"}},
        ),
        "ItemGet": method({"Ref": "Item"}, "GET", PROXY),
        "SpecialGet": method({"Ref": "Special"}, "GET", MOCK),
        "FilesAny": method({"Ref": "FilesProxy"}, "ANY", PROXY),
        "SecureGet": method(
            {"Ref": "Secure"},
            "GET",
            PROXY,
            AuthorizationType="CUSTOM",
            AuthorizerId={"Ref": "TokenAuth"},
        ),
        "KeyedGet": method({"Ref": "Keyed"}, "GET", MOCK, ApiKeyRequired=True),
        "OddGet": method(
            {"Ref": "Odd"},
            "GET",
            {"Type": "AWS", "Uri": "arn:aws:apigateway:eu-west-1:s3:path/b/k"},
        ),
        "TokenAuth": {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "RestApiId": API,
                "Type": "TOKEN",
                "IdentitySource": "method.request.header.Authorization",
                "AuthorizerResultTtlInSeconds": 300,
                "AuthorizerUri": lambda_uri("Authorizer"),
            },
        },
        "Validator": {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {"RestApiId": API, "ValidateRequestBody": True},
        },
        "ItemModel": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {
                "RestApiId": API,
                "ContentType": "application/json",
                "Schema": {"type": "object", "required": ["name"]},
            },
        },
        "Denied": {
            "Type": "AWS::ApiGateway::GatewayResponse",
            "Properties": {
                "RestApiId": API,
                "ResponseType": "ACCESS_DENIED",
                "StatusCode": "403",
                "ResponseParameters": {"gatewayresponse.header.X-Why": "'denied'"},
                "ResponseTemplates": {"application/json": '{"why": $context.error.messageString}'},
            },
        },
        "Key": {
            "Type": "AWS::ApiGateway::ApiKey",
            "Properties": {"Enabled": True, "Value": "k" * 30},
        },
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {
                "ApiStages": [{"ApiId": API, "Stage": {"Ref": "Stage"}}],
                "Throttle": {"RateLimit": 100, "BurstLimit": 100},
                "Quota": {"Limit": 3, "Period": "DAY"},
            },
        },
        "PlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {
                "KeyId": {"Ref": "Key"},
                "KeyType": "API_KEY",
                "UsagePlanId": {"Ref": "Plan"},
            },
        },
    }
}


LOG: list[str] = []


async def _upstream_answer(request: web.Request) -> web.Response:
    if request.path.endswith("/missing"):
        return web.json_response({"error": "no"}, status=404)
    return web.json_response({"path": request.path, "color": request.headers.get("X-Color")})


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """An HTTP backend on a loopback port, in its own event loop thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    app = web.Application()
    app.router.add_get("/{tail:.*}", _upstream_answer)
    runner = web.AppRunner(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))

    async def start() -> None:
        await runner.setup()
        await web.SockSite(runner, sock).start()

    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, upstream: str) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("pipeline")
    write_assembly(
        root / "cdk.out", {"Test-Api": TEMPLATE}, assets={"Test-Api": {"app.py": HANDLERS}}
    )
    config = RuntimeConfig(
        cdk_out=root / "cdk.out",
        stage="Dev",
        region="eu-west-1",
        state_dir=root / "state",
        http_overrides={"https://upstream.example": upstream},
    )
    running = RunningGateway(config, log=LOG.append)
    try:
        endpoints = running.start()
        yield endpoints["rest"]["Dev/Test-Api"]
    finally:
        running.stop()


def test_mock_integration_with_stage_and_stage_variables(api: str) -> None:
    response = requests.get(f"{api}/items", timeout=30)
    assert response.status_code == 200
    assert response.json() == {"stage": "test", "v": "green"}


def test_exact_path_wins_over_a_parameter(api: str) -> None:
    # /items/special is a resource of its own: its MOCK answers, not the {id} Lambda
    assert requests.get(f"{api}/items/special", timeout=30).json()["stage"] == "test"


def test_proxy_event_has_path_parameters_multi_values_and_context(api: str) -> None:
    response = requests.get(f"{api}/items/a%2Fb?x=1&x=2&y=3", headers={"X-Two": "v"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["X-Fn"].endswith("Echo")
    event = response.json()
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/a%2Fb"
    assert event["pathParameters"] == {"id": "a/b"}
    assert event["queryStringParameters"] == {"x": "2", "y": "3"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["3"]}
    assert event["multiValueHeaders"]["X-Two"] == ["v"]
    assert event["stageVariables"] == {"color": "green"}
    assert event["requestContext"]["stage"] == "test"
    assert event["requestContext"]["resourcePath"] == "/items/{id}"
    assert event["requestContext"]["requestId"] == response.headers["x-amzn-RequestId"]
    assert event["isBase64Encoded"] is False


def test_greedy_proxy_and_any_method(api: str) -> None:
    response = requests.delete(f"{api}/files/a/b/c.txt", timeout=30)
    assert response.status_code == 200
    assert response.json()["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert response.json()["httpMethod"] == "DELETE"


def test_no_route_and_no_method_are_missing_authentication_token(api: str) -> None:
    for response in (
        requests.get(f"{api}/nothing", timeout=30),
        requests.put(f"{api}/items", timeout=30),
        requests.get(api.rsplit("/", 1)[0] + "/otherstage/items", timeout=30),
    ):
        assert response.status_code == 403
        assert response.json() == {"message": "Missing Authentication Token"}


def test_token_authorizer_allow_deny_error_missing_and_cache(api: str) -> None:
    # Missing identity source: 401 without calling the authorizer
    assert requests.get(f"{api}/secure", timeout=30).status_code == 401
    # Deny: the API's own ACCESS_DENIED gateway response
    denied = requests.get(f"{api}/secure", headers={"Authorization": "bad"}, timeout=30)
    assert denied.status_code == 403
    assert denied.headers["X-Why"] == "denied"
    assert denied.json() == {"why": "User is not authorized to access this resource"}
    # raise Exception("Unauthorized"): 401
    assert (
        requests.get(f"{api}/secure", headers={"Authorization": "boom"}, timeout=30).status_code
        == 401
    )
    # Allow: the context reaches the integration; the second call is served from the cache
    first = requests.get(f"{api}/secure", headers={"Authorization": "good"}, timeout=30).json()
    second = requests.get(f"{api}/secure", headers={"Authorization": "good"}, timeout=30).json()
    authorizer = first["requestContext"]["authorizer"]
    # Three invocations (bad, boom, good): the request without the header never reached it
    assert authorizer["calls"] == 3
    assert authorizer["principalId"] == "user-1"
    assert authorizer["team"] == "blue"
    assert second["requestContext"]["authorizer"]["calls"] == authorizer["calls"]


def test_request_validation_against_the_model(api: str) -> None:
    bad = requests.post(f"{api}/items", json={"other": 1}, timeout=30)
    assert bad.status_code == 400
    assert bad.json() == {"message": "Invalid request body"}
    assert requests.post(f"{api}/items", json={"name": "x"}, timeout=30).status_code == 200


def test_api_key_and_quota(api: str) -> None:
    assert requests.get(f"{api}/keyed", timeout=30).status_code == 403
    assert (
        requests.get(f"{api}/keyed", headers={"x-api-key": "wrong"}, timeout=30).status_code == 403
    )
    statuses = [
        requests.get(f"{api}/keyed", headers={"x-api-key": "k" * 30}, timeout=30).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_not_emulated_integration_answers_501_with_the_reason(api: str) -> None:
    response = requests.get(f"{api}/odd", timeout=30)
    assert response.status_code == 501
    assert "s3" in json.loads(response.text)["message"]


def test_access_log_line_in_the_stage_format(api: str) -> None:
    ok = requests.get(f"{api}/items", timeout=30)
    missing = requests.get(f"{api}/nothing", timeout=30)
    lines = [json.loads(line) for line in LOG if line.startswith("{")]
    by_id = {line["rid"]: line for line in lines}
    assert by_id[ok.headers["x-amzn-RequestId"]] == {
        "rid": ok.headers["x-amzn-RequestId"],
        "status": "200",
        "resource": "/items",
        "integration": "200",
        "error": "",
    }
    assert by_id[missing.headers["x-amzn-RequestId"]]["error"] == "MISSING_AUTHENTICATION_TOKEN"


def test_integration_timeout_is_504_and_a_lambda_fault_502(api: str) -> None:
    # The method's integration timeout (300 ms here, 29 s by default) elapses first: 504
    slow = requests.get(f"{api}/slow", timeout=30)
    assert slow.status_code == 504
    assert slow.json() == {"message": "Endpoint request timed out"}
    # The function raises: API Gateway's 502 with its fixed body
    fault = requests.get(f"{api}/fault", timeout=30)
    assert fault.status_code == 502
    assert fault.json() == {"message": "Internal server error"}


def test_a_throttled_lambda_is_api_gateways_500(api: str) -> None:
    # Given a function whose reserved concurrency is 0
    # When its route is called
    response = requests.get(f"{api}/reserved", timeout=30)
    # Then Lambda refuses it (TooManyRequestsException) and API Gateway answers 500
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert any("[Reserved] throttled" in line for line in LOG)


def test_binary_media_type_bodies_reach_the_function_base64_encoded(api: str) -> None:
    raw = bytes(range(256))
    response = requests.post(
        f"{api}/files/blob",
        data=raw,
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )
    event = response.json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    text = requests.post(f"{api}/files/blob", json={"a": 1}, timeout=30).json()
    assert (text["isBase64Encoded"], json.loads(text["body"])) == (False, {"a": 1})


def test_http_integration_maps_parameters_and_selects_by_status(api: str) -> None:
    # Path and header parameters mapped from the method request and the stage variables
    found = requests.get(f"{api}/http/42", timeout=30)
    assert found.status_code == 200, found.text
    assert found.json() == {"path": "/things/42", "color": "green"}
    # The backend's 404 selects the "4\\d{2}" integration response
    assert requests.get(f"{api}/http/missing", timeout=30).status_code == 404
