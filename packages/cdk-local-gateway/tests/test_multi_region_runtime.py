"""Two regions of one stage served at once against one local AWS (a synthetic assembly).

The primary region (eu-west-1) holds the user pool and the global table; the replica region's
(us-east-1) API names the pool by ARN and the table by name through ``Fn::GetStackOutput``.
"""

from __future__ import annotations

import contextlib
import io
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests
from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.cli import main, parser, serve_config
from cdk_local_gateway.pytest_plugin import RunningGateway
from cdk_local_gateway.runtime import RuntimeConfig, served_regions
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

API = {"Ref": "Api"}
PRIMARY_STACK = "Multi-Primary"


def _from_primary(output: str) -> dict[str, Any]:
    return {
        "Fn::GetStackOutput": {
            "StackName": PRIMARY_STACK,
            "Region": "eu-west-1",
            "OutputName": output,
        }
    }


def _rest_api(pool_arn: Any, table_name: Any, stage: str) -> dict[str, Any]:
    """GET/PUT /items/{id} as DynamoDB integrations behind a Cognito authorizer."""
    put_template = {
        "Fn::Join": [
            "",
            [
                '{"TableName": "',
                table_name,
                '", "Item": {"pk": {"S": "$input.params(\'id\')"}, ',
                '"v": {"S": $input.json(\'$.v\')}}}',
            ],
        ]
    }
    get_template = {
        "Fn::Join": [
            "",
            [
                '{"TableName": "',
                table_name,
                '", "Key": {"pk": {"S": "$input.params(\'id\')"}}, "ConsistentRead": true}',
            ],
        ]
    }

    def method(verb: str, action: str, template: Any, answer: str) -> dict[str, Any]:
        return {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": API,
                "ResourceId": {"Ref": "Item"},
                "HttpMethod": verb,
                "AuthorizationType": "COGNITO_USER_POOLS",
                "AuthorizerId": {"Ref": "Users"},
                "Integration": {
                    "Type": "AWS",
                    "IntegrationHttpMethod": "POST",
                    "Uri": {
                        "Fn::Sub": f"arn:aws:apigateway:${{AWS::Region}}:dynamodb:action/{action}"
                    },
                    "RequestTemplates": {"application/json": template},
                    "IntegrationResponses": [
                        {"StatusCode": "200", "ResponseTemplates": {"application/json": answer}},
                        {"StatusCode": "503", "SelectionPattern": "5\\d{2}"},
                    ],
                },
                "MethodResponses": [{"StatusCode": "200"}, {"StatusCode": "503"}],
            },
        }

    return {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "items"}},
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {"RestApiId": API, "StageName": stage},
        },
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": API,
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
            },
        },
        "Item": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": API, "ParentId": {"Ref": "Items"}, "PathPart": "{id}"},
        },
        "Users": {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "RestApiId": API,
                "Name": "users",
                "Type": "COGNITO_USER_POOLS",
                "IdentitySource": "method.request.header.Authorization",
                "ProviderARNs": [pool_arn],
            },
        },
        "Put": method("PUT", "PutItem", put_template, '{"stored": true}'),
        "Get": method(
            "GET",
            "GetItem",
            get_template,
            '#set($item = $input.path(\'$.Item\')){"v": "$!item.v.S", '
            '"region": "$context.identity.sourceIp"}',
        ),
    }


PRIMARY: dict[str, Any] = {
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::GlobalTable",
            "Properties": {
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "Replicas": [{"Region": "eu-west-1"}, {"Region": "us-east-1"}],
            },
        },
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
        "PoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {"UserPoolId": {"Ref": "Pool"}},
        },
        **_rest_api({"Fn::GetAtt": ["Pool", "Arn"]}, {"Ref": "Table"}, "eu"),
    },
    "Outputs": {
        "PoolArn": {"Value": {"Fn::GetAtt": ["Pool", "Arn"]}},
        "TableName": {"Value": {"Ref": "Table"}},
    },
}
REPLICA: dict[str, Any] = {
    "Resources": _rest_api(_from_primary("PoolArn"), _from_primary("TableName"), "us")
}


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RuntimeConfig, Any]]:
    root: Path = tmp_path_factory.mktemp("two-regions")
    write_assembly(
        root / "cdk.out",
        {PRIMARY_STACK: PRIMARY, "Multi-Replica": REPLICA},
        regions={PRIMARY_STACK: "eu-west-1", "Multi-Replica": "us-east-1"},
    )
    config = RuntimeConfig(
        cdk_out=root / "cdk.out",
        stage="Dev",
        region="us-east-1",
        extra_regions=("eu-west-1",),
        state_dir=root / "state",
        # Every test of the module runs through the outage proxy: it must be transparent.
        region_outages=True,
    )
    running = RunningGateway(config)
    try:
        running.start()
        yield config, running
    finally:
        running.stop()


