"""Use cases of the ``join`` and ``leave`` frames: a connection's membership of a room.

Apart from :mod:`domain.realtime.rooms` (send and delivery), so the join and leave handlers
load neither the message use cases nor the broadcaster on their cold starts. Each function
takes the ``pydynamodel`` table and raises :class:`~domain.realtime.frames.FrameError` for
anything the client did wrong, before writing. A connection's Membership items are written
and read in the connection's region (:mod:`domain.placement`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.models import Connection, Membership
from domain.placement import region_for
from domain.realtime import access
from domain.realtime.frames import FrameError
from pydynamodel import ConditionFailed, NotFound

if TYPE_CHECKING:
    from pydynamodel import Table


def join_room(table: Table, *, connection_id: str, room_id: str) -> Membership:
    """Make the connection a member of an existing room (idempotent)."""
    connection = _connection(table, connection_id)
    access.require_room(table, room_id)
    member = Membership(
        room_id=room_id,
        connection_id=connection_id,
        user_id=connection.user_id,
        region=connection.region,
        endpoint=connection.endpoint,
    )
    table.save(member, region=region_for(Membership))
    return member


def leave_room(table: Table, *, connection_id: str, room_id: str) -> None:
    """End the connection's membership of the room (one conditional delete)."""
    try:
        table.delete(
            Membership,
            condition=Membership.connection_id.exists(),
            region=region_for(Membership),
            room_id=room_id,
            connection_id=connection_id,
        )
    except ConditionFailed:
        raise FrameError(
            "not_a_member", f"this connection has not joined room {room_id!r}", field="room_id"
        ) from None


def _connection(table: Table, connection_id: str) -> Connection:
    try:
        return table.get(Connection, region=region_for(Connection), connection_id=connection_id)
    except NotFound:
        raise FrameError("not_connected", "this connection is not registered; reconnect") from None
