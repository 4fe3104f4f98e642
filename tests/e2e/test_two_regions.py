"""Prod's two regions served at once against one local AWS (issue 9 item 5, issue 10 item 5).

eu-west-1 (the primary: user pool, secrets, table writes) and us-east-1 run side by side: their
REST and WebSocket APIs on their own ports, one moto server keeping a backend per region, the
global table's replicas kept in step by the runtime's replication emulation, the secrets by
Secrets Manager replicas. Real clients only: ``requests`` and ``websockets``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests
from cdk_local_gateway.cli import main
from cdk_local_gateway.pytest_plugin import RunningGateway
from cdk_local_gateway.runtime import RuntimeConfig
from websockets.asyncio.client import connect

from tests.cdk_out import CDK_OUT, ensure_synthesized

from .conftest import UPSTREAM, dump

if TYPE_CHECKING:
    import ssl
    from collections.abc import Awaitable, Iterator

    from websockets.asyncio.client import ClientConnection

#: One Prod runtime per worker that runs these tests: kept on one worker by --dist loadgroup.
pytestmark = pytest.mark.xdist_group("prod-two-regions")

PRIMARY, REPLICA = "eu-west-1", "us-east-1"
#: Every receive and every wait for replication is bounded by this (a cold start included).
WAIT_S = 60.0
#: The functions' region breaker window in this runtime (DYNAMODEL_BREAKER_SECONDS).
BREAKER_SECONDS = 1
#: Between two attempts of a write while the breaker may still skip the primary.
RETRY_S = 0.2


@pytest.fixture(scope="module")
def prod(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """Prod with both regions served by one runtime."""
    ensure_synthesized()
    config = RuntimeConfig(
        cdk_out=CDK_OUT,
        stage="Prod",
        region=PRIMARY,
        extra_regions=(REPLICA,),
        state_dir=tmp_path_factory.mktemp("two-regions"),
        http_overrides={UPSTREAM: upstream},
        # The functions' AWS calls go through the proxy that can take a region down.
        region_outages=True,
        # A failed region is retried after 1 s instead of the deployed 30 s, so the recovery
        # test below waits for the same behaviour without idling half a minute.
        environment={"DYNAMODEL_BREAKER_SECONDS": str(BREAKER_SECONDS)},
    )
    running = RunningGateway(config)
    try:
        running.start(timeout=300)
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def no_iam_denials(prod: RunningGateway) -> Iterator[None]:
    """Overrides the suite's check (which watches the Dev runtime): this module's runtime
    denies nothing either."""
    iam = getattr(prod.runtime.lambdas, "iam", None)
    before = len(iam.denials()) if iam is not None else 0
    yield
    if iam is not None and (new := iam.denials()[before:]):
        lines = [f"{d['function']}: {d['action']} on {d['resource']}" for d in new]
        pytest.fail("IAM denied (a grant missing in the stacks?):\n" + "\n".join(lines))


def _rest(prod: RunningGateway, region: str) -> str:
    (url,) = prod.endpoints["regions"][region]["rest"].values()
    return str(url)


def _ws(prod: RunningGateway, region: str) -> str:
    (url,) = prod.endpoints["regions"][region]["websocket"].values()
    return str(url)


def _cli(prod: RunningGateway, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main([*args, "--state-dir", str(prod.runtime.config.state_dir)])
    return out.getvalue().strip()


def _cognito(prod: RunningGateway, user: str) -> str:
    """An ID token of the stage's one user pool (in the primary region)."""
    return _cli(prod, "token", "--user", user, "--pool-region", PRIMARY)


def _app(prod: RunningGateway, user: str) -> str:
    """An app token signed with the token secret (created in the primary, replicated)."""
    (secret,) = [name for name in prod.endpoints["secrets"] if "TokenSecret" in name]
    return _cli(
        prod,
        "token",
        "--user",
        user,
        "--kind",
        "hs256",
        "--secret",
        secret,
        "--json-key",
        "signing_key",
        "--claim",
        "iss=rooms-service",
        "--claim",
        "aud=rooms-api",
    )


def _replicated(prod: RunningGateway) -> None:
    """Wait until every write made so far is in every replica (the emulated lag)."""
    replicator = prod.runtime.replicator
    assert replicator is not None
    assert replicator.wait_until_idle(timeout_s=WAIT_S)


def _tls(prod: RunningGateway) -> ssl.SSLContext:
    import ssl

    return ssl.create_default_context(cafile=prod.endpoints["ca_bundle"])


