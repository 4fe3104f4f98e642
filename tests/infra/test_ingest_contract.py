"""POST /ingest refuses (400) every body its queue consumer would refuse, so a malformed
partner message never enters the queue, never reaches the dead-letter queue and pages no one.

The synthesized ``Ingest`` model is checked with an independent JSON Schema (draft-04)
validator against the consumer's own validation, body by body.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from domain.errors import ValidationFailed
from domain.validation import PARTNER_MESSAGE, check_id
from serverless_api_constructs.rest.defaults import DEAD_LETTER_ALARM_MESSAGES
from tests.infra.rest_methods import DEV, PROD, logical_id_of, method

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

BODIES: list[Any] = [
    {"room_id": "01JDQ8Y2ZK3N5V7W9X1A2B3C4D", "body": "hello"},
    {"room_id": "general_chat-2", "body": "x" * 4000},
    {"room_id": "r", "body": "ü <script> 🎉"},
    # the author is the caller's API key, never the body
    {"room_id": "r1", "body": "hi", "user_id": "someone-else"},
    {"room_id": "room#1", "body": "a key separator in the id"},
    {"room_id": "room 1", "body": "a space"},
    {"room_id": "r1\n", "body": "a trailing newline"},
    {"room_id": "x" * 65, "body": "too long an id"},
    {"room_id": "", "body": "empty id"},
    {"room_id": "r1", "body": ""},
    {"room_id": "r1", "body": "x" * 4001},
    {"room_id": "r1"},
    {"body": "no room"},
    {"room_id": 7, "body": "a number"},
    {"room_id": "r1", "body": ["not", "text"]},
    ["not", "an", "object"],
    "just a string",
]


def _ingest_schema(stacks: StackTemplates, stack: str) -> dict[str, Any]:
    properties = method(stacks, stack, "POST", "/ingest")
    (model,) = properties["RequestModels"].values()
    schema: dict[str, Any] = stacks[stack]["Resources"][model["Ref"]]["Properties"]["Schema"]
    return schema


def _consumer_accepts(body: Any) -> bool:
    try:
        data = PARTNER_MESSAGE.validate(body)
        check_id(data["room_id"], "body.room_id")
    except ValidationFailed:
        return False
    return True


@pytest.mark.parametrize("stack", [DEV, PROD])
@pytest.mark.parametrize("body", BODIES, ids=lambda b: json.dumps(b)[:40])
def test_the_api_admits_exactly_the_bodies_the_consumer_accepts(
    stacks: StackTemplates, stack: str, body: Any
) -> None:
    validator = Draft4Validator(_ingest_schema(stacks, stack))
    assert validator.is_valid(body) == _consumer_accepts(body)


def test_some_bodies_pass_and_some_are_refused() -> None:
    # The parametrized property above is vacuous unless both outcomes occur.
    outcomes = {_consumer_accepts(body) for body in BODIES}
    assert outcomes == {True, False}


@pytest.mark.parametrize("stack", [DEV, PROD])
def test_ingest_validates_the_body_before_queuing_and_needs_an_api_key(
    stacks: StackTemplates, stack: str
) -> None:
    properties = method(stacks, stack, "POST", "/ingest")
    validator = logical_id_of(
        stacks, stack, "AWS::ApiGateway::RequestValidator", ValidateRequestBody=True
    )
    assert properties["RequestValidatorId"] == {"Ref": validator}
    assert properties["ApiKeyRequired"] is True


@pytest.mark.parametrize("stack", [DEV, PROD])
def test_one_dead_letter_does_not_page_a_pile_of_them_does(
    stacks: StackTemplates, stack: str
) -> None:
    # Given the ingest dead-letter queue (the queue no other queue redrives into)
    queues = stacks.resources(stack, "AWS::SQS::Queue")
    (ingest,) = (q["Properties"] for q in queues.values() if "RedrivePolicy" in q["Properties"])
    dlq = ingest["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    (alarm,) = (
        a["Properties"]
        for a in stacks.resources(stack, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and a["Properties"]["Dimensions"][0]["Value"] == {"Fn::GetAtt": [dlq, "QueueName"]}
    )

    # Then it alarms when more than 10 messages wait, and says where the runbook is
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == DEAD_LETTER_ALARM_MESSAGES == 10
    assert "docs/operations.md" in alarm["AlarmDescription"]
