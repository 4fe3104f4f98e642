"""Room use cases on the single table: create, read, list, update with optimistic locking,
delete. Functions take the ``Table`` as an argument so callers (and benchmarks) choose it.

Access rules (docs/access-control.md): any signed-in caller may create, read and list rooms;
only a room's creator or an admin may change or delete it. The rule is part of the write's
condition, so the check and the write are one atomic step (no read-then-write race).

Exactly once (docs/rest-api.md, "Retries and Idempotency-Key"): a write with a key is one
transaction with its :class:`~domain.models.RequestRecord`, so a retry after a lost answer
finds the record and returns the first outcome; a write without a key recognises its own
applied write when the SDK retries it inside the invocation (the create by its fresh room
id, the change by ``Room.write_id``)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

import pydynamodel
from contract.limits import ADMIN_GROUP as ADMIN_GROUP
from contract.limits import DEFAULT_PAGE_SIZE as DEFAULT_PAGE_SIZE
from contract.limits import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from contract.table import GSI1
from domain.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from domain.models import Membership, Message, RequestRecord, Room
from domain.translate import as_validation_failed as as_validation_failed
from domain.translate import iso as iso
from pydynamodel import Create, Delete, Put, Update

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydynamodel import Table
    from pydynamodel.conditions import Condition


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


def room_from_json(data: dict[str, Any]) -> Room:
    """The Room a :func:`room_json` describes (a replayed answer)."""
    values = dict(data)
    for name in ("created_at", "updated_at"):
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return Room(**values)


# ---------------------------------------------------------------------------- exactly once
@dataclass(frozen=True)
class Once:
    """A request with an ``Idempotency-Key``: ``key`` names one outcome of ``operation``
    (method and path) for ``user_id``; ``fingerprint`` hashes the request's input, so a
    retry (same input) is told from a reuse of the key for another request (409)."""

    user_id: str
    operation: str
    key: str
    fingerprint: str

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(f"{self.operation}\n{self.key}".encode()).hexdigest()

    def earlier(self, table: Table) -> RequestRecord | None:
        """The live record of an earlier request with this key (strongly consistent: it may
        have been written a moment ago), or ``None``."""
        record = table.find(
            RequestRecord, consistent=True, user_id=self.user_id, key_hash=self.key_hash
        )
        if record is None or _expired(record):
            return None
        if record.fingerprint != self.fingerprint:
            raise Conflict(
                "Idempotency-Key was already used with a different request",
                [FieldProblem("headers.Idempotency-Key", "reused with a different request")],
            )
        return record

    def replay(self, table: Table) -> RequestRecord:
        """The record that cancelled this request's transaction."""
        record = self.earlier(table)
        if record is None:  # written and expired within one request: only a broken clock
            raise Conflict("a request with this Idempotency-Key is still in progress")
        return record

    def put(self, result: Callable[[], dict[str, Any] | None]) -> Put:
        """The record's write, for the request's transaction: it succeeds only if no live
        record holds the key (DynamoDB's TTL deletes expired items lazily, so an expired
        record counts as absent)."""
        record = RequestRecord(
            user_id=self.user_id,
            key_hash=self.key_hash,
            operation=self.operation,
            fingerprint=self.fingerprint,
        )
        free = RequestRecord.key_hash.not_exists() | (RequestRecord.expires_at < int(time.time()))
        return _RecordPut(record, result, condition=free)


class _RecordPut(Put):
    """A record ``Put`` whose ``result`` is rendered when the transaction is built, after the
    write before it prepared its item (timestamps): the record holds exactly what is stored."""

    def __init__(
        self,
        record: RequestRecord,
        result: Callable[[], dict[str, Any] | None],
        *,
        condition: Condition,
    ) -> None:
        super().__init__(record, condition=condition)
        self._record = record
        self._result = result

    def build(self, table: Table) -> dict[str, Any]:
        value = self._result()
        self._record.result = None if value is None else json.dumps(value, sort_keys=True)
        return super().build(table)


def _expired(record: RequestRecord) -> bool:
    return record.expires_at < time.time()


def _replayed_room(record: RequestRecord) -> Room:
    return room_from_json(json.loads(record.result or "{}"))


def _cancelled_by(exc: pydynamodel.TransactionCancelled, index: int) -> bool:
    return any(r.index == index and r.code == "ConditionalCheckFailed" for r in exc.failed)


# ---------------------------------------------------------------------------- use cases
def create_room(
    table: Table, *, caller: Caller, data: dict[str, Any], once: Once | None = None
) -> Room:
    """A new room owned by ``caller`` (``created_by`` is never taken from ``data``)."""
    try:
        room = Room(
            name=data["name"], description=data.get("description"), created_by=caller.user_id
        )
        if once is None:
            return _create(table, room)
        earlier = once.earlier(table)
        if earlier is not None:
            return _replayed_room(earlier)
        # The record holds the room as stored: version 1, timestamps of the create.
        table.transact_write([Create(room), once.put(lambda: {**room_json(room), "version": 1})])
        return room
    except pydynamodel.TransactionCancelled as exc:
        if once is not None and _cancelled_by(exc, 1):
            return _replayed_room(once.replay(table))
        raise Conflict("room already exists") from exc
    except pydynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc


