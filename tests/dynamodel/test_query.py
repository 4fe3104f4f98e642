"""Query, item collections, GSI overloading, pagination cursors, scan and count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.models import Connection, Membership, Message, Room
from pydynamodel import InvalidCursor, SortKey, Table, ValidationError, new_ulid
from tests.dynamodel.models import ENDPOINT, RoomDraft


def seed_room(table: Table, room_id: str = "r1", messages: int = 5) -> list[Message]:
    table.create(Room(room_id=room_id, name="lobby", created_by="u1"))
    out = []
    for i in range(messages):
        msg = Message(room_id=room_id, user_id=f"u{i % 2}", body=f"m{i}", message_id=new_ulid())
        out.append(table.create(msg))
    table.create(
        Membership(
            room_id=room_id, connection_id="c1", user_id="u1", region="eu-west-1", endpoint=ENDPOINT
        )
    )
    return out


def test_query_returns_only_the_model_entity_in_sort_order(table: Table) -> None:
    msgs = seed_room(table)
    page = table.query(Message, room_id="r1")
    assert [m.body for m in page] == [m.body for m in msgs]
    assert page.cursor is None


def test_query_reverse(table: Table) -> None:
    seed_room(table)
    assert next(m.body for m in table.query(Message, room_id="r1", reverse=True)) == "m4"


def test_sort_key_conditions_on_the_templated_attribute(table: Table) -> None:
    msgs = seed_room(table)
    ids = [m.message_id for m in msgs]

    def bodies(**kw: object) -> list[str]:
        return [m.body for m in table.query(Message, room_id="r1", **kw)]  # type: ignore[arg-type]

    assert bodies(sk=Message.message_id == ids[1]) == ["m1"]
    assert bodies(sk=Message.message_id > ids[2]) == ["m3", "m4"]
    assert bodies(sk=Message.message_id >= ids[3]) == ["m3", "m4"]
    assert bodies(sk=Message.message_id < ids[1]) == ["m0"]
    assert bodies(sk=Message.message_id <= ids[1]) == ["m0", "m1"]
    assert bodies(sk=Message.message_id.between(ids[1], ids[3])) == ["m1", "m2", "m3"]
    assert bodies(sk=Message.message_id.begins_with(ids[4])) == ["m4"]
    assert bodies(sk=SortKey.begins_with(f"MSG#{ids[0]}")) == ["m0"]


def test_query_filter_and_projection(table: Table) -> None:
    seed_room(table)
    page = table.query(
        Message, room_id="r1", filter=Message.user_id == "u1", projection=[Message.body]
    )
    assert [m.body for m in page] == ["m1", "m3"]
    assert all(m.user_id is None for m in page)


def test_query_with_an_attribute_outside_the_key_is_refused(table: Table) -> None:
    with pytest.raises(ValidationError, match="use filter"):
        table.query(Message, room_id="r1", user_id="u1")


def test_query_collection_returns_typed_instances_by_entity(table: Table) -> None:
    seed_room(table, messages=2)
    items = table.query_collection(Room, room_id="r1", models=[Room, Message, Membership])
    kinds = sorted(type(i).__name__ for i in items)
    assert kinds == ["Membership", "Message", "Message", "Room"]


def test_query_collection_skips_entities_not_asked_for(table: Table) -> None:
    seed_room(table, messages=2)
    items = table.query_collection(Room, room_id="r1", models=[Room, Membership])
    assert sorted(type(i).__name__ for i in items) == ["Membership", "Room"]


def test_gsi_overloading_separates_entities_sharing_a_partition(table: Table) -> None:
    # Given a user with messages and a connection: both live under GSI1PK = USER#u1
    seed_room(table)
    table.create(
        Connection(connection_id="c9", user_id="u1", region="eu-west-1", endpoint=ENDPOINT)
    )
    # Then each model's query on GSI1 returns only its own entity
    assert [m.body for m in table.query(Message, index="GSI1", user_id="u1")] == ["m1", "m3"]
    conns = table.query(Connection, index="GSI1", user_id="u1")
    assert [c.connection_id for c in conns] == ["c9"]


def test_rooms_listed_newest_first_through_gsi1(table: Table) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(3):
        table.create(
            Room(room_id=f"r{i}", name=f"n{i}", created_by="u", created_at=base + timedelta(i))
        )
    page = table.query(Room, index="GSI1", reverse=True)
    assert [r.room_id for r in page] == ["r2", "r1", "r0"]
    after = table.query(Room, index="GSI1", sk=Room.created_at > base)
    assert [r.room_id for r in after] == ["r1", "r2"]


def test_memberships_per_room_and_per_connection(table: Table) -> None:
    for room in ("a", "b"):
        table.create(
            Membership(room_id=room, connection_id="c1", user_id="u", region="x", endpoint=ENDPOINT)
        )
    table.create(
        Membership(room_id="a", connection_id="c2", user_id="v", region="x", endpoint=ENDPOINT)
    )
    members = table.query(Membership, room_id="a")
    assert sorted(m.connection_id for m in members) == ["c1", "c2"]
    rooms = table.query(Membership, index="GSI1", connection_id="c1")
    assert sorted(m.room_id for m in rooms) == ["a", "b"]


def test_pagination_walks_every_item_exactly_once(table: Table) -> None:
    # Given 23 messages
    msgs = seed_room(table, messages=23)
    seen: list[str] = []
    cursor = None
    pages = 0
    # When reading pages of 5 with the opaque cursor
    while True:
        page = table.query(Message, room_id="r1", limit=5, cursor=cursor)
        pages += 1
        assert len(page) <= 5
        seen += [m.message_id for m in page]
        cursor = page.cursor
        if cursor is None:
            break
    # Then every message is seen once, in order
    assert seen == [m.message_id for m in msgs]
    assert pages >= 5


def test_limit_counts_returned_items_even_with_a_filter(table: Table) -> None:
    seed_room(table, messages=10)
    page = table.query(Message, room_id="r1", limit=3, filter=Message.user_id == "u1")
    assert [m.body for m in page] == ["m1", "m3", "m5"]
    rest = table.query(Message, room_id="r1", filter=Message.user_id == "u1", cursor=page.cursor)
    assert [m.body for m in rest] == ["m7", "m9"]


def test_tampered_cursor_is_rejected(table: Table) -> None:
    seed_room(table, messages=4)
    cursor = table.query(Message, room_id="r1", limit=2).cursor
    assert cursor is not None
    payload, sig = cursor.split(".")
    import base64
    import json

    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["sk"]["S"] = "MSG#0"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    with pytest.raises(InvalidCursor):
        table.query(Message, room_id="r1", limit=2, cursor=f"{forged}.{sig}")
    with pytest.raises(InvalidCursor):
        table.query(Message, room_id="r1", cursor="garbage")
    # InvalidCursor is a ValidationError, so handlers can answer 400
    assert issubclass(InvalidCursor, ValidationError)


def test_cursor_cannot_be_replayed_against_another_partition(table: Table) -> None:
    seed_room(table, "r1", messages=4)
    seed_room(table, "r2", messages=4)
    cursor = table.query(Message, room_id="r1", limit=2).cursor
    with pytest.raises(InvalidCursor):
        table.query(Message, room_id="r2", limit=2, cursor=cursor)


def test_cursor_from_a_table_with_another_secret_is_rejected(
    table: Table, make_table: object
) -> None:
    seed_room(table, messages=4)
    cursor = table.query(Message, room_id="r1", limit=2).cursor
    other = make_table(cursor_secret="another-secret")  # type: ignore[operator]
    with pytest.raises(InvalidCursor):
        other.query(Message, room_id="r1", limit=2, cursor=cursor)


def test_scan_with_parallel_segments_and_filter(table: Table) -> None:
    seed_room(table, messages=12)
    everything = table.scan(Message, segments=4)
    assert len(everything) == 12
    assert all(isinstance(m, Message) for m in everything)
    only_u0 = table.scan(Message, filter=Message.user_id == "u0", segments=3)
    assert sorted(m.body for m in only_u0) == sorted(f"m{i}" for i in range(0, 12, 2))


def test_count_by_query_and_by_scan(table: Table) -> None:
    seed_room(table, messages=7)
    assert table.count(Message, room_id="r1") == 7
    assert table.count(Message, room_id="r1", filter=Message.user_id == "u0") == 4
    assert table.count(Message) == 7
    assert table.count(Room) == 1
    assert table.count(Message, segments=2) == 7


def seed_rooms_index(table: Table, rooms: int) -> None:
    """``rooms`` rooms plus neighbours on GSI1: drafts in the same ``ROOMS`` partition, and
    messages and a connection in ``USER#`` partitions."""
    for i in range(rooms):
        table.create(Room(room_id=f"r{i}", name=f"room {i}", created_by="u1"))
        table.create(Message(room_id=f"r{i}", user_id="u1", body="hi"))
    for i in range(2):
        table.create(RoomDraft(draft_id=f"d{i}"))
    table.create(
        Connection(connection_id="c1", user_id="u1", region="eu-west-1", endpoint=ENDPOINT)
    )


