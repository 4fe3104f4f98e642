"""Room use cases on the single table: create, read, list, update with optimistic locking,
delete. Functions take the ``Table`` as an argument so callers (and benchmarks) choose it."""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any

import dynamodel
from domain.errors import Conflict, FieldProblem, NotFound, PreconditionFailed, ValidationFailed
from domain.models import Membership, Message, Room

if TYPE_CHECKING:
    from datetime import datetime

    from dynamodel import Table

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def room_json(room: Room) -> dict[str, Any]:
    """The contract's Room JSON."""
    return {
        "room_id": room.room_id,
        "name": room.name,
        "description": room.description,
        "created_by": room.created_by,
        "created_at": iso(room.created_at),
        "updated_at": iso(room.updated_at),
        "version": room.version,
        "message_count": room.message_count or 0,
    }


def as_validation_failed(exc: dynamodel.ValidationError, prefix: str = "body") -> ValidationFailed:
    """Translate the library's field errors into the contract's field list."""
    fields = [
        FieldProblem(f"{prefix}.{e.path}" if e.path else prefix, e.message) for e in exc.errors
    ]
    return ValidationFailed("request is invalid", fields)


def create_room(table: Table, *, user_id: str, data: dict[str, Any]) -> Room:
    try:
        room = Room(name=data["name"], description=data.get("description"), created_by=user_id)
        return table.create(room)
    except dynamodel.ItemExists as exc:  # a ULID collision: practically impossible
        raise Conflict("room already exists") from exc
    except dynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc


def get_room(table: Table, room_id: str) -> Room:
    room = table.find(Room, room_id=room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found")
    return room


def list_rooms(
    table: Table, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
) -> tuple[list[Room], str | None]:
    """Newest rooms first (GSI1 ``ROOMS`` sorted by ``created_at``). A cursor the library
    did not sign for this query, whatever its characters, is ``InvalidCursor``: a 400."""
    try:
        page = table.query(Room, index="GSI1", limit=limit, cursor=cursor, reverse=True)
    except dynamodel.InvalidCursor as exc:
        raise ValidationFailed(
            "invalid pagination cursor", [FieldProblem("query.cursor", exc.errors[0].message)]
        ) from exc
    return page.items, page.cursor


def update_room(
    table: Table, room_id: str, *, changes: dict[str, Any], expected_version: int | None
) -> Room:
    actions = [getattr(Room, name).set(value) for name, value in changes.items()]
    try:
        return table.update(Room, {"room_id": room_id}, *actions, expected_version=expected_version)
    except dynamodel.NotFound as exc:
        raise NotFound(f"room {room_id} not found") from exc
    except dynamodel.ConditionFailed as exc:
        current = getattr(exc.item, "version", None)
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {current}, If-Match had {expected_version}"
        ) from exc
    except dynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc


def delete_room(table: Table, room_id: str, *, expected_version: int | None) -> None:
    """Delete the room and its whole item collection (messages and memberships).

    The room item goes first, under its optimistic-lock condition, so a stale ``If-Match``
    (412) deletes nothing. Then the rest of the ``ROOM#<id>`` partition is deleted in
    batches. No message can be added once the room item is gone (its transaction requires
    the room); a join racing the delete can leave a membership, which its TTL removes. A
    sweep cut short (timeout, throttling) is finished by the client's retry: a delete that
    finds no room (404) still sweeps whatever is left in the partition."""
    try:
        table.delete(
            Room,
            room_id=room_id,
            condition=Room.room_id.exists(),
            expected_version=expected_version,
        )
    except dynamodel.ConditionFailed as exc:
        if exc.item is None:
            _delete_collection(table, room_id)
            raise NotFound(f"room {room_id} not found") from exc
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {getattr(exc.item, 'version', None)}"
        ) from exc
    _delete_collection(table, room_id)


def _delete_collection(table: Table, room_id: str) -> None:
    """Batch-delete the messages and memberships left in the room's partition. Only the key
    attributes are read; each query covers just its entity's sort-key prefix."""
    leftovers = chain(
        table.query_all(Message, room_id=room_id, projection=[Message.room_id, Message.message_id]),
        table.query_all(
            Membership, room_id=room_id, projection=[Membership.room_id, Membership.connection_id]
        ),
    )
    table.batch_delete(leftovers)


def count_rooms(table: Table) -> int:
    """Rooms in GSI1's ``ROOMS`` partition (one ``Select=COUNT`` query per 1 MB page)."""
    return table.count(Room, index="GSI1")
