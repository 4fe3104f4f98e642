"""POST /ingest: the SQS SendMessage request and the 202 response."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from tests.templates.conftest import recorded
from tests.templates.vtl import Input, render


def test_send_message_carries_the_url_encoded_body_and_request_id(
    context: dict[str, Any],
) -> None:
    # Given a partner message with characters that are special in a form body
    body = json.dumps({"room_id": "r1", "user_id": "p-1", "body": "a+b & c=d 100% ü"})

    # When the request template renders the SQS form body
    rendered = render("ingest_request", request=Input(body=body), context=context)

    # Then it is one well-formed form: SendMessage with the exact JSON body as MessageBody
    form = parse_qs(rendered, strict_parsing=True)
    assert form["Action"] == ["SendMessage"]
    assert form["MessageBody"] == [body]
    assert form["MessageAttribute.1.Name"] == ["request_id"]
    assert form["MessageAttribute.1.Value.DataType"] == ["String"]
    assert form["MessageAttribute.1.Value.StringValue"] == [context["requestId"]]
    assert "\n" not in rendered


def test_the_author_is_the_callers_api_key_never_a_field_of_the_body(
    context: dict[str, Any],
) -> None:
    # Given a partner (API key id k7Qx9) whose body names someone else as the author
    context = {**context, "identity": {"apiKeyId": "k7Qx9"}}
    body = json.dumps({"room_id": "r1", "body": "hi", "user_id": "admin"})

    # When the request template renders the SQS form body
    rendered = render("ingest_request", request=Input(body=body), context=context)

    # Then the message carries the API key id as an attribute the partner cannot set ...
    form = parse_qs(rendered, strict_parsing=True)
    attributes = {
        form[f"MessageAttribute.{n}.Name"][0]: (
            form[f"MessageAttribute.{n}.Value.DataType"][0],
            form[f"MessageAttribute.{n}.Value.StringValue"][0],
        )
        for n in (1, 2)
    }
    assert attributes["partner_key_id"] == ("String", "k7Qx9")
    # ... and the body travels unchanged: the consumer ignores no field silently, it refuses
    # a body with user_id (the API's model refuses it first)
    assert form["MessageBody"] == [body]


def test_response_is_accepted_with_the_sqs_message_id(context: dict[str, Any]) -> None:
    request = Input(body=recorded("sqs_send_message_response"))
    body = json.loads(render("ingest_response", request=request, context=context))
    assert body == {"accepted": True, "message_id": "9d8a2d3c-6a8e-4c9b-8f0e-1b2c3d4e5f60"}
