"""Batch get/save/delete: chunking to DynamoDB limits and retry of unprocessed items."""

from __future__ import annotations

from typing import Any

import pytest

from domain.models import Message, Room
from pydynamodel import Model, Table, Throttled, ValidationError


def rooms(n: int) -> list[Room]:
    return [Room(room_id=f"r{i:03}", name=f"room {i}", created_by="u") for i in range(n)]


class CallLog:
    """Wraps a client method, recording request sizes (requests still reach the server)."""

    def __init__(self, table: Table, method: str) -> None:
        self.sizes: list[int] = []
        client = table.client()
        real = getattr(client, method)

        def wrapper(**params: Any) -> Any:
            request = next(iter(params["RequestItems"].values()))
            self.sizes.append(len(request["Keys"]) if isinstance(request, dict) else len(request))
            return real(**params)

        setattr(client, method, wrapper)


def test_batch_save_chunks_by_25_and_batch_get_by_100(table: Table) -> None:
    # Given 130 rooms
    writes = CallLog(table, "batch_write_item")
    table.batch_save(rooms(130))
    assert writes.sizes == [25, 25, 25, 25, 25, 5]
    # When reading them all back (plus a missing key)
    reads = CallLog(table, "batch_get_item")
    refs: list[Any] = [(Room, {"room_id": f"r{i:03}"}) for i in range(130)]
    got = table.batch_get([*refs, (Room, {"room_id": "missing"})])
    # Then requests are chunked by 100 and found items come back in request order
    assert reads.sizes == [100, 31]
    assert all(isinstance(r, Room) for r in got)
    assert [r.room_id for r in got if isinstance(r, Room)] == [f"r{i:03}" for i in range(130)]


def test_batch_get_mixes_entities_and_instances(table: Table) -> None:
    room = table.create(Room(room_id="r1", name="x", created_by="u"))
    msg = table.create(Message(room_id="r1", message_id="m1", user_id="u", body="hi"))
    got = table.batch_get([msg, room])
    assert [type(x).__name__ for x in got] == ["Message", "Room"]


def test_batch_delete(table: Table) -> None:
    table.batch_save(rooms(30))
    table.batch_delete([(Room, {"room_id": f"r{i:03}"}) for i in range(30)])
    assert table.count(Room) == 0


def test_batch_save_validates_every_item_before_any_request(table: Table) -> None:
    items = rooms(3)
    items[1].name = ""
    items[2].created_by = None  # type: ignore[assignment]
    with pytest.raises(ValidationError) as info:
        table.batch_save(items)
    assert info.value.paths == ["[1].name", "[2].created_by"]
    assert table.count(Room) == 0


def test_unprocessed_items_are_retried_until_written(table: Table) -> None:
    # Given a server that leaves half of each batch unprocessed the first two times
    client = table.client()
    real = client.batch_write_item
    calls = {"n": 0}

    def flaky(**params: Any) -> Any:
        calls["n"] += 1
        ((name, requests),) = params["RequestItems"].items()
        if calls["n"] <= 2 and len(requests) > 1:
            half = len(requests) // 2
            real(RequestItems={name: requests[:half]})
            return {"UnprocessedItems": {name: requests[half:]}}
        return real(**params)

    client.batch_write_item = flaky  # type: ignore[method-assign]
    table.batch_backoff = 0.001
    # When saving 10 rooms
    table.batch_save(rooms(10))
    # Then every room is stored after the retries
    assert table.count(Room) == 10
    assert calls["n"] == 3


def test_unprocessed_items_that_never_succeed_raise_throttled(table: Table) -> None:
    client = table.client()

    def never(**params: Any) -> Any:
        return {"UnprocessedItems": params["RequestItems"]}

    client.batch_write_item = never  # type: ignore[method-assign]
    table.batch_backoff = 0.001
    table.batch_max_attempts = 3
    with pytest.raises(Throttled) as info:
        table.batch_save(rooms(2))
    assert info.value.unprocessed


def test_unprocessed_keys_are_retried_for_batch_get(table: Table) -> None:
    table.batch_save(rooms(4))
    client = table.client()
    real: Any = client.batch_get_item
    calls = {"n": 0}

    def flaky(**params: Any) -> Any:
        calls["n"] += 1
        ((name, request),) = params["RequestItems"].items()
        if calls["n"] == 1:
            first = real(RequestItems={name: {**request, "Keys": request["Keys"][:1]}})
            return {**first, "UnprocessedKeys": {name: {**request, "Keys": request["Keys"][1:]}}}
        return real(**params)

    client.batch_get_item = flaky  # type: ignore[method-assign]
    table.batch_backoff = 0.001
    got: list[Model] = table.batch_get([(Room, {"room_id": f"r{i:03}"}) for i in range(4)])
    assert len(got) == 4
    assert calls["n"] == 2


def test_batch_save_refuses_duplicate_keys(table: Table) -> None:
    with pytest.raises(ValidationError, match="same key"):
        table.batch_save([*rooms(2), *rooms(1)])
