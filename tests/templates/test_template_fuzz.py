"""Property tests: whatever a client sends, the mapping templates emit valid JSON (or a valid
form body) that carries the input unchanged, so no input can break out of its string."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz import fuzz_examples
from tests.templates.vtl import Input, render

CONTEXT: dict[str, Any] = {
    "requestId": "req-1",
    "stage": "v1",
    "requestTime": "24/Nov/2026:20:00:00 +0000",
    "authorizer": {"principalId": "user-1"},
}
# Any text API Gateway can hand over: quotes, backslashes, control characters, emoji ...
# (the utf-8 codec leaves out lone surrogates, which no HTTP request can carry).
TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
NUMBERS = st.from_regex(r"[0-9]{1,6}", fullmatch=True)
FUZZ = settings(max_examples=fuzz_examples(200), deadline=None)


@FUZZ
@given(room_id=TEXT, days=st.one_of(TEXT, NUMBERS))
def test_report_event_is_json_carrying_room_and_days_verbatim(room_id: str, days: str) -> None:
    request = Input(path_params={"room_id": room_id}, query={"days": days})
    event = json.loads(render("report_request", request=request, context=CONTEXT))
    assert event["room_id"] == room_id
    assert event["user_id"] == "user-1"
    expected: object = 7 if days == "" else int(days) if _digits(days) else days
    assert event["days"] == expected


def _digits(value: str) -> bool:
    # Plain JSON numbers only: no leading zero (007 is not JSON), at most 4 digits.
    return value.isascii() and value.isdigit() and value[0] != "0" and len(value) <= 4


@FUZZ
@given(cursor=TEXT.filter(bool))
def test_a_cursor_that_is_not_base64_yields_an_empty_start_key(cursor: str) -> None:
    # Given any cursor text; when it is not canonical base64 DynamoDB gets an empty sort key,
    # which it refuses with a 400 (mapped to "Invalid limit or cursor"), never a mapping error.
    request = Input(path_params={"room_id": "r1"}, query={"cursor": cursor})
    query = json.loads(render("messages_request", TABLE_NAME="t", request=request, context=CONTEXT))
    start = query["ExclusiveStartKey"]["sk"]["S"]
    try:
        decoded = base64.b64decode(cursor, validate=True).decode(errors="replace")
    except ValueError:
        assert start == ""
    else:
        assert start in (decoded, "")


@FUZZ
@given(room_id=TEXT, limit=st.one_of(TEXT, NUMBERS), cursor_key=TEXT.filter(bool))
def test_messages_query_stays_in_the_room_whatever_the_input(
    room_id: str, limit: str, cursor_key: str
) -> None:
    cursor = base64.b64encode(cursor_key.encode()).decode()
    request = Input(path_params={"room_id": room_id}, query={"limit": limit, "cursor": cursor})
    query = json.loads(render("messages_request", TABLE_NAME="t", request=request, context=CONTEXT))
    assert set(query) == {
        "TableName",
        "KeyConditionExpression",
        "ExpressionAttributeValues",
        "ExclusiveStartKey",
        "ScanIndexForward",
        "Limit",
    }
    assert query["TableName"] == "t"
    assert query["ExpressionAttributeValues"][":pk"] == {"S": f"ROOM#{room_id}"}
    assert query["ExclusiveStartKey"] == {
        "pk": {"S": f"ROOM#{room_id}"},
        "sk": {"S": cursor_key},
    }
    assert 1 <= query["Limit"] <= 100


@FUZZ
@given(bodies=st.lists(TEXT, max_size=4), user=TEXT)
def test_messages_response_round_trips_every_body(bodies: list[str], user: str) -> None:
    items = [
        {
            "room_id": {"S": "r1"},
            "message_id": {"S": f"m{i}"},
            "user_id": {"S": user},
            "body": {"S": body},
            "created_at": {"S": "2026-11-24T20:00:00.000000+00:00"},
        }
        for i, body in enumerate(bodies)
    ]
    request = Input(body=json.dumps({"Items": items}))
    page = json.loads(render("messages_response", request=request, context=CONTEXT))
    assert [item["body"] for item in page["items"]] == bodies
    assert {item["user_id"] for item in page["items"]} <= {user}
    assert page["next_cursor"] is None


@FUZZ
@given(message=TEXT)
def test_report_errors_round_trip_the_message_after_the_tag(message: str) -> None:
    error = json.dumps({"errorMessage": f"[NotFound] {message}"})
    body = json.loads(
        render("report_error", CODE="NotFound", request=Input(body=error), context=CONTEXT)
    )
    assert body["error"]["message"] == message.lstrip()
    assert body["error"]["code"] == "NotFound"


@FUZZ
@given(text=TEXT)
def test_ingest_form_body_carries_the_request_body_verbatim(text: str) -> None:
    body = json.dumps({"room_id": "r1", "user_id": "p1", "body": text}, ensure_ascii=False)
    form = parse_qs(render("ingest_request", request=Input(body=body), context=CONTEXT))
    assert form["MessageBody"] == [body]
    assert form["Action"] == ["SendMessage"]
