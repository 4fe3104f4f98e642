"""Two regions: a message sent to the API in one region reaches the room's members in every
region; a connection's own items live in its region; shared data is written to the primary.

Region A (eu-west-1, the primary) and region B (us-east-1) have separate local management
endpoints and separate DynamoDB endpoints (``counted_regions``: proxies in front of one moto
table, which stands for the global table and replicates without lag). What reached each
region's table is counted at its proxy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from domain.models import Message
from handlers.ws import publish_consumer, runtime
from tests.handlers.faults import ManualClock
from tests.ws.conftest import REGION_A, REGION_B
from tests.ws.test_publish_consumer import sqs_event

if TYPE_CHECKING:
    from tests.handlers.faults import LossyProxy
    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def test_a_member_connected_in_region_b_receives_a_message_sent_in_region_a(
    ws: Client, endpoint_a: ManagementEndpoint, endpoint_b: ManagementEndpoint
) -> None:
    # Given a member connected to the API in region B
    ws.create_room("lobby")
    ws.in_region(REGION_B)
    ws.connect("conn-b", user_id="bob")
    ws.frame("conn-b", action="join", room_id="lobby")
    # And a member connected to the API in region A
    ws.in_region(REGION_A)
    ws.connect("conn-a", user_id="alice")
    ws.frame("conn-a", action="join", room_id="lobby")
    # When alice sends a message in region A
    ack = ws.frame(
        "conn-a", action="send", room_id="lobby", body="hello from Ireland", client_id="c-1"
    )
    # Then bob receives it through region B's management endpoint, alice through region A's
    [frame_b] = endpoint_b.frames_for("conn-b")
    assert (frame_b["body"], frame_b["user_id"]) == ("hello from Ireland", "alice")
    assert frame_b["message_id"] == ack["message_id"]
    assert endpoint_a.receivers() == {"conn-a"}
    assert endpoint_b.receivers() == {"conn-b"}


def test_a_connection_s_own_items_are_written_and_read_in_its_region(
    ws: Client, counted_regions: tuple[LossyProxy, LossyProxy]
) -> None:
    dynamo_a, dynamo_b = counted_regions
    # Given a room (shared data: written to the primary)
    ws.create_room("lobby")
    dynamo_a.reset()
    # When a client connects to region B and joins the room
    ws.in_region(REGION_B)
    ws.connect("conn-b")
    assert ws.frame("conn-b", action="join", room_id="lobby")["action"] == "joined"
    # Then its Connection and Membership were written in region B only
    assert dynamo_b.writes_of("Connection") == ["PutItem"]
    assert dynamo_b.writes_of("Membership") == ["PutItem"]
    assert dynamo_a.count(*WRITES) == 0
    # And the join read its connection in region B, the room in the primary
    assert dynamo_b.count("GetItem") == 1
    assert dynamo_a.count("GetItem") == 1
    # When it disconnects
    ws.disconnect("conn-b")
    # Then its items were found and deleted in region B too
    assert dynamo_b.count("Query", "BatchWriteItem") == 2
    assert dynamo_a.count(*WRITES, "Query") == 0


def test_a_message_sent_in_region_b_is_written_to_the_primary(
    ws: Client, counted_regions: tuple[LossyProxy, LossyProxy]
) -> None:
    dynamo_a, dynamo_b = counted_regions
    # Given a member connected in region B
    ws.create_room("lobby")
    ws.in_region(REGION_B)
    ws.connect("conn-b")
    ws.frame("conn-b", action="join", room_id="lobby")
    dynamo_a.reset()
    dynamo_b.reset()
    # When it sends a message
    ack = ws.frame("conn-b", action="send", room_id="lobby", body="hi", client_id="c-1")
    # Then the message, its receipt and the room's counter were one transaction in the primary
    assert ack["action"] == "sent"
    assert dynamo_a.writes_of("Message") == ["TransactWriteItems"]
    assert dynamo_b.count(*WRITES) == 0
    # And the membership check and the member list were read in region B
    assert dynamo_b.count("GetItem") == 1
    assert dynamo_b.count("Query") == 1


def test_a_stale_connection_in_the_other_region_is_removed_in_its_region(
    ws: Client, endpoint_b: ManagementEndpoint, counted_regions: tuple[LossyProxy, LossyProxy]
) -> None:
    dynamo_a, dynamo_b = counted_regions
    # Given a member in region B whose connection is gone
    ws.create_room("lobby")
    ws.in_region(REGION_B)
    ws.connect("stale-b")
    ws.frame("stale-b", action="join", room_id="lobby")
    endpoint_b.gone.add("stale-b")
    ws.in_region(REGION_A)
    ws.connect("conn-a")
    ws.frame("conn-a", action="join", room_id="lobby")
    dynamo_a.reset()
    dynamo_b.reset()
    # When a message is sent in region A
    ack = ws.frame("conn-a", action="send", room_id="lobby", body="anyone there?", client_id="c-1")
    # Then region B answered 410, and the stale connection and membership were deleted in
    # region B, where they live (found through its index there)
    assert endpoint_b.recorded.gone_answers == ["stale-b"]
    assert ack["removed_stale"] == 1
    assert dynamo_b.count("BatchWriteItem") == 1
    assert dynamo_a.count("BatchWriteItem") == 0
    assert dynamo_b.count("Query") == 1  # stale-b's memberships, by connection


def stored_messages(moto_server: str, table_name: str, room_id: str) -> list[dict[str, Any]]:
    """The room's messages as the table holds them (read around the handlers' proxies)."""
    client: Any = boto3.client("dynamodb", region_name=REGION_A, endpoint_url=moto_server)
    response = client.query(
        TableName=table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues={":pk": {"S": f"ROOM#{room_id}"}, ":msg": {"S": "MSG#"}},
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = response["Items"]
    return items


def test_while_the_primary_hangs_send_answers_unavailable_and_a_resend_stores_once(
    ws: Client,
    moto_server: str,
    counted_regions: tuple[LossyProxy, LossyProxy],
    endpoint_b: ManagementEndpoint,
) -> None:
    dynamo_a, _ = counted_regions
    # Given a member connected in region B, and a primary region that hangs
    ws.create_room("lobby")
    ws.in_region(REGION_B)
    ws.connect("conn-b")
    ws.frame("conn-b", action="join", room_id="lobby")
    dynamo_a.hang()

    # When it sends a message, twice
    first = ws.frame("conn-b", action="send", room_id="lobby", body="hi", client_id="c-1")
    reached = dynamo_a.hung
    second = ws.frame("conn-b", action="send", room_id="lobby", body="hi", client_id="c-1")

    # Then each is answered with an unavailable error frame (the connection stays open), the
    # second without waiting on the primary again (its region breaker is open)
    for reply in (first, second):
        assert (reply["action"], reply["error"]) == ("error", "unavailable")
    assert reached >= 1
    assert dynamo_a.hung == reached
    assert stored_messages(moto_server, ws.table_name, "lobby") == []
    assert endpoint_b.frames_for("conn-b") == []

    # And a client can still connect to region B and join the room (read from region B)
    ws.connect("conn-b2")
    assert ws.frame("conn-b2", action="join", room_id="lobby")["action"] == "joined"

    # When the primary is back and the breaker's window has passed, the client resends
    dynamo_a.heal()
    clock = runtime.table().breaker.clock
    assert isinstance(clock, ManualClock)
    clock.advance(runtime.table().breaker.seconds)
    sent = ws.frame("conn-b", action="send", room_id="lobby", body="hi", client_id="c-1")
    again = ws.frame("conn-b", action="send", room_id="lobby", body="hi", client_id="c-1")

    # Then the message is stored once, and both members received it
    assert (sent["action"], sent["replayed"], again["replayed"]) == ("sent", False, True)
    [stored] = stored_messages(moto_server, ws.table_name, "lobby")
    assert stored["message_id"]["S"] == sent["message_id"] == again["message_id"]
    assert endpoint_b.receivers() == {"conn-b", "conn-b2"}
    assert runtime.table().find(Message, room_id="lobby", message_id=sent["message_id"])


def test_while_the_primary_hangs_a_queued_publish_is_left_to_sqs_to_retry(
    ws: Client, moto_server: str, counted_regions: tuple[LossyProxy, LossyProxy]
) -> None:
    # Given a member connected in region B, and a primary region that hangs
    dynamo_a, _ = counted_regions
    ws.create_room("lobby")
    ws.in_region(REGION_B)
    ws.connect("conn-1")
    ws.frame("conn-1", action="join", room_id="lobby")
    dynamo_a.hang()
    # When region B's consumer gets the member's queued publish
    event = sqs_event()
    result = publish_consumer.handler(event, ws.context)
    # Then the record goes back to the queue (SQS retries it, then dead-letters it), and
    # nothing was stored
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    dynamo_a.heal()
    assert stored_messages(moto_server, ws.table_name, "lobby") == []
