"""get / find / create / save / update / delete against the moto server."""

from __future__ import annotations

import pytest

from domain.models import Membership, Message, Room
from pydynamodel import (
    ConditionFailed,
    ItemExists,
    NotFound,
    Table,
    ValidationError,
    VersionConflict,
)


def new_room(room_id: str = "r1", name: str = "lobby") -> Room:
    return Room(room_id=room_id, name=name, created_by="u1")


def test_create_then_get_returns_an_equal_typed_instance(table: Table) -> None:
    room = table.create(new_room())
    got = table.get(Room, room_id="r1")
    assert isinstance(got, Room)
    assert got == room
    assert got.version == 1


def test_create_writes_keys_entity_and_gsi_attributes(table: Table) -> None:
    table.create(new_room())
    raw = table.client().get_item(
        TableName=table.name, Key={"pk": {"S": "ROOM#r1"}, "sk": {"S": "META"}}
    )
    item = raw["Item"]
    assert item["entity"] == {"S": "Room"}
    assert item["GSI1PK"] == {"S": "ROOMS"}
    assert item["GSI1SK"] == item["created_at"]


def test_create_fails_when_the_item_exists(table: Table) -> None:
    # Given a stored room
    table.create(new_room())
    # When a room with the same key is created, without a condition of the caller's
    # Then ItemExists says so, whether or not the server returned the stored item
    with pytest.raises(ItemExists) as info:
        table.create(new_room(name="other"))
    assert isinstance(info.value, ConditionFailed)
    assert table.get(Room, room_id="r1").name == "lobby"


@pytest.mark.moto_only("ReturnValuesOnConditionCheckFailure (the failed item is not returned)")
def test_item_exists_carries_the_stored_item(table: Table) -> None:
    table.create(new_room())
    with pytest.raises(ItemExists) as info:
        table.create(new_room(name="other"))
    assert isinstance(info.value.item, Room)
    assert info.value.item.name == "lobby"


def test_get_missing_raises_not_found_and_find_returns_none(table: Table) -> None:
    with pytest.raises(NotFound):
        table.get(Room, room_id="nope")
    assert table.find(Room, room_id="nope") is None


def test_consistent_get_and_projection(table: Table) -> None:
    table.create(new_room())
    got = table.get(Room, room_id="r1", consistent=True, projection=[Room.name, "room_id"])
    assert got.name == "lobby"
    assert got.created_by is None  # not projected


def test_save_replaces_and_bumps_the_version(table: Table) -> None:
    room = table.create(new_room())
    room.name = "renamed"
    table.save(room)
    assert room.version == 2
    assert table.get(Room, room_id="r1").name == "renamed"


@pytest.mark.moto_only("ReturnValuesOnConditionCheckFailure (the failed item is not returned)")
def test_save_with_stale_version_raises_version_conflict(table: Table) -> None:
    # Given two copies of the same room
    table.create(new_room())
    first = table.get(Room, room_id="r1")
    second = table.get(Room, room_id="r1")
    # When both are saved
    first.name = "a"
    table.save(first)
    second.name = "b"
    # Then the second save is rejected with the stored item attached
    with pytest.raises(VersionConflict) as info:
        table.save(second)
    assert isinstance(info.value.item, Room)
    assert info.value.item.name == "a"


def test_save_with_a_user_condition(table: Table) -> None:
    table.create(Message(room_id="r1", message_id="m1", user_id="u1", body="hi"))
    msg = table.get(Message, room_id="r1", message_id="m1")
    msg.body = "edited"
    with pytest.raises(ConditionFailed):
        table.save(msg, condition=Message.user_id == "someone-else")
    table.save(msg, condition=Message.user_id == "u1")
    assert table.get(Message, room_id="r1", message_id="m1").body == "edited"


def test_update_returns_the_new_item_and_bumps_version(table: Table) -> None:
    table.create(new_room())
    updated = table.update(Room, {"room_id": "r1"}, Room.name.set("x"), Room.message_count.add(2))
    assert (updated.name, updated.message_count, updated.version) == ("x", 2, 2)


@pytest.mark.moto_only("ReturnValuesOnConditionCheckFailure (the failed item is not returned)")
def test_update_with_expected_version_conflict(table: Table) -> None:
    table.create(new_room())
    table.update(Room, {"room_id": "r1"}, Room.name.set("x"), expected_version=1)
    with pytest.raises(VersionConflict):
        table.update(Room, {"room_id": "r1"}, Room.name.set("y"), expected_version=1)


