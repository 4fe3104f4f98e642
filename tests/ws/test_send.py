"""send: the message is stored and delivered to every member through @connections."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from domain.models import Connection, Membership, Message, Room
from handlers.ws import runtime

if TYPE_CHECKING:
    import pytest

    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint


METRICS = {"Delivered", "DeliveryFailed", "Undelivered", "StaleConnectionsRemoved"}


def members_of_lobby(ws: Client, *connection_ids: str) -> None:
    ws.create_room("lobby")
    for i, connection_id in enumerate(connection_ids):
        ws.connect(connection_id, user_id=f"user-{i}")
        ws.frame(connection_id, action="join", room_id="lobby")


def test_send_stores_the_message_and_counts_it_on_the_room(ws: Client) -> None:
    # Given two members of the lobby
    members_of_lobby(ws, "conn-1", "conn-2")
    # When conn-1 sends a message
    ack = ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then the sender gets an acknowledgement and the message is stored under the room
    assert ack["action"] == "sent"
    assert (ack["delivered"], ack["failed"], ack["client_id"]) == (2, 0, "c-1")
    table = runtime.table()
    stored = table.get(Message, room_id="lobby", message_id=ack["message_id"])
    assert (stored.body, stored.user_id) == ("hello", "user-0")
    assert table.get(Room, room_id="lobby").message_count == 1


def test_every_member_receives_the_message_frame(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given three members of the lobby
    members_of_lobby(ws, "conn-1", "conn-2", "conn-3")
    # When conn-2 sends a message
    ack = ws.frame("conn-2", action="send", room_id="lobby", body="hi all", client_id="c-1")
    # Then every member (the sender too) receives the same message frame once
    for connection_id in ("conn-1", "conn-2", "conn-3"):
        frames = endpoint_a.frames_for(connection_id)
        assert len(frames) == 1
        assert frames[0]["action"] == "message"
        assert frames[0]["message_id"] == ack["message_id"]
        assert (frames[0]["body"], frames[0]["user_id"]) == ("hi all", "user-1")


def test_a_gone_connection_is_removed_with_its_memberships(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given three members, one of which API Gateway answers with 410 Gone
    members_of_lobby(ws, "conn-1", "conn-2", "stale")
    endpoint_a.gone.add("stale")
    # When a message is sent
    ack = ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then the others receive it, and the stale connection and its membership are removed
    assert endpoint_a.receivers() == {"conn-1", "conn-2"}
    assert ack["removed_stale"] == 1
    table = runtime.table()
    assert table.find(Connection, connection_id="stale") is None
    members = {m.connection_id for m in table.query(Membership, room_id="lobby").items}
    assert members == {"conn-1", "conn-2"}


def test_one_failing_delivery_does_not_stop_the_others(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given four members, one of which the management API fails for (500)
    members_of_lobby(ws, "conn-1", "conn-2", "broken", "conn-4")
    endpoint_a.failing.add("broken")
    # When a message is sent
    ack = ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then every other member receives it, the failure is reported and nothing is removed
    assert endpoint_a.receivers() == {"conn-1", "conn-2", "conn-4"}
    assert (ack["delivered"], ack["failed"], ack["removed_stale"]) == (3, 1, 0)
    assert runtime.table().find(Connection, connection_id="broken") is not None


def test_members_of_other_rooms_receive_nothing(ws: Client, endpoint_a: ManagementEndpoint) -> None:
    # Given a member of the lobby and a member of another room
    members_of_lobby(ws, "conn-1")
    ws.create_room("other")
    ws.connect("elsewhere")
    ws.frame("elsewhere", action="join", room_id="other")
    # When a message is sent to the lobby, Then only the lobby's member receives it
    ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    assert endpoint_a.receivers() == {"conn-1"}


def test_send_to_a_room_not_joined_is_an_error_frame_and_writes_nothing(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given a connection that has not joined the lobby
    ws.create_room("lobby")
    ws.connect("conn-1")
    before = ws.items()
    # When it sends to the lobby
    reply = ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then it gets an error frame naming the problem, and nothing is written or delivered
    assert (reply["action"], reply["error"], reply["field"]) == ("error", "forbidden", "room_id")
    assert ws.items() == before
    assert endpoint_a.receivers() == set()


def test_a_large_room_is_delivered_across_dynamodb_pages(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given 60 members of the lobby (written directly: the handlers are tested above)
    ws.create_room("lobby")
    table = runtime.table()
    ids = [f"conn-{i:03d}" for i in range(60)]
    table.batch_save(
        Membership(
            room_id="lobby",
            connection_id=c,
            user_id="u",
            region="eu-west-1",
            endpoint=endpoint_a.url,
        )
        for c in ids
    )
    ws.connect("conn-000")
    # And DynamoDB answering queries in pages of 25 items (its real pages hold 1 MB)
    queries: list[dict[str, Any]] = []

    def pages_of_25(params: dict[str, Any], **_: Any) -> None:
        params["Limit"] = 25
        queries.append(params)

    table.client().meta.events.register("provide-client-params.dynamodb.Query", pages_of_25)
    # When one of them sends, Then all 60 receive the frame
    ack = ws.frame("conn-000", action="send", room_id="lobby", body="to everyone", client_id="c-1")
    assert ack["delivered"] == 60
    assert endpoint_a.receivers() == set(ids)
    assert sum("ExclusiveStartKey" in q for q in queries) >= 2  # the room took 3 pages


def test_a_broadcast_publishes_its_outcome_as_metrics(
    ws: Client, endpoint_a: ManagementEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given three members, one failing and one gone
    members_of_lobby(ws, "conn-1", "broken", "stale")
    endpoint_a.failing.add("broken")
    endpoint_a.gone.add("stale")
    capsys.readouterr()
    # When a message is sent
    ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then the outcome is published in CloudWatch's embedded metric format
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    [values] = [{k: v for k, v in e.items() if k in METRICS} for e in emf]
    assert values == {
        "Delivered": [1.0],
        "DeliveryFailed": [1.0],
        "Undelivered": [0.0],
        "StaleConnectionsRemoved": [1.0],
    }


def test_many_stale_connections_are_removed_with_all_their_memberships(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given 30 gone connections in the lobby, each also a member of another room
    members_of_lobby(ws, "conn-1")
    ws.create_room("other")
    stale = [f"stale-{i:02d}" for i in range(30)]
    for connection_id in stale:
        ws.connect(connection_id)
        ws.frame(connection_id, action="join", room_id="lobby")
        ws.frame(connection_id, action="join", room_id="other")
    endpoint_a.gone.update(stale)
    # When a message is sent to the lobby
    ack = ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then every stale connection and every one of its memberships is gone
    table = runtime.table()
    assert ack["removed_stale"] == 30
    assert [m.connection_id for m in table.query(Membership, room_id="lobby").items] == ["conn-1"]
    assert table.query(Membership, room_id="other").items == []
    assert all(table.find(Connection, connection_id=c) is None for c in stale)
