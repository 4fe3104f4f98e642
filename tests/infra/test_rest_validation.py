"""Request validation (validators + JSON Schema models) and API Gateway's own error responses."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
from aws_cdk.assertions import Match
from cdk_local_gateway.apigw.gateway_responses import render_gateway_response

from contract.rest import ROUTES, Route
from contract.schemas import REQUEST_SCHEMAS as REQUEST_MODELS
from tests.infra.rest_methods import DEV, PROD, REST_STACKS, logical_id_of, method

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from tests.infra.templates import StackTemplates

VALIDATOR = "AWS::ApiGateway::RequestValidator"
BODY_ROUTES = [r for r in ROUTES if r.body_model is not None]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_bodies_are_validated_against_their_model(stacks: StackTemplates, route: Route) -> None:
    properties = method(stacks, DEV, route.method, route.path)
    validator = logical_id_of(
        stacks, DEV, VALIDATOR, ValidateRequestBody=True, ValidateRequestParameters=True
    )
    assert properties["RequestValidatorId"] == {"Ref": validator}
    (model_ref,) = properties["RequestModels"].values()
    schema = stacks[DEV]["Resources"][model_ref["Ref"]]["Properties"]["Schema"]
    assert schema["title"] == route.body_model


def test_required_path_parameters_are_validated(stacks: StackTemplates) -> None:
    properties = method(stacks, DEV, "GET", "/rooms/{room_id}")
    validator = logical_id_of(
        stacks, DEV, VALIDATOR, ValidateRequestBody=False, ValidateRequestParameters=True
    )
    assert properties["RequestValidatorId"] == {"Ref": validator}
    assert properties["RequestParameters"] == {"method.request.path.room_id": True}


def test_if_match_is_left_to_the_handler_which_answers_428(stacks: StackTemplates) -> None:
    # A gateway-required header would answer 400; the contract wants 428 from the handler.
    properties = method(stacks, DEV, "PATCH", "/rooms/{room_id}")
    assert properties["RequestParameters"]["method.request.header.If-Match"] is False


@pytest.mark.parametrize("name", sorted(REQUEST_MODELS))
def test_models_are_draft4_schemas_refusing_unknown_properties(
    stacks: StackTemplates, name: str
) -> None:
    models = stacks.resources(DEV, "AWS::ApiGateway::Model").values()
    (schema,) = (
        m["Properties"]["Schema"] for m in models if m["Properties"]["Schema"]["title"] == name
    )
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["additionalProperties"] is False
    expected = REQUEST_MODELS[name]
    assert schema.get("required", []) == expected.get("required", [])
    for field, rules in expected["properties"].items():
        assert schema["properties"][field] == rules


def test_create_room_model_bounds_name_and_description(stacks: StackTemplates) -> None:
    models = stacks.resources(DEV, "AWS::ApiGateway::Model").values()
    (schema,) = (
        m["Properties"]["Schema"]
        for m in models
        if m["Properties"]["Schema"]["title"] == "CreateRoom"
    )
    name = dict(schema["properties"]["name"])
    not_blank = re.compile(name.pop("pattern"))
    assert name == {"type": "string", "minLength": 1, "maxLength": 100}
    assert schema["properties"]["description"] == {
        "type": "string",
        "minLength": 0,
        "maxLength": 1000,
    }
    assert schema["required"] == ["name"]
    # A name must hold a character that is not blank (API Gateway's pattern search)
    assert not_blank.search("general")
    assert not_blank.search("  a ")
    assert not not_blank.search(" \t\u3000")


GATEWAY_RESPONSES = {
    "DEFAULT_4XX": ("400", "BadRequest"),
    "DEFAULT_5XX": ("500", "InternalError"),
    "THROTTLED": ("429", "Throttled"),
    "UNAUTHORIZED": ("401", "Unauthorized"),
    "ACCESS_DENIED": ("403", "Forbidden"),
    "BAD_REQUEST_BODY": ("400", "ValidationFailed"),
    "BAD_REQUEST_PARAMETERS": ("400", "ValidationFailed"),
    "MISSING_AUTHENTICATION_TOKEN": ("403", "Forbidden"),
    "REQUEST_TOO_LARGE": ("413", "PayloadTooLarge"),
    "QUOTA_EXCEEDED": ("429", "Throttled"),
    "WAF_FILTERED": ("403", "Forbidden"),
}


@pytest.mark.parametrize("response_type", sorted(GATEWAY_RESPONSES))
def test_gateway_errors_use_the_service_error_json_with_cors(
    template: Callable[[str], Template], response_type: str
) -> None:
    status, code = GATEWAY_RESPONSES[response_type]
    template(DEV).has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": response_type,
            "StatusCode": status,
            "ResponseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                "gatewayresponse.header.Content-Type": "'application/json'",
            },
            "ResponseTemplates": {
                "application/json": Match.string_like_regexp(
                    f'"code": "{code}".*"request_id": "\\$context.requestId"'
                )
            },
        },
    )


#: What API Gateway reports for a body missing ``name`` (a misspelt ``nme``): the details
#: hold double quotes, and gateway response templates substitute them without escaping.
QUOTED_DETAILS = '[object has missing required properties (["name"])]'
VALIDATION_MESSAGES = {
    "BAD_REQUEST_BODY": "Invalid request body",
    "BAD_REQUEST_PARAMETERS": "Missing required request parameters: [room_id]",
}


@pytest.mark.parametrize("stack", REST_STACKS)
def test_every_gateway_error_renders_as_json_whatever_the_validator_says(
    stacks: StackTemplates, stack: str
) -> None:
    # Given every gateway response of the API, rendered by API Gateway's plain substitution
    # with validator details that contain double quotes
    responses = stacks.resources(stack, "AWS::ApiGateway::GatewayResponse").values()
    assert responses
    for response in responses:
        properties = response["Properties"]
        response_type = properties["ResponseType"]
        message = VALIDATION_MESSAGES.get(response_type, 'Unauthorized "token"')
        context = {
            "requestId": "r-1",
            "error": {"message": message, "validationErrorString": QUOTED_DETAILS},
        }
        body = render_gateway_response(
            properties["ResponseTemplates"]["application/json"],
            context=context,
            stage_variables={},
            params={},
        )

        # Then the client gets the service's error JSON, carrying API Gateway's message
        error = json.loads(body)["error"]
        assert error["message"] == message, response_type
        assert error["request_id"] == "r-1"
        assert set(error) <= {"code", "message", "fields", "request_id"}
        if response_type in VALIDATION_MESSAGES:
            assert error["code"] == "ValidationFailed"
            (field,) = error["fields"]
            assert set(field) == {"path", "message"}
            assert all(isinstance(v, str) and v for v in field.values())


def test_prod_error_responses_name_the_prod_origin(template: Callable[[str], Template]) -> None:
    template(PROD).has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "DEFAULT_4XX",
            "ResponseParameters": Match.object_like(
                {
                    "gatewayresponse.header.Access-Control-Allow-Origin": (
                        "'https://app.example.com'"
                    )
                }
            ),
        },
    )
