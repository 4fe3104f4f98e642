"""Gateway responses: the documented defaults, the 4XX/5XX fallback, plain substitution.

Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

from __future__ import annotations

import pytest
from cdk_local_gateway.apigw import (
    DEFAULT_RESPONSES,
    render_gateway_response,
    resolve_gateway_response,
)

DOCUMENTED_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}


@pytest.mark.parametrize(("response_type", "status"), DOCUMENTED_STATUS.items())
def test_every_type_has_its_documented_status(response_type: str, status: int) -> None:
    assert DEFAULT_RESPONSES[response_type][0] == status
    assert resolve_gateway_response(response_type, {}).status == status


def test_an_uncustomised_type_takes_the_fallback_templates_and_headers() -> None:
    # Given only DEFAULT_4XX customised (as CDK's addGatewayResponse writes it),
    configured = {
        "DEFAULT_4XX": {
            "ResponseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            "ResponseTemplates": {"application/json": '{"error":$context.error.messageString}'},
        }
    }
    # when a 4XX type is answered, then it keeps its status and takes the fallback's rest;
    response = resolve_gateway_response("UNAUTHORIZED", configured)
    assert response.status == 401
    assert response.headers == {"Access-Control-Allow-Origin": "'*'"}
    assert response.templates == {"application/json": '{"error":$context.error.messageString}'}
    # a 5XX type does not.
    assert resolve_gateway_response("INTEGRATION_TIMEOUT", configured).headers == {}


def test_a_fallback_status_code_replaces_the_types_own() -> None:
    # "Changing the status code of this fallback gateway response changes the status codes of
    # all other 4XX responses to the new value."
    configured = {"DEFAULT_4XX": {"StatusCode": "400"}}
    assert resolve_gateway_response("THROTTLED", configured).status == 400


def test_a_customised_type_wins_over_the_fallback() -> None:
    configured: dict[str, dict[str, object]] = {
        "DEFAULT_4XX": {"StatusCode": "400"},
        "UNAUTHORIZED": {"ResponseTemplates": {"application/json": '{"m":"no"}'}},
    }
    response = resolve_gateway_response("UNAUTHORIZED", configured)
    assert (response.status, response.templates) == (401, {"application/json": '{"m":"no"}'})


def test_templates_substitute_context_stage_variables_and_request_parameters() -> None:
    template = (
        '{"message":$context.error.messageString,"type":"$context.error.responseType",'
        '"details":"$context.error.validationErrorString","stage":"$stageVariables.s",'
        '"origin":"method.request.header.origin"}'
    )
    body = render_gateway_response(
        template,
        context={
            "error": {
                "message": 'bad "input"',
                "responseType": "BAD_REQUEST_BODY",
                "validationErrorString": "[x]",
            }
        },
        stage_variables={"s": "dev"},
        params={"header": {"Origin": "https://a"}},
    )
    assert body == (
        '{"message":"bad \\"input\\"","type":"BAD_REQUEST_BODY","details":"[x]",'
        '"stage":"dev","origin":"https://a"}'
    )


def test_a_null_message_renders_as_json_null() -> None:
    body = render_gateway_response(
        DEFAULT_RESPONSES["AUTHORIZER_FAILURE"][1],
        context={"error": {"message": None}},
        stage_variables={},
        params={},
    )
    assert body == '{"message":null}'