def _create(table: Table, room: Room) -> Room:
    try:
        return table.create(room)
    except pydynamodel.ItemExists as exc:
        # The id is a ULID this call has just drawn, so the item holding it is this call's own
        # write, applied but its answer lost and retried by the SDK.
        if isinstance(exc.item, Room) and exc.item.created_by == room.created_by:
            return exc.item
        raise Conflict("room already exists") from exc


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
        page = table.query(Room, index=GSI1, limit=limit, cursor=cursor, reverse=True)
    except pydynamodel.InvalidCursor as exc:
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
    once: Once | None = None,
) -> Room:
    """Apply ``changes`` if ``caller`` may manage the room and its version is the expected
    one. A refusal names who may act before it names the version, so a caller who may not
    manage the room learns nothing about its state."""
    write_id = uuid.uuid4().hex
    actions = [getattr(Room, name).set(value) for name, value in changes.items()]
    actions.append(Room.write_id.set(write_id))
    try:
        if once is not None:
            return _update_once(table, room_id, caller, changes, expected_version, once, write_id)
        return table.update(
            Room,
            {"room_id": room_id},
            *actions,
            condition=caller.manage_condition(),
            expected_version=expected_version,
        )
    except pydynamodel.NotFound as exc:
        raise NotFound(f"room {room_id} not found") from exc
    except pydynamodel.ConditionFailed as exc:
        if isinstance(exc.item, Room) and exc.item.write_id == write_id:
            return exc.item  # this call's own change, applied but its answer lost
        if isinstance(exc.item, Room) and not caller.may_manage(exc.item):
            raise forbidden(room_id, "change") from exc
        current = getattr(exc.item, "version", None)
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {current}, If-Match had {expected_version}"
        ) from exc
    except pydynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc


def _update_once(
    table: Table,
    room_id: str,
    caller: Caller,
    changes: dict[str, Any],
    expected_version: int | None,
    once: Once,
    write_id: str,
) -> Room:
    """The keyed change: the room is read first, the change is conditioned on the version
    read (every write of a room bumps it), so the record can hold the exact room the change
    leaves; record and change are one transaction."""
    earlier = once.earlier(table)
    if earlier is not None:
        return _replayed_room(earlier)
    current = _check_manageable(table, room_id, caller, expected_version, "change")
    now = datetime.now(UTC)
    version = current.version or 0
    result = {**room_json(current), **changes, "updated_at": iso(now), "version": version + 1}
    update = Update(
        Room,
        {"room_id": room_id},
        *[getattr(Room, name).set(value) for name, value in changes.items()],
        Room.updated_at.set(now),
        Room.write_id.set(write_id),
        condition=caller.manage_condition(),
        expected_version=version,
    )
    try:
        table.transact_write([update, once.put(lambda: result)])
    except pydynamodel.TransactionCancelled as exc:
        if _cancelled_by(exc, 1):
            return _replayed_room(once.replay(table))
        _check_manageable(table, room_id, caller, version, "change")  # changed since the read
        raise
    return room_from_json(result)


def _check_manageable(
    table: Table, room_id: str, caller: Caller, expected_version: int | None, action: str
) -> Room:
    """The room, read strongly consistent: 404, 403 and 412 in that order."""
    current = table.find(Room, consistent=True, room_id=room_id)
    if current is None:
        raise NotFound(f"room {room_id} not found")
    if not caller.may_manage(current):
        raise forbidden(room_id, action)
    if expected_version is not None and current.version != expected_version:
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {current.version}, "
            f"If-Match had {expected_version}"
        )
    return current


def delete_room(
    table: Table,
    room_id: str,
    *,
    caller: Caller,
    expected_version: int | None,
    once: Once | None = None,
) -> None:
    """Delete the room and its whole item collection (messages and memberships).

    The room item goes first, under its access and optimistic-lock conditions, so a caller
    who may not manage the room (403) or a stale ``If-Match`` (412) deletes nothing. Then the
    rest of the ``ROOM#<id>`` partition is deleted in batches. No message can be added once
    the room item is gone (its transaction requires the room); a join racing the delete can
    leave a membership, which its TTL removes. A sweep cut short (timeout, throttling) is
    finished by the client's retry: a delete that finds no room (404), or a keyed delete
    replayed, still sweeps whatever is left in the partition."""
    condition = _all(Room.room_id.exists(), caller.manage_condition())
    try:
        if once is None:
            table.delete(
                Room, room_id=room_id, condition=condition, expected_version=expected_version
            )
        elif once.earlier(table) is None:
            room = Delete(
                Room, {"room_id": room_id}, condition=condition, expected_version=expected_version
            )
            table.transact_write([room, once.put(lambda: None)])
    except pydynamodel.TransactionCancelled as exc:
        if once is None or not _cancelled_by(exc, 1):
            _refuse_delete(table, room_id, caller, expected_version)
            raise
        once.replay(table)
    except pydynamodel.ConditionFailed as exc:
        if exc.item is None:
            _delete_collection(table, room_id)
            raise NotFound(f"room {room_id} not found") from exc
        if isinstance(exc.item, Room) and not caller.may_manage(exc.item):
            raise forbidden(room_id, "delete") from exc
        raise PreconditionFailed(
            f"room {room_id} was modified: version is {getattr(exc.item, 'version', None)}"
        ) from exc
    _delete_collection(table, room_id)


def _refuse_delete(
    table: Table, room_id: str, caller: Caller, expected_version: int | None
) -> None:
    """Why a keyed delete's transaction was cancelled by the room: 404 (after sweeping what a
    cut-short delete left, as an unkeyed delete does), 403 or 412."""
    try:
        _check_manageable(table, room_id, caller, expected_version, "delete")
    except NotFound:
        _delete_collection(table, room_id)
        raise


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
