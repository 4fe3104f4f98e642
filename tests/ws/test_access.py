"""Who may do what over WebSocket, each rule tried by a second user on a second connection.

- any authenticated connection may ``join`` an existing room; a room that does not exist is
  ``not_found``;
- only a connection that has joined a room may ``send`` (or ``publish``) to it: anyone else
  gets ``forbidden`` and nothing is written or delivered;
- a message is always attributed to the sending connection's user, whatever the frame says;
- ``leave`` only ever ends the calling connection's own membership.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING

from domain.models import Membership, Message, Room
from handlers.ws import publish_consumer, runtime
from tests.ws.conftest import load_event

if TYPE_CHECKING:
    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint


def alice_in_lobby(ws: Client) -> None:
    """alice (conn-a) has joined the lobby; bob (conn-b) is connected but has not."""
    ws.create_room("lobby")
    ws.connect("conn-a", user_id="alice")
    ws.connect("conn-b", user_id="bob")
    ws.frame("conn-a", action="join", room_id="lobby")


def test_any_connection_may_join_an_existing_room(ws: Client) -> None:
    # Given alice in the lobby
    alice_in_lobby(ws)
    # When bob joins it, Then he is a member under his own user id
    assert ws.frame("conn-b", action="join", room_id="lobby")["action"] == "joined"
    member = runtime.table().get(Membership, room_id="lobby", connection_id="conn-b")
    assert member.user_id == "bob"


def test_joining_a_room_that_does_not_exist_is_not_found(ws: Client) -> None:
    # Given bob connected and no room "nowhere"
    alice_in_lobby(ws)
    before = ws.items()
    # When he joins it
    reply = ws.frame("conn-b", action="join", room_id="nowhere")
    # Then the error frame says not_found for the room id, and nothing is written
    assert (reply["action"], reply["error"], reply["field"]) == ("error", "not_found", "room_id")
    assert ws.items() == before


def test_a_connection_that_has_not_joined_may_not_send(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given alice in the lobby and bob, connected, outside it
    alice_in_lobby(ws)
    before = ws.items()
    # When bob sends to the lobby
    reply = ws.frame("conn-b", action="send", room_id="lobby", body="let me in", client_id="b-1")
    # Then he is forbidden, nothing is stored and alice receives nothing
    assert (reply["action"], reply["error"], reply["field"]) == ("error", "forbidden", "room_id")
    assert ws.items() == before
    assert endpoint_a.receivers() == set()


def test_a_connection_that_has_left_may_no_longer_send(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given bob joined the lobby and then left it
    alice_in_lobby(ws)
    ws.frame("conn-b", action="join", room_id="lobby")
    ws.frame("conn-b", action="leave", room_id="lobby")
    # When he sends to it, Then he is forbidden and alice receives nothing
    reply = ws.frame("conn-b", action="send", room_id="lobby", body="still here?", client_id="b")
    assert reply["error"] == "forbidden"
    assert endpoint_a.receivers() == set()


def test_a_message_is_attributed_to_the_senders_own_user(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given alice and bob in the lobby
    alice_in_lobby(ws)
    ws.frame("conn-b", action="join", room_id="lobby")
    # When bob sends a frame that claims to come from alice
    ack = ws.frame(
        "conn-b", action="send", room_id="lobby", body="hi", client_id="b-1", user_id="alice"
    )
    # Then the stored message and alice's frame name bob
    stored = runtime.table().get(Message, room_id="lobby", message_id=ack["message_id"])
    assert stored.user_id == "bob"
    assert [f["user_id"] for f in endpoint_a.frames_for("conn-a")] == ["bob"]


def test_leave_only_ends_the_callers_own_membership(ws: Client) -> None:
    # Given alice in the lobby and bob outside it
    alice_in_lobby(ws)
    # When bob leaves the lobby
    reply = ws.frame("conn-b", action="leave", room_id="lobby")
    # Then he is told he is not a member, and alice's membership is untouched
    assert (reply["error"], reply["field"]) == ("not_a_member", "room_id")
    assert runtime.table().find(Membership, room_id="lobby", connection_id="conn-a") is not None


def test_a_room_deleted_after_joining_is_not_found_for_send(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given alice in the lobby, which is then deleted (its membership lingers until TTL)
    alice_in_lobby(ws)
    runtime.table().delete(Room, room_id="lobby")
    # When she sends to it, Then the room is not found and nothing is stored or delivered
    reply = ws.frame("conn-a", action="send", room_id="lobby", body="hello?", client_id="a-1")
    assert (reply["error"], reply["field"]) == ("not_found", "room_id")
    assert runtime.table().query(Message, room_id="lobby").items == []
    assert endpoint_a.receivers() == set()


def test_publish_is_bound_to_the_queued_connection_not_to_the_frame(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given alice in the lobby, and bob (not a member) whose queued frame claims alice's user
    alice_in_lobby(ws)
    event = copy.deepcopy(load_event("sqs_publish"))
    record = event["Records"][0]
    record["messageAttributes"]["connectionId"]["stringValue"] = "conn-b"
    record["body"] = json.dumps(
        {"action": "publish", "room_id": "lobby", "body": "as alice", "user_id": "alice"}
    )
    before = ws.items()
    # When the consumer handles it
    assert publish_consumer.process(record) == "forbidden"
    # Then nothing is stored or delivered
    assert ws.items() == before
    assert endpoint_a.receivers() == set()
