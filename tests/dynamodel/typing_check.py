"""Checked by mypy --strict (never run): code written against the models type-checks.

``tests/dynamodel/test_typing.py`` runs mypy on this file (must be clean) and on snippets
with a wrong type or a wrong attribute name (must fail).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import assert_type

from domain.models import Connection, Membership, Message, Room
from pydynamodel import AsyncTable, Condition, Page, Table, UpdateAction
from pydynamodel import fields as f
from tests.dynamodel.models import ENDPOINT, Address, Color, Everything


def typed_reads(table: Table) -> None:
    room = table.get(Room, room_id="r1")
    assert_type(room, Room)
    assert_type(room.room_id, str)
    assert_type(room.name, str)
    assert_type(room.description, str | None)
    assert_type(room.created_at, datetime)
    assert_type(room.version, int)
    assert_type(room.message_count, int)
    assert_type(table.find(Room, room_id="r1"), Room | None)
    page = table.query(Message, room_id="r1", limit=10)
    assert_type(page, Page[Message])
    assert_type(page.items, list[Message])
    assert_type(page.cursor, str | None)
    for msg in page:
        assert_type(msg.body, str)
    assert_type(table.scan(Connection), list[Connection])
    for message in table.query_all(Message, room_id="r1"):
        assert_type(message, Message)
    updated = table.update(Room, {"room_id": "r1"}, Room.message_count.add(1))
    assert_type(updated, Room)


def typed_class_access() -> None:
    assert_type(Room.name, f.Str)
    assert_type(Room.name == "x", Condition)
    assert_type(Room.name.begins_with("a") & (Room.message_count > 3), Condition)
    assert_type(Room.name.set("x"), UpdateAction)


def typed_construction() -> None:
    room = Room(room_id="r1", name="lobby", created_by="u1", description=None)
    room.name = "renamed"
    room.description = None
    membership = Membership(
        room_id="r1", connection_id="c1", user_id="u1", region="eu-west-1", endpoint=ENDPOINT
    )
    assert_type(membership.expires_at, int)
    ev = Everything(ev_id="e", amount=Decimal("1.5"), color=Color.RED)
    assert_type(ev.amount, Decimal | None)
    assert_type(ev.address, Address | None)
    assert_type(ev.tags, list[str])


async def typed_async(atable: AsyncTable) -> None:
    room = await atable.get(Room, room_id="r1")
    assert_type(room, Room)
    page = await atable.query(Message, room_id="r1")
    assert_type(page, Page[Message])
    async for member in atable.query_all(Membership, room_id="r1"):
        assert_type(member, Membership)
