"""$connect stores the connection; $disconnect removes it and its memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.models import Connection, Membership
from handlers.ws import runtime
from tests.ws.conftest import REGION_B

if TYPE_CHECKING:
    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint


def test_connect_stores_the_user_region_endpoint_and_ttl(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given an authorized $connect event for user-7
    # When the connect handler runs
    result = ws.connect("conn-1", user_id="user-7")
    # Then the connection is accepted and stored with its user, region, endpoint and TTL
    assert result == {"statusCode": 200}
    stored = runtime.table().get(Connection, connection_id="conn-1")
    assert stored.user_id == "user-7"
    assert stored.region == "eu-west-1"
    assert stored.endpoint == endpoint_a.url
    assert stored.expires_at is not None


def test_connect_in_another_region_stores_that_regions_endpoint(
    ws: Client, endpoint_b: ManagementEndpoint
) -> None:
    # Given the API of region B receives the connection
    ws.in_region(REGION_B)
    # When the connect handler runs there
    ws.connect("conn-b")
    # Then the connection names region B and its management endpoint
    stored = runtime.table().get(Connection, connection_id="conn-b")
    assert (stored.region, stored.endpoint) == (REGION_B, endpoint_b.url)


def test_connect_without_an_authorized_user_is_refused(ws: Client) -> None:
    # Given a $connect event that carries no authorizer context
    from handlers.ws import connect
    from tests.ws.conftest import load_event

    event = load_event("connect")
    del event["requestContext"]["authorizer"]
    # When the handler runs, Then the connection is refused and nothing is stored
    assert connect.handler(event, ws.context) == {"statusCode": 401}
    assert ws.items() == []


def test_disconnect_removes_the_connection_and_its_memberships(ws: Client) -> None:
    # Given a connection that joined two rooms
    ws.create_room("r1")
    ws.create_room("r2")
    ws.connect("conn-1")
    ws.frame("conn-1", action="join", room_id="r1")
    ws.frame("conn-1", action="join", room_id="r2")
    # When it disconnects
    assert ws.disconnect("conn-1") == {"statusCode": 200}
    # Then neither the connection nor any membership is left
    table = runtime.table()
    assert table.find(Connection, connection_id="conn-1") is None
    assert table.query(Membership, room_id="r1").items == []
    assert table.query(Membership, room_id="r2").items == []


def test_disconnect_of_an_unknown_connection_is_harmless(ws: Client) -> None:
    # Given no stored connection, When $disconnect arrives, Then it succeeds
    assert ws.disconnect("never-seen") == {"statusCode": 200}
