"""REST rooms routes (handlers.rest.rooms) through recorded proxy events on moto."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.models import Membership, Message
from domain.runtime import get_table
from handlers.rest import rooms
from tests.handlers.conftest import TABLE, USER, new_id, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import HttpResult


def create(invoke: Callable[..., HttpResult], name: str = "General", **headers: str) -> Any:
    event = rest_event("rooms_create.json", body={"name": name}, headers={"Idempotency-Key": None})
    for key, value in headers.items():
        event["headers"][key.replace("_", "-")] = value
    result = invoke(rooms.handler, event)
    assert result.status == 201, result.body
    return result.body


def test_create_room_returns_201_with_location_and_room_json(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a create-room request from a Cognito user
    event = rest_event("rooms_create.json", headers={"Idempotency-Key": None})

    # When the handler runs
    result = invoke(rooms.handler, event)

    # Then the room comes back with version 1, the caller as creator and its Location
    assert result.status == 201
    room = result.body
    assert room["name"] == "General"
    assert room["description"] == "Everything else"
    assert room["created_by"] == USER
    assert room["version"] == 1
    assert room["message_count"] == 0
    assert result.headers["Location"] == f"/rooms/{room['room_id']}"
    assert result.headers["Access-Control-Allow-Origin"] == "*"


def test_get_room_returns_room_with_etag(invoke: Callable[..., HttpResult]) -> None:
    # Given an existing room
    room = create(invoke)

    # When it is read
    result = invoke(rooms.handler, rest_event("room_get.json", path=f"/rooms/{room['room_id']}"))

    # Then it is the same room, with its version as a quoted ETag
    assert result.status == 200
    assert result.body == room
    assert result.headers["ETag"] == '"1"'


def test_get_unknown_room_is_404_error_json(invoke: Callable[..., HttpResult]) -> None:
    # Given an id no room has
    event = rest_event("room_get.json", path=f"/rooms/{new_id()}")

    # When it is read
    result = invoke(rooms.handler, event)

    # Then the answer is the standard error JSON
    assert result.status == 404
    assert result.body["error"]["code"] == "NotFound"
    assert result.body["error"]["request_id"] == event["requestContext"]["requestId"]


def test_list_rooms_pages_through_every_room_once(invoke: Callable[..., HttpResult]) -> None:
    # Given five new rooms
    created = {create(invoke, f"page-{i}")["room_id"] for i in range(5)}

    # When the list is read two rooms at a time until next_cursor is null
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        result = invoke(rooms.handler, rest_event("rooms_list.json", query=query))
        assert result.status == 200
        assert len(result.body["items"]) <= 2
        seen += [item["room_id"] for item in result.body["items"]]
        pages += 1
        cursor = result.body["next_cursor"]
        if cursor is None:
            break

    # Then every new room appears exactly once, over several pages
    assert pages >= 3
    assert len(seen) == len(set(seen))
    assert created <= set(seen)


def test_list_rooms_rejects_a_tampered_cursor(invoke: Callable[..., HttpResult]) -> None:
    # Given a real cursor with one character changed
    create(invoke)
    create(invoke)
    first = invoke(rooms.handler, rest_event("rooms_list.json", query={"limit": "1"}))
    cursor = first.body["next_cursor"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]

    # When it is sent back
    result = invoke(rooms.handler, rest_event("rooms_list.json", query={"cursor": tampered}))

    # Then it is a validation error on query.cursor
    assert result.status == 400
    assert result.body["error"]["fields"][0]["path"] == "query.cursor"


def test_partner_route_lists_rooms_like_get_rooms(invoke: Callable[..., HttpResult]) -> None:
    # Given an API-key caller on /partner/rooms
    create(invoke)

    # When the partner lists rooms
    result = invoke(rooms.handler, rest_event("partner_rooms_list.json"))

    # Then it gets the same page shape as GET /rooms
    assert result.status == 200
    assert set(result.body) == {"items", "next_cursor"}
    assert result.body["items"]


def test_update_with_current_etag_changes_room_and_bumps_version(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a room at version 1
    room = create(invoke)

    # When it is renamed with If-Match "1"
    event = rest_event(
        "room_update.json",
        path=f"/rooms/{room['room_id']}",
        body={"name": "Renamed", "description": "new"},
        headers={"If-Match": '"1"'},
    )
    result = invoke(rooms.handler, event)

    # Then the room has the new values, version 2 and a new ETag
    assert result.status == 200
    assert result.body["name"] == "Renamed"
    assert result.body["description"] == "new"
    assert result.body["version"] == 2
    assert result.headers["ETag"] == '"2"'


def test_update_with_stale_etag_is_412(invoke: Callable[..., HttpResult]) -> None:
    # Given a room already updated to version 2
    room = create(invoke)
    path = f"/rooms/{room['room_id']}"
    invoke(rooms.handler, rest_event("room_update.json", path=path, headers={"If-Match": '"1"'}))

    # When another client updates with the old ETag
    event = rest_event(
        "room_update.json", path=path, body={"name": "Late"}, headers={"If-Match": '"1"'}
    )
    result = invoke(rooms.handler, event)

    # Then the update is refused with 412 and the room keeps the first change
    assert result.status == 412
    assert result.body["error"]["code"] == "PreconditionFailed"
    current = invoke(rooms.handler, rest_event("room_get.json", path=path))
    assert current.body["name"] == "Renamed"


def test_update_without_if_match_is_428(invoke: Callable[..., HttpResult]) -> None:
    # Given a room
    room = create(invoke)

    # When it is updated without If-Match
    event = rest_event(
        "room_update.json", path=f"/rooms/{room['room_id']}", headers={"If-Match": None}
    )
    result = invoke(rooms.handler, event)

    # Then the server asks for the precondition
    assert result.status == 428
    assert result.body["error"]["code"] == "PreconditionRequired"
    assert result.body["error"]["fields"][0]["path"] == "headers.If-Match"


def test_update_unknown_room_is_404(invoke: Callable[..., HttpResult]) -> None:
    # Given an id no room has
    event = rest_event("room_update.json", path=f"/rooms/{new_id()}")

    # When it is updated
    result = invoke(rooms.handler, event)

    # Then it is not found (not a precondition failure)
    assert result.status == 404


def test_delete_room_then_get_is_404(invoke: Callable[..., HttpResult]) -> None:
    # Given a room
    room = create(invoke)
    path = f"/rooms/{room['room_id']}"

    # When it is deleted
    result = invoke(rooms.handler, rest_event("room_delete.json", path=path))

    # Then the answer is 204 without body and the room is gone
    assert result.status == 204
    assert result.body is None
    assert invoke(rooms.handler, rest_event("room_get.json", path=path)).status == 404


def test_delete_unknown_room_is_404(invoke: Callable[..., HttpResult]) -> None:
    # Given an id no room has
    event = rest_event("room_delete.json", path=f"/rooms/{new_id()}")

    # When it is deleted
    result = invoke(rooms.handler, event)

    # Then it is not found
    assert result.status == 404


def test_delete_with_stale_if_match_is_412_and_keeps_room(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a room at version 1
    room = create(invoke)
    path = f"/rooms/{room['room_id']}"

    # When it is deleted with If-Match "7"
    result = invoke(
        rooms.handler, rest_event("room_delete.json", path=path, headers={"If-Match": '"7"'})
    )

    # Then the delete is refused and the room still exists
    assert result.status == 412
    assert invoke(rooms.handler, rest_event("room_get.json", path=path)).status == 200


def room_with_collection(invoke: Callable[..., HttpResult], messages: int = 30) -> str:
    """A room with ``messages`` messages and two memberships (more than one 25-item batch)."""
    room_id: str = create(invoke)["room_id"]
    get_table().batch_save(
        [Message(room_id=room_id, user_id=USER, body=f"m{i}") for i in range(messages)]
        + [
            Membership(
                room_id=room_id,
                connection_id=f"conn-{i}",
                user_id=USER,
                region="eu-west-1",
                endpoint="https://ws.example.com/dev",
            )
            for i in range(2)
        ]
    )
    return room_id


def partition(ddb: Any, room_id: str) -> list[str]:
    """The sort keys of every item left in the room's partition, whatever its entity."""
    response = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ROOM#{room_id}"}},
        ConsistentRead=True,
    )
    return [item["sk"]["S"] for item in response["Items"]]


