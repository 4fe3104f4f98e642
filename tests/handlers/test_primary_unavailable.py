"""The primary region unavailable (issue 10 item 5, docs/decisions/multi-region.md): REST
functions in the other region keep answering reads from their replica, refuse every write
with 503 without writing anything, and a retry with the same Idempotency-Key once the primary
is back creates exactly one room.

The function runs in region ``eu-west-1``; the stage's primary is ``us-east-1``. Both regions'
endpoints reach the one moto table (the global table): the primary through a proxy that can
hang (accept requests and never answer or forward them) and counts what reached it. The
table's region breaker runs on a manual clock: its 30 s window passes when the test says so.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from domain.runtime import get_table
from handlers.rest import rooms
from tests.handlers.conftest import REGION, item_count, reset_container_caches, rest_event
from tests.handlers.faults import LossyProxy, ManualClock
from tests.handlers.test_exactly_once_rooms import rooms_named

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.handlers.conftest import HttpResult

PRIMARY = "us-east-1"


@pytest.fixture(scope="module")
def primary_endpoint(aws_env: dict[str, str]) -> Iterator[LossyProxy]:
    """One proxy for the module: stopping a proxy waits out its server's poll interval (up
    to 0.5 s), once here rather than after every test."""
    with LossyProxy(aws_env["DYNAMODB_ENDPOINT_URL"], as_region=REGION) as proxy:
        yield proxy


@pytest.fixture
def primary(
    aws_env: dict[str, str], primary_endpoint: LossyProxy, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LossyProxy]:
    """The primary region's endpoint, answering and with nothing recorded, for one test in a
    fresh container of this region."""
    primary_endpoint.reset()
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("TABLE_REGIONS", f"{PRIMARY},{REGION}")
    monkeypatch.setenv(
        "DYNAMODB_ENDPOINT_URL",
        f"{PRIMARY}={primary_endpoint.url},{REGION}={aws_env['DYNAMODB_ENDPOINT_URL']}",
    )
    reset_container_caches()
    get_table().breaker.clock = ManualClock()
    yield primary_endpoint
    primary_endpoint.reset()  # requests it still holds fail at once
    reset_container_caches()  # the next test builds its table from its own environment


def recover(proxy: LossyProxy) -> None:
    """The primary answers again, and the breaker's window has passed."""
    proxy.heal()
    breaker = get_table().breaker
    assert isinstance(breaker.clock, ManualClock)
    breaker.clock.advance(breaker.seconds)


def create_event(name: str, key: str) -> dict[str, Any]:
    return rest_event("rooms_create.json", body={"name": name}, headers={"Idempotency-Key": key})


def get_event(room_id: str) -> dict[str, Any]:
    return rest_event("room_get.json", path=f"/rooms/{room_id}")


def a_room(invoke: Callable[..., HttpResult]) -> dict[str, Any]:
    result = invoke(rooms.handler, create_event(f"room-{uuid.uuid4().hex}", str(uuid.uuid4())))
    assert result.status == 201, result.body
    room: dict[str, Any] = result.body
    return room


def test_reads_are_served_by_the_peer_while_the_primary_hangs(
    invoke: Callable[..., HttpResult], primary: LossyProxy
) -> None:
    # Given a room, created through the primary, and then the primary hangs
    room = a_room(invoke)
    assert primary.count("TransactWriteItems") == 1
    primary.hang()

    # When the room is read, twice
    first = invoke(rooms.handler, get_event(room["room_id"]))
    tried = primary.hung
    second = invoke(rooms.handler, get_event(room["room_id"]))

    # Then both reads are answered from this region's replica
    assert first.status == second.status == 200, first.body
    assert first.body["name"] == second.body["name"] == room["name"]
    # And only the first waited on the primary: its breaker skips it for the window
    assert tried >= 1
    assert primary.hung == tried


def test_a_create_answers_503_writes_nothing_and_a_retry_after_recovery_creates_one_room(
    invoke: Callable[..., HttpResult], primary: LossyProxy, ddb: Any
) -> None:
    # Given the primary hangs
    name = f"while-down-{uuid.uuid4().hex}"
    key = str(uuid.uuid4())
    before = item_count(ddb)
    primary.hang()

    # When a room is created, and the client retries at once with the same key
    first = invoke(rooms.handler, create_event(name, key))
    tried = primary.hung
    at_once = invoke(rooms.handler, create_event(name, key))

    # Then both answer 503 with the error JSON, and nothing was written in any region
    for result in (first, at_once):
        assert result.status == 503, result.body
        assert result.body["error"]["code"] == "ServiceUnavailable"
        assert "retry" in result.body["error"]["message"]
    assert item_count(ddb) == before
    # And the retry did not wait on the primary again
    assert primary.hung == tried

    # When the primary is back and the client retries with the same key, twice
    recover(primary)
    retry = invoke(rooms.handler, create_event(name, key))
    again = invoke(rooms.handler, create_event(name, key))

    # Then the room is created once, and both retries answer with it
    assert retry.status == again.status == 201, retry.body
    assert retry.body["room_id"] == again.body["room_id"]
    assert [r["room_id"]["S"] for r in rooms_named(ddb, name)] == [retry.body["room_id"]]


def test_every_write_answers_503_while_the_primary_is_skipped(
    invoke: Callable[..., HttpResult], primary: LossyProxy, ddb: Any
) -> None:
    # Given a room, and a primary that hung once since (its breaker is open)
    room = a_room(invoke)
    path = f"/rooms/{room['room_id']}"
    primary.hang()
    assert invoke(rooms.handler, get_event(room["room_id"])).status == 200
    before = item_count(ddb)
    tried = primary.hung

    # When the room is renamed, deleted, and given a message
    writes = [
        rest_event("room_update.json", path=path, body={"name": "x"}, headers={"If-Match": '"1"'}),
        rest_event("room_delete.json", path=path, headers={"If-Match": '"1"'}),
        rest_event("messages_create.json", path=f"{path}/messages", body={"body": "hi"}),
    ]
    results = [invoke(rooms.handler, event) for event in writes]

    # Then each answers 503 at once, and the table is unchanged
    assert [r.status for r in results] == [503, 503, 503], [r.body for r in results]
    assert primary.hung == tried
    assert item_count(ddb) == before