def test_count_of_a_constant_partition_queries_it_instead_of_scanning(
    table: Table, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given 3 rooms on GSI1 "ROOMS", next to drafts in that partition and other entities
    seed_rooms_index(table, rooms=3)
    sent.clear()

    # When rooms are counted on GSI1 without any key value (its pk template is constant)
    count = table.count(Room, index="GSI1")

    # Then one Select=COUNT query of the ROOMS partition answers, counting rooms only
    assert count == 3
    assert [op for op, _ in sent] == ["Query"]
    params = sent[0][1]
    assert params["Select"] == "COUNT"
    assert params["IndexName"] == "GSI1"
    values = params["ExpressionAttributeValues"].values()
    assert {"S": "ROOMS"} in values  # the partition
    assert {"S": "Room"} in values  # the entity filter that leaves the drafts out


def test_count_of_a_constant_partition_sums_every_page(
    table: Table, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given 7 rooms and a server that answers each query with pages of 2 items
    seed_rooms_index(table, rooms=7)

    def two_per_page(params: dict[str, Any], **_: Any) -> None:
        params["Limit"] = 2

    table.client().meta.events.register("provide-client-params.dynamodb.Query", two_per_page)
    sent.clear()

    # When rooms are counted, also through a filter
    count = table.count(Room, index="GSI1")

    # Then the counts of every page add up, each page continuing from the last one
    assert count == 7
    assert len(sent) >= 4
    assert all("ExclusiveStartKey" in params for _, params in sent[1:])
    assert table.count(Room, index="GSI1", filter=Room.name.is_in(["room 1", "room 5"])) == 2


def test_count_without_key_values_still_scans_when_the_template_needs_them(
    table: Table, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given messages, whose GSI1 partition key needs a user id
    seed_rooms_index(table, rooms=2)
    sent.clear()

    # When messages are counted on GSI1 without a user id
    count = table.count(Message, index="GSI1")

    # Then the index is scanned for the entity (there is no single partition to query)
    assert count == 2
    assert {op for op, _ in sent} == {"Scan"}
