"""``query_all``: every item of a query, page after page, with no cursor (and no secret)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from domain.models import Membership, Message, Room
from pydynamodel import AsyncTable, ValidationError, new_ulid
from tests.dynamodel.models import ENDPOINT

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydynamodel import Table


def seed(table: Table, messages: int, room_id: str = "r1") -> list[str]:
    """A room with ``messages`` messages (ids in order) and one membership, in one partition."""
    table.create(Room(room_id=room_id, name="lobby", created_by="u1"))
    ids = []
    for i in range(messages):
        msg = Message(room_id=room_id, user_id=f"u{i % 2}", body=f"m{i}", message_id=new_ulid())
        ids.append(table.create(msg).message_id)
    table.create(
        Membership(room_id=room_id, connection_id="c1", user_id="u1", region="x", endpoint=ENDPOINT)
    )
    return ids


def test_every_item_is_read_across_pages_in_order(
    table: Table, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given 23 messages and pages of 5 items
    ids = seed(table, messages=23)
    sent.clear()

    # When every message of the room is iterated
    seen = [m.message_id for m in table.query_all(Message, room_id="r1", page_size=5)]

    # Then each is read once, in sort-key order, over 5 queries that follow LastEvaluatedKey
    assert seen == ids
    assert [op for op, _ in sent] == ["Query"] * 5
    assert all(params["Limit"] == 5 for _, params in sent)
    assert [("ExclusiveStartKey" in params) for _, params in sent] == [False] + [True] * 4


def test_no_cursor_secret_is_needed(
    make_table: Callable[..., Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a table with no cursor secret at all (neither argument nor environment)
    monkeypatch.delenv("DYNAMODEL_CURSOR_SECRET", raising=False)
    table = make_table(cursor_secret=None)
    ids = seed(table, messages=7)

    # When it walks several pages
    seen = [m.message_id for m in table.query_all(Message, room_id="r1", page_size=2)]

    # Then every item is read without any cursor being made
    assert seen == ids


def test_only_the_model_and_the_key_range_asked_for_are_returned(table: Table) -> None:
    # Given messages and a membership in one room, and messages in another room
    ids = seed(table, messages=6)
    seed(table, messages=3, room_id="r2")

    # When messages of r1 are iterated newest first, after the second id, by one user
    seen = table.query_all(
        Message,
        room_id="r1",
        sk=Message.message_id > ids[1],
        filter=Message.user_id == "u1",
        reverse=True,
        page_size=2,
    )

    # Then only the matching messages of that room come back, in reverse order
    assert [m.message_id for m in seen] == [ids[5], ids[3]]


def test_arguments_are_checked_at_the_call_and_requests_wait_for_iteration(
    table: Table, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given a query without its partition key value
    # When it is built
    # Then the mistake is reported at once, not at the first next()
    with pytest.raises(ValidationError, match="room_id"):
        table.query_all(Message)

    # And a correct query sends nothing until it is iterated
    sent.clear()
    iterator = table.query_all(Message, room_id="r1")
    assert sent == []
    assert list(iterator) == []
    assert [op for op, _ in sent] == ["Query"]


def test_async_query_all_reads_every_page(make_table: Callable[..., Table]) -> None:
    # Given 11 messages and an AsyncTable with pages of 3 items
    table = make_table()
    ids = seed(table, messages=11)
    atable = AsyncTable(table)

    async def collect() -> list[str]:
        return [m.message_id async for m in atable.query_all(Message, room_id="r1", page_size=3)]

    # When every message is iterated with async for
    seen = asyncio.run(collect())
    atable.close()

    # Then all of them arrive in order
    assert seen == ids
