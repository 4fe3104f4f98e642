"""The command line: doctor names what is not emulated and fails; routes lists the API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.cli import main
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "NodeFn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "nodejs22.x",
                "Handler": "index.handler",
                "Code": {"ZipFile": "x"},
            },
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Chat": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": "chat", "ProtocolType": "WEBSOCKET"},
        },
        "HttpApi": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": "h", "ProtocolType": "HTTP"},
        },
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a"}},
        "Get": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "HttpMethod": "GET",
                "AuthorizationType": "NONE",
                # Known only once the queue exists on the local AWS: not a finding.
                "Integration": {"Type": "AWS", "Uri": {"Fn::GetAtt": ["Queue", "QueueName"]}},
            },
        },
    }
}


def test_doctor_names_each_unemulated_resource_and_exits_non_zero(
    assembly_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_assembly(assembly_dir, {"Dev-App": TEMPLATE})
    code = main(
        ["doctor", "--cdk-out", str(assembly_dir), "--stage", "Dev", "--region", "eu-west-1"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "Bucket (AWS::S3::Bucket): resource type not emulated" in out
    assert "NodeFn: runtime nodejs22.x is not emulated" in out
    assert "Queue" not in out
    assert "Chat" not in out  # WebSocket APIs are served
    assert "HttpApi (AWS::ApiGatewayV2::Api): HTTP APIs (API Gateway v2" in out


def test_routes_lists_method_auth_and_integration(
    assembly_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_assembly(assembly_dir, {"Dev-App": TEMPLATE})
    main(["routes", "--cdk-out", str(assembly_dir), "--stage", "Dev", "--region", "eu-west-1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Dev/Dev-App")
    assert lines[1].split()[:4] == ["GET", "/", "NONE", "AWS"]


def test_render_prints_one_mapping_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "t.vtl"
    template.write_text('{"name": "$input.path(\'$.name\')", "id": "$input.params(\'id\')"}')
    body = tmp_path / "body.json"
    body.write_text('{"name": "lobby"}')
    params = '{"path": {"id": "7"}, "querystring": {}, "header": {}}'
    main(["render", "--template", str(template), "--body", str(body), "--params", params])
    assert json.loads(capsys.readouterr().out) == {"name": "lobby", "id": "7"}


def test_token_is_issued_by_the_pool_of_the_served_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a runtime serving us-east-1 of a stage that also has a pool in eu-west-1
    from cdk_local_gateway.tokens import load_key, new_signing_key, save_key
    from joserfc import jwt

    save_key(new_signing_key(), tmp_path / "key.json")
    pools = {
        f"{region}/{region}_p": {"region": region, "pool_id": f"{region}_p", "client_ids": ["c"]}
        for region in ("eu-west-1", "us-east-1")
    }
    state = {"region": "us-east-1", "user_pools": pools, "signing_key": str(tmp_path / "key.json")}
    (tmp_path / "endpoints.json").write_text(json.dumps(state))
    # When a Cognito token is asked for
    main(["token", "--user", "bob", "--state-dir", str(tmp_path)])
    token = capsys.readouterr().out.strip()
    # Then the served region's pool issued it
    claims = jwt.decode(token, load_key(tmp_path / "key.json")).claims
    assert claims["iss"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_p"
