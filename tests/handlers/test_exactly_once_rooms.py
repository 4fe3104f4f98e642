"""Idempotency-Key under lost responses (issue 10 item 11): DynamoDB applies a write but its
answer is lost (tests/handlers/faults.py resets the connection after moto applied it).

Two retry points are tried for each write: botocore's own retry inside the invocation (one
response lost), and the API client's retry with the same key after the invocation failed
(every response lost until the proxy heals). Either way the write happens once and the retry
gets the original result.

A request whose every answer was lost leaves the region skipped by the table's breaker
(pydynamodel ``RegionBreaker``) for its window: the client's retry comes once the network has
healed and the window has passed (measured on a manual clock, so nothing waits).
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from domain.runtime import get_table, install_table
from handlers.rest import rooms
from tests.handlers.conftest import TABLE, rest_event
from tests.handlers.faults import LossyProxy, ManualClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.conftest import FakeLambdaContext
    from tests.handlers.conftest import HttpResult

ROOM_WRITE = "ROOM#"
"""Every write of a room, its messages or its collection names the room's partition."""


@pytest.fixture(scope="module")
def lossy_proxy(aws_env: dict[str, str]) -> Iterator[LossyProxy]:
    """One proxy for the module: stopping a proxy waits out its server's poll interval (up
    to 0.5 s), once here rather than after every test."""
    with LossyProxy(aws_env["DYNAMODB_ENDPOINT_URL"]) as proxy:
        yield proxy


@pytest.fixture
def lossy(aws_env: dict[str, str], lossy_proxy: LossyProxy) -> Iterator[LossyProxy]:
    """The handlers' table behind the LossyProxy for one test, which starts with no loss and
    nothing recorded (a fresh table object, as in a new container; the next test gets the
    direct endpoint back)."""
    lossy_proxy.reset()
    os.environ["DYNAMODB_ENDPOINT_URL"] = lossy_proxy.url
    install_table(None)
    get_table().breaker.clock = ManualClock()
    try:
        yield lossy_proxy
    finally:
        lossy_proxy.reset()
        os.environ["DYNAMODB_ENDPOINT_URL"] = aws_env["DYNAMODB_ENDPOINT_URL"]
        install_table(None)


def recover(proxy: LossyProxy) -> None:
    """The network heals, and the client retries once the breaker's window has passed."""
    proxy.heal()
    breaker = get_table().breaker
    assert isinstance(breaker.clock, ManualClock)
    breaker.clock.advance(breaker.seconds)