def test_update_missing_item_raises_not_found(table: Table) -> None:
    with pytest.raises(NotFound):
        table.update(Room, {"room_id": "ghost"}, Room.name.set("x"))


@pytest.mark.moto_only("ReturnValuesOnConditionCheckFailure (the failed item is not returned)")
def test_update_with_failing_condition_raises_condition_failed(table: Table) -> None:
    table.create(new_room())
    with pytest.raises(ConditionFailed) as info:
        table.update(Room, {"room_id": "r1"}, Room.name.set("x"), condition=Room.name == "other")
    assert not isinstance(info.value, VersionConflict)


def test_update_validates_values_before_sending(table: Table) -> None:
    with pytest.raises(ValidationError) as info:
        table.update(Room, {"room_id": "r1"}, Room.name.set(""))
    assert info.value.paths == ["name"]


def test_update_cannot_change_key_attributes(table: Table) -> None:
    with pytest.raises(ValidationError, match="room_id"):
        table.update(Room, {"room_id": "r1"}, Room.room_id.set("r2"))


def test_update_setting_none_removes_the_attribute(table: Table) -> None:
    room = new_room()
    room.description = "d"
    table.create(room)
    updated = table.update(Room, {"room_id": "r1"}, Room.description.set(None))
    assert updated.description is None


def test_update_upsert_creates_a_complete_item(table: Table) -> None:
    made = table.update(
        Membership,
        {"room_id": "r1", "connection_id": "c1"},
        Membership.user_id.set("u1"),
        Membership.region.set("eu-west-1"),
        upsert=True,
    )
    assert made.room_id == "r1"
    assert made.user_id == "u1"
    # And it is visible through its GSI1 key like a created item
    page = table.query(Membership, index="GSI1", connection_id="c1")
    assert [m.room_id for m in page] == ["r1"]


def test_update_of_an_index_attribute_keeps_the_gsi_key_in_sync(table: Table) -> None:
    from datetime import UTC, datetime

    table.create(new_room())
    when = datetime(2020, 1, 1, tzinfo=UTC)
    table.update(Room, {"room_id": "r1"}, Room.created_at.set(when))
    page = table.query(Room, index="GSI1", sk=Room.created_at <= when)
    assert [r.room_id for r in page] == ["r1"]


def test_delete_by_key_and_by_instance(table: Table) -> None:
    table.create(new_room("r1"))
    room2 = table.create(new_room("r2"))
    table.delete(Room, room_id="r1")
    table.delete(room2)
    assert table.find(Room, room_id="r1") is None
    assert table.find(Room, room_id="r2") is None


def test_delete_instance_with_stale_version_conflicts(table: Table) -> None:
    stale = table.create(new_room())
    table.update(Room, {"room_id": "r1"}, Room.name.set("x"))
    with pytest.raises(VersionConflict):
        table.delete(stale)
    assert table.find(Room, room_id="r1") is not None


def test_delete_with_condition(table: Table) -> None:
    table.create(new_room())
    with pytest.raises(ConditionFailed):
        table.delete(Room, room_id="r1", condition=Room.name == "nope")
    table.delete(Room, room_id="r1", condition=Room.name == "lobby")
    assert table.find(Room, room_id="r1") is None


def test_atomic_counter_increment_and_list_append(table: Table) -> None:
    from tests.dynamodel.models import Everything

    table.create(Everything(ev_id="e1"))
    table.update(Everything, {"ev_id": "e1"}, Everything.count.increment(5))
    got = table.update(
        Everything,
        {"ev_id": "e1"},
        Everything.count.increment(2),
        Everything.tags.append(["a", "b"]),
        Everything.labels.add({"x", "y"}),
    )
    assert got.count == 7
    assert got.tags == ["a", "b"]
    assert got.labels == {"x", "y"}
    got = table.update(
        Everything,
        {"ev_id": "e1"},
        Everything.labels.discard({"x"}),
        Everything.text.set_if_not_exists("first"),
    )
    got = table.update(Everything, {"ev_id": "e1"}, Everything.text.set_if_not_exists("second"))
    assert got.labels == {"y"}
    assert got.text == "first"
