"""GET /rooms/{room_id}/messages: the DynamoDB Query request and its response mapping."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.templates.conftest import recorded
from tests.templates.vtl import Input, render

TABLE = "Dev-Data-Table-ABC123"


def _query(context: dict[str, Any], room_id: str = "01HZROOM", **query: str) -> dict[str, Any]:
    request = Input(path_params={"room_id": room_id}, query=query)
    rendered = render("messages_request", TABLE_NAME=TABLE, request=request, context=context)
    value: dict[str, Any] = json.loads(rendered)
    return value


def test_query_reads_the_rooms_messages_newest_first(context: dict[str, Any]) -> None:
    assert _query(context) == {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
        "ExpressionAttributeValues": {":pk": {"S": "ROOM#01HZROOM"}, ":msg": {"S": "MSG#"}},
        "ScanIndexForward": False,
        "Limit": 20,
    }


@pytest.mark.parametrize(("limit", "expected"), [("1", 1), ("50", 50), ("100", 100)])
def test_limit_within_1_to_100_is_used(context: dict[str, Any], limit: str, expected: int) -> None:
    assert _query(context, limit=limit)["Limit"] == expected


@pytest.mark.parametrize("limit", ["0", "101", "-5", "abc", '20, "Select": "COUNT"'])
def test_any_other_limit_falls_back_to_20(context: dict[str, Any], limit: str) -> None:
    query = _query(context, limit=limit)
    assert query["Limit"] == 20
    assert "Select" not in query


def test_cursor_continues_within_the_same_room(context: dict[str, Any]) -> None:
    # Given the cursor of a previous page (base64 of the last message's sort key)
    cursor = base64.b64encode(b"MSG#01HZMSG0001").decode()

    # Then the query starts after that message, in the room of the path only
    assert _query(context, cursor=cursor)["ExclusiveStartKey"] == {
        "pk": {"S": "ROOM#01HZROOM"},
        "sk": {"S": "MSG#01HZMSG0001"},
    }


def test_a_forged_cursor_cannot_inject_query_fields(context: dict[str, Any]) -> None:
    forged = base64.b64encode(b'x"}}, "TableName": "Other", "a": {"b": {"S": "').decode()
    query = _query(context, cursor=forged)
    assert query["TableName"] == TABLE
    assert query["ExclusiveStartKey"]["pk"] == {"S": "ROOM#01HZROOM"}


def test_room_id_cannot_escape_the_key_condition(context: dict[str, Any]) -> None:
    query = _query(context, room_id='x"}, ":pk2": {"S": "CONN#')
    assert query["ExpressionAttributeValues"][":pk"] == {"S": 'ROOM#x"}, ":pk2": {"S": "CONN#'}


def test_a_cursor_that_is_not_base64_gives_dynamodb_an_empty_key(context: dict[str, Any]) -> None:
    query = _query(context, cursor="not base64!")
    assert query["ExclusiveStartKey"]["sk"] == {"S": ""}


def test_response_maps_items_to_the_message_json(context: dict[str, Any]) -> None:
    # Given a recorded Query result with a body full of characters that need escaping
    request = Input(body=recorded("dynamodb_query_messages"))

    # When the response template renders it
    page = json.loads(render("messages_response", request=request, context=context))

    # Then items have exactly the Message shape of the Lambda routes, newest first
    assert page["items"] == [
        {
            "room_id": "01HZROOM",
            "message_id": "01HZMSG0002",
            "user_id": "user-2",
            "body": 'It\'s "quoted", multi\nline & </script> ünïcode',
            "created_at": "2026-11-24T20:01:00.000000+00:00",
        },
        {
            "room_id": "01HZROOM",
            "message_id": "01HZMSG0001",
            "user_id": "user-1",
            "body": "hello",
            "created_at": "2026-11-24T20:00:00.000000+00:00",
        },
    ]
    # And next_cursor is the base64 of the last evaluated sort key
    assert base64.b64decode(page["next_cursor"]) == b"MSG#01HZMSG0001"


def test_last_page_has_a_null_cursor(context: dict[str, Any]) -> None:
    request = Input(body=recorded("dynamodb_query_last_page"))
    page = json.loads(render("messages_response", request=request, context=context))
    assert page == {"items": [], "next_cursor": None}