def test_delete_room_removes_its_messages_and_memberships(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a room with 30 messages and 2 memberships
    room_id = room_with_collection(invoke)
    assert len(partition(ddb, room_id)) == 33

    # When it is deleted
    result = invoke(rooms.handler, rest_event("room_delete.json", path=f"/rooms/{room_id}"))

    # Then nothing with its partition key remains
    assert result.status == 204
    assert partition(ddb, room_id) == []


def test_delete_with_stale_if_match_deletes_nothing_of_the_collection(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a room at version 1 with messages and memberships
    room_id = room_with_collection(invoke, messages=3)

    # When it is deleted with If-Match "7"
    event = rest_event("room_delete.json", path=f"/rooms/{room_id}", headers={"If-Match": '"7"'})
    result = invoke(rooms.handler, event)

    # Then the delete is refused before anything went: room, messages and memberships remain
    assert result.status == 412
    assert len(partition(ddb, room_id)) == 6


def test_a_retried_delete_finishes_an_interrupted_sweep(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a room whose item was deleted but whose messages and memberships were left over
    # (as when a delete times out mid-sweep)
    room_id = room_with_collection(invoke, messages=3)
    ddb.delete_item(TableName=TABLE, Key={"pk": {"S": f"ROOM#{room_id}"}, "sk": {"S": "META"}})

    # When the client retries the delete
    result = invoke(rooms.handler, rest_event("room_delete.json", path=f"/rooms/{room_id}"))

    # Then the room is reported gone and its leftovers are deleted too
    assert result.status == 404
    assert partition(ddb, room_id) == []


def test_unknown_route_is_404_error_json(invoke: Callable[..., HttpResult]) -> None:
    # Given a path the resolver does not serve
    event = rest_event("room_get.json", path="/nowhere")

    # When it reaches the handler
    result = invoke(rooms.handler, event)

    # Then it is a NotFound error JSON with CORS headers
    assert result.status == 404
    assert result.body["error"]["code"] == "NotFound"
    assert "Access-Control-Allow-Origin" in result.headers
