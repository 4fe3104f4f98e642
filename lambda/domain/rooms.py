"""Room use cases on the single table: create, read, list, update with optimistic locking,
delete. Functions take the ``Table`` as an argument so callers (and benchmarks) choose it.

Access rules (docs/access-control.md): any signed-in caller may create, read and list rooms;
only a room's creator or an admin may change or delete it. The rule is part of the write's
condition, so the check and the write are one atomic step (no read-then-write race)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

import dynamodel
from domain.errors import (
    AppError,
    Conflict,
    FieldProblem,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from domain.models import Membership, Message, Room

if TYPE_CHECKING:
    from datetime import datetime

    from dynamodel import Table
    from dynamodel.conditions import Condition

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
ADMIN_GROUP = "admins"
"""The Cognito user-pool group whose members may change and delete any room."""


class Forbidden(AppError):
    """The caller is known but may not do this (403)."""

    code = "Forbidden"
    status = 403


@dataclass(frozen=True)
class Caller:
    """Who makes a request, from the verified identity only (never from a body field):
    the user id (Cognito ``sub``) and the user's groups."""

    user_id: str
    groups: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups

    def may_manage(self, room: Room) -> bool:
        """Change and delete: the room's creator or an admin."""
        return self.is_admin or room.created_by == self.user_id

    def manage_condition(self) -> Condition | None:
        """``may_manage`` as a write condition (``None``: admins need none)."""
        return None if self.is_admin else Room.created_by == self.user_id


def forbidden(room_id: str, action: str) -> Forbidden:
    return Forbidden(f"only the creator of room {room_id} or an admin may {action} it")


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


def create_room(table: Table, *, caller: Caller, data: dict[str, Any]) -> Room:
    """A new room owned by ``caller`` (``created_by`` is never taken from ``data``)."""
    try:
        room = Room(
            name=data["name"], description=data.get("description"), created_by=caller.user_id
        )
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
    table: Table,
    room_id: str,
    *,
    caller: Caller,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Room:
    """Apply ``changes`` if ``caller`` may manage the room and its version is the expected
    one. A refusal names who may act before it names the version, so a caller who may not
    manage the room learns nothing about its state."""
    actions = [getattr(Room, name).set(value) for name, value in changes.items()]
    try:
        return table.update(
            Room,
            {"room_id": room_id},
            *actions,
            condition=caller.manage_condition(),
            expected_version=expected_version,
        )
    except dynamodel.NotFound as exc:
        raise NotFound(f"room {room_id} not found") from exc
    except dynamodel.ConditionFailed as exc:
        if isinstance(exc.item, Room) and not caller.may_manage(exc.item):
            raise forbidden(room_id, "change") from exc
        current = getattr(exc.item, "version", None)
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {current}, If-Match had {expected_version}"
        ) from exc
    except dynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc


def delete_room(
    table: Table, room_id: str, *, caller: Caller, expected_version: int | None
) -> None:
    """Delete the room and its whole item collection (messages and memberships).

    The room item goes first, under its access and optimistic-lock conditions, so a caller
    who may not manage the room (403) or a stale ``If-Match`` (412) deletes nothing. Then the
    rest of the ``ROOM#<id>`` partition is deleted in batches. No message can be added once
    the room item is gone (its transaction requires the room); a join racing the delete can
    leave a membership, which its TTL removes. A sweep cut short (timeout, throttling) is
    finished by the client's retry: a delete that finds no room (404) still sweeps whatever
    is left in the partition."""
    try:
        table.delete(
            Room,
            room_id=room_id,
            condition=_all(Room.room_id.exists(), caller.manage_condition()),
            expected_version=expected_version,
        )
    except dynamodel.ConditionFailed as exc:
        if exc.item is None:
            _delete_collection(table, room_id)
            raise NotFound(f"room {room_id} not found") from exc
        if isinstance(exc.item, Room) and not caller.may_manage(exc.item):
            raise forbidden(room_id, "delete") from exc
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {getattr(exc.item, 'version', None)}"
        ) from exc
    _delete_collection(table, room_id)


def _all(first: Condition, extra: Condition | None) -> Condition:
    return first if extra is None else first & extra


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
