"""The SQS consumer of POST /ingest (handlers.rest.ingest_consumer)."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from handlers.rest import ingest_consumer, rooms
from tests.handlers.conftest import TABLE, load_event, new_id, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import FakeLambdaContext, HttpResult


def sqs_event(bodies: list[Any], ids: list[str] | None = None) -> dict[str, Any]:
    """Records with the given bodies; message ids are fresh unless given."""
    template = load_event("sqs_ingest.json")["Records"][0]
    ids = ids or [str(uuid.uuid4()) for _ in bodies]
    records = []
    for message_id, body in zip(ids, bodies, strict=True):
        record = dict(template)
        record["messageId"] = message_id
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        records.append(record)
    return {"Records": records}


def messages_in(ddb: Any, room_id: str) -> list[dict[str, Any]]:
    result = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues={":pk": {"S": f"ROOM#{room_id}"}, ":msg": {"S": "MSG#"}},
    )
    items: list[dict[str, Any]] = result["Items"]
    return items


def test_valid_records_are_written_and_invalid_ones_reported(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext, ddb: Any
) -> None:
    # Given a room and a batch mixing two valid records with invalid ones
    room_id = invoke(
        rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    ).body["room_id"]
    event = sqs_event(
        [
            {"room_id": room_id, "user_id": "partner-1", "body": "one"},
            "{not json",
            {"room_id": new_id(), "user_id": "partner-1", "body": "unknown room"},
            {"room_id": room_id, "user_id": "partner-2", "body": "two"},
            {"room_id": room_id, "user_id": "partner-1", "body": "x", "extra": 1},
            {"room_id": room_id, "user_id": "partner-1", "body": ""},
        ]
    )

    # When the consumer processes the batch
    result = ingest_consumer.handler(event, lambda_context)

    # Then only the invalid records are reported for retry, and the valid ones are messages
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    ids = [r["messageId"] for r in event["Records"]]
    assert failed == [ids[1], ids[2], ids[4], ids[5]]
    bodies = sorted(item["body"]["S"] for item in messages_in(ddb, room_id))
    assert bodies == ["one", "two"]


def test_all_valid_batch_reports_no_failures(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext
) -> None:
    # Given a batch of valid records for an existing room
    room_id = invoke(
        rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    ).body["room_id"]
    event = sqs_event([{"room_id": room_id, "user_id": "p", "body": "hello"}])

    # When it is processed
    result = ingest_consumer.handler(event, lambda_context)

    # Then nothing is reported as failed
    assert result == {"batchItemFailures": []}


def test_redelivered_record_posts_the_message_once(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext, ddb: Any
) -> None:
    # Given a record that was already processed once
    room_id = invoke(
        rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    ).body["room_id"]
    event = sqs_event([{"room_id": room_id, "user_id": "p", "body": "once"}])
    ingest_consumer.handler(event, lambda_context)

    # When SQS delivers the same message again
    result = ingest_consumer.handler(event, lambda_context)

    # Then it succeeds without writing a second message
    assert result == {"batchItemFailures": []}
    assert len(messages_in(ddb, room_id)) == 1
