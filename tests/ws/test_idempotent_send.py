"""Idempotent send: a retry after a failure at any step stores nothing new.

``send`` stores the message, then broadcasts, then answers. When any step after the store
fails (a throttled read, the function dying mid-broadcast, a failure after the broadcast), the
client retries with the same ``client_id`` (or SQS redelivers the same record). Each retry
must answer with the original message id, keep exactly one message (and one count) in the
table, and deliver that message id to each member at most once per attempt.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

import pydynamodel
from domain.messages import MessageReceipt
from domain.models import Message, Room
from domain.realtime import rooms
from handlers.ws import publish_consumer, runtime
from tests.ws.conftest import load_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint

MEMBERS = ("conn-a", "conn-b", "conn-c")
SEND = {"action": "send", "room_id": "lobby", "body": "only once", "client_id": "c-42"}


@pytest.fixture
def lobby(ws: Client, endpoint_a: ManagementEndpoint) -> Client:
    """Three members of the lobby, each its own user; nothing delivered yet."""
    ws.create_room("lobby")
    for i, connection_id in enumerate(MEMBERS):
        ws.connect(connection_id, user_id=f"user-{i}")
        ws.frame(connection_id, action="join", room_id="lobby")
    endpoint_a.reset()
    return ws


def deliveries(endpoint: ManagementEndpoint) -> dict[str, Counter[str]]:
    """Message ids each member received since the endpoint was last reset."""
    return {c: Counter(f["message_id"] for f in endpoint.frames_for(c)) for c in MEMBERS}


def stored_messages() -> list[Message]:
    return runtime.table().query(Message, room_id="lobby").items


def fail_once(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, error: Exception
) -> Callable[[], int]:
    """Make ``owner.name`` raise ``error`` on its first call only; returns a call counter."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return lambda: calls["n"]


def assert_retry_replays_the_one_message(
    lobby: Client, endpoint_a: ManagementEndpoint, first_attempt: dict[str, Counter[str]]
) -> None:
    """The shared Then: every member got the message id at most once in the failed attempt;
    the retry answers with the one stored message and delivers it to every member once."""
    assert all(n == 1 for counts in first_attempt.values() for n in counts.values())
    endpoint_a.reset()
    ack = lobby.frame("conn-a", **SEND)
    [message] = stored_messages()
    assert (ack["action"], ack["message_id"], ack["replayed"]) == ("sent", message.message_id, True)
    assert deliveries(endpoint_a) == {c: Counter({message.message_id: 1}) for c in MEMBERS}
    assert runtime.table().get(Room, room_id="lobby").message_count == 1


def test_send_requires_a_client_id(lobby: Client) -> None:
    # Given a member, When it sends without a client_id (its idempotency key)
    reply = lobby.frame("conn-a", action="send", room_id="lobby", body="hi")
    # Then the frame is refused naming the field, and nothing is stored
    assert (reply["error"], reply["field"]) == ("missing_field", "client_id")
    assert stored_messages() == []


def test_a_first_send_is_not_a_replay(lobby: Client, endpoint_a: ManagementEndpoint) -> None:
    ack = lobby.frame("conn-a", **SEND)
    assert (ack["replayed"], ack["client_id"]) == (False, "c-42")
    assert [m.message_id for m in stored_messages()] == [ack["message_id"]]


