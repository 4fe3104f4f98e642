"""The OpenAPI document generated from the route table: valid, and the same API as deployed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from openapi_spec_validator import validate

from contract.schemas import REQUEST_SCHEMAS as REQUEST_MODELS
from stacks.rest.openapi import ANY_METHOD, openapi_document, write_openapi_documents
from tests.infra.rest_methods import DEV, PROD, PROD_REPLICA, methods

if TYPE_CHECKING:
    from pathlib import Path

    from tests.infra.templates import StackTemplates

STACK_REGIONS = [
    (DEV, "Dev", "eu-west-1"),
    (PROD, "Prod", "eu-west-1"),
    (PROD_REPLICA, "Prod", "us-east-1"),
]


def _document(stage: str, region: str) -> dict[str, Any]:
    return openapi_document(stage=stage, region=region)


@pytest.mark.parametrize(("stack", "stage", "region"), STACK_REGIONS)
def test_document_is_valid_openapi_3(stack: str, stage: str, region: str) -> None:
    document = _document(stage, region)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert f".execute-api.{region}.amazonaws.com/v1" in document["servers"][0]["url"]


@pytest.mark.parametrize(("stack", "stage", "region"), STACK_REGIONS)
def test_document_has_exactly_the_deployed_paths_and_methods(
    stacks: StackTemplates, stack: str, stage: str, region: str
) -> None:
    documented = {
        ("ANY" if verb == ANY_METHOD else verb.upper(), path)
        for path, operations in _document(stage, region)["paths"].items()
        for verb in operations
    }
    deployed = {m for m in methods(stacks, stack) if m[0] != "OPTIONS"}
    assert documented == deployed


def test_request_schemas_are_the_models_api_gateway_validates(stacks: StackTemplates) -> None:
    schemas = _document("Dev", "eu-west-1")["components"]["schemas"]
    deployed = {
        m["Properties"]["Schema"]["title"]: m["Properties"]["Schema"]
        for m in stacks.resources(DEV, "AWS::ApiGateway::Model").values()
    }
    assert set(deployed) == set(REQUEST_MODELS)
    for name, schema in deployed.items():
        gateway = {k: v for k, v in schema.items() if k not in ("$schema", "title")}
        assert gateway == schemas[name], name


def test_operations_reference_the_deployed_body_model(stacks: StackTemplates) -> None:
    document = _document("Dev", "eu-west-1")
    deployed = methods(stacks, DEV)
    models = stacks[DEV]["Resources"]
    for path, operations in document["paths"].items():
        for verb, operation in operations.items():
            http_method = "ANY" if verb == ANY_METHOD else verb.upper()
            request_models = deployed[(http_method, path)].get("RequestModels")
            if "requestBody" not in operation:
                assert request_models is None, (http_method, path)
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert request_models is not None, (http_method, path)
            (model,) = request_models.values()
            title = models[model["Ref"]]["Properties"]["Schema"]["title"]
            assert ref == f"#/components/schemas/{title}"


def test_security_matches_the_deployed_authorization(stacks: StackTemplates) -> None:
    expected: dict[str, list[dict[str, list[str]]]] = {
        "NONE": [],
        "COGNITO_USER_POOLS": [{"CognitoUserPool": []}],
        "AWS_IAM": [{"SigV4": []}],
        "CUSTOM": [{"BearerToken": []}],
    }
    deployed = methods(stacks, DEV)
    for path, operations in _document("Dev", "eu-west-1")["paths"].items():
        for verb, operation in operations.items():
            properties = deployed[("ANY" if verb == ANY_METHOD else verb.upper(), path)]
            security = (
                [{"PartnerApiKey": []}]
                if properties["ApiKeyRequired"]
                else expected[properties["AuthorizationType"]]
            )
            assert operation["security"] == security, (verb, path)


def test_synth_hook_writes_one_document_per_stage_and_region(tmp_path: Path) -> None:
    # When the documents of two stages are written
    written = write_openapi_documents(
        [("Dev", ["eu-west-1"]), ("Prod", ["eu-west-1", "us-east-1"])], tmp_path / "openapi"
    )

    # Then there is one valid file per stage and region
    assert sorted(p.name for p in written) == [
        "Dev-eu-west-1.json",
        "Prod-eu-west-1.json",
        "Prod-us-east-1.json",
    ]
    for path in written:
        validate(json.loads(path.read_text()))