def _room(prod: RunningGateway, region: str, token: str, name: str) -> str:
    created = requests.post(
        f"{_rest(prod, region)}/rooms",
        json={"name": name},
        headers={"Authorization": token},
        timeout=WAIT_S,
    )
    assert created.status_code == 201, dump(created)
    return str(created.json()["room_id"])


async def _frame(socket: ClientConnection) -> dict[str, Any]:
    answer = json.loads(await asyncio.wait_for(socket.recv(), WAIT_S))
    assert isinstance(answer, dict)
    return answer


async def _ask(socket: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await socket.send(json.dumps(message))
    return await _frame(socket)


async def _frames(socket: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [await _frame(socket) for _ in range(count)]


async def _together(*steps: Awaitable[Any]) -> list[Any]:
    """Run ``steps`` at once; every one has ended (none left running) when the first failure
    is raised."""
    results = await asyncio.gather(*steps, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def test_both_regions_apis_are_served_on_distinct_ports(prod: RunningGateway) -> None:
    # Then each region has its REST and its WebSocket API, every one on its own port
    ports = {
        url.split("/")[2]
        for region in (PRIMARY, REPLICA)
        for url in (_rest(prod, region), _ws(prod, region))
    }
    assert len(ports) == 4
    # And the global table is replicated between the two regions
    assert list(prod.endpoints["global_tables"].values()) == [[PRIMARY, REPLICA]]


def test_a_message_sent_in_one_region_reaches_a_member_connected_in_the_other(
    prod: RunningGateway,
) -> None:
    # Given a room, a member connected to us-east-1 and one connected to eu-west-1
    app = _app(prod, "alice")
    cognito = _cognito(prod, "alice")
    tls = _tls(prod)

    async def scenario() -> dict[str, Any]:
        # (each region has its own functions and workers, so what happens in both regions is
        # done in both at once: the cold starts overlap instead of adding up)
        async with contextlib.AsyncExitStack() as sockets:

            async def member(region: str) -> ClientConnection:
                url = f"{_ws(prod, region)}?token={app}"
                return await sockets.enter_async_context(connect(url, ssl=tls))

            room_id, in_eu, in_us = await _together(
                asyncio.to_thread(_room, prod, PRIMARY, cognito, "two-regions"),
                member(PRIMARY),
                member(REPLICA),
            )
            join = {"action": "join", "room_id": room_id}
            joined = await _together(_ask(in_eu, join), _ask(in_us, join))
            # (each region's memberships reach the other's replica asynchronously)
            await asyncio.to_thread(_replicated, prod)
            # When each member sends a message in its region (both at once)
            bodies = {name: f"{name} {uuid.uuid4()}" for name in ("eu->us", "us->eu")}
            for sender, name in ((in_eu, "eu->us"), (in_us, "us->eu")):
                message = {
                    "action": "send",
                    "room_id": room_id,
                    "body": bodies[name],
                    "client_id": f"c-{uuid.uuid4()}",
                }
                await sender.send(json.dumps(message))
            # (each socket gets its own send's ack and message, and the other member's message,
            # in whatever order the two regions deliver them)
            eu_frames, us_frames = await _together(_frames(in_eu, 3), _frames(in_us, 3))
            return {
                "room_id": room_id,
                "joined": joined,
                "eu->us": {"body": bodies["eu->us"], "sender": eu_frames, "member": us_frames},
                "us->eu": {"body": bodies["us->eu"], "sender": us_frames, "member": eu_frames},
            }

    seen = asyncio.run(scenario())
    room_id = seen["room_id"]
    assert seen["joined"] == [{"action": "joined", "room_id": room_id}] * 2
    for name in ("eu->us", "us->eu"):
        (ack,) = [f for f in seen[name]["sender"] if f["action"] == "sent"]
        # Then the sender's region delivered to both members, the other region's through
        # that region's @connections endpoint
        assert ack["delivered"] == 2, ack
        assert ack["failed"] == 0, ack
        # And the member connected in the other region received the message
        (member,) = [
            f
            for f in seen[name]["member"]
            if f["action"] == "message" and f["body"] == seen[name]["body"]
        ]
        assert member["message_id"] == ack["message_id"], member
        # And so did the sender itself, once
        (own,) = [f for f in seen[name]["sender"] if f.get("body") == seen[name]["body"]]
        assert own["action"] == "message", own


def test_a_token_and_a_cursor_issued_in_one_region_are_accepted_in_the_other(
    prod: RunningGateway,
) -> None:
    # Given one Cognito token (the stage's one pool, in eu-west-1) and rooms to page through
    token = _cognito(prod, "bob")
    headers = {"Authorization": token}
    for n in range(3):
        _room(prod, PRIMARY, token, f"paged-{n}")
    # When the first page is read in eu-west-1 and the next one in us-east-1 with its cursor
    first = requests.get(
        f"{_rest(prod, PRIMARY)}/rooms", params={"limit": "1"}, headers=headers, timeout=WAIT_S
    )
    assert first.status_code == 200, dump(first)
    cursor = first.json()["next_cursor"]
    assert cursor
    _replicated(prod)  # whichever replica us-east-1 reads, it has the rooms
    second = requests.get(
        f"{_rest(prod, REPLICA)}/rooms",
        params={"limit": "1", "cursor": cursor},
        headers=headers,
        timeout=WAIT_S,
    )
    # Then us-east-1 accepts both the token and the cursor (same pool, replicated secret)
    assert second.status_code == 200, dump(second)
    assert second.json()["items"]
    assert second.json()["items"][0]["room_id"] != first.json()["items"][0]["room_id"]
    # And an app token signed in one region's secret opens a WebSocket in either region
    app = _app(prod, "bob")
    tls = _tls(prod)

    async def pings() -> list[dict[str, Any]]:
        answers = []
        for region in (PRIMARY, REPLICA):
            async with connect(f"{_ws(prod, region)}?token={app}", ssl=tls) as socket:
                answers.append(await _ask(socket, {"action": "ping"}))
        return answers

    assert asyncio.run(pings()) == [{"action": "pong"}] * 2


def test_a_write_through_the_replica_regions_api_is_visible_in_the_primary_region(
    prod: RunningGateway,
) -> None:
    # Given a user with a token of the stage's pool
    headers = {"Authorization": _cognito(prod, "carol")}
    # When a room is created and a message posted through us-east-1's REST API
    room_id = _room(prod, REPLICA, headers["Authorization"], "written-in-us")
    posted = requests.post(
        f"{_rest(prod, REPLICA)}/rooms/{room_id}/messages",
        json={"body": "from us-east-1"},
        headers=headers,
        timeout=WAIT_S,
    )
    assert posted.status_code in (200, 201), dump(posted)
    # Then eu-west-1's API reads the room
    room = requests.get(f"{_rest(prod, PRIMARY)}/rooms/{room_id}", headers=headers, timeout=WAIT_S)
    assert room.status_code == 200, dump(room)
    assert room.json()["name"] == "written-in-us"
    # And each region's direct DynamoDB integration (which reads its own replica) lists the
    # message once replication has run
    _replicated(prod)
    for region in (PRIMARY, REPLICA):
        listed = _messages(prod, region, room_id, headers)
        assert [m["body"] for m in listed] == ["from us-east-1"], region


def _messages(
    prod: RunningGateway, region: str, room_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_S
    while True:
        answer = requests.get(
            f"{_rest(prod, region)}/rooms/{room_id}/messages", headers=headers, timeout=WAIT_S
        )
        assert answer.status_code == 200, dump(answer)
        items: list[dict[str, Any]] = answer.json()["items"]
        if items or time.monotonic() > deadline:
            return items
        time.sleep(0.1)


def test_while_the_primary_is_down_the_replica_serves_reads_and_refuses_writes(
    prod: RunningGateway,
) -> None:
    # Given a room written before the outage and replicated
    headers = {"Authorization": _cognito(prod, "dave")}
    room_id = _room(prod, PRIMARY, headers["Authorization"], "before-the-outage")
    _replicated(prod)
    us = _rest(prod, REPLICA)
    faults = prod.runtime.region_faults
    assert faults is not None
    # When the primary region is down
    faults.down(PRIMARY)
    try:
        read = requests.get(f"{us}/rooms/{room_id}", headers=headers, timeout=WAIT_S)
        write = requests.post(
            f"{us}/rooms", json={"name": "during"}, headers=headers, timeout=WAIT_S
        )
    finally:
        faults.up(PRIMARY)
    # Then us-east-1 serves the read from its own replica and refuses the write with 503
    assert read.status_code == 200, dump(read)
    assert read.json()["name"] == "before-the-outage"
    assert write.status_code == 503, dump(write)
    # And once the primary is back, writes through us-east-1 work again, at the latest when
    # the functions' region breaker lets a probe through (BREAKER_SECONDS after the last
    # failure)
    deadline = time.monotonic() + 3 * WAIT_S
    while True:
        again = requests.post(
            f"{us}/rooms", json={"name": "after"}, headers=headers, timeout=WAIT_S
        )
        if again.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(RETRY_S)
    assert again.status_code == 201, dump(again)
