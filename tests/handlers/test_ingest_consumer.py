"""The SQS consumer of POST /ingest (handlers.rest.ingest_consumer)."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from handlers.rest import ingest_consumer, rooms
from tests.handlers.conftest import TABLE, load_event, new_id, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import FakeLambdaContext
    from tests.handlers.conftest import HttpResult


PARTNER_KEY = "k7Qx9partner"


def partner_attribute(key_id: str) -> dict[str, Any]:
    """The message attribute the ingest request template sets from the caller's API key."""
    return {
        "partner_key_id": {
            "stringValue": key_id,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }


def sqs_event(
    bodies: list[Any], ids: list[str] | None = None, partner: str | None = PARTNER_KEY
) -> dict[str, Any]:
    """Records with the given bodies, sent through POST /ingest by API key ``partner`` (no
    key attribute when ``None``); message ids are fresh unless given."""
    template = load_event("sqs_ingest.json")["Records"][0]
    ids = ids or [str(uuid.uuid4()) for _ in bodies]
    records = []
    for message_id, body in zip(ids, bodies, strict=True):
        record = dict(template)
        record["messageId"] = message_id
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        record["messageAttributes"] = {} if partner is None else partner_attribute(partner)
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
            {"room_id": room_id, "body": "one"},
            "{not json",
            {"room_id": new_id(), "body": "unknown room"},
            {"room_id": room_id, "body": "two"},
            {"room_id": room_id, "body": "x", "extra": 1},
            {"room_id": room_id, "body": ""},
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
    event = sqs_event([{"room_id": room_id, "body": "hello"}])

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
    event = sqs_event([{"room_id": room_id, "body": "once"}])
    ingest_consumer.handler(event, lambda_context)

    # When SQS delivers the same message again
    result = ingest_consumer.handler(event, lambda_context)

    # Then it succeeds without writing a second message
    assert result == {"batchItemFailures": []}
    assert len(messages_in(ddb, room_id)) == 1


def test_the_message_is_written_as_the_partner_whose_api_key_sent_it(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext, ddb: Any
) -> None:
    # Given a room and a message queued through POST /ingest with partner key k7Qx9partner
    room_id = invoke(
        rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    ).body["room_id"]
    event = sqs_event([{"room_id": room_id, "body": "from a partner"}])

    # When the consumer processes it
    result = ingest_consumer.handler(event, lambda_context)

    # Then the message's author is that partner, in a namespace no user id can take
    assert result == {"batchItemFailures": []}
    (message,) = messages_in(ddb, room_id)
    assert message["user_id"]["S"] == f"partner:{PARTNER_KEY}"


def test_a_record_without_the_partner_identity_or_naming_an_author_is_refused(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext, ddb: Any
) -> None:
    # Given a room, a record that did not come through the API (no key attribute), one whose
    # key attribute is not an API key id, and one whose body claims to be another user
    room_id = invoke(
        rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    ).body["room_id"]
    anonymous = sqs_event([{"room_id": room_id, "body": "who am I"}], partner=None)
    forged = sqs_event([{"room_id": room_id, "body": "odd key"}], partner="k#1 or admin")
    claims = sqs_event([{"room_id": room_id, "body": "as admin", "user_id": "admin"}])

    # When the consumer processes them
    results = [ingest_consumer.handler(e, lambda_context) for e in (anonymous, forged, claims)]

    # Then every record is reported failed and no message is written
    for event, result in zip((anonymous, forged, claims), results, strict=True):
        failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
        assert failed == [event["Records"][0]["messageId"]]
    assert messages_in(ddb, room_id) == []
