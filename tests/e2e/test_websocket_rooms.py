"""The Dev stage's WebSocket API through the local gateway, with a real ``websockets`` client
over wss:// (the runtime's local CA): the token authorizer on ``$connect``, the MOCK routes,
and a room's message travelling frame -> route -> Lambda -> @connections -> every member."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from .conftest import dump

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Coroutine

    from websockets.asyncio.client import ClientConnection

#: Every receive waits at most this long: a Lambda route may cold-start its worker.
RECEIVE_S = 30.0


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(scenario())


async def frame(socket: ClientConnection) -> dict[str, Any]:
    answer = json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_S))
    assert isinstance(answer, dict)
    return answer


async def ask(socket: ClientConnection, message: dict[str, Any] | str) -> dict[str, Any]:
    await socket.send(message if isinstance(message, str) else json.dumps(message))
    return await frame(socket)


async def refused_status(url: str, tls: ssl.SSLContext) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, ssl=tls, open_timeout=RECEIVE_S):
            pass
    return refused.value.response.status_code


@pytest.mark.route("ws:$connect")
def test_connect_without_a_token_is_401_and_with_a_bad_token_403(
    ws_url: str, ws_tls: ssl.SSLContext, app_token: str
) -> None:
    async def scenario() -> tuple[int, int]:
        # When a client connects with no token, then with one signed by another key
        missing = await refused_status(ws_url, ws_tls)
        forged = app_token[:-4] + ("AAAA" if not app_token.endswith("AAAA") else "BBBB")
        denied = await refused_status(f"{ws_url}?token={forged}", ws_tls)
        return missing, denied

    # Then the missing identity source is 401, the authorizer's Deny 403
    assert run(scenario) == (401, 403)


@pytest.mark.route("ws:$connect", "ws:ping", "ws:$default")
def test_ping_unknown_action_and_non_json_frame_keep_the_connection_open(
    ws_url: str, ws_tls: ssl.SSLContext, app_token: str
) -> None:
    async def scenario() -> list[dict[str, Any]]:
        # Given a client connected with a valid app token
        async with connect(f"{ws_url}?token={app_token}", ssl=ws_tls) as socket:
            # When it pings, sends an unknown action and a frame that is not JSON, then pings
            return [
                await ask(socket, {"action": "ping"}),
                await ask(socket, {"action": "dance"}),
                await ask(socket, "not json at all"),
                await ask(socket, {"action": "ping"}),
            ]

    pong, unknown, not_json, pong_again = run(scenario)
    # Then the MOCK routes answer: pong, and the $default error frame for both bad frames
    assert pong == {"action": "pong"}
    for error in (unknown, not_json):
        assert error["action"] == "error", error
        assert error["error"] == "unknown_action"
        assert "send" in error["valid_actions"]
    # And the connection stayed open after the errors
    assert pong_again == {"action": "pong"}


@pytest.mark.route("ws:join", "ws:send", "ws:leave")
def test_message_sent_to_a_room_reaches_every_member_once(
    api: str, ws_url: str, ws_tls: ssl.SSLContext, app_token: str, cognito_token: str
) -> None:
    # Given a room created through the REST API
    created = requests.post(
        f"{api}/rooms",
        json={"name": "ws-e2e"},
        headers={"Authorization": cognito_token},
        timeout=30,
    )
    assert created.status_code == 201, dump(created)
    room_id = created.json()["room_id"]
    client_id = f"c-{uuid.uuid4()}"

    async def scenario() -> dict[str, Any]:
        url = f"{ws_url}?token={app_token}"
        async with (
            connect(url, ssl=ws_tls) as sender,
            connect(url, ssl=ws_tls) as member,
        ):
            # And two connections that joined it
            joined = [
                await ask(s, {"action": "join", "room_id": room_id}) for s in (sender, member)
            ]
            # When one sends a message
            await sender.send(
                json.dumps(
                    {"action": "send", "room_id": room_id, "body": "hi", "client_id": client_id}
                )
            )
            # (the ack and the sender's own copy may arrive in either order)
            sender_frames = [await frame(sender), await frame(sender)]
            member_frame = await frame(member)
            # Then nothing more arrives for either: a ping's pong is the next frame
            next_frames = [await ask(s, {"action": "ping"}) for s in (sender, member)]
            left = [await ask(s, {"action": "leave", "room_id": room_id}) for s in (sender, member)]
            not_member = await ask(sender, {"action": "leave", "room_id": room_id})
        return {
            "joined": joined,
            "sender": sender_frames,
            "member": member_frame,
            "next": next_frames,
            "left": left,
            "not_member": not_member,
        }

    seen = run(scenario)
    assert seen["joined"] == [{"action": "joined", "room_id": room_id}] * 2
    (ack,) = [f for f in seen["sender"] if f["action"] == "sent"]
    (own_copy,) = [f for f in seen["sender"] if f["action"] == "message"]
    # The sender gets the acknowledgement: stored once, delivered to both members
    assert ack["room_id"] == room_id
    assert ack["client_id"] == client_id
    assert ack["replayed"] is False
    assert ack["delivered"] == 2
    assert ack["failed"] == 0
    assert ack["undelivered"] == 0
    # And both members received the message frame, once, through @connections
    for message in (own_copy, seen["member"]):
        assert message["action"] == "message"
        assert message["room_id"] == room_id
        assert message["message_id"] == ack["message_id"]
        assert message["body"] == "hi"
    assert seen["next"] == [{"action": "pong"}] * 2
    # And leaving works once: a second leave is not_a_member
    assert seen["left"] == [{"action": "left", "room_id": room_id}] * 2
    assert seen["not_member"]["error"] == "not_a_member"


@pytest.mark.route("ws:send")
def test_a_closed_member_is_no_longer_delivered_to_and_nothing_fails(
    api: str, ws_url: str, ws_tls: ssl.SSLContext, app_token: str, cognito_token: str
) -> None:
    created = requests.post(
        f"{api}/rooms",
        json={"name": "ws-e2e-disconnect"},
        headers={"Authorization": cognito_token},
        timeout=30,
    )
    assert created.status_code == 201, dump(created)
    room_id = created.json()["room_id"]

    async def send(sender: ClientConnection, body: str) -> dict[str, Any]:
        message = {"action": "send", "room_id": room_id, "body": body, "client_id": body}
        await sender.send(json.dumps(message))
        frames = [await frame(sender), await frame(sender)]
        (ack,) = [f for f in frames if f["action"] == "sent"]
        return dict(ack)

    async def scenario() -> list[dict[str, Any]]:
        url = f"{ws_url}?token={app_token}"
        async with connect(url, ssl=ws_tls) as sender:
            # Given a member that joined the room, then closed its connection
            async with connect(url, ssl=ws_tls) as member:
                await ask(member, {"action": "join", "room_id": room_id})
            await ask(sender, {"action": "join", "room_id": room_id})
            # When the sender sends twice
            return [await send(sender, f"c-{uuid.uuid4()}") for _ in range(2)]

    first, second = run(scenario)
    # Then only the sender is delivered to and no post fails: the closed member's
    # membership is gone ($disconnect removed it, or the first send's 410 did)
    for ack in (first, second):
        assert ack["delivered"] == 1, ack
        assert ack["failed"] == 0, ack
        assert ack["undelivered"] == 0, ack
    assert second["removed_stale"] == 0


@pytest.mark.route("ws:lookup")
def test_lookup_is_proxied_to_the_upstream_and_its_answer_is_the_reply(
    ws_url: str, ws_tls: ssl.SSLContext, app_token: str
) -> None:
    lookup = {"action": "lookup", "q": "rooms"}

    async def scenario() -> dict[str, Any]:
        async with connect(f"{ws_url}?token={app_token}", ssl=ws_tls) as socket:
            return await ask(socket, lookup)

    # When a client sends a lookup, Then the HTTP_PROXY integration POSTs the frame to the
    # upstream (the offline stub standing in for httpbin.org/anything) and relays its answer
    echoed = run(scenario)
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/anything"
    assert json.loads(echoed["data"]) == lookup


@pytest.mark.route("ws:publish")
def test_publish_is_acknowledged_then_consumed_and_delivered_to_the_publisher(
    api: str, ws_url: str, ws_tls: ssl.SSLContext, app_token: str, cognito_token: str
) -> None:
    created = requests.post(
        f"{api}/rooms",
        json={"name": "publish-ack"},
        headers={"Authorization": cognito_token},
        timeout=30,
    )
    assert created.status_code == 201, dump(created)
    room_id = created.json()["room_id"]
    publish = {"action": "publish", "room_id": room_id, "body": f"queued {uuid.uuid4()}"}

    async def scenario() -> list[dict[str, Any]]:
        async with connect(f"{ws_url}?token={app_token}", ssl=ws_tls) as socket:
            # Given a member of the room
            await ask(socket, {"action": "join", "room_id": room_id})
            # When it publishes
            return [await ask(socket, publish), await frame(socket)]

    # (the ack and the broadcast may arrive in either order)
    frames = run(scenario)
    (ack,) = [f for f in frames if f["action"] != "message"]
    (delivered,) = [f for f in frames if f["action"] == "message"]
    # Then the SQS integration's response template acknowledges it with the request id
    assert ack["action"] == "published", ack
    assert ack["request_id"]
    # And the queue's consumer (the runtime's SQS event source) broadcasts it to the room
    assert delivered["action"] == "message", delivered
    assert delivered["room_id"] == room_id
    assert delivered["body"] == publish["body"]


def test_a_frame_above_32_kb_closes_the_connection_with_1009(
    ws_url: str, ws_tls: ssl.SSLContext, app_token: str
) -> None:
    async def scenario() -> int | None:
        async with connect(f"{ws_url}?token={app_token}", ssl=ws_tls) as socket:
            await socket.send(json.dumps({"action": "ping", "pad": "x" * (33 * 1024)}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), RECEIVE_S)
            return closed.value.rcvd.code if closed.value.rcvd else None

    # Then API Gateway's frame limit closes the connection with "message too big"
    assert run(scenario) == 1009
