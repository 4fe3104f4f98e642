"""@connections across regions: a function of one region posting to a connection held in the
other, through the other API's management endpoint (a synthetic two-region assembly).

Each region has a WebSocket API whose ``$default`` function knows two endpoints: its own,
from ``requestContext.domainName``/``stage`` (as handlers compute it), and the peer's deployed
callback URL ``https://<peer api id>.execute-api.<peer region>.amazonaws.com/<stage>``, built
in the template from the peer stack's output (``Fn::GetStackOutput``), as a stack templates a
fan-out to its peer region.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import TYPE_CHECKING, Any

import pytest
from cdk_local_gateway.pytest_plugin import RunningGateway
from cdk_local_gateway.runtime import RuntimeConfig
from gateway_testkit import write_assembly
from websockets.asyncio.client import connect

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from websockets.asyncio.client import ClientConnection

HANDLERS = """
import json, os
import boto3


def _post(endpoint, connection_id, data):
    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    client.post_to_connection(ConnectionId=connection_id, Data=json.dumps(data).encode())


def relay(event, context):
    ctx = event["requestContext"]
    own = "https://{}/{}".format(ctx["domainName"], ctx["stage"])
    frame = json.loads(event["body"])
    region = os.environ["AWS_REGION"]
    if "to" in frame:
        _post(os.environ["PEER_CALLBACK_URL"], frame["to"], {"from": region})
    else:
        _post(own, ctx["connectionId"], {"me": ctx["connectionId"], "region": region})
    return {"statusCode": 200}
"""

STAGE = "prod"
STACKS = {
    "Hub-Eu": ("eu-west-1", "Hub-Us", "us-east-1"),
    "Hub-Us": ("us-east-1", "Hub-Eu", "eu-west-1"),
}


def _hub(peer_stack: str, peer_region: str) -> dict[str, Any]:
    api = {"Ref": "Api"}
    peer_api_id = {
        "Fn::GetStackOutput": {
            "StackName": peer_stack,
            "Region": peer_region,
            "OutputName": "ApiId",
        }
    }
    return {
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {
                    "Name": "hub",
                    "ProtocolType": "WEBSOCKET",
                    "RouteSelectionExpression": "$request.body.action",
                },
            },
            "Stage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": api, "StageName": STAGE},
            },
            "Relay": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": "assets", "S3Key": "a" * 64 + ".zip"},
                    "Handler": "app.relay",
                    "Runtime": "python3.12",
                    "Timeout": 10,
                    "Environment": {
                        "Variables": {
                            "PEER_CALLBACK_URL": {
                                "Fn::Join": [
                                    "",
                                    [
                                        "https://",
                                        peer_api_id,
                                        f".execute-api.{peer_region}.",
                                        {"Ref": "AWS::URLSuffix"},
                                        f"/{STAGE}",
                                    ],
                                ]
                            }
                        }
                    },
                },
            },
            "RelayIntegration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": api,
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:aws:apigateway:",
                                {"Ref": "AWS::Region"},
                                ":lambda:path/2015-03-31/functions/",
                                {"Fn::GetAtt": ["Relay", "Arn"]},
                                "/invocations",
                            ],
                        ]
                    },
                },
            },
            "Default": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": api,
                    "RouteKey": "$default",
                    "AuthorizationType": "NONE",
                    "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "RelayIntegration"}]]},
                },
            },
        },
        "Outputs": {"ApiId": {"Value": api}},
    }


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root: Path = tmp_path_factory.mktemp("hubs")
    write_assembly(
        root / "cdk.out",
        {name: _hub(peer, peer_region) for name, (_, peer, peer_region) in STACKS.items()},
        regions={name: region for name, (region, _, _) in STACKS.items()},
        assets={name: {"app.py": HANDLERS} for name in STACKS},
    )
    config = RuntimeConfig(
        cdk_out=root / "cdk.out", stage="Dev", region="", all_regions=True, state_dir=root / "s"
    )
    running = RunningGateway(config)
    try:
        yield running.start()
    finally:
        running.stop()


async def _frame(socket: ClientConnection) -> dict[str, Any]:
    answer = json.loads(await asyncio.wait_for(socket.recv(), 60))
    assert isinstance(answer, dict)
    return answer


def test_a_function_posts_to_a_connection_held_in_the_other_region(
    hubs: dict[str, Any],
) -> None:
    # Given one client connected to each region's WebSocket API (all regions served)
    eu = hubs["regions"]["eu-west-1"]["websocket"]["Dev/Hub-Eu"]
    us = hubs["regions"]["us-east-1"]["websocket"]["Dev/Hub-Us"]
    tls = ssl.create_default_context(cafile=hubs["ca_bundle"])

    async def scenario() -> dict[str, Any]:
        async with connect(eu, ssl=tls) as in_eu, connect(us, ssl=tls) as in_us:
            # (each learns its connection id from its own region's function)
            ids = {}
            for name, socket in (("eu", in_eu), ("us", in_us)):
                await socket.send(json.dumps({"whoami": True}))
                ids[name] = await _frame(socket)
            # When each region's function posts to the other region's client at the peer's
            # deployed callback URL
            await in_eu.send(json.dumps({"to": ids["us"]["me"]}))
            reached_us = await _frame(in_us)
            await in_us.send(json.dumps({"to": ids["eu"]["me"]}))
            reached_eu = await _frame(in_eu)
            return {"ids": ids, "us": reached_us, "eu": reached_eu}

    seen = asyncio.run(scenario())
    assert seen["ids"]["eu"]["region"] == "eu-west-1"
    assert seen["ids"]["us"]["region"] == "us-east-1"
    # Then the client held in the other region receives it
    assert seen["us"] == {"from": "eu-west-1"}
    assert seen["eu"] == {"from": "us-east-1"}