def test_a_retry_after_a_failure_after_the_store_stores_nothing_new(
    lobby: Client, endpoint_a: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given reading the room's members is throttled once, right after the message is stored
    fail_once(monkeypatch, rooms, "members", pydynamodel.Throttled("throttled"))
    # When the member sends, the send is answered "unavailable" (retry later); and the client
    # retries with the same client_id
    reply = lobby.frame("conn-a", **SEND)
    assert (reply["action"], reply["error"]) == ("error", "unavailable")
    first = deliveries(endpoint_a)
    assert len(stored_messages()) == 1
    assert first == {c: Counter() for c in MEMBERS}
    # Then the retry delivers the one stored message to everyone, once
    assert_retry_replays_the_one_message(lobby, endpoint_a, first)


def test_a_retry_after_a_failure_during_the_broadcast_stores_nothing_new(
    lobby: Client, endpoint_a: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function dies after posting to the first member (a timeout mid-broadcast)
    broadcaster = runtime.broadcaster()

    def dies_after_one(recipients: Any, data: bytes, *args: Any, **kwargs: Any) -> Any:
        broadcaster.post(recipients[0], data)
        raise TimeoutError("Task timed out")

    monkeypatch.setattr(broadcaster, "deliver", _first_call(dies_after_one, broadcaster.deliver))
    # When the member sends and the send dies, and the client retries
    with pytest.raises(TimeoutError):
        lobby.frame("conn-a", **SEND)
    first = deliveries(endpoint_a)
    assert sum(len(c) for c in first.values()) == 1
    # Then each member got it at most once per attempt, and the table holds one message
    assert_retry_replays_the_one_message(lobby, endpoint_a, first)


def test_a_retry_after_a_failure_after_the_broadcast_stores_nothing_new(
    lobby: Client, endpoint_a: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function fails after the broadcast, before its answer (the ack is lost)
    fail_once(monkeypatch, runtime, "record_delivery", TimeoutError("Task timed out"))
    # When the member sends, everyone receives it but the sender gets no ack, and it retries
    with pytest.raises(TimeoutError):
        lobby.frame("conn-a", **SEND)
    first = deliveries(endpoint_a)
    [message] = stored_messages()
    assert first == {c: Counter({message.message_id: 1}) for c in MEMBERS}
    # Then the retry answers with the same message id (delivered again: at least once)
    assert_retry_replays_the_one_message(lobby, endpoint_a, first)


def test_a_throttled_stale_cleanup_does_not_fail_the_send(
    lobby: Client, endpoint_a: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a gone member, and removing stale connections is throttled
    endpoint_a.gone.add("conn-c")
    fail_once(monkeypatch, rooms, "close_connections", pydynamodel.Throttled("throttled"))
    # When a member sends
    ack = lobby.frame("conn-a", **SEND)
    # Then the send still answers (TTL or the next send removes the stale connection): the
    # client has no reason to retry
    assert (ack["action"], ack["delivered"], ack["removed_stale"]) == ("sent", 2, 0)
    assert len(stored_messages()) == 1


def test_a_client_id_reused_for_another_body_is_a_conflict(lobby: Client) -> None:
    # Given a stored message of client_id c-42
    lobby.frame("conn-a", **SEND)
    # When the same member sends another body with the same client_id
    reply = lobby.frame("conn-a", **{**SEND, "body": "something else"})
    # Then it is refused naming the client_id, and nothing new is stored
    assert (reply["error"], reply["field"]) == ("conflict", "client_id")
    assert len(stored_messages()) == 1


def test_a_client_id_is_scoped_to_its_sender_and_room(lobby: Client) -> None:
    # Given alice's message c-42 in the lobby, and another room everyone joined
    first = lobby.frame("conn-a", **SEND)
    lobby.create_room("other")
    lobby.frame("conn-a", action="join", room_id="other")
    lobby.frame("conn-b", action="join", room_id="other")
    # When bob sends with the same client_id, and alice sends it to the other room
    by_bob = lobby.frame("conn-b", **SEND)
    elsewhere = lobby.frame("conn-a", **{**SEND, "room_id": "other"})
    # Then each is a new message of its own
    assert (by_bob["replayed"], elsewhere["replayed"]) == (False, False)
    assert len({first["message_id"], by_bob["message_id"], elsewhere["message_id"]}) == 3


def test_an_expired_receipt_no_longer_holds_its_key(lobby: Client) -> None:
    # Given a receipt of c-42 that expired (TTL deletes expired items lazily, within days)
    table = runtime.table()
    table.save(
        MessageReceipt(
            room_id="lobby",
            user_id="user-0",
            request_key="client:c-42",
            message_id="01OLD",
            expires_at=1,
        )
    )
    # When alice sends with that client_id, Then it is a new message
    ack = lobby.frame("conn-a", **SEND)
    assert ack["replayed"] is False
    assert [m.message_id for m in stored_messages()] == [ack["message_id"]]


def test_a_receipt_expires_through_the_tables_ttl_attribute(lobby: Client) -> None:
    lobby.frame("conn-a", **SEND)
    [receipt] = [i for i in lobby.items() if i["entity"]["S"] == "MessageReceipt"]
    assert int(receipt["expires_at"]["N"]) > 0


# -- the publish consumer: the SQS message id is the key ----------------------------------


def queued(body: dict[str, Any] | None = None) -> dict[str, Any]:
    event = copy.deepcopy(load_event("sqs_publish"))
    record = event["Records"][0]
    record["messageAttributes"]["connectionId"]["stringValue"] = "conn-a"
    record["body"] = json.dumps(body or {"action": "publish", "room_id": "lobby", "body": "q"})
    return event


def test_a_redelivered_record_after_a_failure_after_the_store_stores_nothing_new(
    lobby: Client, endpoint_a: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given reading the members is throttled once after the queued message is stored
    fail_once(monkeypatch, rooms, "members", pydynamodel.Throttled("throttled"))
    event = queued()
    # When the consumer handles the record, it reports it failed, and SQS redelivers it
    failed = publish_consumer.handler(event, lobby.context)
    assert failed == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert deliveries(endpoint_a) == {c: Counter() for c in MEMBERS}
    assert publish_consumer.handler(event, lobby.context) == {"batchItemFailures": []}
    # Then one message is stored and each member received it once
    [message] = stored_messages()
    assert deliveries(endpoint_a) == {c: Counter({message.message_id: 1}) for c in MEMBERS}


def test_a_record_redelivered_after_success_stores_nothing_new(
    lobby: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given a record the consumer handled (but whose deletion from the queue was lost)
    event = queued()
    publish_consumer.handler(event, lobby.context)
    [message] = stored_messages()
    endpoint_a.reset()
    # When SQS delivers it again, Then the same message is delivered again, not stored again
    assert publish_consumer.handler(event, lobby.context) == {"batchItemFailures": []}
    assert stored_messages() == [message]
    assert deliveries(endpoint_a) == {c: Counter({message.message_id: 1}) for c in MEMBERS}
    assert runtime.table().get(Room, room_id="lobby").message_count == 1


def test_a_queued_frame_with_a_client_id_is_deduplicated_against_send(
    lobby: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given a message sent with client_id c-42
    ack = lobby.frame("conn-a", **SEND)
    # When the client also publishes it with that client_id (a retry through the queue)
    event = queued({**SEND, "action": "publish"})
    assert publish_consumer.handler(event, lobby.context) == {"batchItemFailures": []}
    # Then it is the same message
    assert [m.message_id for m in stored_messages()] == [ack["message_id"]]


def _first_call(first: Callable[..., Any], then: Callable[..., Any]) -> Callable[..., Any]:
    calls = {"n": 0}

    def call(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return (first if calls["n"] == 1 else then)(*args, **kwargs)

    return call


def test_concurrent_retries_of_one_send_store_one_message(lobby: Client) -> None:
    # Given a client that fires the same send four times at once (a retry storm)
    from concurrent.futures import ThreadPoolExecutor

    # When the four handler invocations run concurrently
    with ThreadPoolExecutor(max_workers=4) as pool:
        acks = list(pool.map(lambda _: lobby.frame("conn-a", **SEND), range(4)))
    # Then every ack names the one stored message, and exactly one of them stored it
    [message] = stored_messages()
    assert {a["message_id"] for a in acks} == {message.message_id}
    assert sorted(a["replayed"] for a in acks) == [False, True, True, True]
    assert runtime.table().get(Room, room_id="lobby").message_count == 1


def test_a_transaction_conflict_is_retried_not_failed(
    lobby: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB cancels the first transaction for a concurrent one on the same items
    # (the local server serializes requests, so the conflict is injected)
    reasons = [
        cancellation(0, "TransactionConflict"),
        cancellation(1, None),
        cancellation(2, None),
    ]
    table = runtime.table()
    calls = fail_once(
        monkeypatch, table, "transact_write", pydynamodel.TransactionCancelled(reasons)
    )
    # When a member sends
    ack = lobby.frame("conn-a", **SEND)
    # Then the send is retried and stores its message once
    assert calls() == 2
    assert [m.message_id for m in stored_messages()] == [ack["message_id"]]
    assert ack["replayed"] is False


def cancellation(index: int, code: str | None) -> pydynamodel.CancellationReason:
    return pydynamodel.CancellationReason(index, "Put", "Message", {}, code, code)
