"""Who may do what over WebSocket (docs/websocket-api.md, "Access rules").

The caller is always the connection API Gateway names in the request context (or, for the
publish queue, the connection id the route's template puts on the message), never a field of
the frame. Rules:

- any authenticated connection may join an existing room (``not_found`` otherwise);
- only a connection that has joined a room may send or publish to it (``forbidden``); the
  message's author is that membership's user;
- leave and disconnect only touch the caller's own memberships (their keys hold its id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.models import Membership, Room
from domain.placement import region_for
from domain.realtime.frames import FrameError

if TYPE_CHECKING:
    from pydynamodel import Table


def room_not_found(room_id: str) -> FrameError:
    return FrameError("not_found", f"room {room_id!r} does not exist", field="room_id")


def require_room(table: Table, room_id: str) -> Room:
    """The room a connection wants to join; ``not_found`` if it does not exist."""
    room = table.find(Room, room_id=room_id)
    if room is None:
        raise room_not_found(room_id)
    return room


def require_member(table: Table, *, room_id: str, connection_id: str) -> Membership:
    """The caller's membership of the room it sends to; ``forbidden`` without one."""
    member = table.find(
        Membership, region=region_for(Membership), room_id=room_id, connection_id=connection_id
    )
    if member is None:
        raise FrameError(
            "forbidden",
            f"only members may send to room {room_id!r}: join it first",
            field="room_id",
        )
    return member