def _token(config: RuntimeConfig, *extra: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["token", "--user", "alice", "--state-dir", str(config.state_dir), *extra])
    return out.getvalue().strip()


def test_serve_takes_several_regions_or_all_of_them() -> None:
    # Given serve's arguments with --region repeated, or --all-regions
    args = parser().parse_args(
        [
            "serve",
            "--stage",
            "Prod",
            "--region",
            "eu-west-1",
            "--region",
            "us-east-1",
            "--region-outages",
        ]
    )
    every = parser().parse_args(["serve", "--stage", "Prod", "--all-regions"])
    # Then the first is the first served region and the others are served with it
    config = serve_config(args)
    assert (config.region, config.extra_regions, config.all_regions) == (
        "eu-west-1",
        ("us-east-1",),
        False,
    )
    assert config.region_outages
    assert serve_config(every).all_regions
    assert not serve_config(every).region_outages
    # And serve without any region is refused with a clear message
    with pytest.raises(SystemExit, match="--region"):
        serve_config(parser().parse_args(["serve", "--stage", "Prod"]))


def test_both_regions_apis_are_served_and_listed_per_region(
    two_regions: tuple[RuntimeConfig, Any],
) -> None:
    _, running = two_regions
    endpoints = running.endpoints
    # Then each region lists its own API, on distinct ports
    assert set(endpoints["regions"]) == {"us-east-1", "eu-west-1"}
    us = endpoints["regions"]["us-east-1"]["rest"]["Dev/Multi-Replica"]
    eu = endpoints["regions"]["eu-west-1"]["rest"]["Dev/Multi-Primary"]
    assert us.endswith("/us")
    assert eu.endswith("/eu")
    assert us.split("/")[2] != eu.split("/")[2]
    assert endpoints["region"] == "us-east-1"
    # And the global table is listed with both replica regions
    assert list(endpoints["global_tables"].values()) == [["eu-west-1", "us-east-1"]]


def test_a_replica_regions_cognito_authorizer_accepts_the_primary_pools_token(
    two_regions: tuple[RuntimeConfig, Any],
) -> None:
    # Given a token of the only pool, in eu-west-1, minted by the token command
    config, running = two_regions
    us = running.endpoints["regions"]["us-east-1"]["rest"]["Dev/Multi-Replica"]
    token = _token(config, "--pool-region", "eu-west-1")
    # When it calls the us-east-1 API, whose authorizer names the pool by its ARN
    ok = requests.put(
        f"{us}/items/a", json={"v": "x"}, headers={"Authorization": token}, timeout=30
    )
    refused = requests.put(f"{us}/items/a", json={"v": "x"}, timeout=30)
    forged = requests.put(
        f"{us}/items/a", json={"v": "x"}, headers={"Authorization": token + "x"}, timeout=30
    )
    # Then the token is accepted and a missing or bad one is refused
    assert ok.status_code == 200, ok.text
    assert refused.status_code == 401
    assert forged.status_code == 401
    # And asking for a pool of a region that has none is a clear error
    with pytest.raises(SystemExit, match="no user pool"):
        _token(config, "--pool-region", "us-east-1")


def test_a_write_through_one_regions_api_is_read_through_the_others(
    two_regions: tuple[RuntimeConfig, Any],
) -> None:
    # Given both regions' APIs and a token
    config, running = two_regions
    us = running.endpoints["regions"]["us-east-1"]["rest"]["Dev/Multi-Replica"]
    eu = running.endpoints["regions"]["eu-west-1"]["rest"]["Dev/Multi-Primary"]
    headers = {"Authorization": _token(config)}
    # When an item is written through us-east-1's API (its DynamoDB integration)
    put = requests.put(f"{us}/items/b", json={"v": "hello"}, headers=headers, timeout=30)
    assert put.status_code == 200, put.text
    # Then eu-west-1's API reads it from its own replica once replication has run
    assert running.runtime.replicator.wait_until_idle(timeout_s=60)
    deadline = time.monotonic() + 60
    while True:
        got = requests.get(f"{eu}/items/b", headers=headers, timeout=30)
        if got.json().get("v") == "hello" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert got.json()["v"] == "hello", got.text


def test_the_replica_region_alone_is_served_with_its_cross_region_references_resolved(
    tmp_path: Path,
) -> None:
    # Given the same stage, only its replica region (us-east-1) served
    write_assembly(
        tmp_path / "cdk.out",
        {PRIMARY_STACK: PRIMARY, "Multi-Replica": REPLICA},
        regions={PRIMARY_STACK: "eu-west-1", "Multi-Replica": "us-east-1"},
    )
    config = RuntimeConfig(
        cdk_out=tmp_path / "cdk.out", stage="Dev", region="us-east-1", state_dir=tmp_path / "s"
    )
    running = RunningGateway(config)
    try:
        endpoints = running.start()
        # Then only its API is served
        assert list(endpoints["rest"]) == ["Dev/Multi-Replica"]
        us = endpoints["rest"]["Dev/Multi-Replica"]
        # And it works with the primary's pool and table (provisioned though not served)
        token = _token(config)
        headers = {"Authorization": token}
        put = requests.put(f"{us}/items/c", json={"v": "alone"}, headers=headers, timeout=30)
        assert put.status_code == 200, put.text
        got = requests.get(f"{us}/items/c", headers=headers, timeout=30)
        assert got.json()["v"] == "alone", got.text
    finally:
        running.stop()


