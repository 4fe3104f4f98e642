"""Reading WebSocket APIs from a template: routes, integrations, authorizer, stage."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.provision import Provisioner
from cdk_local_gateway.intrinsics import Resolver
from cdk_local_gateway.websocket import read_websocket_apis, websocket_endpoints
from gateway_testkit import write_assembly
from ws_harness import Served, serve
from ws_template import websocket_template

if TYPE_CHECKING:
    from pathlib import Path


def test_apis_routes_integrations_authorizer_and_stage(tmp_path: Path, local_aws: str) -> None:
    # Given a stack with two WebSocket APIs and a queue on the local AWS
    name = f"Ws{uuid.uuid4().hex[:8]}"
    write_assembly(tmp_path / "cdk.out", {name: websocket_template("http://upstream/x")})
    assembly = read_assembly(tmp_path / "cdk.out")
    resolver = Resolver(assembly, default_region="eu-west-1")
    Provisioner(resolver, local_aws).provision(assembly.stacks)
    # When its WebSocket APIs are read
    apis = {api.name: api for api in read_websocket_apis(resolver, assembly.stacks[0])}
    # Then each API has its own routes, linked to their integrations by Ref
    chat, bare = apis["chat"], apis["bare"]
    assert sorted(chat.routes) == [
        "$connect",
        "$default",
        "$disconnect",
        "echo",
        "fail",
        "lookup",
        "publish",
    ]
    assert sorted(bare.routes) == ["limited", "ping"]
    assert chat.route_selection == "$request.body.action"
    connect = chat.routes["$connect"]
    assert connect.authorization == "CUSTOM"
    assert connect.authorizer is not None
    assert connect.authorizer.identity_sources == ["route.request.querystring.token"]
    assert connect.integration is not None
    assert connect.integration.type == "AWS_PROXY"
    assert ":function:" in connect.integration.uri
    # And the SQS integration URI resolved to the provisioned queue's name
    publish = chat.routes["publish"].integration
    assert publish is not None
    assert publish.type == "AWS"
    assert publish.uri.startswith("arn:aws:apigateway:eu-west-1:sqs:path/123456789012/" + name)
    assert [r.key for r in publish.responses] == ["$default"]
    # And route responses make a route two-way
    assert chat.routes["publish"].two_way
    assert bare.routes["ping"].two_way
    assert not chat.routes["echo"].two_way
    # And the stages carry their throttling
    (stage,) = chat.stages
    assert (stage.name, stage.throttle.burst, stage.throttle.rate) == ("dev", 500, 1000.0)
    assert bare.stages[0].route_throttles["limited"].burst == 1
    assert chat.problems == []
    assert bare.problems == []


def test_endpoints_json_entries_and_callback_aliases(tmp_path: Path, local_aws: str) -> None:
    async def scenario(served: Served) -> tuple[dict[str, str], dict[str, str], str]:
        endpoints = websocket_endpoints([served.chat, served.bare])
        return endpoints, served.chat.callback_aliases(), served.chat.api.api_id

    endpoints, aliases, api_id = serve(tmp_path, local_aws, scenario)
    # Then each API is named by its stack's display name, plus its logical id (two in a stack)
    names = sorted(endpoints)
    assert [n.rsplit("/", 1)[-1] for n in names] == ["Bare", "Chat"]
    assert all(n.startswith("Dev/Ws") for n in names)
    chat = endpoints[names[1]]
    assert chat.startswith("ws://127.0.0.1:")
    assert chat.endswith("/dev")
    # And the deployed callback URL maps to the local management endpoint of the stage
    assert aliases == {
        f"https://{api_id}.execute-api.eu-west-1.amazonaws.com/dev": "http" + chat[2:]
    }


def test_an_unresolvable_route_is_a_problem_not_a_crash(tmp_path: Path, local_aws: str) -> None:
    # Given a route whose key imports an export no stack provides
    name = f"Ws{uuid.uuid4().hex[:8]}"
    template = websocket_template()
    template["Resources"]["EchoRoute"]["Properties"]["RouteKey"] = {"Fn::ImportValue": "Nowhere"}
    write_assembly(tmp_path / "cdk.out", {name: template})
    assembly = read_assembly(tmp_path / "cdk.out")
    resolver = Resolver(assembly, default_region="eu-west-1")
    Provisioner(resolver, local_aws).provision(assembly.stacks)
    # When the APIs are read
    chat = next(a for a in read_websocket_apis(resolver, assembly.stacks[0]) if a.name == "chat")
    # Then the other routes are served and the problem names the route
    assert "echo" not in chat.routes
    assert "publish" in chat.routes
    assert any(p.startswith("EchoRoute:") and "Nowhere" in p for p in chat.problems)
