"""transact_write / transact_get with per-item cancellation reasons."""

from __future__ import annotations

import pytest

from domain.models import Membership, Message, Room
from pydynamodel import (
    ConditionCheck,
    Create,
    Delete,
    Get,
    Put,
    Table,
    TransactionCancelled,
    Update,
)
from tests.dynamodel.models import ENDPOINT

# dynalite implements neither TransactWriteItems nor TransactGetItems.
pytestmark = pytest.mark.moto_only("transactions (TransactWriteItems, TransactGetItems)")


def test_transact_write_applies_every_operation(table: Table) -> None:
    table.create(Room(room_id="r1", name="lobby", created_by="u"))
    table.create(Room(room_id="r2", name="annex", created_by="u"))
    table.create(
        Membership(room_id="r1", connection_id="old", user_id="u", region="x", endpoint=ENDPOINT)
    )
    msg = Message(room_id="r1", message_id="m1", user_id="u", body="hi")
    table.transact_write(
        [
            Create(msg),
            Update(Room, {"room_id": "r1"}, Room.message_count.add(1)),
            Delete(Membership, {"room_id": "r1", "connection_id": "old"}),
            ConditionCheck(Room, {"room_id": "r2"}, Room.name == "annex"),
        ]
    )
    assert table.get(Room, room_id="r1").message_count == 1
    assert table.get(Message, room_id="r1", message_id="m1").body == "hi"
    assert table.find(Membership, room_id="r1", connection_id="old") is None


def test_cancellation_reasons_name_the_failing_item(table: Table) -> None:
    # Given an existing message
    table.create(Room(room_id="r1", name="lobby", created_by="u"))
    table.create(Room(room_id="r2", name="annex", created_by="u"))
    table.create(Message(room_id="r1", message_id="m1", user_id="u", body="hi"))
    # When a transaction creates it again and checks a false condition
    with pytest.raises(TransactionCancelled) as info:
        table.transact_write(
            [
                Update(Room, {"room_id": "r1"}, Room.message_count.add(1)),
                Create(Message(room_id="r1", message_id="m1", user_id="u", body="dup")),
                ConditionCheck(Room, {"room_id": "r2"}, Room.name == "other"),
            ]
        )
    # Then the reasons list every item, in order, with the failing ones coded
    reasons = info.value.reasons
    assert [r.operation for r in reasons] == ["Update", "Create", "ConditionCheck"]
    assert reasons[0].code is None
    assert reasons[1].code == "ConditionalCheckFailed"
    assert reasons[1].model == "Message"
    assert reasons[1].key == {"room_id": "r1", "message_id": "m1"}
    assert reasons[2].code == "ConditionalCheckFailed"
    assert [r.index for r in info.value.failed] == [1, 2]
    assert "Message" in str(info.value)
    assert info.value.original is not None
    # And nothing was written
    assert table.get(Room, room_id="r1").message_count == 0


def test_versioned_put_in_a_transaction_is_checked_and_bumped(table: Table) -> None:
    room = table.create(Room(room_id="r1", name="lobby", created_by="u"))
    room.name = "renamed"
    table.transact_write([Put(room)])
    assert room.version == 2
    stale = table.get(Room, room_id="r1")
    stale.version = 1
    with pytest.raises(TransactionCancelled):
        table.transact_write([Put(stale)])


def test_transact_get_returns_items_in_order_with_none_for_missing(table: Table) -> None:
    table.create(Room(room_id="r1", name="lobby", created_by="u"))
    table.create(Message(room_id="r1", message_id="m1", user_id="u", body="hi"))
    got = table.transact_get(
        [
            Get(Message, {"room_id": "r1", "message_id": "m1"}),
            Get(Room, {"room_id": "missing"}),
            Get(Room, {"room_id": "r1"}),
        ]
    )
    assert isinstance(got[0], Message)
    assert got[1] is None
    assert isinstance(got[2], Room)


def test_transaction_with_no_operations_is_refused(table: Table) -> None:
    from pydynamodel import ValidationError

    with pytest.raises(ValidationError):
        table.transact_write([])
