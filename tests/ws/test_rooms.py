"""join and leave: memberships of connections in rooms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.models import Membership
from handlers.ws import runtime

if TYPE_CHECKING:
    from tests.ws.conftest import Client


def test_join_makes_the_connection_a_member_with_its_endpoint(ws: Client) -> None:
    # Given a connected client and an existing room
    ws.create_room("lobby")
    ws.connect("conn-1", user_id="user-1")
    # When it joins the room
    reply = ws.frame("conn-1", action="join", room_id="lobby")
    # Then it is told so and the membership carries its user, region and endpoint
    assert reply == {"action": "joined", "room_id": "lobby"}
    member = runtime.table().get(Membership, room_id="lobby", connection_id="conn-1")
    assert (member.user_id, member.region) == ("user-1", "eu-west-1")
    assert member.endpoint.endswith("/dev")


def test_joining_twice_keeps_one_membership(ws: Client) -> None:
    # Given a member of the lobby
    ws.create_room("lobby")
    ws.connect("conn-1")
    ws.frame("conn-1", action="join", room_id="lobby")
    # When it joins again, Then it is still exactly one member
    assert ws.frame("conn-1", action="join", room_id="lobby")["action"] == "joined"
    assert len(runtime.table().query(Membership, room_id="lobby").items) == 1


def test_join_of_a_room_that_does_not_exist_is_an_error_frame(ws: Client) -> None:
    # Given a connected client and no room "nowhere"
    ws.connect("conn-1")
    # When it joins "nowhere"
    reply = ws.frame("conn-1", action="join", room_id="nowhere")
    # Then the error frame names the problem and no membership is written
    assert reply["error"] == "not_found"
    assert runtime.table().query(Membership, room_id="nowhere").items == []


def test_join_from_an_unregistered_connection_is_an_error_frame(ws: Client) -> None:
    # Given a room but no stored connection
    ws.create_room("lobby")
    # When an unknown connection joins, Then it is asked to reconnect
    assert ws.frame("ghost", action="join", room_id="lobby")["error"] == "not_connected"


def test_leave_ends_the_membership(ws: Client) -> None:
    # Given a member of the lobby
    ws.create_room("lobby")
    ws.connect("conn-1")
    ws.frame("conn-1", action="join", room_id="lobby")
    # When it leaves
    reply = ws.frame("conn-1", action="leave", room_id="lobby")
    # Then it is told so and is no longer a member
    assert reply == {"action": "left", "room_id": "lobby"}
    assert runtime.table().query(Membership, room_id="lobby").items == []


def test_leave_of_a_room_not_joined_is_an_error_frame(ws: Client) -> None:
    ws.create_room("lobby")
    ws.connect("conn-1")
    assert ws.frame("conn-1", action="leave", room_id="lobby")["error"] == "not_a_member"