def test_serving_a_region_the_stage_does_not_have_names_its_regions(tmp_path: Path) -> None:
    write_assembly(
        tmp_path / "cdk.out",
        {PRIMARY_STACK: PRIMARY, "Multi-Replica": REPLICA},
        regions={PRIMARY_STACK: "eu-west-1", "Multi-Replica": "us-east-1"},
    )
    config = RuntimeConfig(
        cdk_out=tmp_path / "cdk.out", stage="Dev", region="ap-south-1", state_dir=tmp_path / "s"
    )
    stacks = read_assembly(tmp_path / "cdk.out").select("Dev", None)
    # When a region without stacks is asked for, Then the error names the stage's regions
    with pytest.raises(
        SystemExit, match=r"no stacks in ap-south-1 \(its regions: eu-west-1, us-east-1\)"
    ):
        served_regions(config, stacks)
    # And --all-regions serves every region, the one given first
    every = RuntimeConfig(cdk_out=tmp_path, stage="Dev", region="us-east-1", all_regions=True)
    assert served_regions(every, stacks) == ["us-east-1", "eu-west-1"]


def test_a_region_outage_fails_that_regions_calls_and_replication_catches_up(
    two_regions: tuple[RuntimeConfig, Any],
) -> None:
    # Given both regions up and a token
    config, running = two_regions
    faults = running.runtime.region_faults
    us = running.endpoints["regions"]["us-east-1"]["rest"]["Dev/Multi-Replica"]
    eu = running.endpoints["regions"]["eu-west-1"]["rest"]["Dev/Multi-Primary"]
    headers = {"Authorization": _token(config)}
    # When us-east-1 goes down
    faults.down("us-east-1")
    try:
        down = requests.put(f"{us}/items/d", json={"v": "x"}, headers=headers, timeout=60)
        written = requests.put(f"{eu}/items/d", json={"v": "during"}, headers=headers, timeout=60)
        # Then us-east-1's DynamoDB integration gets 503 and eu-west-1 still works
        assert down.status_code == 503, down.text
        assert written.status_code == 200, written.text
        # And nothing is replicated to the region that is down
        assert not running.runtime.replicator.wait_until_idle(timeout_s=1)
    finally:
        faults.up("us-east-1")
    # And once it is back, replication catches up with the write made meanwhile
    assert running.runtime.replicator.wait_until_idle(timeout_s=60)
    got = requests.get(f"{us}/items/d", headers=headers, timeout=60)
    assert got.json()["v"] == "during", got.text


def test_a_hanging_region_holds_calls_until_it_is_back(
    two_regions: tuple[RuntimeConfig, Any],
) -> None:
    import threading

    config, running = two_regions
    faults = running.runtime.region_faults
    us = running.endpoints["regions"]["us-east-1"]["rest"]["Dev/Multi-Replica"]
    headers = {"Authorization": _token(config)}
    answers: list[requests.Response] = []
    # Given us-east-1 hanging and a call to it in flight
    faults.down("us-east-1", mode="hang")
    call = threading.Thread(
        target=lambda: answers.append(
            requests.put(f"{us}/items/h", json={"v": "held"}, headers=headers, timeout=120)
        )
    )
    call.start()
    try:
        deadline = time.monotonic() + 60
        while faults.held == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Then the call is held, not answered
        assert faults.held == 1
        assert not answers
    finally:
        # When the region comes back
        faults.up("us-east-1")
        call.join(120)
    # Then the held call goes through
    assert [a.status_code for a in answers] == [200]


def test_a_region_is_taken_down_and_up_over_http_from_a_terminal(
    two_regions: tuple[RuntimeConfig, Any],
) -> None:
    # Given the runtime's AWS endpoint (the outage proxy)
    _, running = two_regions
    control = f"{running.endpoints['aws_endpoint']}/_local/regions"
    try:
        # When a region is taken down over HTTP, Then the proxy lists it with its mode
        down = requests.post(f"{control}/us-east-1/down?mode=hang", timeout=30)
        assert down.json() == {"down": {"us-east-1": "hang"}}
        assert running.runtime.region_faults.regions_down() == {"us-east-1": "hang"}
        # And a bad request says how to ask
        assert requests.post(f"{control}/us-east-1/sideways", timeout=30).status_code == 400
    finally:
        up = requests.post(f"{control}/us-east-1/up", timeout=30)
    assert up.json() == {"down": {}}
