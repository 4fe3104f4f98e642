"""A stale connection is removed by the next send: the member's connection is gone but its
items are still in the table (API Gateway's ``$disconnect`` is best effort: a lost invocation
leaves them behind), so the send's ``@connections`` POST gets 410 Gone, and the send removes
the connection and its memberships."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from websockets.asyncio.client import connect

from .local_table import LocalTable, eventually
from .test_websocket_disconnect import RECEIVE_S, join, new_room

if TYPE_CHECKING:
    import ssl


@pytest.mark.route("ws:send")
def test_a_send_removes_the_items_of_a_connection_that_answers_410(
    api: str,
    ws_url: str,
    ws_tls: ssl.SSLContext,
    app_token: str,
    cognito_token: str,
    local_gateway: dict[str, Any],
) -> None:
    table = LocalTable(local_gateway)
    room_id = new_room(api, cognito_token)
    url = f"{ws_url}?token={app_token}"

    async def member_gone_without_a_trace() -> tuple[str, list[dict[str, Any]]]:
        async with connect(url, ssl=ws_tls, open_timeout=RECEIVE_S) as member:
            await join(member, room_id)
            (stale_id,) = table.member_ids(room_id)
            items = table.connection_items(room_id, stale_id)
        return stale_id, items

    # Given a member whose connection ended...
    stale_id, items = asyncio.run(member_gone_without_a_trace())
    assert len(items) == 2
    assert eventually(lambda: not table.connection_items(room_id, stale_id))
    # ...and whose $disconnect did not run: its connection and membership are still stored
    table.put(room_id, items)
    assert table.member_ids(room_id) == [stale_id]

    async def another_member_sends() -> dict[str, Any]:
        async with connect(url, ssl=ws_tls, open_timeout=RECEIVE_S) as sender:
            await join(sender, room_id)
            (sender_id,) = set(table.member_ids(room_id)) - {stale_id}
            # When another member sends to the room
            message = {
                "action": "send",
                "room_id": room_id,
                "body": "anyone there?",
                "client_id": f"c-{uuid.uuid4()}",
            }
            await sender.send(json.dumps(message))
            # (its ack and its own copy of the message, in either order)
            frames = [
                json.loads(await asyncio.wait_for(sender.recv(), RECEIVE_S)) for _ in range(2)
            ]
            # (read while the sender is connected: its own $disconnect follows the close)
            return {
                "frames": frames,
                "sender_id": sender_id,
                "members": table.member_ids(room_id),
                "stale_items": table.connection_items(room_id, stale_id),
            }

    seen = asyncio.run(another_member_sends())
    (ack,) = [f for f in seen["frames"] if f["action"] == "sent"]
    # Then the send delivered to the live member only, and counted the stale one removed,
    # not failed (410 means gone, not an error)
    assert ack["delivered"] == 1, ack
    assert ack["failed"] == 0, ack
    assert ack["removed_stale"] == 1, ack
    # And the stale connection and its membership are gone from the table; the sender's stay
    assert seen["stale_items"] == []
    assert seen["members"] == [seen["sender_id"]]
