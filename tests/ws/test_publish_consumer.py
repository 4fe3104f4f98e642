"""The consumer of the publish queue stores and delivers queued frames like send does."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.models import Message
from handlers.ws import publish_consumer, runtime
from tests.fuzz import fuzz_examples
from tests.ws.conftest import load_event

if TYPE_CHECKING:
    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint


def sqs_event(body: str | None = None, connection_id: str | None = "conn-1") -> dict[str, Any]:
    event = copy.deepcopy(load_event("sqs_publish"))
    record = event["Records"][0]
    if body is not None:
        record["body"] = body
    if connection_id is None:
        del record["messageAttributes"]["connectionId"]
    else:
        record["messageAttributes"]["connectionId"]["stringValue"] = connection_id
    return event


@pytest.fixture
def member(ws: Client) -> Client:
    ws.create_room("lobby")
    ws.connect("conn-1", user_id="user-1")
    ws.connect("conn-2", user_id="user-2")
    ws.frame("conn-1", action="join", room_id="lobby")
    ws.frame("conn-2", action="join", room_id="lobby")
    return ws


def test_a_queued_frame_is_stored_and_delivered_to_the_room(
    member: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given a recorded SQS event carrying a publish frame of conn-1
    # When the consumer handles it
    result = publish_consumer.handler(sqs_event(), member.context)
    # Then no record failed, the message is stored and both members receive it
    assert result == {"batchItemFailures": []}
    [frame] = endpoint_a.frames_for("conn-2")
    assert (frame["body"], frame["user_id"]) == ("queued hello", "user-1")
    stored = runtime.table().get(Message, room_id="lobby", message_id=frame["message_id"])
    assert stored.body == "queued hello"
    assert endpoint_a.receivers() == {"conn-1", "conn-2"}


@pytest.mark.parametrize(
    ("body", "connection_id"),
    [
        ("not json", "conn-1"),
        (json.dumps({"action": "publish", "room_id": "lobby"}), "conn-1"),
        (json.dumps({"action": "publish", "room_id": "lobby", "body": "hi"}), "stranger"),
        (json.dumps({"action": "publish", "room_id": "lobby", "body": "hi"}), None),
        (json.dumps({"action": "send", "room_id": "lobby", "body": "hi"}), "conn-1"),
    ],
    ids=["not-json", "no-body", "not-a-member", "no-connection-id", "not-a-publish-frame"],
)
def test_a_bad_queued_frame_is_dropped_without_retry_or_write(
    member: Client, endpoint_a: ManagementEndpoint, body: str, connection_id: str | None
) -> None:
    # Given a queued frame that can never succeed
    before = member.items()
    # When the consumer handles it
    result = publish_consumer.handler(sqs_event(body, connection_id), member.context)
    # Then it is not retried (no batch item failure), nothing is written or delivered
    assert result == {"batchItemFailures": []}
    assert member.items() == before
    assert endpoint_a.receivers() == set()


def test_a_database_outage_fails_only_that_record_for_retry(
    member: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB is unreachable (a closed loopback port)
    from tests.conftest import free_port

    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    runtime.table.cache_clear()
    # When the consumer handles a record
    result = publish_consumer.handler(sqs_event(), member.context)
    # Then that record is reported as failed, so SQS retries it (then dead-letters it)
    assert result == {
        "batchItemFailures": [{"itemIdentifier": sqs_event()["Records"][0]["messageId"]}]
    }


@settings(
    max_examples=fuzz_examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1")))
def test_any_queued_body_that_is_not_a_valid_frame_is_dropped_quietly(
    ws: Client, endpoint_a: ManagementEndpoint, body: str
) -> None:
    # Given a member (set up once) and a queued record with an arbitrary body
    if not hasattr(ws, "baseline"):
        ws.create_room("lobby")
        ws.connect("conn-1")
        ws.frame("conn-1", action="join", room_id="lobby")
        endpoint_a.reset()
        ws.baseline = ws.items()  # type: ignore[attr-defined]
    # When the consumer handles it
    result = publish_consumer.handler(sqs_event(body), ws.context)
    # Then it never raises or asks for a retry, and writes or delivers nothing
    assert result == {"batchItemFailures": []}
    assert ws.items() == ws.baseline  # type: ignore[attr-defined]
    assert endpoint_a.receivers() == set()
