"""POST /rooms/{room_id}/messages and idempotent creates (handlers.rest.rooms)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from handlers.rest import rooms
from tests.handlers.conftest import TABLE, USER, item_count, new_id, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import HttpResult


def create_room(invoke: Callable[..., HttpResult]) -> Any:
    event = rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    return invoke(rooms.handler, event).body


def messages_path(room_id: str) -> str:
    return f"/rooms/{room_id}/messages"


def test_post_message_returns_201_and_counts_it_on_the_room(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a room
    room = create_room(invoke)

    # When a message is posted to it
    event = rest_event(
        "messages_create.json",
        path=messages_path(room["room_id"]),
        body={"body": "hi"},
        headers={"Idempotency-Key": None},
    )
    result = invoke(rooms.handler, event)

    # Then the message JSON comes back and the room's counter moved to 1
    assert result.status == 201
    assert result.body["room_id"] == room["room_id"]
    assert result.body["user_id"] == USER
    assert result.body["body"] == "hi"
    assert len(result.body["message_id"]) == 26
    read = invoke(rooms.handler, rest_event("room_get.json", path=f"/rooms/{room['room_id']}"))
    assert read.body["message_count"] == 1


def test_post_message_to_unknown_room_is_404_and_writes_nothing(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a room id nobody created
    before = item_count(ddb)
    event = rest_event("messages_create.json", path=messages_path(new_id()))

    # When a message is posted there
    result = invoke(rooms.handler, event)

    # Then it is 404 and the table holds no message nor idempotency record
    assert result.status == 404
    assert result.body["error"]["code"] == "NotFound"
    assert item_count(ddb) == before


def test_create_room_twice_with_same_key_creates_one_room_and_replays_response(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a create request with an Idempotency-Key
    key = str(uuid.uuid4())
    first = invoke(rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": key}))
    after_first = item_count(ddb)

    # When the client retries it with the same key
    retry = invoke(rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": key}))

    # Then the retry gets the same status, body and Location, and nothing new is written
    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert retry.headers["Location"] == first.headers["Location"]
    assert item_count(ddb) == after_first
    rooms_with_name = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ROOM#{first.body['room_id']}"}},
    )
    assert rooms_with_name["Count"] == 1


def test_same_key_from_another_user_creates_another_room(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a key already used by one user
    key = str(uuid.uuid4())
    mine = invoke(rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": key}))

    # When another user sends the same key
    other_event = rest_event("rooms_create.json", headers={"Idempotency-Key": key}, user="bob")
    theirs = invoke(rooms.handler, other_event)

    # Then each gets a room of their own (the key is scoped to user and route)
    assert theirs.status == 201
    assert theirs.body["room_id"] != mine.body["room_id"]


def test_same_key_with_a_different_body_is_409(invoke: Callable[..., HttpResult]) -> None:
    # Given a key already used to create "General"
    key = str(uuid.uuid4())
    invoke(rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": key}))

    # When it is reused for another room name
    headers = {"Idempotency-Key": key}
    event = rest_event("rooms_create.json", body={"name": "Other"}, headers=headers)
    result = invoke(rooms.handler, event)

    # Then the request conflicts with the first one
    assert result.status == 409
    assert result.body["error"]["code"] == "Conflict"


def test_message_retry_with_same_key_writes_one_message(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a room and a message posted with an Idempotency-Key
    room = create_room(invoke)
    key = str(uuid.uuid4())
    path = messages_path(room["room_id"])
    headers = {"Idempotency-Key": key}
    first = invoke(rooms.handler, rest_event("messages_create.json", path=path, headers=headers))
    after_first = item_count(ddb)

    # When the post is retried
    retry = invoke(rooms.handler, rest_event("messages_create.json", path=path, headers=headers))

    # Then the same message comes back, nothing is written and the counter stays at 1
    assert retry.status == first.status == 201
    assert retry.body == first.body
    assert item_count(ddb) == after_first
    read = invoke(rooms.handler, rest_event("room_get.json", path=f"/rooms/{room['room_id']}"))
    assert read.body["message_count"] == 1