def rooms_named(ddb: Any, name: str) -> list[dict[str, Any]]:
    """Every stored room with this name (consistent scan of the whole table)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": TABLE,
        "FilterExpression": "#e = :room AND #n = :name",
        "ExpressionAttributeNames": {"#e": "entity", "#n": "name"},
        "ExpressionAttributeValues": {":room": {"S": "Room"}, ":name": {"S": name}},
        "ConsistentRead": True,
    }
    while True:
        page = ddb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def messages_of(ddb: Any, room_id: str) -> list[dict[str, Any]]:
    response = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues={":pk": {"S": f"ROOM#{room_id}"}, ":msg": {"S": "MSG#"}},
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = response["Items"]
    return items


def create_event(name: str, key: str | None) -> dict[str, Any]:
    return rest_event("rooms_create.json", body={"name": name}, headers={"Idempotency-Key": key})


def a_room(invoke: Callable[..., HttpResult]) -> dict[str, Any]:
    result = invoke(rooms.handler, create_event(f"room-{uuid.uuid4().hex}", None))
    assert result.status == 201
    room: dict[str, Any] = result.body
    return room


def patch_event(room_id: str, key: str | None, name: str = "Renamed") -> dict[str, Any]:
    return rest_event(
        "room_update.json",
        path=f"/rooms/{room_id}",
        body={"name": name},
        headers={"If-Match": '"1"', "Idempotency-Key": key},
    )


# ---------------------------------------------------------------------------- create
def test_create_whose_response_is_lost_once_creates_one_room_and_answers_201(
    invoke: Callable[..., HttpResult], lossy: LossyProxy, ddb: Any
) -> None:
    # Given the room write's first response will be lost (botocore retries it)
    name = f"lost-once-{uuid.uuid4().hex}"
    lossy.lose(contains=ROOM_WRITE)

    # When a room is created with an Idempotency-Key
    result = invoke(rooms.handler, create_event(name, str(uuid.uuid4())))

    # Then the answer is the created room, and exactly one room exists
    assert result.status == 201, result.body
    assert [item["room_id"]["S"] for item in rooms_named(ddb, name)] == [result.body["room_id"]]


def test_create_without_a_key_whose_response_is_lost_once_is_still_201(
    invoke: Callable[..., HttpResult], lossy: LossyProxy, ddb: Any
) -> None:
    # Given the room write's first response will be lost (botocore retries it)
    name = f"lost-once-nokey-{uuid.uuid4().hex}"
    lossy.lose(contains=ROOM_WRITE)

    # When a room is created without an Idempotency-Key
    result = invoke(rooms.handler, create_event(name, None))

    # Then the retry inside the invocation recognises its own write: 201, one room
    assert result.status == 201, result.body
    assert [item["room_id"]["S"] for item in rooms_named(ddb, name)] == [result.body["room_id"]]


def test_create_retried_by_the_client_after_every_response_was_lost_returns_the_first_room(
    invoke: Callable[..., HttpResult], lossy: LossyProxy, ddb: Any
) -> None:
    # Given every response of the room write is lost, so the invocation fails
    name = f"lost-all-{uuid.uuid4().hex}"
    key = str(uuid.uuid4())
    lossy.lose(contains=ROOM_WRITE, times=None)
    failed = invoke(rooms.handler, create_event(name, key))
    assert failed.status == 503, failed.body
    stored = rooms_named(ddb, name)
    assert len(stored) == 1  # applied, though nobody heard of it

    # When the network heals and the client retries with the same key, twice
    recover(lossy)
    retry = invoke(rooms.handler, create_event(name, key))
    again = invoke(rooms.handler, create_event(name, key))

    # Then both retries answer 201 with the room the first request created, and no other
    assert retry.status == again.status == 201, retry.body
    assert retry.body["room_id"] == again.body["room_id"] == stored[0]["room_id"]["S"]
    assert retry.headers["Location"] == f"/rooms/{stored[0]['room_id']['S']}"
    assert len(rooms_named(ddb, name)) == 1
    # And the replayed answer is the room as stored, to the microsecond
    get = rest_event("room_get.json", path=f"/rooms/{retry.body['room_id']}")
    assert invoke(rooms.handler, get).body == retry.body


# ---------------------------------------------------------------------------- patch
def test_patch_whose_response_is_lost_once_answers_the_updated_room(
    invoke: Callable[..., HttpResult], lossy: LossyProxy
) -> None:
    # Given a room at version 1 whose next write's first response will be lost
    room = a_room(invoke)
    lossy.lose(contains=ROOM_WRITE)

    # When it is renamed with If-Match "1" and an Idempotency-Key
    result = invoke(rooms.handler, patch_event(room["room_id"], str(uuid.uuid4())))

    # Then the answer is the updated room (not 412), applied once
    assert result.status == 200, result.body
    assert result.body["name"] == "Renamed"
    assert result.body["version"] == 2
    assert result.headers["ETag"] == '"2"'


def test_patch_without_a_key_whose_response_is_lost_once_answers_the_updated_room(
    invoke: Callable[..., HttpResult], lossy: LossyProxy
) -> None:
    # Given a room at version 1 whose next write's first response will be lost
    room = a_room(invoke)
    lossy.lose(contains=ROOM_WRITE)

    # When it is renamed with If-Match "1" and no Idempotency-Key
    result = invoke(rooms.handler, patch_event(room["room_id"], None))

    # Then the retry inside the invocation recognises its own write: 200, version 2
    assert result.status == 200, result.body
    assert result.body["version"] == 2


def test_patch_retried_by_the_client_after_every_response_was_lost_answers_the_updated_room(
    invoke: Callable[..., HttpResult], lossy: LossyProxy
) -> None:
    # Given a room whose rename was applied while every response was lost
    room = a_room(invoke)
    key = str(uuid.uuid4())
    lossy.lose(contains=ROOM_WRITE, times=None)
    assert invoke(rooms.handler, patch_event(room["room_id"], key)).status == 503

    # When the network heals and the client retries with the same key and If-Match "1"
    recover(lossy)
    retry = invoke(rooms.handler, patch_event(room["room_id"], key))

    # Then it gets the room as its rename left it (not 412), and the rename happened once
    assert retry.status == 200, retry.body
    assert retry.body["name"] == "Renamed"
    assert retry.body["version"] == 2
    current = invoke(rooms.handler, rest_event("room_get.json", path=f"/rooms/{room['room_id']}"))
    assert current.body == retry.body


def test_a_key_reused_for_another_change_is_409(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a rename made with a key
    room = a_room(invoke)
    key = str(uuid.uuid4())
    assert invoke(rooms.handler, patch_event(room["room_id"], key)).status == 200

    # When the same key comes with another name
    result = invoke(rooms.handler, patch_event(room["room_id"], key, name="Other"))

    # Then it conflicts with the first request and changes nothing
    assert result.status == 409
    assert result.body["error"]["fields"][0]["path"] == "headers.Idempotency-Key"


# ---------------------------------------------------------------------------- delete
def test_delete_retried_by_the_client_after_every_response_was_lost_answers_204(
    invoke: Callable[..., HttpResult], lossy: LossyProxy
) -> None:
    # Given a room whose delete was applied while every response was lost
    room = a_room(invoke)
    path = f"/rooms/{room['room_id']}"
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    lossy.lose(contains=ROOM_WRITE, times=None)
    failed = invoke(rooms.handler, rest_event("room_delete.json", path=path, headers=headers))
    assert failed.status == 503, failed.body

    # When the network heals and the client retries with the same key
    recover(lossy)
    retry = invoke(rooms.handler, rest_event("room_delete.json", path=path, headers=headers))

    # Then the retry answers as the first delete would have (204, not 404) and the room is gone
    assert retry.status == 204, retry.body
    assert invoke(rooms.handler, rest_event("room_get.json", path=path)).status == 404


# ---------------------------------------------------------------------------- messages
def message_event(room_id: str, key: str) -> dict[str, Any]:
    return rest_event(
        "messages_create.json",
        path=f"/rooms/{room_id}/messages",
        body={"body": "exactly once"},
        headers={"Idempotency-Key": key},
    )


@pytest.mark.parametrize("lost", [1, None], ids=["lost-once", "lost-until-healed"])
def test_message_whose_response_is_lost_is_stored_once_and_the_retry_returns_it(
    invoke: Callable[..., HttpResult], lossy: LossyProxy, ddb: Any, lost: int | None
) -> None:
    # Given a room, and a message post whose write responses are lost
    room = a_room(invoke)
    key = str(uuid.uuid4())
    lossy.lose(contains=ROOM_WRITE, times=lost)
    first = invoke(rooms.handler, message_event(room["room_id"], key))

    # When the client retries with the same key after the network healed
    recover(lossy)
    retry = invoke(rooms.handler, message_event(room["room_id"], key))

    # Then the room holds one message, counted once, and the retry returns that message
    stored = messages_of(ddb, room["room_id"])
    assert len(stored) == 1
    assert retry.status == 201, retry.body
    assert retry.body["message_id"] == stored[0]["message_id"]["S"]
    if first.status == 201:
        assert first.body == retry.body
    read = invoke(rooms.handler, rest_event("room_get.json", path=f"/rooms/{room['room_id']}"))
    assert read.body["message_count"] == 1


def test_message_without_a_key_whose_response_is_lost_once_is_stored_once(
    invoke: Callable[..., HttpResult], lossy: LossyProxy, ddb: Any
) -> None:
    # Given a room, and a message post whose write's first response is lost
    room = a_room(invoke)
    lossy.lose(contains=ROOM_WRITE)

    # When the message is posted without an Idempotency-Key
    event = rest_event(
        "messages_create.json",
        path=f"/rooms/{room['room_id']}/messages",
        body={"body": "no key"},
        headers={"Idempotency-Key": None},
    )
    result = invoke(rooms.handler, event)

    # Then the SDK's retry inside the invocation recognises its own message: 201, one message
    assert result.status == 201, result.body
    assert [m["message_id"]["S"] for m in messages_of(ddb, room["room_id"])] == [
        result.body["message_id"]
    ]


def test_a_partner_message_whose_write_answer_is_lost_is_stored_once_when_sqs_redelivers(
    invoke: Callable[..., HttpResult],
    lossy: LossyProxy,
    ddb: Any,
    lambda_context: FakeLambdaContext,
) -> None:
    from handlers.rest import ingest_consumer
    from tests.handlers.test_ingest_consumer import sqs_event

    # Given a room, and an ingested record whose message write is applied but every answer to
    # it is lost (the consumer cannot tell it worked)
    room = a_room(invoke)
    event = sqs_event([{"room_id": room["room_id"], "body": "from the partner"}])
    lossy.lose(contains=ROOM_WRITE, times=None)
    ingest_consumer.handler(event, lambda_context)

    # When the answers come back and SQS delivers the same record again
    recover(lossy)
    result = ingest_consumer.handler(event, lambda_context)

    # Then the redelivery succeeds and the room holds the message once
    assert result == {"batchItemFailures": []}
    assert len(messages_of(ddb, room["room_id"])) == 1
