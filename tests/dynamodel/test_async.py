"""AsyncTable: the same API awaitable, without blocking the event loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from domain.models import Message, Room
from pydynamodel import AsyncTable, NotFound, Table
from tests.dynamodel.conftest import REGION
from tests.dynamodel.proxy import DelayProxy

if TYPE_CHECKING:
    from collections.abc import Callable

CALLS = 12


def test_concurrent_calls_overlap_through_a_slow_server(
    make_table: Callable[..., Table], server_url: str
) -> None:
    # Given a table reached through a proxy that delays every request by 200 ms
    make_table().create(Room(room_id="r1", name="lobby", created_by="u"))
    with DelayProxy(server_url, delay=0.2) as proxy:
        atable = AsyncTable(make_table(endpoint_url=proxy.url), max_concurrency=8)

        async def main() -> list[Room]:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            tick_task = asyncio.create_task(ticker())
            rooms = await asyncio.gather(*(atable.get(Room, room_id="r1") for _ in range(CALLS)))
            tick_task.cancel()
            assert ticks > 0  # the loop kept running while requests were in flight
            return list(rooms)

        # When many gets are awaited concurrently
        rooms = asyncio.run(main())
        atable.close()
    # Then they all succeed and the proxy saw them in flight at the same time
    assert all(r.name == "lobby" for r in rooms)
    assert proxy.max_in_flight > 1
    assert proxy.overlapping_pairs() > 0
    assert proxy.max_in_flight <= 8  # bounded by max_concurrency


def test_async_surface_mirrors_the_sync_one(make_table: Callable[..., Table]) -> None:
    atable = AsyncTable(make_table())

    async def scenario() -> None:
        await atable.create(Room(room_id="r1", name="lobby", created_by="u"))
        await atable.create(Message(room_id="r1", message_id="m1", user_id="u", body="hi"))
        assert (await atable.get(Room, room_id="r1")).name == "lobby"
        assert await atable.find(Room, room_id="zz") is None
        updated = await atable.update(Room, {"room_id": "r1"}, Room.message_count.add(1))
        assert updated.message_count == 1
        page = await atable.query(Message, room_id="r1")
        assert [m.body for m in page] == ["hi"]
        assert len(await atable.query_collection(Room, room_id="r1", models=[Room, Message])) == 2
        assert await atable.count(Message, room_id="r1") == 1
        assert len(await atable.scan(Message, segments=2)) == 1
        assert len(await atable.batch_get([(Room, {"room_id": "r1"})])) == 1
        await atable.delete(Room, room_id="r1")
        with pytest.raises(NotFound):
            await atable.get(Room, room_id="r1")

    asyncio.run(scenario())
    atable.close()


def test_connect_builds_the_table(server_url: str) -> None:
    atable = AsyncTable.connect("t", [REGION], server_url, max_concurrency=4)
    assert atable.name == "t"
    assert atable.table.regions == [REGION]
