"""Message use cases: post a message to an existing room (and count it on the room)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dynamodel
from domain.errors import NotFound
from domain.models import Message, Room
from domain.rooms import as_validation_failed, iso
from dynamodel import Create, Update

if TYPE_CHECKING:
    from dynamodel import Table


def message_json(message: Message) -> dict[str, Any]:
    """The contract's Message JSON."""
    return {
        "room_id": message.room_id,
        "message_id": message.message_id,
        "user_id": message.user_id,
        "body": message.body,
        "created_at": iso(message.created_at),
    }


def create_message(table: Table, *, room_id: str, user_id: str, body: str) -> Message:
    """Write the message and bump the room's counter in one transaction, so a message never
    lands in a room that does not exist (the counter update requires the room item)."""
    try:
        message = Message(room_id=room_id, user_id=user_id, body=body)
        table.transact_write(
            [Create(message), Update(Room, {"room_id": room_id}, Room.message_count.add(1))]
        )
    except dynamodel.TransactionCancelled as exc:
        if any(r.index == 1 for r in exc.failed):
            raise NotFound(f"room {room_id} not found") from exc
        raise
    except dynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc
    return message
