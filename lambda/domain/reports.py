"""The room activity report: messages of the last ``days`` days, counted per user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from contract.limits import MAX_REPORT_DAYS
from domain.errors import NotFound
from domain.models import Message, Room
from pydynamodel.ulid import ulid_floor

if TYPE_CHECKING:
    from pydynamodel import Table

#: Longest report period, in days (the contract's; the report handler reads it here).
MAX_DAYS = MAX_REPORT_DAYS


def room_report(
    table: Table, *, room_id: str, days: int, now: datetime | None = None
) -> dict[str, Any]:
    """Count the room's messages newer than ``days`` days, in total and per user."""
    now = now or datetime.now(UTC)
    if table.find(Room, room_id=room_id) is None:
        raise NotFound(f"room {room_id} not found")
    # Message ids are ULIDs: the smallest id of the window's first millisecond bounds the
    # sort key, so DynamoDB reads only the window.
    lower = ulid_floor(now - timedelta(days=days))
    by_user: dict[str, int] = {}
    total = 0
    window = table.query_all(
        Message, room_id=room_id, sk=Message.message_id >= lower, projection=["user_id"]
    )
    for message in window:
        total += 1
        by_user[message.user_id] = by_user.get(message.user_id, 0) + 1
    return {
        "room_id": room_id,
        "days": days,
        "message_count": total,
        "messages_by_user": by_user,
        "generated_at": now.isoformat(),
    }
