"""Both queues end to end through the local SQS event sources: the WebSocket publish route
(frame -> SQS integration -> poller -> consumer -> @connections -> members) and POST /ingest
(SQS integration -> poller -> ingest consumer -> the room's messages)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests
from websockets.asyncio.client import connect

from .conftest import dump

if TYPE_CHECKING:
    import ssl

    from websockets.asyncio.client import ClientConnection

#: Every receive waits at most this long: the consumer's worker may cold-start.
RECEIVE_S = 60.0


async def _frame(socket: ClientConnection) -> dict[str, Any]:
    answer = json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_S))
    assert isinstance(answer, dict)
    return answer


def test_the_runtime_polls_the_publish_queue(local_gateway: dict[str, Any]) -> None:
    # The served stage's event-source mappings are listed with the endpoints
    assert any("Publish" in mapping for mapping in local_gateway["event_sources"])


@pytest.mark.route("ws:publish")
def test_a_published_message_reaches_another_member_through_sqs(
    api: str, ws_url: str, ws_tls: ssl.SSLContext, app_token: str, cognito_token: str
) -> None:
    # Given a room created through the REST API
    created = requests.post(
        f"{api}/rooms",
        json={"name": "publish-e2e"},
        headers={"Authorization": cognito_token},
        timeout=30,
    )
    assert created.status_code == 201, dump(created)
    room_id = created.json()["room_id"]
    body = f"queued {uuid.uuid4()}"

    async def scenario() -> dict[str, Any]:
        url = f"{ws_url}?token={app_token}"
        async with connect(url, ssl=ws_tls) as sender, connect(url, ssl=ws_tls) as member:
            # And two connections that joined it
            for socket in (sender, member):
                await socket.send(json.dumps({"action": "join", "room_id": room_id}))
                assert await _frame(socket) == {"action": "joined", "room_id": room_id}
            # When one publishes (queued by API Gateway, no Lambda on the request path)
            await sender.send(json.dumps({"action": "publish", "room_id": room_id, "body": body}))
            ack = await _frame(sender)
            # Then the other member receives the message the consumer broadcast
            return {"ack": ack, "delivered": await _frame(member)}

    seen = asyncio.run(scenario())
    assert seen["ack"]["action"] == "published", seen
    delivered = seen["delivered"]
    assert delivered["action"] == "message", delivered
    assert delivered["room_id"] == room_id
    assert delivered["body"] == body


@pytest.mark.route("POST /ingest")
def test_a_partner_message_is_posted_through_the_ingest_queue_as_the_partner(
    api: str, api_key: str, cognito_token: str
) -> None:
    # Given a room and the partner's API key
    headers = {"Authorization": cognito_token}
    room_id = requests.post(
        f"{api}/rooms", json={"name": "partners"}, headers=headers, timeout=30
    ).json()["room_id"]

    # When the partner posts a message through POST /ingest (SQS integration, no Lambda)
    accepted = requests.post(
        f"{api}/ingest",
        json={"room_id": room_id, "body": "from the partner"},
        headers={"x-api-key": api_key},
        timeout=30,
    )
    assert accepted.status_code == 202, dump(accepted)

    # Then the ingest consumer, fed by the local event source, stores it as the partner
    deadline = time.monotonic() + RECEIVE_S
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not items:
        read = requests.get(f"{api}/rooms/{room_id}/messages", headers=headers, timeout=30)
        items = read.json()["items"]
        if not items:
            time.sleep(0.2)
    assert [m["body"] for m in items] == ["from the partner"]
    assert items[0]["user_id"].startswith("partner:")
