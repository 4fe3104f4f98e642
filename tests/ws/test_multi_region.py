"""A message sent to the API in one region reaches the room's members in every region.

Region A (eu-west-1) and region B (us-east-1) are two separate local management endpoints;
one moto table stands for the global table, whose replication makes items written in one
region readable in the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.ws.conftest import REGION_A, REGION_B

if TYPE_CHECKING:
    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint


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


def test_a_stale_connection_in_the_other_region_is_cleaned_up_from_this_one(
    ws: Client, endpoint_b: ManagementEndpoint
) -> None:
    # Given a member in region B whose connection is gone
    ws.create_room("lobby")
    ws.in_region(REGION_B)
    ws.connect("stale-b")
    ws.frame("stale-b", action="join", room_id="lobby")
    endpoint_b.gone.add("stale-b")
    ws.in_region(REGION_A)
    ws.connect("conn-a")
    ws.frame("conn-a", action="join", room_id="lobby")
    # When a message is sent in region A
    ack = ws.frame("conn-a", action="send", room_id="lobby", body="anyone there?", client_id="c-1")
    # Then region B answered 410 and the stale membership is gone
    assert endpoint_b.recorded.gone_answers == ["stale-b"]
    assert ack["removed_stale"] == 1
