"""validationErrorString wordings observed on deployed API Gateway, and the parameter rule.

Observed: a public AWS Synthetics canary (Flagright's, api.flagright.com) asserts
``$context.error.validationErrorString`` returned by its deployed REST API for each case below
(found through code search; schemas reconstructed to the minimum that produces the error).
Parameters: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
("The required request parameters ... are included and not blank").
"""

from __future__ import annotations

import json

import pytest
from cdk_local_gateway.apigw import validate_body, validate_parameters
from cdk_local_gateway.apigw.validation import body_validation_errors, select_model

TRANSACTION = {
    "type": "object",
    "required": ["timestamp", "transactionId", "type"],
    "properties": {
        "timestamp": {"type": "number", "minimum": 315529200000},
        "transactionId": {"type": "string"},
        "type": {"type": "string"},
        "state": {
            "type": "string",
            "enum": ["CREATED", "PROCESSING", "SENT", "EXPIRED", "DECLINED"],
        },
        "method": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"method": {"enum": ["CARD"]}},
                    "required": ["method"],
                },
                {
                    "type": "object",
                    "properties": {"method": {"enum": ["ACH"]}},
                    "required": ["method"],
                },
            ]
        },
    },
}
VALID = {"timestamp": 1664985327329, "transactionId": "t-1", "type": "REFUND"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"timestamp": 1},
            "[numeric instance is lower than the required minimum"
            " (minimum: 315529200000, found: 1)]",
        ),
        (
            {"timestamp": "1664985327329"},
            "[instance type (string) does not match any allowed primitive type"
            ' (allowed: ["integer","number"])]',
        ),
        (
            {"transactionId": True},
            "[instance type (boolean) does not match any allowed primitive type"
            ' (allowed: ["string"])]',
        ),
        (
            {"state": "INVALID"},
            '[instance value ("INVALID") not found in enum (possible values: '
            '["CREATED","PROCESSING","SENT","EXPIRED","DECLINED"])]',
        ),
        (
            {"method": {"method": "INVALID"}},
            "[instance failed to match exactly one schema (matched 0 out of 2)]",
        ),
    ],
)
def test_body_errors_read_as_on_api_gateway(change: dict[str, object], expected: str) -> None:
    # Given a body breaking one rule of the model, when validated,
    body = json.dumps({**VALID, **change})
    # then the request fails with API Gateway's message and details.
    assert validate_body(TRANSACTION, body) == "Invalid request body"
    assert body_validation_errors(TRANSACTION, body) == expected


def test_an_empty_object_lists_every_missing_property_sorted() -> None:
    assert body_validation_errors(TRANSACTION, "{}") == (
        '[object has missing required properties (["timestamp","transactionId","type"])]'
    )


def test_a_valid_body_passes() -> None:
    assert validate_body(TRANSACTION, json.dumps(VALID)) is None


def test_a_blank_required_parameter_is_missing() -> None:
    required = {"method.request.querystring.limit": True, "method.request.header.X-Key": True}
    assert validate_parameters(
        required, {"querystring": {"limit": ""}, "header": {"X-Key": "k"}}
    ) == ("Missing required request parameters: [limit]")
    assert (
        validate_parameters(required, {}) == "Missing required request parameters: [limit, X-Key]"
    )


def test_the_model_is_chosen_by_content_type_with_default_as_fallback() -> None:
    # Request validation guide: no matching content type, no validation; "$default" matches all.
    models = {"application/json": "Json"}
    assert select_model(models, "application/json; charset=utf-8") == "Json"
    assert select_model(models, None) == "Json"
    assert select_model(models, "text/plain") is None
    assert select_model({"$default": "Any"}, "text/plain") == "Any"
